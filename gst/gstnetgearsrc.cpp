/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: netgearsrc.
 *
 * SECTION:element-netgearsrc
 *
 * Receives from many NetGear senders at once (netgearsink, or Python vidgear
 * NetGear servers in multi-server mode): one REP (pattern=1) or SUB
 * (pattern=2) socket per port, each port a pad src_<port> whose buffers
 * carry caps from the wire and a GstNetGearMeta naming the port and the
 * sender's message. The ports are those of `ports`, and those requested:
 * gst_element_request_pad_simple (src, "src_5570") adds a port to a running
 * element, and releasing the pad removes it.
 *
 *   gst-launch-1.0 netgearsrc ports="5566,5567" name=s \
 *       compositor name=mix sink_1::xpos=640 ! videoconvert ! autovideosink \
 *       s.src_5566 ! queue ! videoconvert ! mix.sink_0 \
 *       s.src_5567 ! queue ! videoconvert ! mix.sink_1
 *
 * Threads: each port's pad has a task that owns that port's socket: it
 * waits in zmq_poll() on the socket, its monitor and a wake-up, reads a
 * message, checks it, answers it (pattern 1) and pushes the frame. A slow
 * branch holds up only its own sender: in pattern 1 that sender waits for
 * its answer; in pattern 2 the frames that waited meanwhile are replaced by
 * the newest. The only other thread is the ZAP handler, with security
 * (netgear::ReceiverContext).
 *
 * A port's life is one phase (IDLE, CONNECTED, STREAMING, ENDED), changed
 * by its task only; the end of stream across ports is one rule
 * (end_if_all_gone): a sender's terminate message ends its pad (EOS), and so
 * does its silence: a sender that sent frames and then sends nothing for
 * `timeout` ms (it died, its host or network is gone, or it stalled) is
 * reported (netgear-server-timeout) and counts as gone. Once every sender
 * that has connected is gone, every pad ends, those of ports that never
 * connected too, and the element drops whatever comes later until it is
 * restarted. A sender that disconnects before its first frame no longer
 * counts (netgear-server-disconnected). A sender that comes back before the
 * end starts a new stream (STREAM_START) on its pad and is
 * netgear-server-connected again.
 *
 * Bidirectional mode (bidirectional=true, pattern 1): every frame is
 * answered with a JSON value, as NetGear's client does with recv(return_data):
 * the `reply` property (one value for every sender, NetGear's behaviour), or
 * what the application's "compute-reply" handler returns for that frame of
 * that sender, on that port's task.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnetgearsrc.h"

#include <gst/base/gstflowcombiner.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "gstnetgearcommon.h"
#include "gstnetgearmeta.h"
#include "netgearconn.h"
#include "netgearformat.h"
#include "netgearwire.h"

GST_DEBUG_CATEGORY_STATIC(gst_netgear_src_debug);
#define GST_CAT_DEFAULT gst_netgear_src_debug

#define DEFAULT_ADDRESS "*"
#define DEFAULT_PORTS ""
#define DEFAULT_MAX_BUFFERS 2
#define DEFAULT_MAX_MESSAGE_SIZE (G_GINT64_CONSTANT(256) * 1024 * 1024)
#define DEFAULT_TIMEOUT 10000
#define DEFAULT_DISCONNECT_TIMEOUT 500
#define DEFAULT_KEEP_LISTENING FALSE
/* latency=-1: none of our own when frames are stamped on arrival (a
 * pipeline without a queue after a pad would otherwise block each push for
 * the latency, and slow its sender down); with capture times, room for the
 * network's delay. */
#define DEFAULT_LATENCY (-1)
#define AUTO_SENDER_LATENCY_MS 200
#define DEFAULT_TIMESTAMP_MODE GST_NETGEAR_TIMESTAMP_ARRIVAL
/* A sender's capture time later than its arrival by more than the
 * clocks may disagree, or earlier by more than an hour, is not in this
 * pipeline's clock: the frame keeps its arrival time. */
#define CAPTURE_AHEAD_NS (1 * GST_SECOND)
#define CAPTURE_BEHIND_NS (3600 * GST_SECOND)
/* NTP time counts from 1900, UNIX time from 1970. */
#define NTP_UNIX_OFFSET_NS (G_GUINT64_CONSTANT(2208988800) * GST_SECOND)
/* At most one keyframe request per port in this time: a lossy link must
 * not turn the stream into keyframes only. */
#define KEY_REQUEST_INTERVAL_US (500 * 1000)
/* How long delta frames are held back awaiting a keyframe before they are
 * passed on anyway. */
#define KEYFRAME_WAIT_US (5 * G_USEC_PER_SEC)
/* Drops of one reason on one port are logged one by one up to this count,
 * then every LOG_EVERY-th, so a hostile peer cannot flood the log. */
#define LOG_FIRST 10
#define LOG_EVERY 1000
/* A bus message about one peer and reason is posted again for the same
 * peer and reason at most this often, so that a peer reconnecting ten
 * times a second does not flood the bus; every occurrence is counted. */
#define REPOST_US (5 * G_USEC_PER_SEC)
/* Senders remembered per port to tell two senders on one port from one
 * that reconnects (bounded: a peer may open any number of connections). */
#define MAX_SOURCES 16
/* A connection closed during its handshake is posted as a pattern
 * mismatch only when the same peer does it again within this time: a
 * sender with the other pattern keeps retrying (netgearsink every second),
 * where a port scan or a health check connects once. */
#define MISMATCH_AGAIN_US (60 * G_USEC_PER_SEC)
/* Pattern 2: messages read at most at once, the newest frame kept; the
 * socket holds at most max-buffers per connection anyway. */
#define MAX_DRAIN 64

enum {
  PROP_PORTS = PROP_NETGEAR_COMMON_LAST,
  PROP_MAX_BUFFERS,
  PROP_MAX_MESSAGE_SIZE,
  PROP_STATS,
  PROP_REPLY,
  PROP_REPLY_JSON, /* installed with PROP_REPLY: its id + 1 */
  PROP_TIMEOUT,
  PROP_DISCONNECT_TIMEOUT,
  PROP_KEEP_LISTENING,
  PROP_LATENCY,
  PROP_TIMESTAMP_MODE,
};

typedef enum {
  GST_NETGEAR_TIMESTAMP_ARRIVAL = 0,
  GST_NETGEAR_TIMESTAMP_SENDER = 1,
  GST_NETGEAR_TIMESTAMP_SENDER_UNIX = 2,
} GstNetGearTimestampMode;

static GType gst_netgear_timestamp_mode_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_NETGEAR_TIMESTAMP_ARRIVAL, "The time a frame arrived here", "arrival"},
      {GST_NETGEAR_TIMESTAMP_SENDER,
       "The time the frame was captured, in the sender pipeline's clock, which must be this pipeline's "
       "(GstNetClientClock of this pipeline's GstNetTimeProvider, a PTP clock)",
       "sender"},
      {GST_NETGEAR_TIMESTAMP_SENDER_UNIX,
       "The time the frame was captured, in UNIX time: the hosts' system clocks must agree (NTP, PTP)",
       "sender-unix"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstNetGearTimestampMode", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

enum {
  SIGNAL_COMPUTE_REPLY,
  LAST_SIGNAL
};
static guint src_signals[LAST_SIGNAL];

namespace {

constexpr size_t kReasons = static_cast<size_t>(netgear::DropReason::N_REASONS);

/* When something about a peer was last posted, and what. */
struct Throttle {
  uint64_t posted_us = 0;
  std::string what;
  bool posted = false;
  /* Whether to post `what` now; records that it is posted. */
  bool due(const std::string &w, uint64_t now) {
    if (posted && w == what && now - posted_us < REPOST_US)
      return false;
    what = w;
    posted_us = now;
    posted = true;
    return true;
  }
  bool first() const { return !posted; }
};

/* A sender on a port, as far as the messages tell: our senders' stream id,
 * else (vidgear's frames) the connection. */
struct Source {
  uint64_t key;
  int fd; /* the connection it was last seen on */
};

/* A port's sender, as the end of stream counts it. */
enum class Phase {
  IDLE,      /* none: not yet, or it left before its first frame */
  CONNECTED, /* its handshake is done, no frame yet: it counts as there */
  STREAMING, /* it sent frames: its stream is open on the pad */
  ENDED,     /* its stream ended (terminate, timeout): EOS pushed; one that comes back opens a new one */
};

const char *phase_name(Phase p) {
  switch (p) {
  case Phase::IDLE:
    return "idle";
  case Phase::CONNECTED:
    return "connected";
  case Phase::STREAMING:
    return "streaming";
  default:
    return "ended";
  }
}

/* What the application reads (stats), guarded by PortState::stats_mu. */
struct Counters {
  uint64_t frames = 0, bytes = 0, terminates = 0, port_mismatch = 0, timeouts = 0, departures = 0, connections = 0;
  uint64_t key_requests = 0;
  uint64_t late = 0; /* timestamp-mode=sender: pushed after capture + latency */
  uint64_t newer_extension = 0, disconnects = 0, auth_failures = 0, pattern_mismatches = 0, extra_senders = 0;
  std::array<uint64_t, kReasons> drops{};
  guint64 last_seen = 0; /* CLOCK_REALTIME ns of its newest message, 0: never */
  /* From the sender's send time (its CLOCK_REALTIME, in our extension) to
   * the frame's arrival here: meaningful across hosts as far as their
   * clocks agree (NTP/PTP), so it may even be negative. */
  gint64 latency_last = 0, latency_max = G_MININT64;
  double latency_sum = 0; /* ns; a double cannot overflow in any run */
  guint64 latency_count = 0;
  std::string peer;
};

/* A frame ready for its pad. */
struct Item {
  GstBuffer *buffer = nullptr;
  GstCaps *caps = nullptr;
  GstClockTime arrival = GST_CLOCK_TIME_NONE; /* clock time when it arrived */
  GstClockTime capture = GST_CLOCK_TIME_NONE; /* clock time it was captured (timestamp-mode=sender*) */
  GstClockTimeDiff pts_offset = 0;            /* sender's PTS - DTS, to keep decode order */
  bool has_dts = false;
  size_t bytes = 0; /* the payload's size on the wire */
  bool discont = false; /* something before it was lost */
  void clear() {
    gst_clear_buffer(&buffer);
    gst_clear_caps(&caps);
  }
};

struct PortState {
  GstNetGearSrc *src = nullptr;
  int port = 0;
  GstPad *pad = nullptr;
  bool requested = false; /* a request pad, rather than one of `ports` */
  /* Bound from READY on. Its task uses it while the pad is active; the
   * thread that starts the element, requests or releases the pad binds and
   * closes it while the pad is not (pad activation and deactivation are
   * the memory barriers). */
  std::unique_ptr<netgear::PortSocket> sock;
  std::atomic<bool> flushing{true};
  std::atomic<GThread *> task_thread{nullptr}; /* the thread running its task */
  /* A keyframe is wanted: set by the task after a loss, or by a
   * GstForceKeyUnit event from downstream (any thread); the task asks. */
  std::atomic<bool> key_wanted{false};

  /* Written under SrcState::lock, which the end of stream reads across
   * ports: by the port's task, or by a reset while the task does not run. */
  Phase phase = Phase::IDLE;

  std::mutex stats_mu; /* guards c; taken last, briefly */
  Counters c;

  /* The port's task only (and the state-change thread while it does not
   * run). */
  netgear::ReceiveMapper mapper;
  netgear::Message msg;
  std::vector<netgear::PortEvent> events;
  bool have_seq = false;
  uint64_t stream = 0, seq = 0, received = 0;
  bool warned_port = false;
  uint64_t heard_us = 0; /* liveness: when it was last heard from; 0: not watched */
  bool gone_pending = false; /* its last connection closed; told once nothing is left to read */
  uint64_t closed_us = 0;    /* when its last connection closed */
  bool sender_ours = false;  /* the message in hand is a frame from a netgearsink (it takes control messages) */
  uint64_t key_asked_us = 0; /* when a keyframe was last asked for */
  uint64_t gate_since_us = 0; /* delta frames held back since, awaiting a keyframe; 0: none */
  bool warned_no_keyframe = false;
  /* The reference timestamp caps its sender sent last, parsed; whether a
   * bad one, or capture times not in our clock, were warned of; the DTS
   * (else PTS) pushed last (timestamp-mode=sender: never back in time). */
  std::string reference_text;
  GstCaps *reference_caps = nullptr;
  bool warned_reference = false, warned_capture = false;
  GstClockTime last_stamp = GST_CLOCK_TIME_NONE;
  /* Bidirectional: the answers the newest frames got (at most
   * kRecentReplies, oldest first), so that a copy of one of them (a sender
   * with several in flight sends them all again after a lost connection)
   * gets the same answer again; and the reply property as last encoded. */
  struct SentReply {
    uint64_t stream, seq;
    std::string reply;
  };
  std::deque<SentReply> recent_replies;
  bool warned_bad_reply = false;
  std::string shared_reply;
  guint64 shared_gen = G_MAXUINT64;
  Throttle auth_posted, mismatch_posted;
  std::string mismatch_peer; /* the newest handshake closed, and when */
  uint64_t mismatch_us = 0;
  /* The senders seen on open connections, newest last, and the one the last
   * frame came from: a frame from another that was seen before, while it
   * is still connected, means two senders share the port (one reconnecting,
   * or restarted, never comes back to its old connection or stream). */
  std::vector<Source> sources;
  uint64_t last_source = 0;
  bool have_last_source = false;
  std::vector<uint64_t> shared_sources; /* seen sharing: extra_senders is their number less one */
  /* The pad's stream. */
  GstCaps *pushed_caps = nullptr;
  bool idle = true; /* nothing pushed yet since the start */
  bool need_stream_start = true;
  bool needs_flush = false;
  bool need_segment = true;
  bool discont = true;
  bool eos_pushed = false; /* the stream's EOS went; a new stream clears it */

  ~PortState() {
    gst_clear_caps(&pushed_caps);
    gst_clear_caps(&reference_caps);
  }

  template <typename F> void count(F f) {
    std::lock_guard<std::mutex> lk(stats_mu);
    f(c);
  }
};

struct SrcState {
  /* pads_mu serializes what adds, removes, binds and closes ports: the start
   * (NULL to READY), the stop (READY to NULL), pad requests and releases.
   * Recursive: a pad-added handler may request a pad. Never held across a
   * pad's deactivation (which waits for its task), so a task may request
   * or release pads without a deadlock.
   * lock guards the ports list, every port's phase, some_ended and the
   * flow combiner; never held across a wait, a push or a bus post.
   * Order: pads_mu, then lock, then a port's stats_mu; the object lock is
   * taken alone. */
  std::recursive_mutex pads_mu;
  std::mutex lock;
  std::vector<std::unique_ptr<PortState>> ports;
  GstFlowCombiner *flow = nullptr;
  netgear::ReceiverContext ctx;
  bool bound = false; /* under pads_mu: ctx is open and ports bind as they come (READY or above) */
  bool some_ended = false; /* a sender that sent frames terminated or timed out since the start */
  std::atomic<bool> playing{false};
  std::atomic<bool> all_ended{false};
  /* Set while no task runs, going to READY (pattern to fallback_reply) or
   * PAUSED (timeout_ms, disconnect_timeout_ms, keep_listening,
   * max_buffers); read by the tasks. */
  int pattern = 1;
  bool bidirectional = false;
  bool security = false; /* secure-mode or allowed-addresses is set */
  int timeout_ms = DEFAULT_TIMEOUT;
  int disconnect_timeout_ms = DEFAULT_DISCONNECT_TIMEOUT;
  bool keep_listening = DEFAULT_KEEP_LISTENING;
  size_t max_buffers = DEFAULT_MAX_BUFFERS;
  int timestamp_mode = DEFAULT_TIMESTAMP_MODE;
  /* The latency in effect (the property, or what -1 stands for in this
   * timestamp mode), ns: may change while playing (any thread). */
  std::atomic<GstClockTime> latency{0};
  std::string plain_reply;    /* NetGear's answer to every request in plain mode */
  std::string fallback_reply; /* when handling a message failed: plain, or null in bidirectional mode */
  std::atomic<bool> warned_newer{false};
  std::atomic<bool> flow_error{false}; /* posted: every pad unlinked, or a flow error */
};

} // namespace

struct _GstNetGearSrc {
  GstElement parent;
  GstNetGearCommon common;
  gchar *ports;
  guint max_buffers;
  gint64 max_message_size;
  guint timeout;
  guint disconnect_timeout;
  gboolean keep_listening;
  gint latency;
  gint timestamp_mode;
  GstNetGearValueProperty *reply;
  SrcState *state;
};

static void gst_netgear_src_uri_handler_init(gpointer g_iface, gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE(GstNetGearSrc, gst_netgear_src, GST_TYPE_ELEMENT,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER, gst_netgear_src_uri_handler_init));
/* Primary: what a netgear:// URI asks for (uridecodebin, playbin). */
GST_ELEMENT_REGISTER_DEFINE(netgearsrc, "netgearsrc", GST_RANK_PRIMARY, GST_TYPE_NETGEAR_SRC);

/* Two templates for one kind of pad, src_<port>: the ports of `ports`
 * get theirs going to READY (sometimes pads, which gst-launch-1.0 links by
 * name or not, and uridecodebin follows), any port can be asked for by
 * name (request pads, also while playing). The names differ only so that
 * both can be the element's. */
static GstStaticPadTemplate port_template =
    GST_STATIC_PAD_TEMPLATE("src_%d", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate request_template =
    GST_STATIC_PAD_TEMPLATE("src_%u", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

namespace {

void free_zmq_msg(gpointer p) {
  auto *m = static_cast<zmq_msg_t *>(p);
  zmq_msg_close(m);
  delete m;
}

/* The received bytes become the buffer's memory: no copy. */
GstBuffer *buffer_from_part(netgear::Part &part) {
  size_t size = part.size();
  GstBuffer *buf = gst_buffer_new();
  if (size == 0)
    return buf;
  auto *m = new zmq_msg_t;
  zmq_msg_init(m);
  zmq_msg_move(m, part.get());
  /* Taken after the move: a small message keeps its bytes inside zmq_msg_t. */
  void *data = zmq_msg_data(m);
  gst_buffer_append_memory(buf, gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, data, size, 0, size, m,
                                                       free_zmq_msg));
  return buf;
}

bool declared_port_matches(const netgear::Json &declared, int port) {
  if (declared.is_number_integer())
    return declared.get<int64_t>() == port;
  if (declared.is_string())
    return declared.get<std::string>() == std::to_string(port);
  return true; /* absent: nothing claimed */
}

std::string random_device_id() {
  /* NetGear's client answers with a random 8-letter id. */
  std::random_device rd;
  std::string id(8, 'A');
  for (char &c : id)
    c = static_cast<char>('A' + rd() % 26);
  return id;
}

void post(GstNetGearSrc *self, GstStructure *s) {
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

/* The latency property in ns; -1 chooses by the timestamp mode. */
GstClockTime effective_latency(gint latency_ms, gint mode) {
  if (latency_ms < 0)
    latency_ms = mode == GST_NETGEAR_TIMESTAMP_ARRIVAL ? 0 : AUTO_SENDER_LATENCY_MS;
  return static_cast<GstClockTime>(latency_ms) * GST_MSECOND;
}

GstClockTime clock_now(GstNetGearSrc *self) {
  GstClockTime now = GST_CLOCK_TIME_NONE;
  if (GstClock *clock = gst_element_get_clock(GST_ELEMENT(self))) {
    now = gst_clock_get_time(clock);
    gst_object_unref(clock);
  }
  return now;
}

bool present(Phase p) { return p == Phase::CONNECTED || p == Phase::STREAMING; }

/* ---- the end of stream across ports ---- */

/* Under SrcState::lock: once every sender that connected is gone, and one
 * that sent frames ended (terminated or timed out), every pad ends, as
 * NetGear's client does; each port's task pushes its EOS. */
void end_if_all_gone(GstNetGearSrc *self) {
  SrcState *st = self->state;
  if (st->all_ended || !st->some_ended || st->keep_listening)
    return;
  for (auto &p : st->ports)
    if (present(p->phase))
      return;
  st->all_ended = true;
  for (auto &p : st->ports)
    p->sock->wake();
  GST_INFO_OBJECT(self, "every sender has terminated: end of stream");
}

/* The port's task changes its own phase, under the lock, so that
 * end_if_all_gone() sees every port's. */
void set_phase(PortState *ps, Phase to, bool ended_stream = false) {
  SrcState *st = ps->src->state;
  std::lock_guard<std::mutex> lk(st->lock);
  GST_DEBUG_OBJECT(ps->pad, "%s -> %s", phase_name(ps->phase), phase_name(to));
  ps->phase = to;
  if (ended_stream)
    st->some_ended = true;
  end_if_all_gone(ps->src);
}

/* ---- what the port's task does with what its socket says ---- */

void drop(PortState *ps, netgear::DropReason reason, const std::string &detail) {
  GstNetGearSrc *self = ps->src;
  uint64_t n;
  {
    std::lock_guard<std::mutex> lk(ps->stats_mu);
    n = ++ps->c.drops[static_cast<size_t>(reason)];
  }
  if (reason == netgear::DropReason::DUPLICATE || reason == netgear::DropReason::EARLY_TERMINATE ||
      reason == netgear::DropReason::NOT_LINKED || reason == netgear::DropReason::AWAITING_KEYFRAME ||
      reason == netgear::DropReason::OUT_OF_ORDER) {
    /* Expected after a lost acknowledgement, from a vidgear server closed
     * before its first frame, for a port left unlinked on purpose, after
     * any loss in an inter-frame stream, and for frames a sender held
     * while this pipeline started: not worth a warning. */
    GST_INFO_OBJECT(self, "port %d: %s", ps->port, detail.c_str());
    return;
  }
  if (n == 1)
    GST_ELEMENT_WARNING(self, STREAM, DECODE,
                        ("Dropped a message from the sender on port %d (%s)", ps->port,
                         netgear::drop_reason_name(reason)),
                        ("%s; further drops of this kind are counted in the stats", detail.c_str()));
  if (n <= LOG_FIRST || n % LOG_EVERY == 0)
    GST_WARNING_OBJECT(self, "port %d: dropped message #%" G_GUINT64_FORMAT " of kind %s: %s", ps->port, n,
                       netgear::drop_reason_name(reason), detail.c_str());
}

/* A sender is there (its handshake, or a frame before the handshake was
 * seen): IDLE or ENDED become CONNECTED, posted before anything of the
 * sender reaches its pad. */
void mark_connected(PortState *ps, const std::string &peer) {
  if (!peer.empty())
    ps->count([&](Counters &c) { c.peer = peer; });
  if (present(ps->phase) || ps->src->state->all_ended)
    return;
  GstStructure *s = gst_structure_new("netgear-server-connected", "port", G_TYPE_UINT, ps->port, nullptr);
  if (!peer.empty())
    gst_structure_set(s, "peer", G_TYPE_STRING, peer.c_str(), nullptr);
  post(ps->src, s);
  GST_INFO_OBJECT(ps->src, "port %d: sender %s connected", ps->port, peer.c_str());
  set_phase(ps, Phase::CONNECTED);
}

/* Posted the first time, for a new peer or reason, and then at most every
 * few seconds per port; every refusal is counted. */
void on_auth_failed(PortState *ps, const std::string &peer, const std::string &reason) {
  GstNetGearSrc *self = ps->src;
  uint64_t count = 0;
  ps->count([&](Counters &c) { count = ++c.auth_failures; });
  bool first = ps->auth_posted.first();
  if (!ps->auth_posted.due(peer + "|" + reason, netgear::monotonic_us()))
    return;
  GstStructure *s = gst_structure_new("netgear-auth-failed", "port", G_TYPE_UINT, ps->port, "reason", G_TYPE_STRING,
                                      reason.c_str(), "count", G_TYPE_UINT64, count, nullptr);
  if (!peer.empty())
    gst_structure_set(s, "peer", G_TYPE_STRING, peer.c_str(), nullptr);
  post(self, s);
  GST_WARNING_OBJECT(self, "port %d: refused a sender from %s: %s (%" G_GUINT64_FORMAT " refusals)", ps->port,
                     peer.empty() ? "?" : peer.c_str(), reason.c_str(), count);
  if (first)
    GST_ELEMENT_WARNING(self, RESOURCE, NOT_AUTHORIZED, ("Refused a sender on port %d", ps->port),
                        ("from %s: %s; further refusals are posted as netgear-auth-failed and counted in the stats",
                         peer.empty() ? "an unknown address" : peer.c_str(), reason.c_str()));
}

/* Posted as on_auth_failed() posts; every one is counted. */
void on_pattern_mismatch(PortState *ps, const std::string &peer) {
  GstNetGearSrc *self = ps->src;
  SrcState *st = self->state;
  uint64_t count = 0;
  ps->count([&](Counters &c) { count = ++c.pattern_mismatches; });
  const uint64_t now = netgear::monotonic_us();
  const bool again = ps->mismatch_us && peer == ps->mismatch_peer && now - ps->mismatch_us < MISMATCH_AGAIN_US;
  ps->mismatch_peer = peer;
  ps->mismatch_us = now;
  GST_INFO_OBJECT(self, "port %d: a connection from %s closed during its handshake (%" G_GUINT64_FORMAT " times)",
                  ps->port, peer.empty() ? "?" : peer.c_str(), count);
  bool first = ps->mismatch_posted.first();
  if (!again || !ps->mismatch_posted.due(peer, now))
    return;
  const int other = st->pattern == netgear::PATTERN_REQREP ? 2 : 1;
  GstStructure *s = gst_structure_new("netgear-pattern-mismatch", "port", G_TYPE_UINT, ps->port, "pattern", G_TYPE_INT,
                                      st->pattern, "count", G_TYPE_UINT64, count, nullptr);
  if (!peer.empty())
    gst_structure_set(s, "peer", G_TYPE_STRING, peer.c_str(), nullptr);
  post(self, s);
  if (first)
    GST_ELEMENT_WARNING(self, RESOURCE, OPEN_READ,
                        ("A sender on port %d does not use pattern=%d, as this receiver does", ps->port, st->pattern),
                        ("connections from %s closed during their ZeroMQ handshake%s, which is what ZeroMQ does, "
                         "without a reason, to a peer whose socket type does not fit: most likely a sender with "
                         "pattern=%d (set the same pattern on both ends), else something that is not a NetGear "
                         "sender; further ones are posted as netgear-pattern-mismatch and counted in the stats",
                         peer.empty() ? "an unknown address" : peer.c_str(),
                         st->security ? " (or failed it with this receiver's security)" : "", other));
}

void handle_events(PortState *ps) {
  ps->events.clear();
  ps->sock->events(&ps->events);
  for (const netgear::PortEvent &ev : ps->events) {
    switch (ev.kind) {
    case netgear::PortEvent::Kind::HANDSHAKE:
      ps->count([](Counters &c) { c.connections++; });
      /* Watched from now on: one that connects and never sends times out. */
      ps->heard_us = netgear::monotonic_us();
      mark_connected(ps, ev.peer);
      break;
    case netgear::PortEvent::Kind::CLOSED:
    case netgear::PortEvent::Kind::LAST_CLOSED: {
      /* Its number may be given to a new connection. */
      auto &v = ps->sources;
      const int fd = ev.fd;
      v.erase(std::remove_if(v.begin(), v.end(), [fd](const Source &s) { return s.fd == fd; }), v.end());
      ps->count([](Counters &c) { c.disconnects++; });
      GST_DEBUG_OBJECT(ps->pad, "a connection from %s closed%s", ev.peer.c_str(),
                       ev.kind == netgear::PortEvent::Kind::LAST_CLOSED ? " (the last one)" : "");
      if (ev.kind == netgear::PortEvent::Kind::LAST_CLOSED) {
        ps->gone_pending = true;
        ps->closed_us = netgear::monotonic_us();
      }
      break;
    }
    case netgear::PortEvent::Kind::AUTH_FAILED:
      on_auth_failed(ps, ev.peer, ev.reason);
      break;
    case netgear::PortEvent::Kind::PATTERN_MISMATCH:
      on_pattern_mismatch(ps, ev.peer);
      break;
    }
  }
}

/* Its last connection closed. Told once nothing of it is left to read:
 * the monitor may report the close before its last messages, its
 * terminate among them. One that leaves before its first frame was never
 * a sender for vidgear, and our netgearsink sends no terminate then: it no
 * longer holds the stream open, at once. One that sent frames is gone when
 * no connection opened within disconnect-timeout (a REQ sender that gave up
 * on a request reconnects at once; one that died does not): its stream
 * ends. Returns whether it did. */
bool check_gone(PortState *ps) {
  if (!ps->gone_pending)
    return false;
  if (ps->sock->connected()) {
    ps->gone_pending = false; /* a new connection since */
    return false;
  }
  if (ps->sock->readable())
    return false;
  GstNetGearSrc *self = ps->src;
  SrcState *st = self->state;
  const bool streaming = ps->phase == Phase::STREAMING;
  if (streaming && st->disconnect_timeout_ms > 0 &&
      netgear::monotonic_us() < ps->closed_us + static_cast<uint64_t>(st->disconnect_timeout_ms) * 1000)
    return false;
  ps->gone_pending = false;
  if (!present(ps->phase) || st->all_ended || (streaming && st->disconnect_timeout_ms <= 0))
    return false;
  /* Posted before anything can end the stream. */
  post(self, gst_structure_new("netgear-server-disconnected", "port", G_TYPE_UINT, ps->port, "streaming",
                               G_TYPE_BOOLEAN, streaming, nullptr));
  ps->heard_us = 0;
  if (!streaming) {
    GST_INFO_OBJECT(self, "port %d: sender left before its first frame", ps->port);
    set_phase(ps, Phase::IDLE);
    return false;
  }
  ps->count([](Counters &c) { c.departures++; });
  GST_ELEMENT_WARNING(self, RESOURCE, READ, ("The sender on port %d is gone", ps->port),
                      ("its connections closed without its terminate and none opened for %d ms (it stopped, "
                       "crashed or was killed)",
                       st->disconnect_timeout_ms));
  set_phase(ps, Phase::ENDED, true);
  return true;
}

/* Two senders on one port: each one's terminate would end the port's
 * stream while the other still streams, and vidgear would mix them up.
 * Warned once per port, counted once per sender found sharing it. */
void note_source(PortState *ps, const netgear::FrameHeader &h, const netgear::Message &msg) {
  GstNetGearSrc *self = ps->src;
  if (msg.fd < 0 && !h.ext)
    return;
  /* Stream ids are below kStreamLimit (the decoder checks); connections
   * are marked above. */
  const uint64_t key = h.ext ? h.ext->stream : (uint64_t{1} << 60) | static_cast<uint32_t>(msg.fd);
  auto &v = ps->sources;
  auto it = std::find_if(v.begin(), v.end(), [key](const Source &src) { return src.key == key; });
  bool shared = it != v.end() && ps->have_last_source && ps->last_source != key;
  if (it != v.end()) {
    it->fd = msg.fd;
  } else {
    if (v.size() >= MAX_SOURCES)
      v.erase(v.begin());
    v.push_back({key, msg.fd});
  }
  const uint64_t other = ps->last_source;
  ps->last_source = key;
  ps->have_last_source = true;
  if (!shared)
    return;
  /* Both take part: the first pair found sharing is one extra sender. */
  auto &seen = ps->shared_sources;
  size_t before = seen.size();
  for (uint64_t k : {other, key})
    if (std::find(seen.begin(), seen.end(), k) == seen.end() && seen.size() < MAX_SOURCES)
      seen.push_back(k);
  if (seen.size() == before)
    return;
  const uint64_t count = seen.size() - 1;
  ps->count([&](Counters &c) { c.extra_senders = count; });
  GstStructure *s = gst_structure_new("netgear-port-shared", "port", G_TYPE_UINT, ps->port, "count", G_TYPE_UINT64,
                                      count, nullptr);
  if (!msg.peer.empty())
    gst_structure_set(s, "peer", G_TYPE_STRING, msg.peer.c_str(), nullptr);
  post(self, s);
  GST_WARNING_OBJECT(self, "port %d: another sender (from %s) sends on it too", ps->port,
                     msg.peer.empty() ? "?" : msg.peer.c_str());
  if (count == 1)
    GST_ELEMENT_WARNING(self, STREAM, DEMUX, ("Two senders send on port %d", ps->port),
                        ("a port takes one sender, its identity: their frames are mixed on one pad, and the first "
                         "to terminate ends the port's stream while the other still sends. Give each sender a port "
                         "of its own (the other one is from %s); further ones are posted as netgear-port-shared "
                         "and counted in the stats (extra-senders)",
                         msg.peer.empty() ? "an unknown address" : msg.peer.c_str()));
}

/* A sender silent for `timeout` is gone as if it had terminated: its pad
 * ends, and it no longer holds the stream open. It is connected again if
 * it ever sends (a stalled one that recovers, a restarted one). Returns
 * whether its stream ended (the caller pushes the EOS). */
bool check_silence(PortState *ps) {
  GstNetGearSrc *self = ps->src;
  SrcState *st = self->state;
  if (!ps->heard_us || st->timeout_ms <= 0 ||
      netgear::monotonic_us() < ps->heard_us + static_cast<uint64_t>(st->timeout_ms) * 1000)
    return false;
  ps->heard_us = 0;
  if (!present(ps->phase) || st->all_ended)
    return false;
  ps->count([](Counters &c) { c.timeouts++; });
  const bool open = ps->sock->connected();
  /* Posted before its EOS, as a terminate is. */
  post(self, gst_structure_new("netgear-server-timeout", "port", G_TYPE_UINT, ps->port, "timeout", G_TYPE_UINT,
                               static_cast<guint>(st->timeout_ms), "connection-open", G_TYPE_BOOLEAN, open, nullptr));
  GST_ELEMENT_WARNING(self, RESOURCE, READ, ("The sender on port %d timed out", ps->port),
                      ("nothing received for %d ms, %s", st->timeout_ms,
                       open ? "its connection still open (stalled, paused, or unreachable)"
                            : "its connection closed (it stopped or died without its terminate)"));
  const bool streaming = ps->phase == Phase::STREAMING;
  set_phase(ps, streaming ? Phase::ENDED : Phase::IDLE, streaming);
  return streaming;
}

/* A terminate message. Returns whether it ended the sender's stream (the
 * caller pushes the EOS once the answer went). */
bool on_terminate(PortState *ps) {
  GstNetGearSrc *self = ps->src;
  ps->count([](Counters &c) { c.terminates++; });
  /* After the end (every sender gone, or an EOS sent to the element) the
   * pads stay ended; a sender that is not there has nothing to end. */
  if (!present(ps->phase) || self->state->all_ended)
    return false;
  if (ps->phase == Phase::CONNECTED) {
    /* NetGear wedges on this; we answer and carry on. A sender with no
     * frame has no stream to end; it stops counting when it disconnects. */
    drop(ps, netgear::DropReason::EARLY_TERMINATE, "terminate from a sender that sent no frame since it connected");
    return false;
  }
  /* Posted before the EOS, so the application hears of the sender before
   * the pipeline can end. */
  post(self, gst_structure_new("netgear-server-terminated", "port", G_TYPE_UINT, ps->port, nullptr));
  GST_INFO_OBJECT(self, "port %d: sender terminated", ps->port);
  ps->heard_us = 0;
  set_phase(ps, Phase::ENDED, true);
  return true;
}

/* The sender's capture time as the GstReferenceTimestampMeta it came
 * from (or that netgearsink made), its caps parsed once per change. */
void add_reference(PortState *ps, GstBuffer *buf, const netgear::Extension::Reference &r) {
  if (r.caps != ps->reference_text) {
    gst_clear_caps(&ps->reference_caps);
    ps->reference_text = r.caps;
    GstCaps *c = gst_caps_from_string(r.caps.c_str());
    if (c && gst_caps_is_fixed(c) && gst_caps_get_size(c) == 1 &&
        g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(c, 0)), netgear::kReferenceCapsPrefix)) {
      ps->reference_caps = c;
    } else {
      gst_clear_caps(&c);
      if (!ps->warned_reference)
        GST_ELEMENT_WARNING(ps->src, STREAM, DECODE,
                            ("The sender on port %d sends capture times in a clock that is not understood",
                             ps->port),
                            ("reference caps \"%.80s\" are not one fixed timestamp/... structure; its frames "
                             "go without a reference timestamp",
                             r.caps.c_str()));
      ps->warned_reference = true;
    }
  }
  if (ps->reference_caps)
    gst_buffer_add_reference_timestamp_meta(buf, ps->reference_caps, r.timestamp,
                                            r.duration ? *r.duration : GST_CLOCK_TIME_NONE);
}

/* timestamp-mode=sender*: when the frame was captured, in this pipeline's
 * clock; NONE for arrival time (the mode, a sender that sends none, or a
 * time that cannot be in this clock). `arrival` is our clock's time and
 * `seen` our UNIX time when it came. */
GstClockTime capture_time(PortState *ps, const netgear::FrameHeader &h, GstClockTime arrival, guint64 seen) {
  const int mode = ps->src->state->timestamp_mode;
  if (mode == GST_NETGEAR_TIMESTAMP_ARRIVAL || !h.ext || !GST_CLOCK_TIME_IS_VALID(arrival))
    return GST_CLOCK_TIME_NONE;
  /* A frame is captured before it arrives, give or take the clocks'
   * disagreement (CAPTURE_AHEAD_NS); more than CAPTURE_BEHIND_NS before it
   * is no capture time of this clock. Compared without overflow: the
   * values are the sender's. */
  auto plausible = [](uint64_t t, uint64_t now) {
    return t <= now + CAPTURE_AHEAD_NS && (now < CAPTURE_BEHIND_NS || t >= now - CAPTURE_BEHIND_NS);
  };
  GstClockTime t = GST_CLOCK_TIME_NONE;
  bool sane = false;
  const netgear::Extension::Reference *ref = h.ext->reference ? &*h.ext->reference : nullptr;
  if (mode == GST_NETGEAR_TIMESTAMP_SENDER && h.ext->capture_clock) {
    t = *h.ext->capture_clock;
    sane = plausible(t, arrival);
  } else if (mode == GST_NETGEAR_TIMESTAMP_SENDER_UNIX && ref &&
             (ref->caps == netgear::kUnixReference || ref->caps == netgear::kNtpReference)) {
    uint64_t unix_ns = ref->timestamp;
    if (ref->caps == netgear::kNtpReference) /* from 1900 (rtspsrc's, for one) */
      unix_ns = unix_ns >= NTP_UNIX_OFFSET_NS ? unix_ns - NTP_UNIX_OFFSET_NS : 0;
    sane = unix_ns > 0 && plausible(unix_ns, seen);
    if (sane) {
      /* Its age by the UNIX clocks, taken from its arrival by ours. */
      const GstClockTimeDiff age = static_cast<GstClockTimeDiff>(seen) - static_cast<GstClockTimeDiff>(unix_ns);
      sane = age <= 0 || static_cast<GstClockTime>(age) <= arrival;
      t = arrival - age;
    }
  } else {
    /* A netgearsink that sent no capture time (a buffer without PTS): its
     * arrival; said once. */
    if (!ps->warned_capture)
      GST_WARNING_OBJECT(ps->pad, "frames without a capture time usable with this timestamp-mode: stamped on "
                                  "arrival");
    ps->warned_capture = true;
    return GST_CLOCK_TIME_NONE;
  }
  if (sane)
    return t;
  if (!ps->warned_capture)
    GST_ELEMENT_WARNING(ps->src, STREAM, DECODE,
                        ("The capture times of the sender on port %d are not in this pipeline's clock", ps->port),
                        ("%s; frames whose capture time is not plausible keep their arrival time",
                         mode == GST_NETGEAR_TIMESTAMP_SENDER
                             ? "after their arrival, or more than an hour before it: with timestamp-mode=sender "
                               "the sender's pipeline must run on this pipeline's clock (a GstNetClientClock of a "
                               "GstNetTimeProvider on it, or PTP)"
                             : "after their arrival, or more than an hour before it: with timestamp-mode="
                               "sender-unix the sender host's system clock must agree with this host's (NTP)"));
  ps->warned_capture = true;
  return GST_CLOCK_TIME_NONE;
}

enum class Outcome { READY, REPEATED, DROPPED };

/* As many as a netgearsink can have in flight. */
constexpr size_t kRecentReplies = netgear::kMaxInFlight;

/* Checks a frame and makes it a buffer for the pad (READY: `item`, with
 * its number and message). REPEATED: a frame already received again (its
 * acknowledgement was lost). */
Outcome take_frame(PortState *ps, netgear::Message &msg, netgear::FrameHeader &h, GstClockTime arrival, guint64 seen,
                   Item *item, uint64_t *seq_out, std::string *message) {
  GstNetGearSrc *self = ps->src;
  SrcState *st = self->state;
  netgear::DropReason reason = netgear::DropReason::NONE;
  std::string detail;
  size_t payload_size = msg.parts[1].size();
  /* A sender now, even if this frame cannot be used. */
  if (ps->phase != Phase::STREAMING && !st->all_ended) {
    mark_connected(ps, msg.peer);
    set_phase(ps, Phase::STREAMING);
  }
  note_source(ps, h, msg);

  if (!declared_port_matches(h.port, ps->port)) {
    /* The socket names the sender, not the header (NetGear trusts the
     * header). A sender behind port forwarding may legitimately differ. */
    ps->count([](Counters &c) { c.port_mismatch++; });
    if (!ps->warned_port)
      GST_WARNING_OBJECT(self, "port %d: sender declares port %s; frames are attributed to port %d", ps->port,
                         h.port.dump().c_str(), ps->port);
    ps->warned_port = true;
  }
  if (h.ext_newer) {
    ps->count([](Counters &c) { c.newer_extension++; });
    if (!st->warned_newer.exchange(true))
      GST_WARNING_OBJECT(self, "port %d: sender speaks extension version %d, newer than ours (%d): "
                         "keys we do not know are ignored", ps->port, h.ext->version, netgear::kExtensionVersion);
  }
  uint64_t seq;
  ps->sender_ours = h.ext && h.ext->version >= netgear::kControlVersion;
  if (h.ext) {
    /* A frame re-sent after a lost acknowledgement arrives twice. */
    if (ps->have_seq && h.ext->stream == ps->stream && h.ext->seq <= ps->seq) {
      drop(ps, netgear::DropReason::DUPLICATE, "frame " + std::to_string(h.ext->seq) + " already received");
      return Outcome::REPEATED;
    }
    seq = h.ext->seq;
    /* Frames the sender numbered and never sent (dropped, skipped), or a
     * new stream (it restarted): what follows may depend on what is not
     * here. Marked on the frame: pattern 2 pushes it after others. */
    if (ps->have_seq && (h.ext->stream != ps->stream || seq > ps->seq + 1))
      item->discont = true;
  } else {
    seq = ps->received;
  }
  if (!ps->mapper.map(h, payload_size, &reason, &detail)) {
    drop(ps, reason, detail);
    return Outcome::DROPPED;
  }
  /* jpegdec would mostly skip it, but only after 10 in a row does it fail
   * the pipeline; a JPEG's first bytes tell. */
  if (h.compression && netgear::jpeg_components(static_cast<const guint8 *>(msg.parts[1].data()), payload_size) == 0) {
    drop(ps, netgear::DropReason::NOT_JPEG, "the payload has no JPEG start and frame header");
    return Outcome::DROPPED;
  }
  if (st->all_ended) {
    drop(ps, netgear::DropReason::ENDED, "the stream already ended; restart the element to receive again");
    return Outcome::DROPPED;
  }
  /* Only a frame that can be used takes its number: the same frame sent
   * again, repaired, is not a duplicate of one that was dropped. */
  if (h.ext) {
    ps->have_seq = true;
    ps->stream = h.ext->stream;
    ps->seq = seq;
  }
  ps->received++;

  GstBuffer *buf = buffer_from_part(msg.parts[1]);
  if (ps->mapper.needs_repack()) {
    /* The one copy on this side: packed rows (numpy's layout) into
     * GStreamer's default strides, which every downstream element reads. */
    GstBuffer *dst = netgear::repack_video(buf, ps->mapper.wire_info(), ps->mapper.out_info());
    gst_buffer_unref(buf);
    if (!dst) {
      drop(ps, netgear::DropReason::SIZE_MISMATCH, "frame does not fit its caps");
      return Outcome::DROPPED;
    }
    buf = dst;
  }
  item->arrival = arrival;
  item->capture = capture_time(ps, h, arrival, seen);
  if (h.ext && h.ext->reference)
    add_reference(ps, buf, *h.ext->reference);
  if (h.ext) {
    GST_BUFFER_FLAGS(buf) |= h.ext->flags & GST_NETGEAR_WIRE_BUFFER_FLAGS;
    if (h.ext->duration)
      GST_BUFFER_DURATION(buf) = *h.ext->duration;
    /* Untrusted: a difference beyond a day is nonsense, not reordering. */
    if (h.ext->pts && h.ext->dts && *h.ext->pts >= *h.ext->dts && *h.ext->pts - *h.ext->dts <= 86400 * GST_SECOND) {
      item->has_dts = true;
      item->pts_offset = static_cast<GstClockTimeDiff>(*h.ext->pts - *h.ext->dts);
    }
  }
  *message = netgear::dump_json(h.message);
  *seq_out = seq;
  /* Tagged with the socket's port: the header's claim is the sender's word. */
  if (GstStructure *meta = gst_buffer_add_netgear_meta(buf, ps->port, message->c_str(), seq, msg.peer.c_str())) {
    /* Wall-clock times, for latency across processes and hosts. */
    gst_structure_set(meta, "received", G_TYPE_INT64, static_cast<gint64>(seen), nullptr);
    if (h.ext && h.ext->sent_ns)
      gst_structure_set(meta, "sent", G_TYPE_INT64, static_cast<gint64>(*h.ext->sent_ns), nullptr);
  }
  item->buffer = buf;
  item->caps = gst_caps_ref(ps->mapper.caps());

  item->bytes = payload_size;
  ps->count([&](Counters &c) {
    /* The sender's word: a clock an hour off (or a lie) says nothing.
     * Range first, so the subtraction cannot overflow. */
    const gint64 now = static_cast<gint64>(seen);
    const gint64 hour = 3600 * GST_SECOND;
    if (h.ext && h.ext->sent_ns && *h.ext->sent_ns > now - hour && *h.ext->sent_ns < now + hour) {
      gint64 latency = now - *h.ext->sent_ns;
      c.latency_last = latency;
      c.latency_max = std::max(c.latency_max, latency);
      c.latency_sum += latency;
      c.latency_count++;
    }
  });
  return Outcome::READY;
}

/* The answer to anything but a delivered frame, and to frames when no
 * compute-reply handler answers: the reply property's value in
 * bidirectional mode (re-encoded only when it changed), else NetGear's
 * plain acknowledgement. */
const std::string &shared_reply(PortState *ps) {
  GstNetGearSrc *self = ps->src;
  SrcState *st = self->state;
  if (!st->bidirectional)
    return st->plain_reply;
  GST_OBJECT_LOCK(self);
  if (self->reply->generation() != ps->shared_gen) {
    ps->shared_gen = self->reply->generation();
    std::shared_ptr<const netgear::Json> value = self->reply->value();
    GST_OBJECT_UNLOCK(self);
    ps->shared_reply = netgear::encode_bidir_reply(*value);
    return ps->shared_reply;
  }
  GST_OBJECT_UNLOCK(self);
  return ps->shared_reply;
}

std::string compute_reply(PortState *ps, uint64_t seq, const std::string &message) {
  GstNetGearSrc *self = ps->src;
  gchar *text = nullptr;
  g_signal_emit(self, src_signals[SIGNAL_COMPUTE_REPLY], 0, static_cast<guint>(ps->port), static_cast<guint64>(seq),
                message.c_str(), &text);
  if (!text)
    return shared_reply(ps);
  std::string error;
  auto value = netgear::parse_json(text, &error);
  if (!value) {
    if (!ps->warned_bad_reply) {
      ps->warned_bad_reply = true;
      GST_ELEMENT_WARNING(self, LIBRARY, FAILED, ("compute-reply returned text that is not JSON for port %d", ps->port),
                          ("%s: %.120s; the reply property is sent instead", error.c_str(), text));
    }
    g_free(text);
    return shared_reply(ps);
  }
  g_free(text);
  return netgear::encode_bidir_reply(*value);
}

/* What one message asks of the port's task: a frame to push, an end of
 * stream to push, and (pattern 1) the answer to send first. */
struct Handled {
  Item item;
  bool end = false;
  std::string reply;
};

void handle_message(PortState *ps, netgear::Message &msg, bool answer, Handled *out) {
  GstNetGearSrc *self = ps->src;
  SrcState *st = self->state;
  const GstClockTime arrival = clock_now(self);
  const guint64 seen = static_cast<guint64>(g_get_real_time()) * 1000;
  ps->count([&](Counters &c) { c.last_seen = seen; });
  ps->sender_ours = false; /* until a frame with our extension says so */
  netgear::DropReason reason = netgear::DropReason::NONE;
  std::string detail;
  size_t payload = msg.parts.size() >= 2 ? msg.parts[1].size() : 0;
  auto dec = netgear::decode_message(msg.parts[0].view(), msg.nparts, payload, &reason, &detail);
  if (!dec) {
    drop(ps, reason, detail);
  } else if (dec->kind == netgear::Decoded::Kind::TERMINATE) {
    out->end = on_terminate(ps);
    if (answer)
      out->reply = netgear::kTerminateReply;
    return;
  } else {
    uint64_t seq = 0;
    std::string message;
    const netgear::FrameHeader &h = dec->frame;
    Outcome outcome = take_frame(ps, msg, dec->frame, arrival, seen, &out->item, &seq, &message);
    if (answer && st->bidirectional && outcome == Outcome::READY) {
      out->reply = compute_reply(ps, seq, message);
      if (ps->recent_replies.size() >= kRecentReplies)
        ps->recent_replies.pop_front();
      ps->recent_replies.push_back({h.ext ? h.ext->stream : 0, seq, out->reply});
      return;
    }
    /* The same answer again, not a second computation. */
    if (answer && st->bidirectional && outcome == Outcome::REPEATED) {
      for (const auto &r : ps->recent_replies)
        if (r.stream == h.ext->stream && r.seq == h.ext->seq) {
          out->reply = r.reply;
          return;
        }
    }
  }
  if (answer)
    out->reply = shared_reply(ps);
}

/* handle_message() that survives anything: only allocation can throw, and
 * one peer must not end the port's task. */
void handle_message_safely(PortState *ps, netgear::Message &msg, bool answer, Handled *out) {
  try {
    handle_message(ps, msg, answer, out);
  } catch (const std::exception &e) {
    out->item.clear();
    drop(ps, netgear::DropReason::BAD_HEADER, std::string("cannot handle the message: ") + e.what());
    if (answer)
      out->reply = ps->src->state->fallback_reply; /* built at start */
  }
  msg.parts.clear();
}

/* ---- the pad's stream ---- */

/* Sticky events that open a stream on the pad, if it has none open. */
void start_stream(PortState *ps) {
  GstPad *pad = ps->pad;
  ps->idle = false;
  if (!ps->need_stream_start)
    return;
  if (ps->needs_flush) {
    /* The sender is back after its end of stream, or it sends its first
     * frame after the pad prerolled its branch with a gap. Elements
     * downstream refuse data after EOS until a flush, and caps may not
     * follow a segment; a flush clears both. It keeps the running time (no
     * reset), so the rest of the live pipeline does not notice. */
    gst_pad_push_event(pad, gst_event_new_flush_start());
    gst_pad_push_event(pad, gst_event_new_flush_stop(FALSE));
    ps->needs_flush = false;
  }
  gchar *sid = gst_pad_create_stream_id_printf(pad, GST_ELEMENT(ps->src), "%d", ps->port);
  gst_pad_push_event(pad, gst_event_new_stream_start(sid));
  g_free(sid);
  ps->need_stream_start = false;
  ps->discont = true; /* a decoder after it starts afresh: at a keyframe */
  ps->need_segment = true;
  ps->eos_pushed = false;
  gst_clear_caps(&ps->pushed_caps);
}

GstClockTime running_time_now(GstNetGearSrc *self);
void push_segment(PortState *ps);

void push_eos(PortState *ps) {
  if (ps->eos_pushed)
    return;
  start_stream(ps);
  if (ps->src->state->keep_listening && !ps->src->state->all_ended) {
    /* The wall outlives its cameras: no EOS (a compositor would end, and
     * the pipeline with it once every tile had). A gap says there is
     * nothing for now; the sender's return starts a new stream, at a
     * keyframe. */
    if (ps->need_segment)
      push_segment(ps);
    GstClockTime rt = running_time_now(ps->src);
    GST_DEBUG_OBJECT(ps->pad, "sender gone: gap at %" GST_TIME_FORMAT, GST_TIME_ARGS(rt));
    gst_pad_push_event(ps->pad, gst_event_new_gap(GST_CLOCK_TIME_IS_VALID(rt) ? rt : 0, GST_CLOCK_TIME_NONE));
    ps->need_stream_start = true;
    /* Caps of its own replace the old ones in place; with none on the pad
     * (nothing of it was pushed), new caps may not follow the segment. */
    ps->needs_flush = ps->pushed_caps == nullptr;
    ps->discont = true;
    return;
  }
  GST_DEBUG_OBJECT(ps->pad, "end of stream");
  gst_pad_push_event(ps->pad, gst_event_new_eos());
  ps->eos_pushed = true;
  ps->need_stream_start = true;
  ps->needs_flush = true;
}

void push_segment(PortState *ps) {
  /* Live: buffers carry running time. */
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_pad_push_event(ps->pad, gst_event_new_segment(&seg));
  ps->need_segment = false;
}

/* Running time now, for what arrived before PLAYING or has no time. */
GstClockTime running_time_now(GstNetGearSrc *self) {
  GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  GstClockTime now = clock_now(self);
  if (!GST_CLOCK_TIME_IS_VALID(now))
    return GST_CLOCK_TIME_NONE;
  return now > base ? now - base : 0;
}

void push_item(PortState *ps, Item &item) {
  GstNetGearSrc *self = ps->src;
  SrcState *st = self->state;
  GstPad *pad = ps->pad;
  /* At a start and after any loss (ps->discont), a decoder of an
   * inter-frame format can use nothing before a keyframe: the delta frames
   * until then are dropped here rather than decoded into garbage, and the
   * keyframe goes out DISCONT. Raw, JPEG and a vidgear sender's frames
   * (no DELTA_UNIT flag) all pass. */
  if (item.discont)
    ps->discont = true;
  if (ps->discont && GST_BUFFER_FLAG_IS_SET(item.buffer, GST_BUFFER_FLAG_DELTA_UNIT) &&
      netgear::caps_are_inter_frame(item.caps)) {
    const uint64_t now = netgear::monotonic_us();
    if (!ps->gate_since_us)
      ps->gate_since_us = now;
    if (now < ps->gate_since_us + KEYFRAME_WAIT_US) {
      item.clear();
      drop(ps, netgear::DropReason::AWAITING_KEYFRAME, "a delta frame after a loss, before the next keyframe");
      /* An unlinked pad would ask for ever: its keyframe is not pushed. */
      if (gst_pad_is_linked(pad))
        ps->key_wanted = true;
      return;
    }
    /* A stream that marks no keyframe (intra refresh) or an encoder that
     * does not answer: garbage for a moment rather than nothing for ever. */
    if (!ps->warned_no_keyframe) {
      ps->warned_no_keyframe = true;
      GST_ELEMENT_WARNING(ps->src, STREAM, DECODE, ("No keyframe from the sender on port %d", ps->port),
                          ("delta frames held back for %d s after a loss; passing them on (an encoder with intra "
                           "refresh, or one that ignores keyframe requests)",
                           static_cast<int>(KEYFRAME_WAIT_US / 1000000)));
    }
  }
  ps->gate_since_us = 0;
  start_stream(ps);
  if (!ps->pushed_caps || !gst_caps_is_equal(ps->pushed_caps, item.caps)) {
    gst_pad_push_event(pad, gst_event_new_caps(item.caps));
    gst_caps_replace(&ps->pushed_caps, item.caps);
  }
  if (ps->need_segment) {
    push_segment(ps);
    ps->discont = true;
  }
  GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  /* The capture time (timestamp-mode=sender*) stamps the frame's PTS (and
   * its DTS the sender's difference before it), else the arrival stamps
   * its DTS and PTS. */
  const bool captured = GST_CLOCK_TIME_IS_VALID(item.capture) && item.capture >= base;
  const GstClockTime stamp = captured ? item.capture : item.arrival;
  GstClockTime rt = GST_CLOCK_TIME_IS_VALID(stamp) && stamp >= base ? stamp - base : running_time_now(self);
  GstClockTime pts = rt, dts = GST_CLOCK_TIME_NONE;
  if (item.has_dts && GST_CLOCK_TIME_IS_VALID(rt)) {
    if (captured) {
      /* The first frames after a start may have DTS 0 more than once. */
      dts = rt >= static_cast<GstClockTime>(item.pts_offset) ? rt - item.pts_offset : 0;
    } else {
      dts = rt;
      pts = rt + item.pts_offset;
    }
  }
  if (st->timestamp_mode != GST_NETGEAR_TIMESTAMP_ARRIVAL) {
    /* Never back in time on a pad, whatever stamped it (a sender's clock
     * that stepped back, a frame captured before this pipeline started, a
     * capture time after arrival times): dropped, not shown out of order,
     * and what follows it starts anew (an inter-frame stream at its next
     * keyframe). */
    const GstClockTime order = GST_CLOCK_TIME_IS_VALID(dts) ? dts : pts;
    const bool before_start = GST_CLOCK_TIME_IS_VALID(item.capture) && !captured;
    if (before_start || (GST_CLOCK_TIME_IS_VALID(ps->last_stamp) && GST_CLOCK_TIME_IS_VALID(order) &&
                         order < ps->last_stamp)) {
      item.clear();
      ps->discont = true;
      drop(ps, netgear::DropReason::OUT_OF_ORDER,
           before_start ? "captured before the pipeline started" : "captured before the frame pushed last");
      return;
    }
    if (GST_CLOCK_TIME_IS_VALID(order))
      ps->last_stamp = order;
    /* Later than the latency allows: a synchronised sink drops it. */
    const GstClockTime now = running_time_now(self);
    if (captured && GST_CLOCK_TIME_IS_VALID(now) && pts + st->latency.load() < now)
      ps->count([](Counters &c) { c.late++; });
  }
  GstBuffer *buf = item.buffer;
  item.buffer = nullptr;
  GST_BUFFER_PTS(buf) = pts;
  GST_BUFFER_DTS(buf) = dts;
  if (ps->discont) {
    GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
    ps->discont = false;
  }
  const size_t bytes = item.bytes;
  GstFlowReturn ret = gst_pad_push(pad, buf);
  GstFlowReturn combined;
  {
    std::lock_guard<std::mutex> lk(st->lock);
    combined = gst_flow_combiner_update_pad_flow(st->flow, pad, ret);
  }
  if (ret == GST_FLOW_NOT_LINKED) {
    drop(ps, netgear::DropReason::NOT_LINKED, "the pad is not linked");
    ps->discont = true; /* once linked, it starts at a keyframe */
  } else {
    ps->count([&](Counters &c) {
      c.frames++;
      c.bytes += bytes;
    });
  }
  if (ret == GST_FLOW_OK || ret == GST_FLOW_EOS) /* EOS: downstream is done with this sender */
    return;
  if (ret == GST_FLOW_FLUSHING) {
    /* Our own pad flushing ends the task; a branch flushing downstream
     * (relinked, restarted) may take data again later: the next buffer
     * starts a new run. */
    ps->discont = true;
    return;
  }
  /* An unlinked port must not stop the others, but an element with no
   * linked pad at all is an error, as for any element with several
   * source pads. */
  if (ret == GST_FLOW_NOT_LINKED && combined != GST_FLOW_NOT_LINKED)
    return;
  if (!st->flow_error.exchange(true))
    GST_ELEMENT_FLOW_ERROR(self, combined);
  gst_pad_push_event(pad, gst_event_new_eos());
  gst_pad_pause_task(pad);
}

/* A port with no sender yet: without data its sink would never preroll and
 * would hold the whole pipeline out of PLAYING (a live pipeline's sinks
 * still complete their state change asynchronously). A GAP prerolls it. */
void push_gap(PortState *ps) {
  start_stream(ps);
  if (ps->need_segment)
    push_segment(ps);
  GstClockTime rt = running_time_now(ps->src);
  if (!GST_CLOCK_TIME_IS_VALID(rt))
    rt = 0;
  GST_DEBUG_OBJECT(ps->pad, "no sender yet: gap at %" GST_TIME_FORMAT, GST_TIME_ARGS(rt));
  gst_pad_push_event(ps->pad, gst_event_new_gap(rt, GST_CLOCK_TIME_NONE));
  /* The real stream starts afresh, with its caps. */
  ps->need_stream_start = true;
  ps->needs_flush = true;
}

/* The control message asking the sender for a keyframe, when one is wanted
 * and may be asked for now; null otherwise. Only a netgearsink takes it: a
 * vidgear sender's keyframes are not ours to ask for. */
const std::string *take_key_request(PortState *ps) {
  static const std::string request = [] {
    netgear::Control c;
    c.force_key_unit = true;
    return netgear::encode_control(c);
  }();
  if (!ps->key_wanted.load())
    return nullptr;
  if (!ps->sender_ours) {
    ps->key_wanted = false;
    return nullptr;
  }
  const uint64_t now = netgear::monotonic_us();
  if (ps->key_asked_us && now < ps->key_asked_us + KEY_REQUEST_INTERVAL_US)
    return nullptr; /* still wanted: asked once the interval is over */
  ps->key_wanted = false;
  ps->key_asked_us = now;
  ps->count([](Counters &c) { c.key_requests++; });
  GST_DEBUG_OBJECT(ps->pad, "asking the sender for a keyframe");
  return &request;
}

/* Pattern 1: one request, answered at once (the sender sends its next
 * frame while this one goes downstream), then pushed. A keyframe request
 * rides on the answer. */
void receive_reqrep(PortState *ps) {
  Handled h;
  if (!ps->sock->receive(&ps->msg))
    return;
  handle_message_safely(ps, ps->msg, true, &h);
  ps->sock->reply(h.reply, take_key_request(ps));
  if (h.item.buffer)
    push_item(ps, h.item);
  h.item.clear();
  if (h.end)
    push_eos(ps);
}

/* Pattern 2: what waited while the pad was busy, at most MAX_DRAIN
 * messages; of its frames the newest max-buffers are pushed (a live wall
 * wants now, not a backlog: the older ones are dropped), a terminate after
 * the frames before it. */
void receive_pubsub(PortState *ps) {
  std::deque<Item> backlog;
  const size_t keep = ps->src->state->max_buffers;
  auto push_backlog = [ps, &backlog]() {
    for (Item &it : backlog) {
      push_item(ps, it);
      it.clear();
    }
    backlog.clear();
  };
  for (int n = 0; n < MAX_DRAIN; n++) {
    if (!ps->sock->receive(&ps->msg))
      break;
    Handled h;
    handle_message_safely(ps, ps->msg, false, &h);
    if (h.item.buffer) {
      backlog.push_back(h.item); /* takes its references */
      if (backlog.size() > keep) {
        backlog.front().clear();
        backlog.pop_front();
        drop(ps, netgear::DropReason::QUEUE_FULL, "newer frames arrived before this one could be pushed");
        backlog.front().discont = true;
      }
    }
    if (h.end) {
      push_backlog();
      push_eos(ps);
    }
  }
  push_backlog();
}

/* One round of the port's task: waits for the socket, its monitor or a
 * wake-up, at most until the sender's silence deadline, then acts. */
void port_round(PortState *ps) {
  GstNetGearSrc *self = ps->src;
  SrcState *st = self->state;
  if (st->all_ended && !ps->eos_pushed) {
    push_eos(ps);
    return;
  }
  const bool playing = st->playing;
  /* Until its pad is linked (src_link wakes the task), a port pushes no gap
   * (it would be lost) and a requested port reads nothing: its frames
   * would be dropped unseen, and an application links a pad it asked for
   * just after. A port of `ports` left unlinked reads and drops, so that
   * its sender is not held up. */
  const bool linked = gst_pad_is_linked(ps->pad);
  if (playing && ps->idle && !st->all_ended && linked) {
    push_gap(ps);
    return;
  }
  const bool read = playing && (linked || !ps->requested);
  int timeout = -1;
  if (ps->heard_us && st->timeout_ms > 0) {
    const uint64_t now = netgear::monotonic_us();
    /* Not reading: the wait is ours, not the sender's. */
    if (!read)
      ps->heard_us = now;
    timeout = netgear::ms_until(ps->heard_us + static_cast<uint64_t>(st->timeout_ms) * 1000, now);
  }
  /* Not reading, it cannot be judged (what is left may be its terminate). */
  if (ps->gone_pending && read && ps->phase == Phase::STREAMING && st->disconnect_timeout_ms > 0) {
    const int left = netgear::ms_until(ps->closed_us + static_cast<uint64_t>(st->disconnect_timeout_ms) * 1000,
                                       netgear::monotonic_us());
    timeout = timeout < 0 ? left : std::min(timeout, left);
  }
  netgear::PortSocket::Ready ready = ps->sock->wait(timeout, read);
  if (ps->flushing)
    return;
  if (ready.events)
    handle_events(ps);
  if (ready.message) {
    if (st->pattern == netgear::PATTERN_REQREP)
      receive_reqrep(ps);
    else
      receive_pubsub(ps);
    /* Heard now, and the time the push took was ours. */
    if (ps->heard_us || present(ps->phase))
      ps->heard_us = netgear::monotonic_us();
  }
  if (check_gone(ps) || check_silence(ps))
    push_eos(ps);
  /* Pattern 2 sends its keyframe request up on its own. */
  if (st->pattern != netgear::PATTERN_REQREP)
    if (const std::string *request = take_key_request(ps))
      ps->sock->send_control(*request);
}

/* The port's task: the one thread that uses its socket while the pad is
 * active. */
void port_loop(gpointer data) {
  auto *ps = static_cast<PortState *>(data);
  ps->task_thread.store(g_thread_self(), std::memory_order_relaxed);
  if (ps->flushing) {
    gst_pad_pause_task(ps->pad);
    return;
  }
  try {
    port_round(ps);
  } catch (const std::exception &e) {
    /* Only allocation throws; nothing may unwind through GstTask's C. */
    GST_ERROR_OBJECT(ps->src, "port %d: %s", ps->port, e.what());
  }
}

void reset_port(PortState *ps) {
  /* The task does not run. */
  ps->phase = Phase::IDLE;
  ps->last_stamp = GST_CLOCK_TIME_NONE;
  ps->warned_capture = false;
  ps->have_seq = false;
  ps->received = 0;
  ps->heard_us = 0;
  ps->gone_pending = false;
  ps->need_stream_start = ps->need_segment = ps->discont = true;
  ps->needs_flush = false;
  ps->eos_pushed = false;
  ps->idle = true;
  ps->recent_replies.clear();
  ps->warned_bad_reply = false;
  ps->sender_ours = false;
  ps->key_wanted = false;
  ps->key_asked_us = ps->gate_since_us = 0;
  ps->warned_no_keyframe = false;
  ps->shared_gen = G_MAXUINT64;
  gst_clear_caps(&ps->pushed_caps);
  /* Connections that closed while no task ran were not seen closing. */
  ps->sources.clear();
  ps->have_last_source = false;
}

gboolean src_activate_mode(GstPad *pad, GstObject * /*parent*/, GstPadMode mode, gboolean active) {
  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  auto *ps = static_cast<PortState *>(gst_pad_get_element_private(pad));
  if (!ps) /* released: its port is gone */
    return !active;
  ps->flushing = !active;
  if (active)
    return gst_pad_start_task(pad, port_loop, ps, nullptr);
  ps->sock->wake();
  return gst_pad_stop_task(pad);
}

/* A pad linked: its task may push its gap and read now. */
GstPadLinkReturn src_link(GstPad *pad, GstObject * /*parent*/, GstPad * /*peer*/) {
  if (auto *ps = static_cast<PortState *>(gst_pad_get_element_private(pad)))
    ps->sock->wake();
  return GST_PAD_LINK_OK;
}

/* A decoder or an application downstream asking for a keyframe: passed to
 * the sender by the port's task. */
gboolean src_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  auto *ps = static_cast<PortState *>(gst_pad_get_element_private(pad));
  if (ps && gst_video_event_is_force_key_unit(event)) {
    GST_DEBUG_OBJECT(pad, "keyframe asked for downstream");
    ps->key_wanted = true;
    ps->sock->wake();
    gst_event_unref(event);
    return TRUE;
  }
  return gst_pad_event_default(pad, parent, event);
}

gboolean src_query(GstPad *pad, GstObject *parent, GstQuery *query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    /* Live. The minimum is the headroom asked for (a frame's timestamp is
     * when it arrived or was captured: it is only ever later). The
     * maximum, how long a frame can wait here: pattern 2 holds at most
     * max-buffers frames per port, then drops; pattern 1 holds its senders
     * back instead, so nothing bounds it. */
    if (!parent) /* a released pad still held by the application */
      return FALSE;
    GstNetGearSrc *self = GST_NETGEAR_SRC(parent);
    SrcState *st = self->state;
    const GstClockTime min = st->latency.load();
    GstClockTime max = GST_CLOCK_TIME_NONE;
    GstCaps *caps = gst_pad_get_current_caps(pad);
    gint fps_n = 0, fps_d = 1;
    if (st->pattern == netgear::PATTERN_PUBSUB && caps && gst_caps_get_size(caps) > 0 &&
        gst_structure_get_fraction(gst_caps_get_structure(caps, 0), "framerate", &fps_n, &fps_d) && fps_n > 0) {
      /* The sender's caps: an absurd rate must not wrap below the minimum. */
      const GstClockTime queue = gst_util_uint64_scale(st->max_buffers * GST_SECOND, fps_d, fps_n);
      if (GST_CLOCK_TIME_IS_VALID(queue) && queue < GST_CLOCK_TIME_NONE - min)
        max = min + queue;
    }
    gst_clear_caps(&caps);
    gst_query_set_latency(query, TRUE, min, max);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

} // namespace

/* ---- element ---- */

/* Under pads_mu. */
static PortState *gst_netgear_src_add_port(GstNetGearSrc *self, int port, bool requested) {
  SrcState *st = self->state;
  auto owned = std::make_unique<PortState>();
  PortState *ps = owned.get();
  ps->src = self;
  ps->port = port;
  ps->requested = requested;
  ps->sock = std::make_unique<netgear::PortSocket>(st->ctx, port);
  gchar *name = g_strdup_printf("src_%d", port);
  GstPad *pad = gst_pad_new_from_static_template(requested ? &request_template : &port_template, name);
  g_free(name);
  gst_pad_set_element_private(pad, ps);
  gst_pad_set_activatemode_function(pad, src_activate_mode);
  gst_pad_set_link_function(pad, src_link);
  gst_pad_set_query_function(pad, src_query);
  gst_pad_set_event_function(pad, src_event);
  gst_pad_use_fixed_caps(pad);
  ps->pad = pad;
  std::lock_guard<std::mutex> lk(st->lock);
  st->ports.push_back(std::move(owned));
  gst_flow_combiner_add_pad(st->flow, pad);
  return ps;
}

/* Under pads_mu. Takes the port out of the list (the stats and the end of
 * stream no longer see it) and deletes it; its pad is inactive and not the
 * element's. */
static void gst_netgear_src_forget_port(GstNetGearSrc *self, PortState *ps) {
  SrcState *st = self->state;
  std::unique_ptr<PortState> owned;
  {
    std::lock_guard<std::mutex> lk(st->lock);
    auto it = std::find_if(st->ports.begin(), st->ports.end(), [ps](auto &p) { return p.get() == ps; });
    if (it == st->ports.end())
      return;
    owned = std::move(*it);
    st->ports.erase(it);
    gst_flow_combiner_remove_pad(st->flow, ps->pad);
    /* The senders that are left may all be gone already. */
    end_if_all_gone(self);
  }
  /* The application may still hold the pad. */
  gst_pad_set_element_private(ps->pad, nullptr);
  owned->sock->close();
}

static PortState *gst_netgear_src_find_port(GstNetGearSrc *self, int port) {
  SrcState *st = self->state;
  std::lock_guard<std::mutex> lk(st->lock);
  for (auto &p : st->ports)
    if (p->port == port)
      return p.get();
  return nullptr;
}

/* NULL to READY: adds the pads of `ports` that were not requested already,
 * and binds every port: senders may connect from now on. */
static gboolean gst_netgear_src_open(GstNetGearSrc *self) {
  GstNetGearSettings set;
  SrcState *st = self->state;
  if (!gst_netgear_common_validate(GST_ELEMENT(self), &self->common, true, &set) ||
      !self->reply->check_start(GST_ELEMENT(self)))
    return FALSE;
  std::lock_guard<std::recursive_mutex> pk(st->pads_mu);
  netgear::PortConfig cfg;
  GST_OBJECT_LOCK(self);
  std::string ports_text = self->ports ? self->ports : "";
  cfg.max_message_size = self->max_message_size;
  cfg.queue = static_cast<int>(MIN(self->max_buffers, static_cast<guint>(G_MAXINT)));
  GST_OBJECT_UNLOCK(self);
  bool requested;
  {
    std::lock_guard<std::mutex> lk(st->lock);
    requested = !st->ports.empty();
  }
  netgear::Error error;
  std::vector<int> ports;
  if (cfg.max_message_size == 0)
    error = {"Property 'max-message-size' is 0", "use -1 for no limit, or the largest message in bytes"};
  if (!error.message.empty() || !netgear::parse_ports(ports_text, &ports, &error, requested)) {
    GST_NETGEAR_SETTINGS_ERROR(GST_ELEMENT(self), error);
    return FALSE;
  }
  cfg.protocol = set.protocol;
  cfg.address = set.address;
  cfg.ipv6 = set.ipv6;
  cfg.pattern = set.pattern;
  cfg.log_object = self;
  if (!gst_netgear_common_security(GST_ELEMENT(self), &self->common, netgear::Role::RECEIVER, &cfg.security))
    return FALSE;
  const bool security = cfg.security.active();
  const bool opened = st->ctx.open(cfg, &error);
  cfg.security.wipe();
  if (!opened) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", error.message.c_str()), ("%s", error.debug.c_str()));
    return FALSE;
  }
  st->pattern = set.pattern;
  st->bidirectional = set.bidirectional;
  st->security = security;
  st->plain_reply = netgear::plain_reply(random_device_id());
  st->fallback_reply = set.bidirectional ? netgear::encode_bidir_reply(nullptr) : st->plain_reply;
  if (!set.bidirectional) {
    GST_OBJECT_LOCK(self);
    bool has_reply = !self->reply->is_null();
    GST_OBJECT_UNLOCK(self);
    if (has_reply || g_signal_has_handler_pending(self, src_signals[SIGNAL_COMPUTE_REPLY], 0, FALSE))
      /* As vidgear warns that return_data is disabled: not an error, the
       * frames still flow, but the application expects something else. */
      GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                          ("A reply is set but property 'bidirectional' is false: senders get plain "
                           "acknowledgements"),
                          ("set bidirectional=true (here and on the senders) to send replies"));
  }

  std::vector<PortState *> added;
  for (int port : ports)
    if (!gst_netgear_src_find_port(self, port))
      added.push_back(gst_netgear_src_add_port(self, port, false));
  std::vector<PortState *> all;
  {
    std::lock_guard<std::mutex> lk(st->lock);
    for (auto &p : st->ports)
      all.push_back(p.get());
  }
  for (PortState *ps : all) {
    if (ps->sock->bind(&error))
      continue;
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", error.message.c_str()), ("%s", error.debug.c_str()));
    for (PortState *p : all)
      p->sock->close();
    for (PortState *p : added) {
      GstPad *pad = p->pad;
      gst_netgear_src_forget_port(self, p);
      gst_object_unref(gst_object_ref_sink(pad));
    }
    st->ctx.close();
    return FALSE;
  }
  st->bound = true;
  for (PortState *ps : added)
    gst_element_add_pad(GST_ELEMENT(self), ps->pad);
  if (!added.empty())
    gst_element_no_more_pads(GST_ELEMENT(self));
  GST_INFO_OBJECT(self, "listening on %s, %zu port(s), pattern %d%s", set.address.c_str(), all.size(), set.pattern,
                  set.bidirectional ? ", bidirectional" : "");
  return TRUE;
}

