/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: netgearsink.
 *
 * SECTION:element-netgearsink
 *
 * Sends every buffer to a netgearsrc (or a Python vidgear NetGear client in
 * multi-server mode) over ZeroMQ: connects a REQ (pattern=1) or PUB
 * (pattern=2) socket to address:port. The receiver binds; the sender's port
 * must be one the receiver listens on, unique per sender.
 *
 *   gst-launch-1.0 videotestsrc ! video/x-raw,format=BGR,width=640,height=480 ! \
 *       netgearsink address=192.0.2.10 port=5566 pattern=1 message="I'm Server-1 at Port: 5566"
 *
 * Its URI, for applications that make sinks from URIs, is
 * netgear://RECEIVER:PORT, any other property a query parameter:
 * netgear://192.0.2.10:5566?pattern=2&message=porch
 *
 * Messages: the `message` property (a text, a JSON string on the wire) or
 * `message-json` (any JSON value) goes with every frame; a buffer carrying
 * a GstNetGearMeta whose "message" field holds JSON text sends that instead
 * (unless it is "null"), so an application can give each frame its own
 * message, and a relay (netgearsrc ! netgearsink) passes its senders'
 * messages on. A serialized custom downstream event named
 * "netgear-message" with a "message" field (JSON text) sets the message of
 * the buffers after it, for applications that cannot write a meta (Python).
 *
 * Until a receiver is first there, frames are dropped (after waiting for
 * one at most NO_RECEIVER_WAIT_MS each), so that the stream keeps moving
 * and an EOS or a state change ends it at once, or, with
 * wait-for-connection=true, held until it comes. A warning naming the
 * endpoint is posted after request-timeout, then at growing intervals.
 *
 * Bidirectional mode (bidirectional=true, pattern 1): each frame's reply is
 * handed to the application on the streaming thread, with the buffer it
 * answers, as the "reply" signal and a "netgear-reply" element message:
 * before the next frame goes out with max-in-flight=1, else as replies
 * arrive (in order), between frames.
 *
 * max-in-flight (pattern 1) lets several acknowledged frames travel at once
 * over a link whose round trip is longer than a frame's interval.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnetgearsink.h"

#include <gst/video/video.h>

#include <ctime>
#include <memory>
#include <random>

#include "gstnetgearcommon.h"
#include "gstnetgearmeta.h"
#include "netgearconn.h"
#include "netgearformat.h"
#include "netgearwire.h"

GST_DEBUG_CATEGORY_STATIC(gst_netgear_sink_debug);
#define GST_CAT_DEFAULT gst_netgear_sink_debug

#define DEFAULT_ADDRESS "localhost"
#define DEFAULT_PORT 5566
#define DEFAULT_REQUEST_TIMEOUT 4000
#define DEFAULT_MAX_RETRIES 3
#define DEFAULT_ON_TIMEOUT GST_NETGEAR_ON_TIMEOUT_RESEND
#define DEFAULT_WAIT_FOR_CONNECTION FALSE
#define DEFAULT_MAX_IN_FLIGHT 1
/* The longest a pair of readings of the pipeline clock and the UNIX clock
 * may take to count as one moment. */
#define UNIX_PAIR_MAX_NS (50 * GST_USECOND)
/* Until a receiver is first there (wait-for-connection=false), a frame
 * waits at most this long for one, then is dropped: the streaming thread
 * returns, so an EOS (which travels on it) gets through, and a source that
 * does not pace itself does not spin. */
#define NO_RECEIVER_WAIT_MS 100
/* The "no receiver yet" warning comes after request-timeout, then at
 * doubling intervals of at most this. */
#define WAITING_WARNING_MAX_US (60 * G_USEC_PER_SEC)
/* The terminate on a state change (no EOS) waits at most this long, so a
 * pipeline can always stop promptly even with its receiver gone. */
#define SHUTDOWN_TERMINATE_MS 500
/* A receiver cannot make the encoder send keyframes only. */
#define KEY_UNIT_MIN_INTERVAL_US (200 * 1000)

enum {
  PROP_PORT = PROP_NETGEAR_COMMON_LAST,
  PROP_REQUEST_TIMEOUT,
  PROP_MAX_RETRIES,
  PROP_STATS,
  PROP_MESSAGE,
  PROP_MESSAGE_JSON, /* installed with PROP_MESSAGE: its id + 1 */
  PROP_ON_TIMEOUT,
  PROP_WAIT_FOR_CONNECTION,
  PROP_MAX_IN_FLIGHT,
};

/* What a pattern-1 sender does with a frame whose attempt failed. */
typedef enum {
  GST_NETGEAR_ON_TIMEOUT_RESEND,
  GST_NETGEAR_ON_TIMEOUT_SKIP,
} GstNetGearOnTimeout;

