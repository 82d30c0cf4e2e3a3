/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: netgearsrc.
 *
 * SECTION:element-netgearsrc
 *
 * Receives from many NetGear senders at once (netgearsink, or Python vidgear
 * NetGear servers in multi-server mode): binds one REP (pattern=1) or SUB
 * (pattern=2) socket per port of `ports` and pushes each sender's buffers on
 * its own pad, src_<port>, with caps from the wire and a GstNetGearMeta
 * naming the port and the sender's message.
 *
 *   gst-launch-1.0 netgearsrc ports="5566,5567" name=s \
 *       compositor name=mix sink_1::xpos=640 ! videoconvert ! autovideosink \
 *       s.src_5566 ! queue ! videoconvert ! mix.sink_0 \
 *       s.src_5567 ! queue ! videoconvert ! mix.sink_1
 *
 * End of stream: a sender's terminate message ends its pad (EOS), and so
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
 * that sender.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnetgearsrc.h"

#include <algorithm>
#include <array>
#include <condition_variable>
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

enum {
  PROP_PORTS = PROP_NETGEAR_COMMON_LAST,
  PROP_MAX_BUFFERS,
  PROP_MAX_MESSAGE_SIZE,
  PROP_STATS,
  PROP_REPLY,
  PROP_REPLY_JSON, /* installed with PROP_REPLY: its id + 1 */
  PROP_TIMEOUT,
};

enum {
  SIGNAL_COMPUTE_REPLY,
  LAST_SIGNAL
};
static guint src_signals[LAST_SIGNAL];

namespace {

constexpr size_t kReasons = static_cast<size_t>(netgear::DropReason::N_REASONS);

struct Item {
  GstBuffer *buffer = nullptr; /* null: end of stream */
  GstCaps *caps = nullptr;
  GstClockTime arrival = GST_CLOCK_TIME_NONE; /* clock time when it arrived */
  GstClockTimeDiff pts_offset = 0;            /* sender's PTS - DTS, to keep decode order */
  bool has_dts = false;
  void clear() {
    gst_clear_buffer(&buffer);
    gst_clear_caps(&caps);
  }
};

/* When something about a peer was last posted, and what. I/O thread. */
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

struct PortState {
  GstNetGearSrc *src = nullptr;
  int port = 0;
  GstPad *pad = nullptr;

  /* Under SrcState::lock. */
  std::condition_variable cond;
  std::deque<Item> queue;
  size_t queued_frames = 0;
  bool flushing = true;
  bool connected = false; /* handshake or frame since the start or its terminate */
  bool ended = false;     /* EOS queued */
  std::string peer;
  uint64_t frames = 0, bytes = 0, terminates = 0, port_mismatch = 0, timeouts = 0, connections = 0;
  uint64_t newer_extension = 0, disconnects = 0, auth_failures = 0, pattern_mismatches = 0, extra_senders = 0;
  /* I/O thread only. */
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
  std::array<uint64_t, kReasons> drops{};
  guint64 last_seen = 0; /* CLOCK_REALTIME ns of its newest message, 0: never */
  /* From the sender's send time (its CLOCK_REALTIME, in our extension) to
   * the frame's arrival here: meaningful across hosts as far as their
   * clocks agree (NTP/PTP), so it may even be negative. */
  gint64 latency_last = 0, latency_max = G_MININT64;
  double latency_sum = 0; /* ns; a double cannot overflow in any run */
  guint64 latency_count = 0;

  /* I/O thread only. */
  bool wake_pending = false; /* a frame was queued; its pad's thread not woken yet */
  bool delivered = false; /* sent a frame (usable or not) since its last terminate */
  netgear::ReceiveMapper mapper;
  bool have_seq = false;
  uint64_t stream = 0, seq = 0, received = 0;
  bool warned_port = false;
  /* Bidirectional: the answer the newest queued frame got, and which frame
   * that was, so that only a copy of that very frame gets it again. */
  std::string last_reply;
  uint64_t last_reply_stream = 0, last_reply_seq = 0;
  bool warned_bad_reply = false;

  ~PortState() {
    for (Item &it : queue)
      it.clear();
    gst_clear_caps(&pushed_caps);
  }

  /* Streaming thread only. */
  GstCaps *pushed_caps = nullptr;
  bool idle = true; /* nothing pushed yet since the start */
  bool need_stream_start = true;
  bool needs_flush = false;
  bool need_segment = true;
  bool discont = true;
};

class Handler;

struct SrcState {
  std::mutex lock;
  std::vector<std::unique_ptr<PortState>> ports;
  std::unique_ptr<Handler> handler;
  std::unique_ptr<netgear::Receiver> receiver;
  int pattern = 1;
  size_t max_buffers = DEFAULT_MAX_BUFFERS;
  bool playing = false;
  bool all_ended = false;
  bool some_ended = false; /* a sender that sent frames terminated or timed out since the start */
  bool warned_newer = false;
  bool bidirectional = false;
  bool security = false; /* secure-mode or allowed-addresses is set */
  std::string reply; /* to frames and bad input: plain, or the reply property's */
  std::string fallback_reply; /* when handling a message failed: plain, or null in bidirectional mode */
  /* The reply property's value as last encoded into `reply`; I/O thread. */
  guint64 reply_gen = G_MAXUINT64;
};

} // namespace

struct _GstNetGearSrc {
  GstElement parent;
  GstNetGearCommon common;
  gchar *ports;
  guint max_buffers;
  gint64 max_message_size;
  guint timeout;
  GstNetGearValueProperty *reply;
  SrcState *state;
};

static void gst_netgear_src_uri_handler_init(gpointer g_iface, gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE(GstNetGearSrc, gst_netgear_src, GST_TYPE_ELEMENT,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER, gst_netgear_src_uri_handler_init));
/* Primary: what a netgear:// URI asks for (uridecodebin, playbin). */
GST_ELEMENT_REGISTER_DEFINE(netgearsrc, "netgearsrc", GST_RANK_PRIMARY, GST_TYPE_NETGEAR_SRC);

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);

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