/* READY to NULL: the pads of `ports` go (they come back, for the ports
 * then set, at the next start); requested pads stay until released. */
static void gst_netgear_src_close(GstNetGearSrc *self) {
  SrcState *st = self->state;
  std::lock_guard<std::recursive_mutex> pk(st->pads_mu);
  std::vector<PortState *> all;
  {
    std::lock_guard<std::mutex> lk(st->lock);
    for (auto &p : st->ports)
      all.push_back(p.get());
  }
  for (PortState *ps : all) {
    ps->sock->close();
    if (ps->requested)
      continue;
    gst_element_remove_pad(GST_ELEMENT(self), ps->pad);
    gst_netgear_src_forget_port(self, ps);
  }
  st->bound = false;
  st->ctx.close();
}

static GstPad *gst_netgear_src_request_new_pad(GstElement *element, GstPadTemplate * /*templ*/, const gchar *name,
                                               const GstCaps * /*caps*/) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(element);
  SrcState *st = self->state;
  guint64 port = 0;
  if (!name) {
    /* gst_element_link() asks so, next to an element with request sink
     * pads (compositor), before it links a sometimes pad when it comes. */
    GST_DEBUG_OBJECT(self, "a pad is asked for by name: src_<port>");
    return nullptr;
  }
  if (!g_str_has_prefix(name, "src_") ||
      !g_ascii_string_to_unsigned(name + 4, 10, 1, 65535, &port, nullptr)) {
    GST_ELEMENT_WARNING(self, CORE, PAD, ("Cannot add a pad named %s", name),
                        ("a netgearsrc pad is named after the port it listens on: ask for src_<port>, e.g. "
                         "src_5566 (1 to 65535)"));
    return nullptr;
  }
  std::unique_lock<std::recursive_mutex> pk(st->pads_mu);
  if (gst_netgear_src_find_port(self, static_cast<int>(port))) {
    pk.unlock();
    GST_ELEMENT_WARNING(self, CORE, PAD, ("Port %d has a pad already", static_cast<int>(port)),
                        ("each port is one sender, one pad"));
    return nullptr;
  }
  PortState *ps = gst_netgear_src_add_port(self, static_cast<int>(port), true);
  netgear::Error error;
  if (st->bound && !ps->sock->bind(&error)) {
    GstPad *pad = ps->pad;
    gst_netgear_src_forget_port(self, ps);
    gst_object_unref(gst_object_ref_sink(pad));
    pk.unlock();
    /* The other ports go on: a warning, not an error. */
    GST_ELEMENT_WARNING(self, RESOURCE, OPEN_READ, ("%s", error.message.c_str()), ("%s", error.debug.c_str()));
    return nullptr;
  }
  /* Activated by GstElement when the element is PAUSED or PLAYING; its task
   * reads once the pad is linked. */
  gst_element_add_pad(element, ps->pad);
  GST_INFO_OBJECT(self, "added port %d", ps->port);
  return ps->pad;
}