static GType gst_netgear_on_timeout_get_type(void) {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {GST_NETGEAR_ON_TIMEOUT_RESEND, "Send the same frame again: none is lost, a receiver that got it but whose "
                                      "answer was lost sees it twice (netgearsrc drops the copy)",
       "resend"},
      {GST_NETGEAR_ON_TIMEOUT_SKIP, "Give the frame up and send the next one: latest frames first, none twice",
       "skip"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstNetGearOnTimeout", values));
  return type;
}

enum {
  SIGNAL_REPLY,
  LAST_SIGNAL
};
static guint sink_signals[LAST_SIGNAL];

namespace {

/* A mapped GstBuffer that ZeroMQ reads from directly. */
class BufferPayload : public netgear::Payload {
public:
  BufferPayload(GstBuffer *buf, gsize size) : buf_(gst_buffer_ref(buf)) {
    mapped_ = gst_buffer_map(buf_, &map_, GST_MAP_READ);
    size_ = mapped_ ? MIN(size, map_.size) : 0;
  }
  ~BufferPayload() override {
    if (mapped_)
      gst_buffer_unmap(buf_, &map_);
    gst_buffer_unref(buf_);
  }
  bool ok() const { return mapped_; }
  const void *data() const override { return map_.data; }
  size_t size() const override { return size_; }

private:
  GstBuffer *buf_;
  GstMapInfo map_{};
  bool mapped_ = false;
  gsize size_ = 0;
};

struct SinkState {
  std::unique_ptr<netgear::Sender> sender;
  netgear::SendPlan plan;
  bool have_plan = false;
  netgear::FrameDescription desc;
  uint64_t seq = 0;
  /* A frame reached the receiver since the start or the last terminate. A
   * vidgear client only knows senders that sent a frame: a terminate from
   * any other ends it at once (when it knows none) or, unanswered, wedges
   * its REP socket (docs/protocol.md#fault-2). So only such a sender says
   * goodbye; netgearsrc sees a silent one leave by its disconnection. */
  bool owes_terminate = false;
  int request_timeout = DEFAULT_REQUEST_TIMEOUT;
  int port = DEFAULT_PORT; /* the one connected to, for replies */
  int pattern = 1;
  bool bidirectional = false;
  bool wait_for_connection = DEFAULT_WAIT_FOR_CONNECTION;
  /* A receiver has been there since the start (pattern 1: it answered;
   * pattern 2: it subscribed). Until then: when the next "waiting" warning
   * is due, and the interval after it. */
  bool receiver_seen = false;
  uint64_t start_us = 0, next_warning_us = 0, warning_interval_us = 0;
  uint64_t key_unit_at_us = 0; /* the last keyframe asked upstream for the receiver */
  /* The thread using the Sender (the streaming thread, or the state-change
   * thread in its terminate): the pattern warning went. */
  bool warned_handshake = false;
  /* Why the receiver's host name did not resolve at the start; ZeroMQ
   * tries again at each connection attempt (not the streaming thread: a
   * resolver can take seconds, and an EOS waits for that thread). */
  std::string unresolved;
  bool warned_plain = false;
  bool warned_refused = false;
  /* The newest reference timestamp caps a source gave, and as text. */
  GstCaps *reference_caps = nullptr;
  std::string reference_text;
  GstCaps *unix_reference = gst_caps_new_empty_simple(netgear::kUnixReference);
  ~SinkState() {
    gst_clear_caps(&reference_caps);
    gst_clear_caps(&unix_reference);
  }
  std::optional<netgear::Json> event_message; /* from the last netgear-message event */
  guint64 event_gen = 0;                      /* changes with event_message */
  /* Where desc.message was copied from, and that value's generation, so
   * that an unchanged message is not copied again for every frame. */
  enum class Source { NONE, META, EVENT, PROPERTY } message_source = Source::NONE;
  guint64 message_gen = 0;
  /* Whether desc.message must be (re)copied from `src` at generation `gen`;
   * records that it will be. */
  bool message_stale(Source src, guint64 gen) {
    if (message_source == src && message_gen == gen && src != Source::META)
      return false;
    message_source = src;
    message_gen = gen;
    return true;
  }
};

} // namespace

struct _GstNetGearSink {
  GstBaseSink parent;
  GstNetGearCommon common;
  gint port;
  gint request_timeout;
  gint max_retries;
  gint on_timeout; /* GstNetGearOnTimeout */
  gboolean wait_for_connection;
  gint max_in_flight;
  GstNetGearValueProperty *message;
  /* Under the object lock: per-buffer messages refused, replies delivered,
   * frames dropped before a receiver was there, keyframes the receiver
   * asked for (passed upstream). */
  guint64 messages_refused;
  guint64 replies;
  guint64 dropped_waiting;
  guint64 key_unit_requests;
  SinkState *state;
};

static void gst_netgear_sink_uri_handler_init(gpointer g_iface, gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE(GstNetGearSink, gst_netgear_sink, GST_TYPE_BASE_SINK,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER, gst_netgear_sink_uri_handler_init));
/* Primary: what a netgear:// URI asks for (playbin's sink, gst_element_make_from_uri). */
GST_ELEMENT_REGISTER_DEFINE(netgearsink, "netgearsink", GST_RANK_PRIMARY, GST_TYPE_NETGEAR_SINK);

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void gst_netgear_sink_set_property(GObject *object, guint prop_id, const GValue *value,
                                          GParamSpec *pspec) {
  GstNetGearSink *self = GST_NETGEAR_SINK(object);
  gboolean refused = FALSE;
  GST_OBJECT_LOCK(self);
  if (!gst_netgear_common_set_property(&self->common, prop_id, value)) {
    switch (prop_id) {
    case PROP_MESSAGE:
      self->message->set_text(g_value_get_string(value));
      break;
    case PROP_MESSAGE_JSON:
      refused = !self->message->set_json(g_value_get_string(value));
      break;
    case PROP_WAIT_FOR_CONNECTION:
      self->wait_for_connection = g_value_get_boolean(value);
      break;
    case PROP_MAX_IN_FLIGHT:
      self->max_in_flight = g_value_get_int(value);
      break;
    case PROP_PORT:
      self->port = g_value_get_int(value);
      break;
    case PROP_REQUEST_TIMEOUT:
      self->request_timeout = g_value_get_int(value);
      break;
    case PROP_MAX_RETRIES:
      self->max_retries = g_value_get_int(value);
      break;
    case PROP_ON_TIMEOUT:
      self->on_timeout = g_value_get_enum(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
    }
  }
  GST_OBJECT_UNLOCK(self);
  if (refused)
    self->message->post_refusal(GST_ELEMENT(self));
}

static GstStructure *gst_netgear_sink_stats(GstNetGearSink *self) {
  netgear::SenderStats st;
  GST_OBJECT_LOCK(self);
  if (self->state->sender)
    st = self->state->sender->stats();
  guint64 refused = self->messages_refused, replies = self->replies, keys = self->key_unit_requests;
  st.dropped += self->dropped_waiting;
  GST_OBJECT_UNLOCK(self);
  GstStructure *s = gst_structure_new(
      "netgear-sink-stats", "sent", G_TYPE_UINT64, st.sent, "acknowledged", G_TYPE_UINT64, st.acked, "bytes",
      G_TYPE_UINT64, st.bytes, "timeouts", G_TYPE_UINT64, st.timeouts, "reconnects", G_TYPE_UINT64, st.reconnects,
      "lost", G_TYPE_UINT64, st.lost, "skipped", G_TYPE_UINT64, st.skipped, "dropped", G_TYPE_UINT64, st.dropped,
      "replies", G_TYPE_UINT64, replies, "messages-refused", G_TYPE_UINT64, refused, "last-acknowledged",
      G_TYPE_UINT64, st.last_ack_realtime_ns, "key-unit-requests", G_TYPE_UINT64, keys, "resent", G_TYPE_UINT64,
      st.resent, "in-flight", G_TYPE_UINT64, st.in_flight, "in-flight-max", G_TYPE_UINT64, st.in_flight_max, nullptr);
  if (st.rtt_count)
    gst_structure_set(s, "rtt-last", G_TYPE_UINT64, st.rtt_last, "rtt-max", G_TYPE_UINT64, st.rtt_max, "rtt-mean",
                      G_TYPE_UINT64, st.rtt_sum / st.rtt_count, nullptr);
  return s;
}

static void gst_netgear_sink_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstNetGearSink *self = GST_NETGEAR_SINK(object);
  if (prop_id == PROP_STATS) {
    g_value_take_boxed(value, gst_netgear_sink_stats(self));
    return;
  }
  GST_OBJECT_LOCK(self);
  if (!gst_netgear_common_get_property(&self->common, prop_id, value)) {
    switch (prop_id) {
    case PROP_PORT:
      g_value_set_int(value, self->port);
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_int(value, self->request_timeout);
      break;
    case PROP_MAX_RETRIES:
      g_value_set_int(value, self->max_retries);
      break;
    case PROP_ON_TIMEOUT:
      g_value_set_enum(value, self->on_timeout);
      break;
    case PROP_MESSAGE:
      g_value_take_string(value, self->message->dup_text());
      break;
    case PROP_MESSAGE_JSON:
      g_value_take_string(value, self->message->dup_json());
      break;
    case PROP_WAIT_FOR_CONNECTION:
      g_value_set_boolean(value, self->wait_for_connection);
      break;
    case PROP_MAX_IN_FLIGHT:
      g_value_set_int(value, self->max_in_flight);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
    }
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_netgear_sink_handshake_closed(GstNetGearSink *self, const std::string &endpoint, int pattern,
                                              int in_a_row);

/* NULL to READY: everything that can fail for a setting, so that one error
 * names it. (GstBaseSink::start() would add its own vaguer error to ours.) */
static gboolean gst_netgear_sink_open(GstNetGearSink *self) {
  GstNetGearSettings set;
  if (!gst_netgear_common_validate(GST_ELEMENT(self), &self->common, false, &set) ||
      !self->message->check_start(GST_ELEMENT(self)))
    return FALSE;
  const int pattern = set.pattern;

  netgear::SenderConfig cfg;
  GST_OBJECT_LOCK(self);
  int port = self->port;
  cfg.request_timeout_ms = self->request_timeout;
  cfg.max_retries = self->max_retries;
  cfg.resend = self->on_timeout != GST_NETGEAR_ON_TIMEOUT_SKIP;
  cfg.max_in_flight = self->max_in_flight;
  bool wait_for_connection = self->wait_for_connection;
  GST_OBJECT_UNLOCK(self);
  cfg.pattern = pattern;
  cfg.keep_answers = set.bidirectional;
  cfg.endpoint = netgear::endpoint_uri(set.protocol, set.address, port);
  cfg.ipv6 = set.ipv6;
  cfg.log_object = self;
  cfg.on_handshake_closed = [self, endpoint = cfg.endpoint, pattern](int in_a_row) {
    gst_netgear_sink_handshake_closed(self, endpoint, pattern, in_a_row);
  };

  SinkState *st = self->state;
  st->unresolved.clear();
  std::string ip;
  bool ipv6;
  if (set.protocol == "tcp" && !netgear::resolve_host(set.address, &ip, &ipv6, &st->unresolved))
    GST_ELEMENT_WARNING(self, RESOURCE, NOT_FOUND, ("Receiver host \"%s\" not found", set.address.c_str()),
                        ("it does not resolve (%s); trying on, in case it comes", st->unresolved.c_str()));
  st->request_timeout = cfg.request_timeout_ms;
  st->bidirectional = set.bidirectional;
  st->wait_for_connection = wait_for_connection;
  st->port = port;
  st->pattern = pattern;
  st->warned_plain = st->warned_refused = st->warned_handshake = false;
  st->receiver_seen = false;
  st->start_us = netgear::monotonic_us();
  st->warning_interval_us = static_cast<uint64_t>(cfg.request_timeout_ms) * 1000;
  st->next_warning_us = st->start_us + st->warning_interval_us;
  st->event_message.reset();
  st->message_source = SinkState::Source::NONE;
  if (!gst_netgear_common_security(GST_ELEMENT(self), &self->common, netgear::Role::SENDER, &cfg.security))
    return FALSE;
  auto sender = std::make_unique<netgear::Sender>(cfg);
  std::string error;
  if (!sender->start(&error)) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("Could not connect to %s", cfg.endpoint.c_str()),
                      ("%s", error.c_str()));
    return FALSE;
  }
  GST_OBJECT_LOCK(self);
  st->sender = std::move(sender);
  self->messages_refused = self->replies = self->dropped_waiting = self->key_unit_requests = 0;
  GST_OBJECT_UNLOCK(self);
  /* The same sender identity as a vidgear server given this port. */
  st->desc = netgear::FrameDescription();
  st->desc.port = port;
  st->desc.pattern = pattern;
  st->owes_terminate = false;
  st->seq = 0;
  st->key_unit_at_us = 0;
  std::random_device rd;
  netgear::Extension ext;
  ext.stream = ((static_cast<uint64_t>(rd()) << 32) | rd()) & (netgear::kStreamLimit - 1);
  st->desc.ext = ext;
  GST_INFO_OBJECT(self, "sending to %s, pattern %d%s", cfg.endpoint.c_str(), pattern,
                  set.bidirectional ? ", bidirectional" : "");
  return TRUE;
}

/* Tells the receiver this sender is gone; never blocks past timeout_ms. */
static void gst_netgear_sink_terminate(GstNetGearSink *self, int timeout_ms) {
  SinkState *st = self->state;
  if (!st->sender || !st->owes_terminate)
    return;
  st->owes_terminate = false;
  bool ok = st->sender->terminate(netgear::encode_terminate(st->desc.port), timeout_ms);
  GST_INFO_OBJECT(self, "terminate %s", ok ? "delivered" : "not delivered (no receiver)");
}

/* READY to NULL: says goodbye (without waiting long: this is not an EOS)
 * and closes. */
static void gst_netgear_sink_close(GstNetGearSink *self) {
  SinkState *st = self->state;
  if (st->sender) {
    gst_netgear_sink_terminate(self, MIN(st->request_timeout, SHUTDOWN_TERMINATE_MS));
    /* The Sender object stays, so its figures can still be read. */
    st->sender->stop();
  }
  st->have_plan = false;
}

static GstStateChangeReturn gst_netgear_sink_change_state(GstElement *element, GstStateChange transition) {
  GstNetGearSink *self = GST_NETGEAR_SINK(element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !gst_netgear_sink_open(self))
    return GST_STATE_CHANGE_FAILURE;
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_netgear_sink_parent_class)->change_state(element, transition);
  /* Streaming has stopped (the base class waited for it): frames still in
   * flight are not sent again when it starts anew, and their buffers go
   * back upstream now. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY && self->state->sender)
    self->state->sender->forget_in_flight();
  if ((transition == GST_STATE_CHANGE_NULL_TO_READY && ret == GST_STATE_CHANGE_FAILURE) ||
      transition == GST_STATE_CHANGE_READY_TO_NULL)
    gst_netgear_sink_close(self);
  return ret;
}

static gboolean gst_netgear_sink_unlock(GstBaseSink *bsink) {
  GstNetGearSink *self = GST_NETGEAR_SINK(bsink);
  if (self->state->sender)
    self->state->sender->set_flushing(true);
  return TRUE;
}

static gboolean gst_netgear_sink_unlock_stop(GstBaseSink *bsink) {
  GstNetGearSink *self = GST_NETGEAR_SINK(bsink);
  if (self->state->sender)
    self->state->sender->set_flushing(false);
  return TRUE;
}

/* With frames in flight the sink holds that many buffers after render()
 * returned: an upstream pool of fixed size (a camera's, an encoder's)
 * must have them on top of what it needs. */
static gboolean gst_netgear_sink_propose_allocation(GstBaseSink *bsink, GstQuery *query) {
  GstNetGearSink *self = GST_NETGEAR_SINK(bsink);
  GST_OBJECT_LOCK(self);
  const guint held = static_cast<guint>(self->max_in_flight);
  GST_OBJECT_UNLOCK(self);
  GstCaps *caps = nullptr;
  gboolean need_pool = FALSE;
  gst_query_parse_allocation(query, &caps, &need_pool);
  guint size = 0;
  GstVideoInfo info;
  if (caps && gst_video_info_from_caps(&info, caps))
    size = static_cast<guint>(GST_VIDEO_INFO_SIZE(&info));
  gst_query_add_allocation_pool(query, nullptr, size, held + 1, 0);
  return TRUE;
}

static gboolean gst_netgear_sink_set_caps(GstBaseSink *bsink, GstCaps *caps) {
  GstNetGearSink *self = GST_NETGEAR_SINK(bsink);
  SinkState *st = self->state;
  std::string error;
  netgear::SendPlan plan;
  if (!netgear::plan_for_caps(caps, &plan, &error)) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Cannot send these caps: %s", error.c_str()),
                      ("caps: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  st->plan = plan;
  st->have_plan = true;
  st->desc.ext->caps = plan.caps;
  st->desc.ext->layout = plan.layout;
  if (plan.kind == netgear::SendPlan::Kind::JPEG) {
    /* Accurate decoding options. The colourspace is what a vidgear client
     * asks simplejpeg to decode to: the caps' word, else each frame's. */
    st->desc.compression = netgear::Compression{false, false, plan.jpeg_colorspace};
  } else {
    st->desc.compression.reset();
    st->desc.dtype = "uint8";
    st->desc.shape = plan.shape;
  }
  GST_INFO_OBJECT(self, "caps %s go out as %s", plan.caps.c_str(),
                  plan.kind == netgear::SendPlan::Kind::NUMPY_IMAGE ? "a numpy image"
                  : plan.kind == netgear::SendPlan::Kind::JPEG      ? "a NetGear JPEG frame"
                                                                    : "bytes");
  return TRUE;
}

/* Reads a message given in a GValue (a meta's or an event's "message"
 * field). Returns FALSE, with `why`, when it is refused: only JSON text is a
 * message, as NetGear refuses an ndarray message; bytes and arrays have no
 * NetGear form. */
static gboolean gst_netgear_sink_read_message(const GValue *v, netgear::Json *out, std::string *why) {
  if (!G_VALUE_HOLDS_STRING(v)) {
    *why = std::string("holds a ") + G_VALUE_TYPE_NAME(v) + ", not JSON text";
    return FALSE;
  }
  const gchar *text = g_value_get_string(v);
  if (!text) {
    *out = nullptr;
    return TRUE;
  }
  std::string error;
  auto parsed = netgear::parse_json(text, &error);
  if (!parsed) {
    *why = "is not valid JSON (" + error + ")";
    return FALSE;
  }
  *out = std::move(*parsed);
  return TRUE;
}

static void gst_netgear_sink_refuse_message(GstNetGearSink *self, const char *where, const std::string &why) {
  GST_OBJECT_LOCK(self);
  guint64 n = ++self->messages_refused;
  GST_OBJECT_UNLOCK(self);
  GST_WARNING_OBJECT(self, "message refused (#%" G_GUINT64_FORMAT "): the %s \"message\" field %s", n, where,
                     why.c_str());
  SinkState *st = self->state;
  if (!st->warned_refused) {
    st->warned_refused = true;
    GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("A message was refused: frames go without it"),
                        ("the %s \"message\" field %s; further refusals are counted in stats "
                         "(messages-refused)", where, why.c_str()));
  }
}

/* Puts the frame's message into desc: the buffer's own (a GstNetGearMeta
 * "message" field that is not null), else the one of the last
 * netgear-message event, else the message property. */
static void gst_netgear_sink_choose_message(GstNetGearSink *self, GstBuffer *buf) {
  SinkState *st = self->state;
  if (GstCustomMeta *meta = gst_buffer_get_custom_meta(buf, GST_NETGEAR_META_NAME)) {
    if (const GValue *v = gst_structure_get_value(gst_custom_meta_get_structure(meta), "message")) {
      netgear::Json value;
      std::string why;
      if (!gst_netgear_sink_read_message(v, &value, &why)) {
        /* As NetGear sends the frame of a refused message with None. */
        gst_netgear_sink_refuse_message(self, "GstNetGearMeta", why);
        value = nullptr;
      }
      if (!value.is_null() || !why.empty()) {
        st->message_stale(SinkState::Source::META, 0);
        st->desc.message = std::move(value);
        return;
      }
    }
  }
  if (st->event_message) {
    if (st->message_stale(SinkState::Source::EVENT, st->event_gen))
      st->desc.message = *st->event_message;
    return;
  }
  GST_OBJECT_LOCK(self);
  if (st->message_stale(SinkState::Source::PROPERTY, self->message->generation())) {
    std::shared_ptr<const netgear::Json> value = self->message->value();
    GST_OBJECT_UNLOCK(self);
    st->desc.message = *value;
    return;
  }
  GST_OBJECT_UNLOCK(self);
}

/* A "netgear-message" event (custom downstream, serialized: in order with
 * the buffers) sets the message of the frames after it; one without a
 * message, or with null, gives the word back to the property. Applications
 * that cannot write a meta's structure (PyGObject copies it) use it. */
static void gst_netgear_sink_message_event(GstNetGearSink *self, const GstStructure *s) {
  SinkState *st = self->state;
  st->event_gen++;
  const GValue *v = gst_structure_get_value(s, "message");
  if (!v) {
    st->event_message.reset();
    return;
  }
  netgear::Json value;
  std::string why;
  if (!gst_netgear_sink_read_message(v, &value, &why)) {
    gst_netgear_sink_refuse_message(self, "netgear-message event", why);
    /* The frames after it go without a message rather than with an older
     * one that the application meant to replace. */
    st->event_message = netgear::Json(nullptr);
    return;
  }
  if (value.is_null())
    st->event_message.reset();
  else
    st->event_message = std::move(value);
}

/* The receiver asked for a keyframe (it lost frames of an inter-frame
 * stream, or a decoder there asked): an upstream GstForceKeyUnit event for
 * the encoder, at most every KEY_UNIT_MIN_INTERVAL_US whatever the
 * receiver sends. */
static void gst_netgear_sink_pass_key_unit_request(GstNetGearSink *self) {
  SinkState *st = self->state;
  if (!st->sender->take_key_unit_request())
    return;
  const uint64_t now = netgear::monotonic_us();
  if (st->key_unit_at_us && now < st->key_unit_at_us + KEY_UNIT_MIN_INTERVAL_US)
    return;
  st->key_unit_at_us = now;
  GST_OBJECT_LOCK(self);
  guint count = static_cast<guint>(++self->key_unit_requests);
  GST_OBJECT_UNLOCK(self);
  GST_DEBUG_OBJECT(self, "the receiver asks for a keyframe: asking upstream");
  gst_pad_push_event(GST_BASE_SINK_PAD(self),
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, count));
}