class Handler : public netgear::ReceiverHandler {
public:
  explicit Handler(GstNetGearSrc *src) : src_(src), st_(src->state) {}
  bool can_accept(size_t index) override;
  std::string on_message(size_t index, netgear::Message &msg) override;
  void on_message_done(size_t index) override;
  void on_handshake(size_t index, const std::string &peer) override;
  void on_disconnect(size_t index) override;
  void on_silent(size_t index, bool connection_open) override;
  void on_auth_failed(size_t index, const std::string &peer, const std::string &reason) override;
  void on_pattern_mismatch(size_t index, const std::string &peer) override;
  void on_connection_closed(size_t index, int fd) override;

private:
  void end_if_all_gone();
  std::string handle_message(PortState *ps, netgear::Message &msg);
  bool mark_connected(PortState *ps, const std::string &peer, std::unique_lock<std::mutex> &lk);
  void drop(PortState *ps, netgear::DropReason reason, const std::string &detail);
  void on_terminate(PortState *ps);
  void note_source(PortState *ps, const netgear::FrameHeader &h, const netgear::Message &msg);
  enum class Outcome { QUEUED, REPEATED, DROPPED };
  /* REPEATED: the newest frame again (its acknowledgement was lost). For a
   * queued frame, seq and message describe it. */
  Outcome on_frame(PortState *ps, netgear::Message &msg, netgear::FrameHeader &h, GstClockTime arrival, uint64_t *seq,
                std::string *message);
  const std::string &shared_reply();
  std::string compute_reply(PortState *ps, uint64_t seq, const std::string &message);
  void post(GstStructure *s) { gst_element_post_message(GST_ELEMENT(src_), gst_message_new_element(GST_OBJECT(src_), s)); }
  GstNetGearSrc *src_;
  SrcState *st_;
};

void enqueue_eos(PortState *ps) {
  /* lock held */
  Item it;
  ps->queue.push_back(it);
  ps->ended = true;
  ps->cond.notify_one();
}

bool Handler::can_accept(size_t index) {
  if (st_->pattern != netgear::PATTERN_REQREP)
    return true;
  std::lock_guard<std::mutex> lk(st_->lock);
  return st_->ports[index]->queued_frames < st_->max_buffers;
}

void Handler::drop(PortState *ps, netgear::DropReason reason, const std::string &detail) {
  uint64_t n;
  {
    std::lock_guard<std::mutex> lk(st_->lock);
    n = ++ps->drops[static_cast<size_t>(reason)];
  }
  if (reason == netgear::DropReason::DUPLICATE || reason == netgear::DropReason::EARLY_TERMINATE) {
    /* Expected after a lost acknowledgement, and from a vidgear server
     * closed before its first frame: not worth a warning. */
    GST_INFO_OBJECT(src_, "port %d: %s", ps->port, detail.c_str());
    return;
  }
  if (n == 1)
    GST_ELEMENT_WARNING(src_, STREAM, DECODE,
                        ("Dropped a message from the sender on port %d (%s)", ps->port,
                         netgear::drop_reason_name(reason)),
                        ("%s; further drops of this kind are counted in the stats", detail.c_str()));
  if (n <= LOG_FIRST || n % LOG_EVERY == 0)
    GST_WARNING_OBJECT(src_, "port %d: dropped message #%" G_GUINT64_FORMAT " of kind %s: %s", ps->port, n,
                       netgear::drop_reason_name(reason), detail.c_str());
}

void Handler::on_terminate(PortState *ps) {
  bool was_connected;
  {
    std::lock_guard<std::mutex> lk(st_->lock);
    ps->terminates++;
    /* After the end (every sender gone, or an EOS sent to the element) the
     * pads stay ended: nothing more to do. */
    was_connected = ps->connected && !st_->all_ended;
  }
  if (!was_connected)
    return;
  if (!ps->delivered) {
    /* NetGear wedges on this; we answer and carry on. A sender with no
     * frame has no stream to end; it stops counting when it disconnects. */
    drop(ps, netgear::DropReason::EARLY_TERMINATE, "terminate from a sender that sent no frame since it connected");
    return;
  }
  /* Posted before the EOS is queued, so the application hears of the
   * sender before the pipeline can end. Only this thread changes
   * `connected`, so nothing moves in between. */
  post(gst_structure_new("netgear-server-terminated", "port", G_TYPE_UINT, ps->port, nullptr));
  GST_INFO_OBJECT(src_, "port %d: sender terminated", ps->port);
  std::lock_guard<std::mutex> lk(st_->lock);
  ps->connected = ps->delivered = false;
  st_->some_ended = true;
  if (st_->all_ended)
    return;
  enqueue_eos(ps);
  end_if_all_gone();
}

/* Under the lock: once every sender that connected is gone, and one that
 * sent frames ended (terminated or timed out), every pad ends, as
 * NetGear's client does. */
void Handler::end_if_all_gone() {
  if (st_->all_ended || !st_->some_ended)
    return;
  for (auto &p : st_->ports)
    if (p->connected)
      return;
  st_->all_ended = true;
  for (auto &p : st_->ports)
    if (!p->ended)
      enqueue_eos(p.get());
  GST_INFO_OBJECT(src_, "every sender has terminated: end of stream");
}

/* A sender that connected and leaves before its first frame was never a
 * sender for vidgear, and our netgearsink sends no terminate then: it no
 * longer holds the stream open. One that sent frames stays until its
 * terminate (a REQ sender reconnecting after a timeout disconnects too). */
void Handler::on_disconnect(size_t index) {
  PortState *ps = st_->ports[index].get();
  {
    std::lock_guard<std::mutex> lk(st_->lock);
    if (!ps->connected || ps->delivered || st_->all_ended)
      return;
    ps->connected = false;
  }
  /* Posted before anything can end the stream, as on_terminate does. */
  post(gst_structure_new("netgear-server-disconnected", "port", G_TYPE_UINT, ps->port, nullptr));
  GST_INFO_OBJECT(src_, "port %d: sender left before its first frame", ps->port);
  std::lock_guard<std::mutex> lk(st_->lock);
  end_if_all_gone();
}

/* Posted the first time, for a new peer or reason, and then at most every
 * few seconds per port; every refusal is counted. */