static void gst_netgear_src_release_port(GstNetGearSrc *self, GstPad *pad) {
  SrcState *st = self->state;
  /* Its task ends first: then nothing else uses the socket. Not under
   * pads_mu, as the task may be asking for it. */
  gst_pad_set_active(pad, FALSE);
  std::lock_guard<std::recursive_mutex> pk(st->pads_mu);
  auto *ps = static_cast<PortState *>(gst_pad_get_element_private(pad));
  if (!ps || GST_OBJECT_PARENT(pad) != GST_OBJECT(self))
    return; /* released already */
  GST_INFO_OBJECT(self, "removing port %d", ps->port);
  ps->task_thread = nullptr;
  gst_element_remove_pad(GST_ELEMENT(self), pad);
  gst_netgear_src_forget_port(self, ps);
}

static void gst_netgear_src_release_async(GstElement *element, gpointer pad) {
  gst_netgear_src_release_port(GST_NETGEAR_SRC(element), GST_PAD(pad));
}

static void gst_netgear_src_release_pad(GstElement *element, GstPad *pad) {
  auto *ps = static_cast<PortState *>(gst_pad_get_element_private(pad));
  if (!ps)
    return;
  if (ps->task_thread.load() == g_thread_self()) {
    /* From its own task (a probe, a sync bus handler): that thread cannot
     * wait for itself to end. Another one does it, at once. */
    gst_element_call_async(element, gst_netgear_src_release_async, gst_object_ref(pad), gst_object_unref);
    return;
  }
  gst_netgear_src_release_port(GST_NETGEAR_SRC(element), pad);
}