/* CLOCK_REALTIME in ns (g_get_real_time() has microseconds). */
static gint64 realtime_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<gint64>(ts.tv_sec) * GST_SECOND + ts.tv_nsec;
}

/* When the frame was captured, for the receiver: the source's
 * GstReferenceTimestampMeta where it gave one (timestamp/x-unix first),
 * else the pipeline clock's time at the buffer's PTS, told in UNIX time by
 * this host's realtime clock; and that clock time itself, for a receiver
 * whose pipeline runs on the same clock (GstNetClientClock, PTP). */
static void gst_netgear_sink_capture_time(GstNetGearSink *self, GstBuffer *buf, netgear::Extension &ext) {
  SinkState *st = self->state;
  ext.reference.reset();
  ext.capture_clock.reset();
  GstClockTime clock_time = GST_CLOCK_TIME_NONE, now = GST_CLOCK_TIME_NONE;
  gint64 real_now = 0;
  const GstClockTime pts = GST_BUFFER_PTS(buf);
  if (GstClock *clock = gst_element_get_clock(GST_ELEMENT(self))) {
    if (GST_CLOCK_TIME_IS_VALID(pts)) {
      GST_OBJECT_LOCK(self);
      const GstSegment *seg = &GST_BASE_SINK(self)->segment;
      /* Any caps go: a stream in another format has no running time. */
      const guint64 rt = seg->format == GST_FORMAT_TIME ? gst_segment_to_running_time(seg, GST_FORMAT_TIME, pts)
                                                        : GST_CLOCK_TIME_NONE;
      const GstClockTime base = GST_ELEMENT(self)->base_time;
      GST_OBJECT_UNLOCK(self);
      if (GST_CLOCK_TIME_IS_VALID(rt)) {
        clock_time = base + rt;
        ext.capture_clock = clock_time;
        /* The pipeline clock's time and this host's UNIX time at one
         * moment: read close together, and again when the thread was
         * interrupted in between (a preemption of 2 ms was seen to move a
         * tile of a synced wall by as much). */
        for (int i = 0; i < 3; i++) {
          const gint64 before = realtime_ns();
          now = gst_clock_get_time(clock);
          const gint64 after = realtime_ns();
          real_now = before + (after - before) / 2;
          if (after - before <= UNIX_PAIR_MAX_NS)
            break;
        }
      }
    }
    gst_object_unref(clock);
  }
  GstReferenceTimestampMeta *best = nullptr;
  gpointer iter = nullptr;
  while (GstMeta *m = gst_buffer_iterate_meta_filtered(buf, &iter, GST_REFERENCE_TIMESTAMP_META_API_TYPE)) {
    auto *r = reinterpret_cast<GstReferenceTimestampMeta *>(m);
    if (!r->reference || !GST_CLOCK_TIME_IS_VALID(r->timestamp))
      continue;
    if (!best)
      best = r;
    if (gst_caps_is_equal(r->reference, st->unix_reference)) {
      best = r;
      break;
    }
  }
  if (best) {
    /* Sources keep one caps for all their buffers: printed once. */
    if (best->reference != st->reference_caps) {
      gst_caps_replace(&st->reference_caps, best->reference);
      gchar *text = gst_caps_to_string(best->reference);
      st->reference_text = text;
      g_free(text);
    }
    if (st->reference_text.size() <= netgear::kReferenceCapsMax &&
        st->reference_text.rfind(netgear::kReferenceCapsPrefix, 0) == 0) {
      ext.reference = netgear::Extension::Reference{st->reference_text, best->timestamp, std::nullopt};
      if (GST_CLOCK_TIME_IS_VALID(best->duration))
        ext.reference->duration = best->duration;
      return;
    }
  }
  if (!GST_CLOCK_TIME_IS_VALID(clock_time))
    return;
  /* The frame's age by the pipeline clock, taken from now in UNIX time. */
  const gint64 unix_ns = real_now - GST_CLOCK_DIFF(clock_time, now);
  if (unix_ns <= 0)
    return;
  ext.reference = netgear::Extension::Reference{netgear::kUnixReference, static_cast<uint64_t>(unix_ns),
                                                std::nullopt};
  if (GST_BUFFER_DURATION_IS_VALID(buf))
    ext.reference->duration = GST_BUFFER_DURATION(buf);
}