void Handler::on_auth_failed(size_t index, const std::string &peer, const std::string &reason) {
  PortState *ps = st_->ports[index].get();
  uint64_t count;
  {
    std::lock_guard<std::mutex> lk(st_->lock);
    count = ++ps->auth_failures;
  }
  bool first = ps->auth_posted.first();
  if (!ps->auth_posted.due(peer + "|" + reason, netgear::monotonic_us()))
    return;
  GstStructure *s = gst_structure_new("netgear-auth-failed", "port", G_TYPE_UINT, ps->port, "reason", G_TYPE_STRING,
                                      reason.c_str(), "count", G_TYPE_UINT64, count, nullptr);
  if (!peer.empty())
    gst_structure_set(s, "peer", G_TYPE_STRING, peer.c_str(), nullptr);
  post(s);
  GST_WARNING_OBJECT(src_, "port %d: refused a sender from %s: %s (%" G_GUINT64_FORMAT " refusals)", ps->port,
                     peer.empty() ? "?" : peer.c_str(), reason.c_str(), count);
  if (first)
    GST_ELEMENT_WARNING(src_, RESOURCE, NOT_AUTHORIZED, ("Refused a sender on port %d", ps->port),
                        ("from %s: %s; further refusals are posted as netgear-auth-failed and counted in the stats",
                         peer.empty() ? "an unknown address" : peer.c_str(), reason.c_str()));
}

/* Posted as on_auth_failed() posts; every one is counted. */
void Handler::on_pattern_mismatch(size_t index, const std::string &peer) {
  PortState *ps = st_->ports[index].get();
  uint64_t count;
  {
    std::lock_guard<std::mutex> lk(st_->lock);
    count = ++ps->pattern_mismatches;
  }
  const uint64_t now = netgear::monotonic_us();
  const bool again = ps->mismatch_us && peer == ps->mismatch_peer && now - ps->mismatch_us < MISMATCH_AGAIN_US;
  ps->mismatch_peer = peer;
  ps->mismatch_us = now;
  GST_INFO_OBJECT(src_, "port %d: a connection from %s closed during its handshake (%" G_GUINT64_FORMAT " times)",
                  ps->port, peer.empty() ? "?" : peer.c_str(), count);
  bool first = ps->mismatch_posted.first();
  if (!again || !ps->mismatch_posted.due(peer, now))
    return;
  const int other = st_->pattern == netgear::PATTERN_REQREP ? 2 : 1;
  GstStructure *s = gst_structure_new("netgear-pattern-mismatch", "port", G_TYPE_UINT, ps->port, "pattern", G_TYPE_INT,
                                      st_->pattern, "count", G_TYPE_UINT64, count, nullptr);
  if (!peer.empty())
    gst_structure_set(s, "peer", G_TYPE_STRING, peer.c_str(), nullptr);
  post(s);
  if (first)
    GST_ELEMENT_WARNING(src_, RESOURCE, OPEN_READ,
                        ("A sender on port %d does not use pattern=%d, as this receiver does", ps->port, st_->pattern),
                        ("connections from %s closed during their ZeroMQ handshake%s, which is what ZeroMQ does, "
                         "without a reason, to a peer whose socket type does not fit: most likely a sender with "
                         "pattern=%d (set the same pattern on both ends), else something that is not a NetGear "
                         "sender; further ones are posted as netgear-pattern-mismatch and counted in the stats",
                         peer.empty() ? "an unknown address" : peer.c_str(),
                         st_->security ? " (or failed it with this receiver's security)" : "", other));
}

/* Forgets what came on a connection that closed: its number may be given
 * to a new one. */
void Handler::on_connection_closed(size_t index, int fd) {
  PortState *ps = st_->ports[index].get();
  auto &v = ps->sources;
  v.erase(std::remove_if(v.begin(), v.end(), [fd](const Source &src) { return src.fd == fd; }), v.end());
  std::lock_guard<std::mutex> lk(st_->lock);
  ps->disconnects++;
}

/* Two senders on one port: each one's terminate would end the port's
 * stream while the other still streams, and vidgear would mix them up.
 * Warned once per port, counted once per sender found sharing it. */
void Handler::note_source(PortState *ps, const netgear::FrameHeader &h, const netgear::Message &msg) {
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
  uint64_t count;
  {
    std::lock_guard<std::mutex> lk(st_->lock);
    count = ps->extra_senders = seen.size() - 1;
  }
  GstStructure *s = gst_structure_new("netgear-port-shared", "port", G_TYPE_UINT, ps->port, "count", G_TYPE_UINT64,
                                      count, nullptr);
  if (!msg.peer.empty())
    gst_structure_set(s, "peer", G_TYPE_STRING, msg.peer.c_str(), nullptr);
  post(s);
  GST_WARNING_OBJECT(src_, "port %d: another sender (from %s) sends on it too", ps->port,
                     msg.peer.empty() ? "?" : msg.peer.c_str());
  if (count == 1)
    GST_ELEMENT_WARNING(src_, STREAM, DEMUX, ("Two senders send on port %d", ps->port),
                        ("a port takes one sender, its identity: their frames are mixed on one pad, and the first "
                         "to terminate ends the port's stream while the other still sends. Give each sender a port "
                         "of its own (the other one is from %s); further ones are posted as netgear-port-shared "
                         "and counted in the stats (extra-senders)",
                         msg.peer.empty() ? "an unknown address" : msg.peer.c_str()));
}

/* A sender silent for `timeout` is gone as if it had terminated: its pad
 * ends, and it no longer holds the stream open. It is connected again if
 * it ever sends (a stalled one that recovers, a restarted one). */
void Handler::on_silent(size_t index, bool connection_open) {
  PortState *ps = st_->ports[index].get();
  bool delivered;
  {
    std::lock_guard<std::mutex> lk(st_->lock);
    if (!ps->connected || st_->all_ended)
      return;
    ps->timeouts++;
    delivered = ps->delivered;
  }
  /* Posted before the EOS is queued, as on_terminate does. */
  GstStructure *s = gst_structure_new("netgear-server-timeout", "port", G_TYPE_UINT, ps->port, "timeout", G_TYPE_UINT,
                                      static_cast<guint>(st_->receiver->config().silence_timeout_ms),
                                      "connection-open", G_TYPE_BOOLEAN, connection_open, nullptr);
  post(s);
  GST_ELEMENT_WARNING(src_, RESOURCE, READ, ("The sender on port %d timed out", ps->port),
                      ("nothing received for %d ms, %s", st_->receiver->config().silence_timeout_ms,
                       connection_open ? "its connection still open (stalled, paused, or unreachable)"
                                       : "its connection closed (it stopped or died without its terminate)"));
  std::lock_guard<std::mutex> lk(st_->lock);
  ps->connected = ps->delivered = false;
  if (delivered) {
    st_->some_ended = true;
    if (!st_->all_ended)
      enqueue_eos(ps);
  }
  end_if_all_gone();
}