static void gst_netgear_src_reset(GstNetGearSrc *self) {
  SrcState *st = self->state;
  GST_OBJECT_LOCK(self);
  int timeout = static_cast<int>(MIN(self->timeout, static_cast<guint>(G_MAXINT)));
  int disconnect_timeout = static_cast<int>(MIN(self->disconnect_timeout, static_cast<guint>(G_MAXINT)));
  bool keep_listening = self->keep_listening;
  size_t max_buffers = self->max_buffers;
  int timestamp_mode = self->timestamp_mode;
  GST_OBJECT_UNLOCK(self);
  std::lock_guard<std::mutex> lk(st->lock);
  st->timestamp_mode = timestamp_mode;
  st->timeout_ms = timeout;
  st->disconnect_timeout_ms = disconnect_timeout;
  st->keep_listening = keep_listening;
  st->max_buffers = max_buffers;
  st->all_ended = st->playing = false;
  st->some_ended = false;
  st->flow_error = false;
  gst_flow_combiner_reset(st->flow);
  for (auto &ps : st->ports)
    reset_port(ps.get());
}

static GstStateChangeReturn gst_netgear_src_change_state(GstElement *element, GstStateChange transition) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(element);
  SrcState *st = self->state;

  switch (transition) {
  case GST_STATE_CHANGE_NULL_TO_READY:
    if (!gst_netgear_src_open(self))
      return GST_STATE_CHANGE_FAILURE;
    break;
  case GST_STATE_CHANGE_READY_TO_PAUSED:
    gst_netgear_src_reset(self);
    break;
  case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
  case GST_STATE_CHANGE_PLAYING_TO_PAUSED: {
    /* The tasks read their sockets only while playing. */
    std::lock_guard<std::mutex> lk(st->lock);
    st->playing = transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING;
    for (auto &ps : st->ports)
      ps->sock->wake();
    break;
  }
  default:
    break;
  }

  GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_netgear_src_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_NULL_TO_READY)
      gst_netgear_src_close(self);
    return ret;
  }

  switch (transition) {
  case GST_STATE_CHANGE_READY_TO_PAUSED:
  case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
    ret = GST_STATE_CHANGE_NO_PREROLL; /* live */
    break;
  case GST_STATE_CHANGE_PAUSED_TO_READY:
    gst_netgear_src_reset(self);
    break;
  case GST_STATE_CHANGE_READY_TO_NULL:
    gst_netgear_src_close(self);
    break;
  default:
    break;
  }
  return ret;
}