/* Bidirectional mode: hands the receiver's answer to a frame to the
 * application, with the frame's buffer and sequence number. */
static void gst_netgear_sink_deliver_reply(GstNetGearSink *self, netgear::Answer &a) {
  SinkState *st = self->state;
  netgear::Message &m = a.reply;
  GstBuffer *buf = static_cast<GstBuffer *>(a.context.get());
  const guint64 seq = a.tag;
  if (m.parts.empty() || !buf)
    return;
  netgear::Reply r = netgear::decode_reply(m.parts[0].view(), m.nparts);
  if (r.kind != netgear::Reply::Kind::BIDIR && r.kind != netgear::Reply::Kind::BIDIR_ARRAY) {
    if (!st->warned_plain) {
      st->warned_plain = true;
      GST_ELEMENT_WARNING(self, STREAM, DECODE, ("The receiver does not answer in bidirectional mode"),
                          ("its reply is not NetGear's bidirectional JSON (set bidirectional=true on the "
                           "receiver too): %.*s", static_cast<int>(MIN(m.parts[0].size(), 120)),
                           static_cast<const char *>(m.parts[0].data())));
    }
    return;
  }
  std::string text = netgear::dump_json(r.data);
  /* As the receiver named it: vidgear's "tuple" arrives as a JSON list. */
  const char *rtype = r.return_type.c_str();
  int port = st->port;
  GST_OBJECT_LOCK(self);
  self->replies++;
  GST_OBJECT_UNLOCK(self);
  GST_LOG_OBJECT(self, "reply to frame %" G_GUINT64_FORMAT ": %s", seq, text.c_str());

  GstStructure *s = gst_structure_new("netgear-reply", "port", G_TYPE_UINT, static_cast<guint>(port), "message",
                                      G_TYPE_STRING, text.c_str(), "return-type", G_TYPE_STRING, rtype, "seq",
                                      G_TYPE_UINT64, seq, nullptr);
  if (GST_BUFFER_PTS_IS_VALID(buf))
    gst_structure_set(s, "pts", G_TYPE_UINT64, GST_BUFFER_PTS(buf), nullptr);
  if (r.kind == netgear::Reply::Kind::BIDIR_ARRAY && m.parts.size() >= 2) {
    /* vidgear can answer with a numpy array: its bytes, as dtype/shape in
     * the message describe them. */
    GBytes *bytes = g_bytes_new(m.parts[1].data(), m.parts[1].size());
    gst_structure_set(s, "data", G_TYPE_BYTES, bytes, nullptr);
    g_bytes_unref(bytes);
  }
  g_signal_emit(self, sink_signals[SIGNAL_REPLY], 0, static_cast<guint>(port), text.c_str(), seq, buf);
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

/* What the receiver answered since the last call: bidirectional replies
 * to the application, keyframe requests upstream. Streaming thread. */
static void gst_netgear_sink_take_answers(GstNetGearSink *self) {
  SinkState *st = self->state;
  gst_netgear_sink_pass_key_unit_request(self);
  netgear::Answer a;
  while (st->sender->take_answer(&a))
    gst_netgear_sink_deliver_reply(self, a);
}

static void gst_netgear_sink_send_failed(GstNetGearSink *self, const std::string &error) {
  const std::string &endpoint = self->state->sender->endpoint();
  if (self->state->sender->refused())
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_AUTHORIZED,
                      ("Receiver at %s refused this sender's security handshake", endpoint.c_str()),
                      ("%s", error.c_str()));
  else
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Receiver at %s does not answer", endpoint.c_str()),
                      ("%s", error.c_str()));
}