Handler::Outcome Handler::on_frame(PortState *ps, netgear::Message &msg, netgear::FrameHeader &h, GstClockTime arrival,
                       uint64_t *seq_out, std::string *message) {
  netgear::DropReason reason = netgear::DropReason::NONE;
  std::string detail;
  size_t payload_size = msg.parts[1].size();
  ps->delivered = true; /* a sender now, even if this frame cannot be used */
  note_source(ps, h, msg);

  if (!declared_port_matches(h.port, ps->port)) {
    /* The socket names the sender, not the header (NetGear trusts the
     * header). A sender behind port forwarding may legitimately differ. */
    bool first = !ps->warned_port;
    ps->warned_port = true;
    {
      std::lock_guard<std::mutex> lk(st_->lock);
      ps->port_mismatch++;
    }
    if (first)
      GST_WARNING_OBJECT(src_, "port %d: sender declares port %s; frames are attributed to port %d", ps->port,
                         h.port.dump().c_str(), ps->port);
  }
  if (h.ext_newer) {
    std::lock_guard<std::mutex> lk(st_->lock);
    ps->newer_extension++;
  }
  if (h.ext_newer && !st_->warned_newer) {
    st_->warned_newer = true;
    GST_WARNING_OBJECT(src_, "port %d: sender speaks extension version %d, newer than ours (%d): "
                       "keys we do not know are ignored", ps->port, h.ext->version, netgear::kExtensionVersion);
  }
  uint64_t seq;
  if (h.ext) {
    /* A frame re-sent after a lost acknowledgement arrives twice. */
    if (ps->have_seq && h.ext->stream == ps->stream && h.ext->seq <= ps->seq) {
      drop(ps, netgear::DropReason::DUPLICATE,
           "frame " + std::to_string(h.ext->seq) + " already received");
      return h.ext->seq == ps->seq ? Outcome::REPEATED : Outcome::DROPPED;
    }
    seq = h.ext->seq;
  } else {
    seq = ps->received;
  }
  if (!ps->mapper.map(h, payload_size, &reason, &detail)) {
    drop(ps, reason, detail);
    return Outcome::DROPPED;
  }
  /* jpegdec would mostly skip it, but only after 10 in a row does it fail
   * the pipeline; a JPEG's first bytes tell. */
  if (h.compression &&
      netgear::jpeg_components(static_cast<const guint8 *>(msg.parts[1].data()), payload_size) == 0) {
    drop(ps, netgear::DropReason::NOT_JPEG, "the payload has no JPEG start and frame header");
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
  Item item;
  item.arrival = arrival;
  if (h.ext) {
    GST_BUFFER_FLAGS(buf) |= h.ext->flags & GST_NETGEAR_WIRE_BUFFER_FLAGS;
    if (h.ext->duration)
      GST_BUFFER_DURATION(buf) = *h.ext->duration;
    /* Untrusted: a difference beyond a day is nonsense, not reordering. */
    if (h.ext->pts && h.ext->dts && *h.ext->pts >= *h.ext->dts && *h.ext->pts - *h.ext->dts <= 86400 * GST_SECOND) {
      item.has_dts = true;
      item.pts_offset = static_cast<GstClockTimeDiff>(*h.ext->pts - *h.ext->dts);
    }
  }
  *message = netgear::dump_json(h.message);
  *seq_out = seq;
  if (GstStructure *meta = gst_buffer_add_netgear_meta(buf, ps->port, message->c_str(), seq, msg.peer.c_str())) {
    /* Wall-clock times, for latency across processes and hosts. */
    gst_structure_set(meta, "received", G_TYPE_INT64, static_cast<gint64>(ps->last_seen), nullptr);
    if (h.ext && h.ext->sent_ns)
      gst_structure_set(meta, "sent", G_TYPE_INT64, static_cast<gint64>(*h.ext->sent_ns), nullptr);
  }
  item.buffer = buf;
  item.caps = gst_caps_ref(ps->mapper.caps());

  std::unique_lock<std::mutex> lk(st_->lock);
  if (st_->all_ended) {
    lk.unlock();
    item.clear();
    drop(ps, netgear::DropReason::ENDED, "the stream already ended; restart the element to receive again");
    return Outcome::DROPPED;
  }
  /* Normally the handshake said so already. mark_connected() may let go of
   * the lock, and an EOS sent to the element may end everything meanwhile. */
  mark_connected(ps, msg.peer, lk);
  if (st_->all_ended) {
    lk.unlock();
    item.clear();
    drop(ps, netgear::DropReason::ENDED, "the stream already ended; restart the element to receive again");
    return Outcome::DROPPED;
  }
  if (ps->queued_frames >= st_->max_buffers) {
    /* Only in PUB/SUB (REQ/REP stops reading instead): the oldest frame
     * goes, so the pad always has the latest. */
    for (auto it = ps->queue.begin(); it != ps->queue.end(); ++it) {
      if (it->buffer) {
        it->clear();
        ps->queue.erase(it);
        ps->queued_frames--;
        ps->drops[static_cast<size_t>(netgear::DropReason::QUEUE_FULL)]++;
        break;
      }
    }
  }
  ps->frames++;
  ps->bytes += payload_size;
  /* The sender's word: a clock an hour off (or a lie) says nothing. Range
   * first, so the subtraction cannot overflow. */
  const gint64 seen = static_cast<gint64>(ps->last_seen);
  const gint64 hour = 3600 * GST_SECOND;
  if (h.ext && h.ext->sent_ns && *h.ext->sent_ns > seen - hour && *h.ext->sent_ns < seen + hour) {
    gint64 latency = seen - *h.ext->sent_ns;
    ps->latency_last = latency;
    ps->latency_max = std::max(ps->latency_max, latency);
    ps->latency_sum += latency;
    ps->latency_count++;
  }
  ps->queue.push_back(item);
  ps->queued_frames++;
  /* Its pad's thread is woken once the reply went: on a machine with few
   * cores the woken thread may take this one's core first. */
  ps->wake_pending = true;
  return Outcome::QUEUED;
}

/* Returns whether the sender was new. Posts before anything of it is queued
 * (see on_terminate); lk is held on entry and on return. */
bool Handler::mark_connected(PortState *ps, const std::string &peer, std::unique_lock<std::mutex> &lk) {
  if (!peer.empty())
    ps->peer = peer;
  if (ps->connected || st_->all_ended)
    return false;
  ps->connected = true;
  ps->ended = false;
  lk.unlock();
  GstStructure *s = gst_structure_new("netgear-server-connected", "port", G_TYPE_UINT, ps->port, nullptr);
  if (!peer.empty())
    gst_structure_set(s, "peer", G_TYPE_STRING, peer.c_str(), nullptr);
  post(s);
  GST_INFO_OBJECT(src_, "port %d: sender %s connected", ps->port, peer.c_str());
  lk.lock();
  return true;
}

void Handler::on_handshake(size_t index, const std::string &peer) {
  std::unique_lock<std::mutex> lk(st_->lock);
  st_->ports[index]->connections++;
  mark_connected(st_->ports[index].get(), peer, lk);
}

std::string Handler::on_message(size_t index, netgear::Message &msg) {
  PortState *ps = st_->ports[index].get();
  {
    std::lock_guard<std::mutex> lk(st_->lock);
    ps->last_seen = static_cast<guint64>(g_get_real_time()) * 1000;
  }
  try {
    return handle_message(ps, msg);
  } catch (const std::exception &e) {
    /* Only allocation can throw here; the I/O thread serves every port and
     * must survive whatever one peer sends. */
    drop(ps, netgear::DropReason::BAD_HEADER, std::string("cannot handle the message: ") + e.what());
    /* Built at start, so answering needs no allocation of its own. */
    return st_->fallback_reply;
  }
}

void Handler::on_message_done(size_t index) {
  PortState *ps = st_->ports[index].get();
  if (ps->wake_pending) {
    ps->wake_pending = false;
    /* The frame was queued under the lock, so the pad's thread sees it
     * whether it waits already or checks the queue first. */
    ps->cond.notify_one();
  }
}

/* The answer to anything but a delivered frame, and to frames when no
 * compute-reply handler answers: the reply property's value in
 * bidirectional mode (re-encoded only when it changed), else NetGear's
 * plain acknowledgement. */
const std::string &Handler::shared_reply() {
  if (!st_->bidirectional)
    return st_->reply;
  GstNetGearValueProperty *prop = src_->reply;
  GST_OBJECT_LOCK(src_);
  if (prop->generation() != st_->reply_gen) {
    guint64 gen = prop->generation();
    std::shared_ptr<const netgear::Json> value = prop->value();
    GST_OBJECT_UNLOCK(src_);
    st_->reply = netgear::encode_bidir_reply(*value);
    st_->reply_gen = gen;
    return st_->reply;
  }
  GST_OBJECT_UNLOCK(src_);
  return st_->reply;
}

std::string Handler::compute_reply(PortState *ps, uint64_t seq, const std::string &message) {
  gchar *text = nullptr;
  g_signal_emit(src_, src_signals[SIGNAL_COMPUTE_REPLY], 0, static_cast<guint>(ps->port),
                static_cast<guint64>(seq), message.c_str(), &text);
  if (!text)
    return shared_reply();
  std::string error;
  auto value = netgear::parse_json(text, &error);
  if (!value) {
    if (!ps->warned_bad_reply) {
      ps->warned_bad_reply = true;
      GST_ELEMENT_WARNING(src_, LIBRARY, FAILED,
                          ("compute-reply returned text that is not JSON for port %d", ps->port),
                          ("%s: %.120s; the reply property is sent instead", error.c_str(), text));
    }
    g_free(text);
    return shared_reply();
  }
  g_free(text);
  return netgear::encode_bidir_reply(*value);
}

std::string Handler::handle_message(PortState *ps, netgear::Message &msg) {
  GstClockTime arrival = GST_CLOCK_TIME_NONE;
  if (GstClock *clock = gst_element_get_clock(GST_ELEMENT(src_))) {
    arrival = gst_clock_get_time(clock);
    gst_object_unref(clock);
  }
  netgear::DropReason reason = netgear::DropReason::NONE;
  std::string detail;
  size_t payload = msg.parts.size() >= 2 ? msg.parts[1].size() : 0;
  auto dec = netgear::decode_message(msg.parts[0].view(), msg.nparts, payload, &reason, &detail);
  if (!dec) {
    drop(ps, reason, detail);
  } else if (dec->kind == netgear::Decoded::Kind::TERMINATE) {
    on_terminate(ps);
    return netgear::kTerminateReply;
  } else {
    uint64_t seq = 0;
    std::string message;
    Outcome outcome = on_frame(ps, msg, dec->frame, arrival, &seq, &message);
    const netgear::FrameHeader &h = dec->frame;
    if (st_->bidirectional && outcome == Outcome::QUEUED) {
      ps->last_reply = compute_reply(ps, seq, message);
      ps->last_reply_stream = h.ext ? h.ext->stream : 0;
      ps->last_reply_seq = seq;
      return ps->last_reply;
    }
    /* The same answer again, not a second computation. */
    if (st_->bidirectional && outcome == Outcome::REPEATED && !ps->last_reply.empty() && h.ext &&
        h.ext->stream == ps->last_reply_stream && h.ext->seq == ps->last_reply_seq)
      return ps->last_reply;
  }
  return shared_reply();
}

/* ---- streaming threads, one per pad ---- */

/* Sticky events that open a stream on the pad, if it has none open. */
void start_stream(PortState *ps) {
  GstPad *pad = ps->pad;
  ps->idle = false;
  if (!ps->need_stream_start)
    return;
  if (ps->needs_flush) {
    /* The sender is back after its terminate, or it sends its first frame
     * after the pad prerolled its branch with a gap. Elements downstream
     * refuse data after EOS until a flush, and caps may not follow a
     * segment; a flush clears both. It keeps the running time (no reset),
     * so the rest of the live pipeline does not notice. */
    gst_pad_push_event(pad, gst_event_new_flush_start());
    gst_pad_push_event(pad, gst_event_new_flush_stop(FALSE));
    ps->needs_flush = false;
  }
  gchar *sid = gst_pad_create_stream_id_printf(pad, GST_ELEMENT(ps->src), "%d", ps->port);
  gst_pad_push_event(pad, gst_event_new_stream_start(sid));
  g_free(sid);
  ps->need_stream_start = false;
  ps->need_segment = true;
  gst_clear_caps(&ps->pushed_caps);
}

void push_item(PortState *ps, Item &item) {
  GstNetGearSrc *self = ps->src;
  GstPad *pad = ps->pad;
  start_stream(ps);
  if (!item.buffer) {
    GST_DEBUG_OBJECT(pad, "end of stream");
    gst_pad_push_event(pad, gst_event_new_eos());
    ps->need_stream_start = true;
    ps->needs_flush = true;
    return;
  }
  if (!ps->pushed_caps || !gst_caps_is_equal(ps->pushed_caps, item.caps)) {
    gst_pad_push_event(pad, gst_event_new_caps(item.caps));
    gst_caps_replace(&ps->pushed_caps, item.caps);
  }
  if (ps->need_segment) {
    /* Live: buffers carry running time. */
    GstSegment seg;
    gst_segment_init(&seg, GST_FORMAT_TIME);
    gst_pad_push_event(pad, gst_event_new_segment(&seg));
    ps->need_segment = false;
    ps->discont = true;
  }

  GstClockTime rt = GST_CLOCK_TIME_NONE;
  GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  if (GST_CLOCK_TIME_IS_VALID(item.arrival) && item.arrival >= base) {
    rt = item.arrival - base;
  } else if (GstClock *clock = gst_element_get_clock(GST_ELEMENT(self))) {
    /* Arrived before PLAYING: it is as new as now. */
    GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    rt = now > base ? now - base : 0;
  }
  GstBuffer *buf = item.buffer;
  item.buffer = nullptr;
  if (item.has_dts && GST_CLOCK_TIME_IS_VALID(rt)) {
    GST_BUFFER_DTS(buf) = rt;
    GST_BUFFER_PTS(buf) = rt + item.pts_offset;
  } else {
    GST_BUFFER_PTS(buf) = rt;
    GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  }
  if (ps->discont) {
    GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
    ps->discont = false;
  }
  GstFlowReturn ret = gst_pad_push(pad, buf);
  switch (ret) {
  case GST_FLOW_OK:
  case GST_FLOW_NOT_LINKED: /* an unlinked port must not stop the others */
  case GST_FLOW_EOS:        /* downstream is done with this sender */
    break;
  case GST_FLOW_FLUSHING:
    /* Our own pad flushing ends the task in src_loop; a branch flushing
     * downstream (relinked, restarted) may take data again later, so keep
     * the task and start the next buffer a new run. */
    ps->discont = true;
    break;
  default:
    GST_ELEMENT_FLOW_ERROR(self, ret);
    gst_pad_push_event(pad, gst_event_new_eos());
    gst_pad_pause_task(pad);
    break;
  }
}

/* A port with no sender yet: without data its sink would never preroll and
 * would hold the whole pipeline out of PLAYING (a live pipeline's sinks
 * still complete their state change asynchronously). A GAP prerolls it. */
void push_gap(PortState *ps) {
  GstPad *pad = ps->pad;
  start_stream(ps);
  if (ps->need_segment) {
    GstSegment seg;
    gst_segment_init(&seg, GST_FORMAT_TIME);
    gst_pad_push_event(pad, gst_event_new_segment(&seg));
    ps->need_segment = false;
  }
  GstClockTime rt = 0;
  GstClockTime base = gst_element_get_base_time(GST_ELEMENT(ps->src));
  if (GstClock *clock = gst_element_get_clock(GST_ELEMENT(ps->src))) {
    GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    rt = now > base ? now - base : 0;
  }
  GST_DEBUG_OBJECT(pad, "no sender yet: gap at %" GST_TIME_FORMAT, GST_TIME_ARGS(rt));
  gst_pad_push_event(pad, gst_event_new_gap(rt, GST_CLOCK_TIME_NONE));
  /* The real stream starts afresh, with its caps. */
  ps->need_stream_start = true;
  ps->needs_flush = true;
}

void src_loop(gpointer data) {
  auto *ps = static_cast<PortState *>(data);
  SrcState *st = ps->src->state;
  Item item;
  bool was_full;
  {
    std::unique_lock<std::mutex> lk(st->lock);
    ps->cond.wait(lk, [&] {
      return ps->flushing || (st->playing && (!ps->queue.empty() || ps->idle));
    });
    if (ps->flushing) {
      lk.unlock();
      gst_pad_pause_task(ps->pad);
      return;
    }
    if (ps->queue.empty()) {
      lk.unlock();
      push_gap(ps);
      return;
    }
    item = ps->queue.front();
    ps->queue.pop_front();
    was_full = item.buffer && ps->queued_frames-- == st->max_buffers;
  }
  if (was_full && st->pattern == netgear::PATTERN_REQREP)
    st->receiver->wake(); /* it stopped reading this port */
  push_item(ps, item);
  item.clear();
}

gboolean src_activate_mode(GstPad *pad, GstObject * /*parent*/, GstPadMode mode, gboolean active) {
  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  auto *ps = static_cast<PortState *>(gst_pad_get_element_private(pad));
  SrcState *st = ps->src->state;
  {
    std::lock_guard<std::mutex> lk(st->lock);
    ps->flushing = !active;
    ps->cond.notify_all();
  }
  if (active)
    return gst_pad_start_task(pad, src_loop, ps, nullptr);
  return gst_pad_stop_task(pad);
}

gboolean src_query(GstPad *pad, GstObject *parent, GstQuery *query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    /* Live, stamped on arrival: no latency of our own; a queue of
     * max-buffers may hold frames back, bounded by the sender's pace. */
    gst_query_set_latency(query, TRUE, 0, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

void clear_queue(PortState *ps) {
  for (Item &it : ps->queue)
    it.clear();
  ps->queue.clear();
  ps->queued_frames = 0;
}

} // namespace

/* ---- element ---- */

/* NULL to READY: binds every port (senders may connect and queue from
 * now on) and adds the pads. */
static gboolean gst_netgear_src_open(GstNetGearSrc *self) {
  GstNetGearSettings set;
  if (!gst_netgear_common_validate(GST_ELEMENT(self), &self->common, true, &set) ||
      !self->reply->check_start(GST_ELEMENT(self)))
    return FALSE;
  netgear::ReceiverConfig cfg;
  GST_OBJECT_LOCK(self);
  std::string ports = self->ports ? self->ports : "";
  SrcState *st = self->state;
  cfg.max_message_size = self->max_message_size;
  GST_OBJECT_UNLOCK(self);
  netgear::Error error;
  if (cfg.max_message_size == 0)
    error = {"Property 'max-message-size' is 0", "use -1 for no limit, or the largest message in bytes"};
  if (!error.message.empty() || !netgear::parse_ports(ports, &cfg.ports, &error)) {
    GST_NETGEAR_SETTINGS_ERROR(GST_ELEMENT(self), error);
    return FALSE;
  }
  const std::string &address = set.address;
  cfg.protocol = set.protocol;
  cfg.address = address;
  cfg.ipv6 = set.ipv6;
  cfg.pattern = set.pattern;
  cfg.log_object = self;
  if (!gst_netgear_common_security(GST_ELEMENT(self), &self->common, netgear::Role::RECEIVER, &cfg.security))
    return FALSE;
  st->pattern = set.pattern;
  st->bidirectional = set.bidirectional;
  st->security = cfg.security.active();
  st->reply_gen = G_MAXUINT64;
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

  std::vector<std::unique_ptr<PortState>> port_states;
  for (int port : cfg.ports) {
    auto ps = std::make_unique<PortState>();
    ps->src = self;
    ps->port = port;
    port_states.push_back(std::move(ps));
  }
  /* The stats getter reads the list under the object lock. */
  GST_OBJECT_LOCK(self);
  st->ports = std::move(port_states);
  GST_OBJECT_UNLOCK(self);
  st->handler = std::make_unique<Handler>(self);
  st->receiver = std::make_unique<netgear::Receiver>(cfg, st->handler.get());
  if (!st->receiver->open(&error)) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", error.message.c_str()), ("%s", error.debug.c_str()));
    st->receiver.reset();
    GST_OBJECT_LOCK(self);
    st->ports.clear();
    GST_OBJECT_UNLOCK(self);
    return FALSE;
  }
  st->reply = netgear::plain_reply(random_device_id());
  st->fallback_reply = set.bidirectional ? netgear::encode_bidir_reply(nullptr) : st->reply;

  for (auto &ps : st->ports) {
    gchar *name = g_strdup_printf("src_%d", ps->port);
    GstPad *pad = gst_pad_new_from_static_template(&src_template, name);
    g_free(name);
    gst_pad_set_element_private(pad, ps.get());
    gst_pad_set_activatemode_function(pad, src_activate_mode);
    gst_pad_set_query_function(pad, src_query);
    gst_pad_use_fixed_caps(pad);
    ps->pad = pad;
    gst_element_add_pad(GST_ELEMENT(self), pad);
  }
  gst_element_no_more_pads(GST_ELEMENT(self));
  GST_INFO_OBJECT(self, "listening on %s port(s) %s, pattern %d%s", address.c_str(), ports.c_str(), set.pattern,
                  set.bidirectional ? ", bidirectional" : "");
  return TRUE;
}

static void gst_netgear_src_close(GstNetGearSrc *self) {
  SrcState *st = self->state;
  if (st->receiver)
    st->receiver->close();
  for (auto &ps : st->ports) {
    if (ps->pad)
      gst_element_remove_pad(GST_ELEMENT(self), ps->pad);
    ps->pad = nullptr;
    clear_queue(ps.get());
    gst_clear_caps(&ps->pushed_caps);
  }
  GST_OBJECT_LOCK(self);
  st->receiver.reset();
  st->ports.clear();
  GST_OBJECT_UNLOCK(self);
  st->handler.reset();
}

static void gst_netgear_src_reset(GstNetGearSrc *self) {
  SrcState *st = self->state;
  std::lock_guard<std::mutex> lk(st->lock);
  st->all_ended = st->playing = st->some_ended = false;
  for (auto &ps : st->ports) {
    clear_queue(ps.get());
    ps->connected = ps->ended = ps->delivered = false;
    ps->have_seq = false;
    ps->received = 0;
    ps->need_stream_start = ps->need_segment = ps->discont = true;
    ps->last_reply.clear();
    ps->warned_bad_reply = false;
    ps->needs_flush = false;
    ps->idle = true;
    gst_clear_caps(&ps->pushed_caps);
    /* The I/O thread's, which does not run now: connections that closed
     * meanwhile were not seen closing. */
    ps->sources.clear();
    ps->have_last_source = false;
  }
}

static GstStateChangeReturn gst_netgear_src_change_state(GstElement *element, GstStateChange transition) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(element);
  SrcState *st = self->state;
  std::string error;

  switch (transition) {
  case GST_STATE_CHANGE_NULL_TO_READY:
    if (!gst_netgear_src_open(self))
      return GST_STATE_CHANGE_FAILURE;
    break;
  case GST_STATE_CHANGE_READY_TO_PAUSED: {
    GST_OBJECT_LOCK(self);
    size_t max_buffers = self->max_buffers;
    int timeout = static_cast<int>(MIN(self->timeout, static_cast<guint>(G_MAXINT)));
    GST_OBJECT_UNLOCK(self);
    gst_netgear_src_reset(self);
    {
      std::lock_guard<std::mutex> lk(st->lock);
      st->max_buffers = max_buffers;
    }
    st->receiver->set_silence_timeout_ms(timeout);
    if (!st->receiver->start(&error)) {
      GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Could not start receiving"), ("%s", error.c_str()));
      return GST_STATE_CHANGE_FAILURE;
    }
    break;
  }
  case GST_STATE_CHANGE_PAUSED_TO_PLAYING: {
    std::lock_guard<std::mutex> lk(st->lock);
    st->playing = true;
    for (auto &ps : st->ports)
      ps->cond.notify_all();
    break;
  }
  case GST_STATE_CHANGE_PLAYING_TO_PAUSED: {
    std::lock_guard<std::mutex> lk(st->lock);
    st->playing = false;
    break;
  }
  default:
    break;
  }

  GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_netgear_src_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      st->receiver->stop();
    else if (transition == GST_STATE_CHANGE_NULL_TO_READY)
      gst_netgear_src_close(self);
    return ret;
  }

  switch (transition) {
  case GST_STATE_CHANGE_READY_TO_PAUSED:
  case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
    ret = GST_STATE_CHANGE_NO_PREROLL; /* live */
    break;
  case GST_STATE_CHANGE_PAUSED_TO_READY:
    st->receiver->stop();
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
 * recording) ends every pad after what is already queued, as if every
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
    if (!ps->ended)
      enqueue_eos(ps.get());
  return TRUE;
}