/* An EOS sent to the element (gst-launch-1.0 -e, an application ending a
 * recording) ends every pad after the frame each is pushing, as if every
 * sender had terminated. */
static gboolean gst_netgear_src_send_event(GstElement *element, GstEvent *event) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(element);
  if (GST_EVENT_TYPE(event) != GST_EVENT_EOS)
    return GST_ELEMENT_CLASS(gst_netgear_src_parent_class)->send_event(element, event);
  gst_event_unref(event);
  SrcState *st = self->state;
  std::lock_guard<std::mutex> lk(st->lock);
  if (st->ports.empty())
    return FALSE;
  GST_INFO_OBJECT(self, "EOS sent to the element: ending every pad");
  st->all_ended = true;
  for (auto &ps : st->ports)
    ps->sock->wake();
  return TRUE;
}

static GstStructure *gst_netgear_src_stats(GstNetGearSrc *self) {
  GstStructure *s = gst_structure_new_empty("netgear-src-stats");
  SrcState *st = self->state;
  std::lock_guard<std::mutex> lk(st->lock);
  for (auto &ps : st->ports) {
    const bool connected = present(ps->phase);
    std::lock_guard<std::mutex> sk(ps->stats_mu);
    const Counters &c = ps->c;
    GstStructure *p = gst_structure_new(
        "port", "port", G_TYPE_UINT, ps->port, "connected", G_TYPE_BOOLEAN, connected, "frames", G_TYPE_UINT64,
        c.frames, "bytes", G_TYPE_UINT64, c.bytes, "terminates", G_TYPE_UINT64, c.terminates, "port-mismatch",
        G_TYPE_UINT64, c.port_mismatch, "timeouts", G_TYPE_UINT64, c.timeouts, "departures", G_TYPE_UINT64, c.departures,
        "key-requests", G_TYPE_UINT64, c.key_requests, "late", G_TYPE_UINT64, c.late, "connections", G_TYPE_UINT64,
        c.connections, "disconnects", G_TYPE_UINT64, c.disconnects, "auth-failures", G_TYPE_UINT64, c.auth_failures,
        "pattern-mismatches", G_TYPE_UINT64, c.pattern_mismatches, "extra-senders", G_TYPE_UINT64, c.extra_senders,
        "reconnects", G_TYPE_UINT64, c.connections > 0 ? c.connections - 1 : G_GUINT64_CONSTANT(0),
        "newer-extension", G_TYPE_UINT64, c.newer_extension, "last-seen", G_TYPE_UINT64, c.last_seen, nullptr);
    if (!c.peer.empty())
      gst_structure_set(p, "peer", G_TYPE_STRING, c.peer.c_str(), nullptr);
    if (c.latency_count)
      gst_structure_set(p, "latency-last", G_TYPE_INT64, c.latency_last, "latency-max", G_TYPE_INT64, c.latency_max,
                        "latency-mean", G_TYPE_INT64,
                        static_cast<gint64>(c.latency_sum / static_cast<double>(c.latency_count)), "latency-count",
                        G_TYPE_UINT64, c.latency_count, nullptr);
    guint64 total = 0;
    for (size_t r = 1; r < kReasons; r++) {
      total += c.drops[r];
      gchar *field = g_strdup_printf("dropped-%s", netgear::drop_reason_name(static_cast<netgear::DropReason>(r)));
      gst_structure_set(p, field, G_TYPE_UINT64, c.drops[r], nullptr);
      g_free(field);
    }
    gst_structure_set(p, "dropped", G_TYPE_UINT64, total, nullptr);
    gchar *name = g_strdup_printf("port-%d", ps->port);
    gst_structure_set(s, name, GST_TYPE_STRUCTURE, p, nullptr);
    gst_structure_free(p);
    g_free(name);
  }
  return s;
}