/* A receiver is there for the first time since the start. */
static void gst_netgear_sink_receiver_came(GstNetGearSink *self) {
  SinkState *st = self->state;
  st->receiver_seen = true;
  guint64 waited_ms = (netgear::monotonic_us() - st->start_us) / 1000;
  const std::string &endpoint = st->sender->endpoint();
  GST_INFO_OBJECT(self, "receiver at %s there after %" G_GUINT64_FORMAT " ms", endpoint.c_str(), waited_ms);
  gst_element_post_message(
      GST_ELEMENT(self),
      gst_message_new_element(GST_OBJECT(self), gst_structure_new("netgear-receiver-connected", "endpoint",
                                                                  G_TYPE_STRING, endpoint.c_str(), "waited",
                                                                  G_TYPE_UINT64, waited_ms, nullptr)));
}

/* No receiver yet: says so when it is time (after request-timeout, then
 * at doubling intervals), as a warning and as a message an application
 * can act on. Streaming thread. */
static void gst_netgear_sink_no_receiver_yet(GstNetGearSink *self) {
  SinkState *st = self->state;
  uint64_t now = netgear::monotonic_us();
  if (now < st->next_warning_us)
    return;
  st->warning_interval_us = MIN(st->warning_interval_us * 2, static_cast<uint64_t>(WAITING_WARNING_MAX_US));
  st->next_warning_us = now + st->warning_interval_us;
  guint64 waited_ms = (now - st->start_us) / 1000;
  GstStructure *stats = gst_netgear_sink_stats(self);
  guint64 dropped = 0;
  gst_structure_get_uint64(stats, "dropped", &dropped);
  gst_structure_free(stats);
  const std::string &endpoint = st->sender->endpoint();
  gchar *what = st->wait_for_connection
                    ? g_strdup("the stream waits for it (wait-for-connection=true)")
                    : g_strdup_printf("frames are dropped until it is there, %" G_GUINT64_FORMAT
                                      " so far (wait-for-connection=true holds them instead)",
                                      dropped);
  GST_ELEMENT_WARNING(self, RESOURCE, OPEN_WRITE, ("No receiver at %s yet", endpoint.c_str()),
                      ("waited %.1f s: %s%s%sis netgearsrc (or a vidgear client) running there, listening on port %d "
                       "with pattern=%d, and reachable (firewall)? %s",
                       waited_ms / 1000.0, st->unresolved.empty() ? "" : "its host name did not resolve at the start (",
                       st->unresolved.c_str(), st->unresolved.empty() ? "" : "); ", st->port, st->pattern, what));
  g_free(what);
  gst_element_post_message(
      GST_ELEMENT(self),
      gst_message_new_element(GST_OBJECT(self), gst_structure_new("netgear-receiver-waiting", "endpoint",
                                                                  G_TYPE_STRING, endpoint.c_str(), "waited",
                                                                  G_TYPE_UINT64, waited_ms, "dropped",
                                                                  G_TYPE_UINT64, dropped, nullptr)));
}