static GstStructure *gst_netgear_src_stats(GstNetGearSrc *self) {
  GstStructure *s = gst_structure_new_empty("netgear-src-stats");
  GST_OBJECT_LOCK(self);
  SrcState *st = self->state;
  {
    std::lock_guard<std::mutex> lk(st->lock);
    for (auto &ps : st->ports) {
      GstStructure *p = gst_structure_new("port", "port", G_TYPE_UINT, ps->port, "connected", G_TYPE_BOOLEAN,
                                          ps->connected, "frames", G_TYPE_UINT64, ps->frames, "bytes",
                                          G_TYPE_UINT64, ps->bytes, "terminates", G_TYPE_UINT64, ps->terminates,
                                          "port-mismatch", G_TYPE_UINT64, ps->port_mismatch, "queued", G_TYPE_UINT64,
                                          static_cast<guint64>(ps->queued_frames), "timeouts", G_TYPE_UINT64,
                                          ps->timeouts, "connections", G_TYPE_UINT64, ps->connections,
                                          "disconnects", G_TYPE_UINT64, ps->disconnects, "auth-failures",
                                          G_TYPE_UINT64, ps->auth_failures, "pattern-mismatches", G_TYPE_UINT64,
                                          ps->pattern_mismatches, "extra-senders", G_TYPE_UINT64,
                                          ps->extra_senders, "reconnects", G_TYPE_UINT64,
                                          ps->connections > 0 ? ps->connections - 1 : G_GUINT64_CONSTANT(0),
                                          "newer-extension", G_TYPE_UINT64, ps->newer_extension, "last-seen",
                                          G_TYPE_UINT64, ps->last_seen, nullptr);
      if (!ps->peer.empty())
        gst_structure_set(p, "peer", G_TYPE_STRING, ps->peer.c_str(), nullptr);
      if (ps->latency_count)
        gst_structure_set(p, "latency-last", G_TYPE_INT64, ps->latency_last, "latency-max", G_TYPE_INT64,
                          ps->latency_max, "latency-mean", G_TYPE_INT64,
                          static_cast<gint64>(ps->latency_sum / static_cast<double>(ps->latency_count)),
                          "latency-count", G_TYPE_UINT64, ps->latency_count, nullptr);
      guint64 total = 0;
      for (size_t r = 1; r < kReasons; r++) {
        total += ps->drops[r];
        gchar *field = g_strdup_printf("dropped-%s", netgear::drop_reason_name(static_cast<netgear::DropReason>(r)));
        gst_structure_set(p, field, G_TYPE_UINT64, ps->drops[r], nullptr);
        g_free(field);
      }
      gst_structure_set(p, "dropped", G_TYPE_UINT64, total, nullptr);
      gchar *name = g_strdup_printf("port-%d", ps->port);
      gst_structure_set(s, name, GST_TYPE_STRUCTURE, p, nullptr);
      gst_structure_free(p);
      g_free(name);
    }
  }
  GST_OBJECT_UNLOCK(self);
  return s;
}