static void gst_netgear_src_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(object);
  gboolean refused = FALSE, latency_changed = FALSE;
  GST_OBJECT_LOCK(self);
  if (!gst_netgear_common_set_property(&self->common, prop_id, value)) {
    switch (prop_id) {
    case PROP_REPLY:
      self->reply->set_text(g_value_get_string(value));
      break;
    case PROP_REPLY_JSON:
      refused = !self->reply->set_json(g_value_get_string(value));
      break;
    case PROP_PORTS:
      g_free(self->ports);
      self->ports = g_value_dup_string(value);
      break;
    case PROP_MAX_BUFFERS:
      self->max_buffers = g_value_get_uint(value);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      self->max_message_size = g_value_get_int64(value);
      break;
    case PROP_TIMEOUT:
      self->timeout = g_value_get_uint(value);
      break;
    case PROP_DISCONNECT_TIMEOUT:
      self->disconnect_timeout = g_value_get_uint(value);
      break;
    case PROP_KEEP_LISTENING:
      self->keep_listening = g_value_get_boolean(value);
      break;
    case PROP_LATENCY:
      self->latency = g_value_get_int(value);
      self->state->latency = effective_latency(self->latency, self->timestamp_mode);
      latency_changed = TRUE;
      break;
    case PROP_TIMESTAMP_MODE:
      self->timestamp_mode = g_value_get_enum(value);
      self->state->latency = effective_latency(self->latency, self->timestamp_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
    }
  }
  GST_OBJECT_UNLOCK(self);
  if (refused)
    self->reply->post_refusal(GST_ELEMENT(self));
  /* The application (gst-launch-1.0 does) recalculates the pipeline's
   * latency on this message. */
  if (latency_changed)
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
}