/* Pattern 2, until a receiver has first subscribed: what goes out now
 * reaches nobody (the Sender drops and counts it), so warn; with
 * wait-for-connection=true, hold the frame until one subscribes. Pattern
 * 1 waits inside Sender::send(). */
static GstFlowReturn gst_netgear_sink_await_receiver(GstNetGearSink *self) {
  SinkState *st = self->state;
  if (st->receiver_seen || st->pattern != netgear::PATTERN_PUBSUB)
    return GST_FLOW_OK;
  for (;;) {
    std::string error;
    int wait = st->wait_for_connection ? netgear::ms_until(st->next_warning_us, netgear::monotonic_us()) : 0;
    switch (st->sender->wait_receiver(wait, &error)) {
    case netgear::Sender::Status::OK:
      gst_netgear_sink_receiver_came(self);
      return GST_FLOW_OK;
    case netgear::Sender::Status::ERROR:
      gst_netgear_sink_send_failed(self, error);
      return GST_FLOW_ERROR;
    case netgear::Sender::Status::FLUSHING: {
      GstFlowReturn ret = gst_base_sink_wait_preroll(GST_BASE_SINK(self));
      if (ret != GST_FLOW_OK)
        return ret;
      break;
    }
    default:
      gst_netgear_sink_no_receiver_yet(self);
      if (!st->wait_for_connection)
        return GST_FLOW_OK;
      break;
    }
  }
}

/* From the thread using the Sender (one at a time, with GStreamer's
 * barriers between them): connections keep closing during the handshake,
 * which is how a receiver with the other pattern shows. */
static void gst_netgear_sink_handshake_closed(GstNetGearSink *self, const std::string &endpoint, int pattern,
                                              int in_a_row) {
  SinkState *st = self->state;
  if (!st->warned_handshake) {
    st->warned_handshake = true;
    int other = pattern == netgear::PATTERN_REQREP ? 2 : 1;
    GST_ELEMENT_WARNING(self, RESOURCE, OPEN_WRITE,
                        ("The receiver at %s closes every connection during its handshake: does it use "
                         "pattern=%d, as this sender?",
                         endpoint.c_str(), pattern),
                        ("%d connections in a row were closed before the ZeroMQ handshake ended. ZeroMQ does "
                         "that, without a reason, to a peer whose socket type does not fit: a receiver with "
                         "pattern=%d (set the same pattern on both ends), or something there that is not a "
                         "NetGear receiver. This sender keeps trying",
                         in_a_row, other));
  }
  if (in_a_row == netgear::kHandshakeClosedSuspect || in_a_row % 100 == 0)
    gst_element_post_message(
        GST_ELEMENT(self),
        gst_message_new_element(GST_OBJECT(self),
                                gst_structure_new("netgear-pattern-mismatch", "endpoint", G_TYPE_STRING,
                                                  endpoint.c_str(), "pattern", G_TYPE_INT, pattern, "count",
                                                  G_TYPE_INT, in_a_row, nullptr)));
}

static GstFlowReturn gst_netgear_sink_render(GstBaseSink *bsink, GstBuffer *buf) {
  GstNetGearSink *self = GST_NETGEAR_SINK(bsink);
  SinkState *st = self->state;
  if (!st->have_plan || !st->sender)
    return GST_FLOW_NOT_NEGOTIATED;
  const netgear::SendPlan &plan = st->plan;

  GstBuffer *out = buf;
  GstBuffer *repacked = nullptr;
  gsize size = gst_buffer_get_size(buf);
  if (plan.raw_video) {
    if (!netgear::buffer_has_wire_layout(buf, plan)) {
      /* The one copy on this side: rows with padding (or a layout from a
       * video meta) go out packed, as numpy needs them for BGR/GRAY8 and as
       * the receiver expects them for every other format. */
      repacked = netgear::repack_video(buf, &plan.info, &plan.wire);
      if (!repacked) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Buffer does not fit the negotiated caps"),
                          ("buffer of %" G_GSIZE_FORMAT " bytes for %s", size, plan.caps.c_str()));
        return GST_FLOW_ERROR;
      }
      out = repacked;
    }
    size = GST_VIDEO_INFO_SIZE(&plan.wire);
  }
  auto payload = std::make_shared<BufferPayload>(out, size);
  if (repacked)
    gst_buffer_unref(repacked);
  if (!payload->ok()) {
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Cannot map buffer"), (nullptr));
    return GST_FLOW_ERROR;
  }
  if (plan.kind == netgear::SendPlan::Kind::BYTES)
    st->desc.shape = {payload->size()};
  else if (plan.kind == netgear::SendPlan::Kind::JPEG && plan.jpeg_colorspace.empty())
    st->desc.compression->colorspace =
        netgear::jpeg_colorspace(static_cast<const guint8 *>(payload->data()), payload->size());

  gst_netgear_sink_choose_message(self, buf);

  netgear::Extension &ext = *st->desc.ext;
  auto opt = [](GstClockTime t) { return GST_CLOCK_TIME_IS_VALID(t) ? std::optional<uint64_t>(t) : std::nullopt; };
  ext.pts = opt(GST_BUFFER_PTS(buf));
  ext.dts = opt(GST_BUFFER_DTS(buf));
  ext.duration = opt(GST_BUFFER_DURATION(buf));
  ext.flags = GST_BUFFER_FLAGS(buf) & GST_NETGEAR_WIRE_BUFFER_FLAGS;
  ext.seq = st->seq++;
  gst_netgear_sink_capture_time(self, buf, ext);
  ext.sent_ns = g_get_real_time() * 1000;

  netgear::OutMessage msg;
  netgear::encode_frame_header(st->desc, msg.header);
  msg.payload = std::move(payload);
  msg.tag = ext.seq;
  if (st->bidirectional) /* for its reply, which may come after render() returned */
    msg.context = std::shared_ptr<void>(gst_buffer_ref(buf), [](void *b) { gst_buffer_unref(GST_BUFFER(b)); });

  std::string error;
  GstFlowReturn ret = gst_netgear_sink_await_receiver(self);
  if (ret != GST_FLOW_OK)
    return ret;
  for (;;) {
    int connect_wait = -1;
    if (!st->receiver_seen && st->pattern == netgear::PATTERN_REQREP) {
      int until_warning = netgear::ms_until(st->next_warning_us, netgear::monotonic_us());
      connect_wait = st->wait_for_connection ? until_warning : MIN(NO_RECEIVER_WAIT_MS, until_warning);
    }
    /* The header and a reference to the payload are kept for resending. */
    netgear::Sender::Status status = st->sender->send(msg, &error, connect_wait);
    if (status != netgear::Sender::Status::ERROR)
      gst_netgear_sink_take_answers(self);
    if (status == netgear::Sender::Status::OK) {
      st->owes_terminate = true;
      if (!st->receiver_seen && st->pattern == netgear::PATTERN_REQREP)
        gst_netgear_sink_receiver_came(self);
      return GST_FLOW_OK;
    }
    if (status == netgear::Sender::Status::SKIPPED) {
      GST_INFO_OBJECT(self, "frame %" G_GUINT64_FORMAT " given up (on-timeout=skip)", ext.seq);
      return GST_FLOW_OK;
    }
    if (status == netgear::Sender::Status::NO_RECEIVER) {
      gst_netgear_sink_no_receiver_yet(self);
      if (st->wait_for_connection)
        continue;
      GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT " dropped: no receiver yet", ext.seq);
      GST_OBJECT_LOCK(self);
      self->dropped_waiting++;
      GST_OBJECT_UNLOCK(self);
      return GST_FLOW_OK;
    }
    if (status == netgear::Sender::Status::ERROR)
      break;
    /* Interrupted by unlock() while the frame was not on the socket: a
     * flush, or a pause (PLAYING -> PAUSED). Wait as basesink does; after
     * a pause, send the same frame rather than lose it and stop upstream
     * with FLUSHING (the receiver drops a copy). */
    ret = gst_base_sink_wait_preroll(bsink);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  gst_netgear_sink_send_failed(self, error);
  return GST_FLOW_ERROR;
}