static void gst_netgear_src_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstNetGearSrc *self = GST_NETGEAR_SRC(object);
  gboolean refused = FALSE;
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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
    }
  }
  GST_OBJECT_UNLOCK(self);
  if (refused)
    self->reply->post_refusal(GST_ELEMENT(self));
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
  self->reply = new GstNetGearValueProperty("reply");
  self->state = new SrcState();
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}

static void gst_netgear_src_class_init(GstNetGearSrcClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_netgear_src_debug, "netgearsrc", 0, "NetGear receiver");
  gst_netgear_meta_register();

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
                          "65535); each gets a pad src_<port>",
                          DEFAULT_PORTS, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_BUFFERS,
      g_param_spec_uint("max-buffers", "Max buffers",
                        "Frames queued per sender between the network and its pad; when full, pattern=1 stops "
                        "reading that sender (it waits), pattern=2 drops its oldest frame",
                        1, G_MAXINT, DEFAULT_MAX_BUFFERS, rw_ready));
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
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "One structure per port (field port-<N>): frames, bytes, connected, peer, "
                         "terminates, timeouts, connections, reconnects, disconnects (connections closed: "
                         "also by a message over max-message-size), auth-failures, pattern-mismatches "
                         "(connections closed during their handshake), extra-senders (other senders found on "
                         "the port), last-seen (CLOCK_REALTIME ns of the newest message, 0 = none), "
                         "latency-last/-mean/-max (ns from the sender's send time, netgearsink senders only), "
                         "port-mismatch, newer-extension, queued, dropped and dropped-<reason>",
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
   * of one sender. Emitted on the receiving thread as each frame arrives,
   * just after it is queued for its pad (downstream may already be
   * handling it); that thread serves every port, so a handler must be quick
   * and must not change the element's state.
   *
   * Returns: (transfer full) (nullable): the answer as JSON text, or NULL
   * to send the reply property's value.
   */
  src_signals[SIGNAL_COMPUTE_REPLY] =
      g_signal_new("compute-reply", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_first_wins,
                   nullptr, nullptr, G_TYPE_STRING, 3, G_TYPE_UINT, G_TYPE_UINT64, G_TYPE_STRING);

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "NetGear source", "Source/Network",
      "Receives buffers from many NetGear senders (netgearsink or vidgear) over ZeroMQ, one pad per port",
      "gst-netgear developers");
  element_class->change_state = GST_DEBUG_FUNCPTR(gst_netgear_src_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR(gst_netgear_src_send_event);
}