static void gst_netgear_src_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(object);
  if (prop_id == PROP_STATS) {
    g_value_take_boxed(value, gst_netgear_src_stats(self));
    return;
  }
  GST_OBJECT_LOCK(self);
  if (!gst_netgear_common_get_property(&self->common, prop_id, value)) {
    switch (prop_id) {
    case PROP_PORTS:
      g_value_set_string(value, self->ports);
      break;
    case PROP_MAX_BUFFERS:
      g_value_set_uint(value, self->max_buffers);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_int64(value, self->max_message_size);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint(value, self->timeout);
      break;
    case PROP_DISCONNECT_TIMEOUT:
      g_value_set_uint(value, self->disconnect_timeout);
      break;
    case PROP_KEEP_LISTENING:
      g_value_set_boolean(value, self->keep_listening);
      break;
    case PROP_LATENCY:
      g_value_set_int(value, self->latency);
      break;
    case PROP_TIMESTAMP_MODE:
      g_value_set_enum(value, self->timestamp_mode);
      break;
    case PROP_REPLY:
      g_value_take_string(value, self->reply->dup_text());
      break;
    case PROP_REPLY_JSON:
      g_value_take_string(value, self->reply->dup_json());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
    }
  }
  GST_OBJECT_UNLOCK(self);
}