/* An EOS, once basesink has synchronised on it: every frame in flight
 * acknowledged first (their replies delivered), with the same retries as a
 * frame, then the terminate. Here rather than in event(), because basesink
 * calls this with the preroll lock held: a pause interrupts the drain,
 * which goes on when playing again, as render() does; a flush or a stop
 * ends it. */
static GstFlowReturn gst_netgear_sink_wait_event(GstBaseSink *bsink, GstEvent *event) {
  GstNetGearSink *self = GST_NETGEAR_SINK(bsink);
  GstFlowReturn ret = GST_BASE_SINK_CLASS(gst_netgear_sink_parent_class)->wait_event(bsink, event);
  if (ret != GST_FLOW_OK || GST_EVENT_TYPE(event) != GST_EVENT_EOS || !self->state->sender)
    return ret;
  std::string error;
  for (;;) {
    netgear::Sender::Status status = self->state->sender->drain(&error);
    if (status == netgear::Sender::Status::ERROR) {
      gst_netgear_sink_send_failed(self, error);
      return GST_FLOW_ERROR;
    }
    gst_netgear_sink_take_answers(self);
    if (status == netgear::Sender::Status::OK)
      break;
    if ((ret = gst_base_sink_wait_preroll(bsink)) != GST_FLOW_OK)
      return ret;
  }
  /* NetGear's receiver forgets a sender when its terminate arrives; wait as
   * long as for a frame, interruptible by a state change. */
  gst_netgear_sink_terminate(self, self->state->request_timeout);
  return GST_FLOW_OK;
}

static gboolean gst_netgear_sink_event(GstBaseSink *bsink, GstEvent *event) {
  GstNetGearSink *self = GST_NETGEAR_SINK(bsink);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM && gst_event_has_name(event, "netgear-message")) {
    gst_netgear_sink_message_event(self, gst_event_get_structure(event));
    gst_event_unref(event);
    return TRUE;
  }
  return GST_BASE_SINK_CLASS(gst_netgear_sink_parent_class)->event(bsink, event);
}

/* ---- GstURIHandler: netgear://RECEIVER:PORT?PROPERTY=VALUE&... ---- */

static GstURIType gst_netgear_sink_uri_get_type(GType) { return GST_URI_SINK; }

static const gchar *const *gst_netgear_sink_uri_get_protocols(GType) {
  static const gchar *const protocols[] = {"netgear", nullptr};
  return protocols;
}

static gchar *gst_netgear_sink_uri_get_uri(GstURIHandler *handler) {
  GstNetGearSink *self = GST_NETGEAR_SINK(handler);
  GST_OBJECT_LOCK(self);
  int port = self->port;
  GST_OBJECT_UNLOCK(self);
  return gst_netgear_uri_of(GST_ELEMENT(self), &self->common, std::to_string(port), false);
}

static gboolean gst_netgear_sink_uri_set_uri(GstURIHandler *handler, const gchar *uri, GError **error) {
  GstNetGearSink *self = GST_NETGEAR_SINK(handler);
  GstNetGearUri u;
  if (!gst_netgear_uri_take(GST_ELEMENT(self), uri, &u, error))
    return FALSE;
  std::vector<int> ports;
  netgear::Error bad;
  if (u.listen || (!u.ports.empty() && !netgear::parse_ports(u.ports, &ports, &bad)) || ports.size() > 1) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                "%s: netgearsink connects to one receiver port (1 to 65535), netgear://RECEIVER:PORT",
                u.listen ? "'@' is for a receiver's URI" : ("\"" + u.ports + "\" is not one port").c_str());
    return FALSE;
  }
  std::vector<std::pair<const char *, const char *>> first;
  if (!u.host.empty())
    first.emplace_back("address", u.host.c_str());
  if (!u.ports.empty())
    first.emplace_back("port", u.ports.c_str());
  return gst_netgear_uri_apply(G_OBJECT(self), u, first, error);
}

static void gst_netgear_sink_uri_handler_init(gpointer g_iface, gpointer) {
  auto *iface = static_cast<GstURIHandlerInterface *>(g_iface);
  iface->get_type = gst_netgear_sink_uri_get_type;
  iface->get_protocols = gst_netgear_sink_uri_get_protocols;
  iface->get_uri = gst_netgear_sink_uri_get_uri;
  iface->set_uri = gst_netgear_sink_uri_set_uri;
}

static void gst_netgear_sink_finalize(GObject *object) {
  GstNetGearSink *self = GST_NETGEAR_SINK(object);
  delete self->state;
  delete self->message;
  gst_netgear_common_clear(&self->common);
  G_OBJECT_CLASS(gst_netgear_sink_parent_class)->finalize(object);
}

static void gst_netgear_sink_init(GstNetGearSink *self) {
  gst_netgear_common_init(&self->common, DEFAULT_ADDRESS);
  self->port = DEFAULT_PORT;
  self->request_timeout = DEFAULT_REQUEST_TIMEOUT;
  self->max_retries = DEFAULT_MAX_RETRIES;
  self->on_timeout = DEFAULT_ON_TIMEOUT;
  self->wait_for_connection = DEFAULT_WAIT_FOR_CONNECTION;
  self->max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  self->message = new GstNetGearValueProperty("message");
  self->state = new SinkState();
}

static void gst_netgear_sink_class_init(GstNetGearSinkClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_netgear_sink_debug, "netgearsink", 0, "NetGear sender");
  gst_type_mark_as_plugin_api(gst_netgear_on_timeout_get_type(), static_cast<GstPluginAPIFlags>(0));

  gobject_class->set_property = gst_netgear_sink_set_property;
  gobject_class->get_property = gst_netgear_sink_get_property;
  gobject_class->finalize = gst_netgear_sink_finalize;

  /* Read when the element goes from NULL to READY: no GST_PARAM_MUTABLE_*. */
  const GParamFlags rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  gst_netgear_common_install_properties(gobject_class, DEFAULT_ADDRESS,
                                        "The receiving host (it listens, this sender connects): a host name or "
                                        "IP address. With protocol=ipc, the path the socket files start with "
                                        "(PATH:PORT); localhost (the default), * or 0.0.0.0 then stand for "
                                        "/tmp/netgear",
                                        netgear::Role::SENDER);
  g_object_class_install_property(
      gobject_class, PROP_PORT,
      g_param_spec_int("port", "Port",
                       "Receiver port to connect to; unique per sender, it is this sender's identity", 1, 65535,
                       DEFAULT_PORT, rw));
  g_object_class_install_property(
      gobject_class, PROP_REQUEST_TIMEOUT,
      g_param_spec_int("request-timeout", "Request timeout",
                       "pattern=1: milliseconds from a frame's attempt to its acknowledgement before the sender "
                       "reconnects (a fresh socket) and does what on-timeout says. Until a receiver is first "
                       "there (see wait-for-connection), the time after which a warning says that none is",
                       1, G_MAXINT, DEFAULT_REQUEST_TIMEOUT, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_RETRIES,
      g_param_spec_int("max-retries", "Max retries",
                       "pattern=1: failed attempts in a row (timeouts, or connections lost with a frame on "
                       "them; an acknowledgement resets the count) beyond the first before the element fails "
                       "with an error; -1: retry for ever",
                       -1, G_MAXINT, DEFAULT_MAX_RETRIES, rw));
  g_object_class_install_property(
      gobject_class, PROP_ON_TIMEOUT,
      g_param_spec_enum("on-timeout", "On timeout",
                        "pattern=1: after a failed attempt (no acknowledgement within request-timeout, or the "
                        "connection lost with the frame on it): send the same frame again, or skip it (counted "
                        "in stats as skipped) and go on with the next",
                        gst_netgear_on_timeout_get_type(), DEFAULT_ON_TIMEOUT, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_IN_FLIGHT,
      g_param_spec_int("max-in-flight", "Max in flight",
                       "pattern=1: frames sent and not yet acknowledged at most. 1 (NetGear's way): each frame "
                       "waits for its acknowledgement before the next goes, so a link's round trip caps the "
                       "frame rate (1 / RTT). More: several frames travel at once, each still acknowledged, "
                       "delivered once and in order; after a failed attempt the unacknowledged ones go again, "
                       "in order, and netgearsrc drops the copies it has. Enough for a link is RTT x frame "
                       "rate, plus one (docs/modes/reqrep.md)",
                       1, netgear::kMaxInFlight, DEFAULT_MAX_IN_FLIGHT, rw));
  g_object_class_install_property(
      gobject_class, PROP_WAIT_FOR_CONNECTION,
      g_param_spec_boolean("wait-for-connection", "Wait for connection",
                           "Until a receiver is first there: false, drop frames (counted in stats as dropped) so "
                           "that the stream keeps moving and an EOS or state change ends it at once, as a live "
                           "camera would lose them anyway; true, hold the stream until the receiver comes, so "
                           "that none is lost (a file), and then only a state change, not an EOS, can end it "
                           "before that. Either way a warning and a netgear-receiver-waiting message say that "
                           "none is there, after request-timeout and then at growing intervals",
                           DEFAULT_WAIT_FOR_CONNECTION, rw));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "Counters: sent, acknowledged, bytes, timeouts, reconnects, lost (requests whose "
                         "connection closed), skipped (on-timeout=skip), dropped (frames that did not go out: "
                         "no receiver there yet, or pattern=2: replaced before they went out), replies "
                         "(bidirectional), messages-refused (buffers whose own message was not JSON), "
                         "key-unit-requests (keyframes the receiver asked for, passed upstream); pattern=1: resent "
                         "(frames sent again after a failed attempt), in-flight and in-flight-max (frames sent and "
                         "not yet acknowledged, now and at most), last-acknowledged (CLOCK_REALTIME ns) and "
                         "rtt-last/-mean/-max (ns from a "
                         "frame's sending to its acknowledgement)",
                         GST_TYPE_STRUCTURE, static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  GstNetGearValueProperty::install(
      gobject_class, PROP_MESSAGE, "message", "Message",
      "Text sent with every frame, as NetGear's send(frame, message=\"...\"): a vidgear client receives this "
      "Python str. Any other JSON value goes in message-json; the two set one value, and this one reads NULL "
      "when it is not a text. NULL: none (null). A buffer's GstNetGearMeta \"message\" field, or a "
      "netgear-message event, replaces it for its frames. Can change while playing",
      "The message sent with every frame, as JSON text: any JSON value, e.g. '{\"camera\": \"porch\"}', 2.5, "
      "[1, 2], null (a text is simpler in message). The same value as message. Text that is not JSON is "
      "refused: the previous value stays, and the element will not start until a valid value is set. Can "
      "change while playing");

  /**
   * GstNetGearSink::reply:
   * @sink: the netgearsink
   * @port: the port this sender sends to (its identity at the receiver)
   * @message: the reply's data as JSON text (for a numpy array reply from
   *   vidgear, its description; the bytes are in the netgear-reply message)
   * @seq: the sequence number of the frame it answers
   * @buffer: the frame it answers
   *
   * Bidirectional mode: the receiver answered a frame. Emitted on the
   * streaming thread, in the frames' order: before the next frame is sent
   * with max-in-flight=1, else while later frames are in flight.
   */
  sink_signals[SIGNAL_REPLY] =
      g_signal_new("reply", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE,
                   4, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_UINT64, GST_TYPE_BUFFER | G_SIGNAL_TYPE_STATIC_SCOPE);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(
      element_class, "NetGear sink", "Sink/Network",
      "Sends buffers to a NetGear multi-server receiver (netgearsrc or vidgear) over ZeroMQ",
      "gst-netgear developers");

  element_class->change_state = GST_DEBUG_FUNCPTR(gst_netgear_sink_change_state);
  basesink_class->unlock = GST_DEBUG_FUNCPTR(gst_netgear_sink_unlock);
  basesink_class->unlock_stop = GST_DEBUG_FUNCPTR(gst_netgear_sink_unlock_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR(gst_netgear_sink_set_caps);
  basesink_class->propose_allocation = GST_DEBUG_FUNCPTR(gst_netgear_sink_propose_allocation);
  basesink_class->render = GST_DEBUG_FUNCPTR(gst_netgear_sink_render);
  basesink_class->event = GST_DEBUG_FUNCPTR(gst_netgear_sink_event);
  basesink_class->wait_event = GST_DEBUG_FUNCPTR(gst_netgear_sink_wait_event);
}