/* ---- GstURIHandler: netgear://@:PORTS, netgear://ADDRESS:PORTS?PROPERTY=VALUE&... ---- */

static GstURIType gst_netgear_src_uri_get_type(GType) { return GST_URI_SRC; }

static const gchar *const *gst_netgear_src_uri_get_protocols(GType) {
  static const gchar *const protocols[] = {"netgear", nullptr};
  return protocols;
}

static gchar *gst_netgear_src_uri_get_uri(GstURIHandler *handler) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(handler);
  GST_OBJECT_LOCK(self);
  std::string ports = self->ports ? self->ports : "";
  GST_OBJECT_UNLOCK(self);
  return gst_netgear_uri_of(GST_ELEMENT(self), &self->common, ports, true);
}

static gboolean gst_netgear_src_uri_set_uri(GstURIHandler *handler, const gchar *uri, GError **error) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(handler);
  GstNetGearUri u;
  if (!gst_netgear_uri_take(GST_ELEMENT(self), uri, &u, error))
    return FALSE;
  std::vector<int> ports;
  netgear::Error bad;
  if (!u.ports.empty() && !netgear::parse_ports(u.ports, &ports, &bad)) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s in %s: %s", bad.message.c_str(), uri,
                bad.debug.c_str());
    return FALSE;
  }
  std::vector<std::pair<const char *, const char *>> first = {{"address", u.host.empty() ? "*" : u.host.c_str()}};
  if (!u.ports.empty())
    first.emplace_back("ports", u.ports.c_str());
  return gst_netgear_uri_apply(G_OBJECT(self), u, first, error);
}

static void gst_netgear_src_uri_handler_init(gpointer g_iface, gpointer) {
  auto *iface = static_cast<GstURIHandlerInterface *>(g_iface);
  iface->get_type = gst_netgear_src_uri_get_type;
  iface->get_protocols = gst_netgear_src_uri_get_protocols;
  iface->get_uri = gst_netgear_src_uri_get_uri;
  iface->set_uri = gst_netgear_src_uri_set_uri;
}

static void gst_netgear_src_finalize(GObject *object) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(object);
  /* The pads went with the element's dispose; their ports before the
   * context they were bound in. */
  self->state->ports.clear();
  gst_flow_combiner_free(self->state->flow);
  delete self->state;
  delete self->reply;
  g_free(self->ports);
  gst_netgear_common_clear(&self->common);
  G_OBJECT_CLASS(gst_netgear_src_parent_class)->finalize(object);
}

static void gst_netgear_src_init(GstNetGearSrc *self) {
  gst_netgear_common_init(&self->common, DEFAULT_ADDRESS);
  self->ports = g_strdup(DEFAULT_PORTS);
  self->max_buffers = DEFAULT_MAX_BUFFERS;
  self->max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
  self->timeout = DEFAULT_TIMEOUT;
  self->disconnect_timeout = DEFAULT_DISCONNECT_TIMEOUT;
  self->keep_listening = DEFAULT_KEEP_LISTENING;
  self->latency = DEFAULT_LATENCY;
  self->timestamp_mode = DEFAULT_TIMESTAMP_MODE;
  self->reply = new GstNetGearValueProperty("reply");
  self->state = new SrcState();
  self->state->flow = gst_flow_combiner_new();
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}

static void gst_netgear_src_class_init(GstNetGearSrcClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_netgear_src_debug, "netgearsrc", 0, "NetGear receiver");
  gst_netgear_meta_register();
  gst_type_mark_as_plugin_api(gst_netgear_timestamp_mode_get_type(), static_cast<GstPluginAPIFlags>(0));

  gobject_class->set_property = gst_netgear_src_set_property;
  gobject_class->get_property = gst_netgear_src_get_property;
  gobject_class->finalize = gst_netgear_src_finalize;

  /* Read when the element goes from NULL to READY and binds its ports
   * (rw), or from READY to PAUSED (rw_ready). */
  const GParamFlags rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const GParamFlags rw_ready = static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_READY);
  gst_netgear_common_install_properties(gobject_class, DEFAULT_ADDRESS,
                                        "Local address to listen on: * or 0.0.0.0 for every interface, one of this "
                                        "host's IP addresses or host names (localhost), or an interface name "
                                        "(eth0). With protocol=ipc, the path the socket files start with "
                                        "(PATH:PORT); * (the default), 0.0.0.0 or localhost then stand for "
                                        "/tmp/netgear",
                                        netgear::Role::RECEIVER);
  g_object_class_install_property(
      gobject_class, PROP_PORTS,
      g_param_spec_string("ports", "Ports",
                          "Ports to listen on, one per sender, separated by commas, e.g. \"5566,5567\" (each 1 to "
                          "65535); each gets a pad src_<port> when the element starts. More can be added by "
                          "requesting pads src_<port>, also while playing",
                          DEFAULT_PORTS, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_BUFFERS,
      g_param_spec_uint("max-buffers", "Max buffers",
                        "Messages held per sender while its pad is busy. Pattern 1: the sender waits for its "
                        "answer meanwhile. Pattern 2: of the frames that waited, the newest max-buffers are "
                        "pushed and older ones dropped (dropped-queue-full): 1 for the least latency",
                        1, G_MAXINT, DEFAULT_MAX_BUFFERS, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_MESSAGE_SIZE,
      g_param_spec_int64("max-message-size", "Max message size",
                         "Largest message in bytes a sender may send; a larger one drops its connection. -1: no "
                         "limit (0 is refused)",
                         -1, G_MAXINT64, DEFAULT_MAX_MESSAGE_SIZE, rw));
  g_object_class_install_property(
      gobject_class, PROP_TIMEOUT,
      g_param_spec_uint("timeout", "Timeout",
                        "Milliseconds a connected sender may send nothing (while its pad takes frames) before it "
                        "is timed out: netgear-server-timeout is posted and, if it sent frames, its pad ends and "
                        "it counts as gone for the end of stream; it is connected again when it next sends. "
                        "0: never. Set it above the longest pause of a live sender (its frame interval)",
                        0, G_MAXINT, DEFAULT_TIMEOUT, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_DISCONNECT_TIMEOUT,
      g_param_spec_uint("disconnect-timeout", "Disconnect timeout",
                        "Milliseconds a sender that sent frames may have no open connection before it counts as "
                        "gone: netgear-server-disconnected is posted, its pad ends and it counts as gone for the "
                        "end of stream, as after its terminate. A sender that dies (crash, kill -9) is seen "
                        "this soon instead of after timeout; one that reconnects opens its new connection "
                        "within it. 0: never (only timeout sees it)",
                        0, G_MAXINT, DEFAULT_DISCONNECT_TIMEOUT, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_KEEP_LISTENING,
      g_param_spec_boolean("keep-listening", "Keep listening",
                           "Never end the stream because every sender has gone: a sender that terminates, times "
                           "out or disconnects gets a gap on its pad instead of EOS, and its pad resumes when a "
                           "sender comes back (a wall that outlives its cameras). Only an EOS sent to the "
                           "pipeline ends it. false: the stream ends once every sender that sent frames is gone, "
                           "as NetGear's client does",
                           DEFAULT_KEEP_LISTENING, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY,
      g_param_spec_int("latency", "Latency",
                       "Milliseconds this source reports as its latency (the LATENCY query's minimum): a "
                       "synchronised sink plays each frame that long after its timestamp, room for what follows "
                       "(a decoder, a compositor, an application's processing) and, with timestamp-mode=sender, "
                       "for the network. The frames wait it out in a queue after the pad (without one, each push "
                       "waits, and the sender slows down). -1: 0 with timestamp-mode=arrival, 200 with sender "
                       "timestamps. Can change while playing (the application recalculates the pipeline's "
                       "latency on the LATENCY message, as gst-launch-1.0 does)",
                       -1, G_MAXINT / 1000, DEFAULT_LATENCY,
                       static_cast<GParamFlags>(rw | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      gobject_class, PROP_TIMESTAMP_MODE,
      g_param_spec_enum("timestamp-mode", "Timestamp mode",
                        "What a buffer's PTS is: its arrival time here (arrival), or the time its sender "
                        "captured it (a netgearsink sends it; frames without one, e.g. from vidgear, keep their "
                        "arrival time), in this pipeline's running time, so that a compositor pairs frames taken "
                        "together: sender, when the sender pipelines run on this pipeline's clock "
                        "(GstNetClientClock of a GstNetTimeProvider on it, a PTP clock); sender-unix, when the "
                        "hosts' system clocks agree (NTP). latency must cover the slowest sender's delay; frames "
                        "later than that are counted (late) and left to the sinks",
                        gst_netgear_timestamp_mode_get_type(), DEFAULT_TIMESTAMP_MODE, rw_ready));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "One structure per port (field port-<N>): frames, bytes, connected, peer, "
                         "terminates, timeouts, departures, key-requests, late (sender timestamps: frames pushed "
                         "after their capture time plus latency), connections, reconnects, disconnects (connections "
                         "closed: also by a message over max-message-size), auth-failures, pattern-mismatches "
                         "(connections closed during their handshake), extra-senders (other senders found on "
                         "the port), last-seen (CLOCK_REALTIME ns of the newest message, 0 = none), "
                         "latency-last/-mean/-max (ns from the sender's send time, netgearsink senders only), "
                         "port-mismatch, newer-extension, dropped and dropped-<reason>",
                         GST_TYPE_STRUCTURE, static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  GstNetGearValueProperty::install(
      gobject_class, PROP_REPLY, "reply", "Reply",
      "bidirectional=true: text answering every frame of every sender, as NetGear's recv(return_data=\"...\"): "
      "a vidgear server receives this Python str. Any other JSON value goes in reply-json; the two set one "
      "value, and this one reads NULL when it is not a text. NULL: null. A compute-reply handler may answer a "
      "frame instead. Can change while playing: the next frame to arrive gets the new value",
      "bidirectional=true: the answer to every frame, as JSON text: any JSON value, e.g. '{\"gain\": 2}', 7, "
      "[1, 2], null (a text is simpler in reply). The same value as reply. Text that is not JSON is refused: "
      "the previous value stays, and the element will not start until a valid value is set. Can change while "
      "playing");

  /**
   * GstNetGearSrc::compute-reply:
   * @src: the netgearsrc
   * @port: the port the frame arrived on (its sender's identity)
   * @seq: the frame's sequence number (the meta's seq)
   * @message: the sender's message with this frame, as JSON text
   *
   * Bidirectional mode: asks the application for the answer to one frame
   * of one sender. Emitted on the port's streaming thread as each frame
   * arrives, before the frame is pushed: a slow handler holds up only its
   * own sender (which waits for the answer) and its own pad. A handler
   * must not change the element's state nor request or release its pads.
   *
   * Returns: (transfer full) (nullable): the answer as JSON text, or NULL
   * to send the reply property's value.
   */
  src_signals[SIGNAL_COMPUTE_REPLY] =
      g_signal_new("compute-reply", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_first_wins,
                   nullptr, nullptr, G_TYPE_STRING, 3, G_TYPE_UINT, G_TYPE_UINT64, G_TYPE_STRING);

  gst_element_class_add_static_pad_template(element_class, &port_template);
  gst_element_class_add_static_pad_template(element_class, &request_template);
  gst_element_class_set_static_metadata(
      element_class, "NetGear source", "Source/Network",
      "Receives buffers from many NetGear senders (netgearsink or vidgear) over ZeroMQ, one pad per port",
      "gst-netgear developers");
  element_class->change_state = GST_DEBUG_FUNCPTR(gst_netgear_src_change_state);
  element_class->request_new_pad = GST_DEBUG_FUNCPTR(gst_netgear_src_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR(gst_netgear_src_release_pad);
  element_class->send_event = GST_DEBUG_FUNCPTR(gst_netgear_src_send_event);
}
