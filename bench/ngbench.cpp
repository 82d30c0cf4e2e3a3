/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* ngbench: the benchmark's cases through our elements (bench/run.py starts
 * one receiver and N senders of it; zmqbench is the raw libzmq baseline to
 * the same contract).
 *
 *   ngbench recv --pattern 1|2 --ports P1,P2,... --frames N [--timeout SECONDS]
 *   ngbench send --pattern 1|2 --port P --payload bgr640|bgr1080|jpeg20k --frames N
 *                [--fps F] [--address 127.0.0.1] [--timeout SECONDS]
 *
 * recv: netgearsrc address=127.0.0.1 ports=... pattern=P timeout=0, one
 *   fakesink sync=false async=false per pad src_<port> (pads exist from
 *   READY, so they are linked before PLAYING). A pad probe on each
 *   fakesink's sink pad reads GstNetGearMeta "sent" (the sender's
 *   CLOCK_REALTIME, ns): latency = CLOCK_REALTIME now - sent; it counts
 *   frames and bytes per port and the first/last arrival (monotonic). Ends
 *   on the pipeline's EOS (netgearsrc ends every pad once every sender that
 *   connected has terminated) or at --timeout (default 60 s; RESULT says
 *   "timeout": true, exit status 0). --frames only serves a warning (stderr)
 *   when a pattern-1 port ended with fewer frames. READY: ports bound,
 *   pipeline PLAYING.
 * send: appsrc (format=time, not live, block=true) ! netgearsink
 *   address=... port=P pattern=P sync=false async=false, pushing a shallow
 *   copy of ONE pre-made payload per frame (the memory is shared; only
 *   PTS/DURATION/OFFSET change), so the sender's cost is netgearsink's. Then
 *   end-of-stream: netgearsink sends its terminate and the EOS reaches the
 *   bus. READY: pipeline PLAYING, i.e. netgearsink started and its socket is
 *   connecting; no frame sent yet, the receiver not necessarily there (with
 *   async=true PLAYING would need a prerolled frame first, and would still
 *   not mean connected). --fps paces the pushes on absolute deadlines from
 *   the first frame (g_usleep; the sink keeps sync=false, so what is
 *   measured is the same element as unpaced). Pattern 2: netgearsink does
 *   not wait for a subscriber, so a frame is pushed every 2 ms until one
 *   goes out to one; that frame is the first counted. --timeout (an
 *   extension, default 60 s) bounds the time without progress. With
 *   NETGEAR_BENCH_WAIT_GO=1 it waits for a line on stdin after READY before
 *   its first frame (bench/run starts all senders at once). RESULT "seconds": first
 *   counted push -> EOS at the sink (pattern 1: the last frame acknowledged)
 *   or -> the last frame reaching the sink (pattern 2).
 *
 * Output (stdout): READY once it can receive / its pipeline is PLAYING, then
 * one RESULT {json} line; on failure ERROR <text> and exit status 1.
 * Diagnostics (a few lines, never per frame) go to stderr.
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

constexpr int kStateTimeoutS = 10;      /* a state change that takes longer is an error */
constexpr int kSubscribeTimeoutS = 10;  /* pattern 2: wait for the receiver's subscription */
constexpr int kDefaultTimeoutS = 60;
constexpr gint64 kBusPollUs = 100 * 1000;
constexpr int kJpegTarget = 20000;

gint64 realtime_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<gint64>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

gint64 monotonic_us() { return g_get_monotonic_time(); }

void cpu_and_rss(double *cpu_s, long *rss_kb) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  *cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  *rss_kb = ru.ru_maxrss;
}

[[noreturn]] void fail(const std::string &text) {
  std::printf("ERROR %s\n", text.c_str());
  std::fflush(stdout);
  std::exit(1);
}

void say(const char *line) {
  std::printf("%s\n", line);
  std::fflush(stdout);
}

/* The process's CPU time when it said READY: RESULT's cpu_s counts from
 * there, the run and not the set-up (GStreamer's registry, plugin loading,
 * the pipeline), as zmqbench's. */
double g_cpu_at_ready = 0;

void say_ready() {
  long rss_kb;
  cpu_and_rss(&g_cpu_at_ready, &rss_kb);
  say("READY");
}

/* ---- command line ---- */

struct Args {
  std::string mode;
  int pattern = 0;
  std::vector<int> ports; /* recv: all; send: one */
  long frames = -1;
  double fps = 0;
  std::string payload;
  std::string address = "127.0.0.1";
  double timeout_s = kDefaultTimeoutS;
};

bool parse_long(const char *s, long lo, long hi, long *out) {
  char *end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, 10);
  if (errno || !end || *end || end == s || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

bool parse_double(const char *s, double *out) {
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(s, &end);
  if (errno || !end || *end || end == s || !std::isfinite(v) || v < 0)
    return false;
  *out = v;
  return true;
}

Args parse_args(int argc, char **argv) {
  const char *usage = "usage: ngbench recv --pattern 1|2 --ports P1,P2,... --frames N [--timeout S] | "
                      "ngbench send --pattern 1|2 --port P --payload bgr640|bgr1080|jpeg20k --frames N [--fps F] "
                      "[--address A] [--timeout S]";
  if (argc < 2)
    fail(usage);
  Args a;
  a.mode = argv[1];
  if (a.mode != "recv" && a.mode != "send")
    fail(std::string("unknown mode '") + a.mode + "'; " + usage);
  for (int i = 2; i < argc; i++) {
    std::string opt = argv[i];
    if (i + 1 >= argc)
      fail("option " + opt + " needs a value; " + usage);
    const char *val = argv[++i];
    long l;
    if (opt == "--pattern") {
      if (!parse_long(val, 1, 2, &l))
        fail("--pattern must be 1 or 2");
      a.pattern = static_cast<int>(l);
    } else if (opt == "--ports" || opt == "--port") {
      gchar **parts = g_strsplit(val, ",", -1);
      for (gchar **p = parts; *p; p++) {
        if (!parse_long(*p, 1, 65535, &l))
          fail(std::string("bad port '") + *p + "'");
        a.ports.push_back(static_cast<int>(l));
      }
      g_strfreev(parts);
    } else if (opt == "--frames") {
      if (!parse_long(val, 1, 1000000000L, &a.frames))
        fail("--frames must be 1 or more");
    } else if (opt == "--fps") {
      if (!parse_double(val, &a.fps))
        fail("--fps must be a number >= 0");
    } else if (opt == "--payload") {
      a.payload = val;
      if (a.payload != "bgr640" && a.payload != "bgr1080" && a.payload != "jpeg20k")
        fail("--payload must be bgr640, bgr1080 or jpeg20k");
    } else if (opt == "--address") {
      a.address = val;
    } else if (opt == "--timeout") {
      if (!parse_double(val, &a.timeout_s) || a.timeout_s <= 0)
        fail("--timeout must be a number of seconds > 0");
    } else {
      fail("unknown option " + opt + "; " + usage);
    }
  }
  if (!a.pattern)
    fail("--pattern is required");
  if (a.ports.empty())
    fail(a.mode == "recv" ? "--ports is required" : "--port is required");
  if (a.frames < 1)
    fail("--frames is required");
  if (a.mode == "send") {
    if (a.ports.size() != 1)
      fail("send takes one --port");
    if (a.payload.empty())
      fail("--payload is required");
  } else {
    std::vector<int> sorted = a.ports;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      fail("--ports lists a port twice");
  }
  return a;
}

void need_element(const char *name, const char *hint) {
  GstElementFactory *f = gst_element_factory_find(name);
  if (!f)
    fail(std::string("GStreamer element '") + name + "' not found (" + hint + ")");
  gst_object_unref(f);
}

GstElement *make(const char *factory, const char *name) {
  GstElement *e = gst_element_factory_make(factory, name);
  if (!e)
    fail(std::string("cannot create element ") + factory);
  return e;
}

/* The text of an ERROR message on the bus. */
std::string error_text(GstMessage *msg) {
  GError *err = nullptr;
  gchar *dbg = nullptr;
  gst_message_parse_error(msg, &err, &dbg);
  std::string s = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + (err ? err->message : "?");
  if (dbg)
    s += std::string(" (") + dbg + ")";
  g_clear_error(&err);
  g_free(dbg);
  /* One line. */
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

void log_warning(GstMessage *msg) {
  GError *err = nullptr;
  gchar *dbg = nullptr;
  gst_message_parse_warning(msg, &err, &dbg);
  std::fprintf(stderr, "ngbench: warning from %s: %s%s%s%s\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)),
               err ? err->message : "?", dbg ? " (" : "", dbg ? dbg : "", dbg ? ")" : "");
  g_clear_error(&err);
  g_free(dbg);
}

/* Sets the state and waits for it, bounded; an ERROR on the bus meanwhile
 * is reported. */
void set_state_bounded(GstElement *pipeline, GstState state, const char *what) {
  GstStateChangeReturn r = gst_element_set_state(pipeline, state);
  if (r == GST_STATE_CHANGE_ASYNC)
    r = gst_element_get_state(pipeline, nullptr, nullptr, kStateTimeoutS * GST_SECOND);
  if (r == GST_STATE_CHANGE_FAILURE || r == GST_STATE_CHANGE_ASYNC) {
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    std::string why = m ? error_text(m) : (r == GST_STATE_CHANGE_ASYNC ? "timed out" : "state change failed");
    if (m)
      gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    fail(std::string("cannot bring the pipeline to ") + what + ": " + why);
  }
}

double percentile_us(std::vector<gint64> &v, double p) {
  /* Nearest rank. */
  if (v.empty())
    return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * v.size()));
  rank = std::min(std::max<size_t>(rank, 1), v.size());
  std::nth_element(v.begin(), v.begin() + (rank - 1), v.end());
  return v[rank - 1] / 1000.0;
}

/* ---- recv ---- */

struct PortStat {
  int port = 0;
  guint64 frames = 0, bytes = 0, no_sent = 0;
  gint64 first_us = 0, last_us = 0; /* monotonic, 0 = none */
  std::vector<gint64> lat_ns;
};

void count_buffer(PortStat *ps, GstBuffer *buf) {
  const gint64 now_ns = realtime_ns();
  const gint64 now_us = monotonic_us();
  gint64 sent = 0;
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buf, "GstNetGearMeta");
  if (meta && gst_structure_get_int64(gst_custom_meta_get_structure(meta), "sent", &sent))
    ps->lat_ns.push_back(now_ns - sent);
  else
    ps->no_sent++;
  ps->frames++;
  ps->bytes += gst_buffer_get_size(buf);
  if (!ps->first_us)
    ps->first_us = now_us;
  ps->last_us = now_us;
}

/* On the pad's streaming thread (one per port): only this port's record. */
GstPadProbeReturn on_recv_data(GstPad *, GstPadProbeInfo *info, gpointer data) {
  PortStat *ps = static_cast<PortStat *>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    count_buffer(ps, GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); i++)
      count_buffer(ps, gst_buffer_list_get(list, i));
  }
  return GST_PAD_PROBE_OK;
}

int run_recv(const Args &a) {
  need_element("netgearsrc", "is GST_PLUGIN_PATH set to the build's gst directory?");
  need_element("fakesink", "GStreamer core");

  std::string ports;
  for (int p : a.ports)
    ports += (ports.empty() ? "" : ",") + std::to_string(p);

  GstElement *pipeline = gst_pipeline_new("recv");
  GstElement *src = make("netgearsrc", "src");
  /* Pattern 1: no liveness (a sender blocked behind others is not dead).
   * Pattern 2: a sender's terminate can still be lost when many senders
   * flood far beyond what the receiver takes (docs/protocol.md#fault-4: our
   * liveness covers that case); a short silence timeout ends the run then
   * instead of --timeout, and the run's figures are unaffected (they span
   * first to last arrival). */
  const guint liveness_ms = a.pattern == 2 ? 1000u : 0u;
  g_object_set(src, "address", "127.0.0.1", "ports", ports.c_str(), "pattern", a.pattern, "timeout", liveness_ms,
               nullptr);
  gst_bin_add(GST_BIN(pipeline), src);
  /* READY binds every port and adds the pads src_<port>. */
  set_state_bounded(pipeline, GST_STATE_READY, "READY");

  std::vector<std::unique_ptr<PortStat>> stats;
  for (int port : a.ports) {
    auto ps = std::make_unique<PortStat>();
    ps->port = port;
    ps->lat_ns.reserve(static_cast<size_t>(std::min<long>(a.frames, 10000000L)));
    gchar *name = g_strdup_printf("src_%d", port);
    GstPad *srcpad = gst_element_get_static_pad(src, name);
    g_free(name);
    if (!srcpad)
      fail("netgearsrc has no pad src_" + std::to_string(port));
    GstElement *sink = make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(GST_BIN(pipeline), sink);
    GstPad *sinkpad = gst_element_get_static_pad(sink, "sink");
    if (gst_pad_link(srcpad, sinkpad) != GST_PAD_LINK_OK)
      fail("cannot link src_" + std::to_string(port) + " to a fakesink");
    gst_pad_add_probe(sinkpad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      on_recv_data, ps.get(), nullptr);
    gst_object_unref(sinkpad);
    gst_object_unref(srcpad);
    stats.push_back(std::move(ps));
  }
  set_state_bounded(pipeline, GST_STATE_PLAYING, "PLAYING");
  say_ready();

  GstBus *bus = gst_element_get_bus(pipeline);
  const gint64 deadline = monotonic_us() + static_cast<gint64>(a.timeout_s * 1e6);
  bool timed_out = false;
  std::string error;
  for (;;) {
    gint64 left = deadline - monotonic_us();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    GstMessage *m = gst_bus_timed_pop_filtered(
        bus, std::min(left, kBusPollUs) * GST_USECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT));
    if (!m)
      continue;
    bool done = false;
    switch (GST_MESSAGE_TYPE(m)) {
    case GST_MESSAGE_EOS:
      done = true;
      break;
    case GST_MESSAGE_ERROR:
      error = error_text(m);
      done = true;
      break;
    case GST_MESSAGE_WARNING:
      log_warning(m);
      break;
    case GST_MESSAGE_ELEMENT: {
      /* netgear-server-connected / -terminated / -timeout / -disconnected:
       * one per sender event, so a few lines per port at most. */
      const GstStructure *s = gst_message_get_structure(m);
      if (s && g_str_has_prefix(gst_structure_get_name(s), "netgear-server-")) {
        guint port = 0;
        gst_structure_get_uint(s, "port", &port);
        std::fprintf(stderr, "ngbench recv: %s port %u\n", gst_structure_get_name(s) + 15, port);
      }
      break;
    }
    default:
      break;
    }
    gst_message_unref(m);
    if (done)
      break;
  }
  gst_object_unref(bus);
  if (timed_out) {
    /* What netgearsrc saw, to tell a lost terminate from a missing sender. */
    GstStructure *st = nullptr;
    g_object_get(src, "stats", &st, nullptr);
    if (st) {
      for (int port : a.ports) {
        const GstStructure *ps = nullptr;
        gchar *field = g_strdup_printf("port-%d", port);
        const GValue *v = gst_structure_get_value(st, field);
        g_free(field);
        if (v && G_VALUE_HOLDS(v, GST_TYPE_STRUCTURE))
          ps = gst_value_get_structure(v);
        if (!ps)
          continue;
        gboolean connected = FALSE;
        guint64 frames = 0, terminates = 0, disconnects = 0, dropped = 0;
        gst_structure_get_boolean(ps, "connected", &connected);
        gst_structure_get_uint64(ps, "frames", &frames);
        gst_structure_get_uint64(ps, "terminates", &terminates);
        gst_structure_get_uint64(ps, "disconnects", &disconnects);
        gst_structure_get_uint64(ps, "dropped", &dropped);
        std::fprintf(stderr,
                     "ngbench recv: timed out; netgearsrc port %d: connected %d frames %" G_GUINT64_FORMAT
                     " terminates %" G_GUINT64_FORMAT " disconnects %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT
                     "\n",
                     port, connected, frames, terminates, disconnects, dropped);
      }
      gst_structure_free(st);
    }
  }
  /* Stops the streaming threads: the records are ours alone after this. */
  gst_element_set_state(pipeline, GST_STATE_NULL);
  if (!error.empty())
    fail(error);

  guint64 frames = 0, bytes = 0, no_sent = 0;
  gint64 first = 0, last = 0;
  std::vector<gint64> lat;
  std::string per_port;
  for (auto &ps : stats) {
    frames += ps->frames;
    bytes += ps->bytes;
    no_sent += ps->no_sent;
    if (ps->first_us && (!first || ps->first_us < first))
      first = ps->first_us;
    last = std::max(last, ps->last_us);
    lat.insert(lat.end(), ps->lat_ns.begin(), ps->lat_ns.end());
    per_port += std::string(per_port.empty() ? "" : ", ") + "\"" + std::to_string(ps->port) +
                "\": " + std::to_string(ps->frames);
    if (a.pattern == 1 && ps->frames < static_cast<guint64>(a.frames))
      std::fprintf(stderr, "ngbench recv: port %d: %" G_GUINT64_FORMAT " of %ld frames before the end\n", ps->port,
                   ps->frames, a.frames);
  }
  if (no_sent)
    std::fprintf(stderr, "ngbench recv: %" G_GUINT64_FORMAT " frames without a \"sent\" time (no latency)\n",
                 no_sent);
  double p50 = percentile_us(lat, 0.50), p99 = percentile_us(lat, 0.99);
  double cpu_s;
  long rss_kb;
  cpu_and_rss(&cpu_s, &rss_kb);
  std::printf("RESULT {\"frames\": %" G_GUINT64_FORMAT ", \"bytes\": %" G_GUINT64_FORMAT
              ", \"seconds\": %.6f, \"lat_p50_us\": %.1f, \"lat_p99_us\": %.1f, \"cpu_s\": %.4f, "
              "\"rss_kb\": %ld, \"per_port\": {%s}, \"timeout\": %s}\n",
              frames, bytes, first ? (last - first) / 1e6 : 0.0, p50, p99, cpu_s - g_cpu_at_ready, rss_kb,
              per_port.c_str(),
              timed_out ? "true" : "false");
  std::fflush(stdout);
  gst_object_unref(pipeline);
  return 0;
}

/* ---- send ---- */

/* One JPEG of the SMPTE bars at 640x480 with this quality. */
GstBuffer *encode_jpeg(int quality) {
  gchar *desc = g_strdup_printf("videotestsrc pattern=smpte num-buffers=1 ! video/x-raw,width=640,height=480 ! "
                                "jpegenc quality=%d ! appsink name=out sync=false",
                                quality);
  GError *err = nullptr;
  GstElement *p = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!p)
    fail(std::string("cannot make the JPEG: ") + (err ? err->message : "?"));
  g_clear_error(&err);
  GstElement *out = gst_bin_get_by_name(GST_BIN(p), "out");
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(out), 5 * GST_SECOND);
  GstBuffer *buf = nullptr;
  if (sample) {
    /* Our own memory, independent of the encoder's pool. */
    buf = gst_buffer_copy_deep(gst_sample_get_buffer(sample));
    gst_sample_unref(sample);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(out);
  gst_object_unref(p);
  if (!buf)
    fail("cannot make the JPEG: no frame from jpegenc");
  return buf;
}

/* The quality whose JPEG is nearest kJpegTarget bytes (size grows with
 * quality): a bisection, 7 encodings of one frame. */
GstBuffer *make_jpeg(int *quality_out) {
  int lo = 1, hi = 100;
  GstBuffer *best = nullptr;
  long best_diff = -1;
  while (lo <= hi) {
    int q = (lo + hi) / 2;
    GstBuffer *b = encode_jpeg(q);
    long size = static_cast<long>(gst_buffer_get_size(b));
    long diff = std::labs(size - kJpegTarget);
    if (best_diff < 0 || diff < best_diff) {
      if (best)
        gst_buffer_unref(best);
      best = b;
      best_diff = diff;
      *quality_out = q;
    } else {
      gst_buffer_unref(b);
    }
    if (size < kJpegTarget)
      lo = q + 1;
    else
      hi = q - 1;
  }
  return best;
}

struct Sender {
  GstElement *pipeline = nullptr;
  GstElement *appsrc = nullptr;
  GstElement *sink = nullptr;
  GstBuffer *payload = nullptr;
  GstClockTime frame_duration = GST_SECOND / 30;
  long frames = 0;
  double fps = 0;
  int pattern = 1;
  /* Written by the streaming thread (need_data, the sink's probe), read by main. */
  std::atomic<gint64> progress_us{0}; /* last buffer reaching the sink, or push */
  std::atomic<gint64> first_push_us{0};
  std::atomic<gint64> eos_at_sink_us{0};
  std::atomic<gint64> last_buffer_us{0}; /* the newest buffer reaching the sink */
  std::atomic<guint64> at_sink{0};       /* buffers that reached the sink */
  std::atomic<long> pushed{0};  /* counted frames handed to appsrc */
  std::atomic<long> warmup{0};  /* pattern 2: frames pushed before a subscriber took one */
  std::atomic<bool> push_done{false};
  std::atomic<bool> stop{false};
  std::string push_error; /* set by need_data before push_done */
  /* Frames flow once main says go (the start signal). */
  std::mutex go_lock;
  std::condition_variable go_cond;
  bool go = false;
  void start_or_stop(bool stopping) {
    std::lock_guard<std::mutex> lk(go_lock);
    if (stopping)
      stop = true;
    else
      go = true;
    go_cond.notify_all();
  }
  /* need_data's own (appsrc's streaming thread). */
  guint64 index = 0;
  gint64 last_push_us = 0;
  gint64 give_up_us = 0;
};

guint64 sink_stat(GstElement *sink, const char *field) {
  GstStructure *s = nullptr;
  g_object_get(sink, "stats", &s, nullptr);
  guint64 v = 0;
  if (s) {
    gst_structure_get_uint64(s, field, &v);
    gst_structure_free(s);
  }
  return v;
}

bool push_one(Sender *s, guint64 index) {
  GstBuffer *b = gst_buffer_copy(s->payload); /* shares the memory */
  GST_BUFFER_PTS(b) = index * s->frame_duration;
  GST_BUFFER_DTS(b) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(b) = s->frame_duration;
  GST_BUFFER_OFFSET(b) = index;
  s->progress_us = monotonic_us();
  GstFlowReturn r = gst_app_src_push_buffer(GST_APP_SRC(s->appsrc), b);
  if (r != GST_FLOW_OK) {
    s->push_error = std::string("appsrc refused a frame: ") + gst_flow_get_name(r);
    return false;
  }
  return true;
}

/* appsrc asks for each frame on its own streaming thread, which then
 * renders it in netgearsink: one thread from frame to socket hand-off, as
 * with a real source (videotestsrc), where a push thread would add a
 * thread wake-up per frame that the baseline does not have. Pacing sleeps
 * on that thread, as a live source waits for its next frame. */
void need_data(GstAppSrc *, guint, gpointer data) {
  Sender *s = static_cast<Sender *>(data);
  {
    std::unique_lock<std::mutex> lk(s->go_lock);
    s->go_cond.wait(lk, [s] { return s->go || s->stop; });
  }
  if (s->stop || s->push_done)
    return;
  if (s->pattern == 2 && !s->first_push_us) {
    /* netgearsink's PUB drops frames while no receiver is subscribed (it
     * does not wait). As the baseline waits for the subscription, a frame
     * goes every 2 ms until one reaches a subscriber; that one is the
     * first counted frame. */
    if (s->index > 0) {
      for (int i = 0; i < 10 && sink_stat(s->sink, "sent") == 0; i++)
        g_usleep(200);
      if (sink_stat(s->sink, "sent") > 0) {
        s->first_push_us = s->last_push_us;
        s->pushed = 1;
      } else {
        s->warmup++;
        if (monotonic_us() > s->give_up_us) {
          s->push_error = "no receiver subscribed within " + std::to_string(kSubscribeTimeoutS) + " s";
          s->push_done = true;
          return;
        }
      }
    }
    if (!s->first_push_us) {
      s->last_push_us = monotonic_us();
      if (!push_one(s, s->index++))
        s->push_done = true;
      return;
    }
  }
  const long i = s->pushed;
  if (i >= s->frames) {
    gst_app_src_end_of_stream(GST_APP_SRC(s->appsrc));
    s->push_done = true;
    return;
  }
  if (s->fps > 0 && s->first_push_us) {
    /* Absolute deadlines: no drift; a late frame goes at once. */
    gint64 due = s->first_push_us + static_cast<gint64>(i * 1e6 / s->fps);
    gint64 now = monotonic_us();
    if (due > now)
      g_usleep(due - now);
  }
  gint64 t = monotonic_us();
  if (!push_one(s, s->index++)) {
    s->push_done = true;
    return;
  }
  if (i == 0)
    s->first_push_us = t;
  s->pushed = i + 1;
}

/* The netgearsink's sink pad: a buffer arriving is progress; the EOS
 * arrives only after the last buffer's render returned (acknowledged in
 * pattern 1, handed to the socket in pattern 2). */
GstPadProbeReturn on_sink_data(GstPad *, GstPadProbeInfo *info, gpointer data) {
  Sender *s = static_cast<Sender *>(data);
  gint64 now = monotonic_us();
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    s->progress_us = now;
    s->last_buffer_us = now;
    s->at_sink++;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
      s->eos_at_sink_us = now;
      s->progress_us = now;
    }
  }
  return GST_PAD_PROBE_OK;
}

int run_send(const Args &a) {
  need_element("netgearsink", "is GST_PLUGIN_PATH set to the build's gst directory?");
  need_element("appsrc", "gst-plugins-base app plugin");
  Sender s;
  s.frames = a.frames;
  s.fps = a.fps;
  s.pattern = a.pattern;
  const int port = a.ports[0];

  GstCaps *caps;
  int jpeg_quality = 0;
  if (a.payload == "jpeg20k") {
    need_element("videotestsrc", "gst-plugins-base");
    need_element("jpegenc", "gst-plugins-good");
    need_element("appsink", "gst-plugins-base app plugin");
    s.payload = make_jpeg(&jpeg_quality);
    caps = gst_caps_from_string("image/jpeg,width=640,height=480,framerate=30/1");
  } else {
    const int w = a.payload == "bgr640" ? 640 : 1920, h = a.payload == "bgr640" ? 480 : 1080;
    const gsize size = static_cast<gsize>(w) * h * 3;
    s.payload = gst_buffer_new_allocate(nullptr, size, nullptr);
    GstMapInfo map;
    if (!s.payload || !gst_buffer_map(s.payload, &map, GST_MAP_WRITE))
      fail("cannot allocate the payload");
    /* Some content, and every page touched before the run. */
    for (gsize i = 0; i < map.size; i++)
      map.data[i] = static_cast<guint8>(i * 7 + (i >> 12));
    gst_buffer_unmap(s.payload, &map);
    caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "BGR", "width", G_TYPE_INT, w, "height",
                               G_TYPE_INT, h, "framerate", GST_TYPE_FRACTION, 30, 1, nullptr);
  }
  const gsize payload_bytes = gst_buffer_get_size(s.payload);
  if (jpeg_quality)
    std::fprintf(stderr, "ngbench send: JPEG of %" G_GSIZE_FORMAT " bytes (quality %d)\n", payload_bytes,
                 jpeg_quality);
  if (a.fps > 0)
    s.frame_duration = static_cast<GstClockTime>(GST_SECOND / a.fps);

  s.pipeline = gst_pipeline_new("send");
  s.appsrc = make("appsrc", "src");
  s.sink = make("netgearsink", "sink");
  g_object_set(s.appsrc, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", TRUE, "caps", caps, nullptr);
  gst_caps_unref(caps);
  /* async=false: the pipeline reaches PLAYING without a prerolled frame, so
   * READY can be said before the first frame, as the baseline does after
   * its connect. Only the state change differs: sync=false renders every
   * frame as it comes either way. */
  g_object_set(s.sink, "address", a.address.c_str(), "port", port, "pattern", a.pattern, "sync", FALSE, "async",
               FALSE, nullptr);
  /* Pattern 1: hold the first frame until the receiver is there, as the
   * baseline's REQ does; pattern 2 has its own warm-up (need_data). */
  if (a.pattern == 1)
    g_object_set(s.sink, "wait-for-connection", TRUE, nullptr);
  gst_bin_add_many(GST_BIN(s.pipeline), s.appsrc, s.sink, nullptr);
  if (!gst_element_link(s.appsrc, s.sink))
    fail("cannot link appsrc to netgearsink");
  GstPad *sinkpad = gst_element_get_static_pad(s.sink, "sink");
  gst_pad_add_probe(sinkpad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    on_sink_data, &s, nullptr);
  gst_object_unref(sinkpad);

  /* Asked for from PAUSED on, before the start signal. */
  GstAppSrcCallbacks callbacks = {};
  callbacks.need_data = need_data;
  gst_app_src_set_callbacks(GST_APP_SRC(s.appsrc), &callbacks, &s, nullptr);

  /* netgearsink's start() connects its socket (ZeroMQ connects in the
   * background: the receiver need not be there yet). */
  set_state_bounded(s.pipeline, GST_STATE_PLAYING, "PLAYING");
  say_ready();
  /* With NETGEAR_BENCH_WAIT_GO=1, bench/run starts every sender at once
   * (a line on stdin), so N senders are measured together, and none can
   * finish (ending the receiver's stream) before the others connected. */
  if (const char *go = g_getenv("NETGEAR_BENCH_WAIT_GO"); go && g_strcmp0(go, "1") == 0) {
    char line[16];
    if (!std::fgets(line, sizeof line, stdin))
      fail("stdin closed before the start signal");
  }

  s.progress_us = monotonic_us();
  s.give_up_us = monotonic_us() + kSubscribeTimeoutS * G_USEC_PER_SEC;
  s.start_or_stop(false);
  GstBus *bus = gst_element_get_bus(s.pipeline);
  const gint64 idle_limit = static_cast<gint64>(a.timeout_s * 1e6);
  char seconds_text[32];
  g_snprintf(seconds_text, sizeof seconds_text, "%g", a.timeout_s);
  std::string error;
  bool eos = false;
  while (!eos && error.empty()) {
    GstMessage *m = gst_bus_timed_pop_filtered(
        bus, kBusPollUs * GST_USECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
    if (m) {
      if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS)
        eos = true;
      else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR)
        error = error_text(m);
      else
        log_warning(m);
      gst_message_unref(m);
      continue;
    }
    if (s.push_done && !s.push_error.empty())
      error = s.push_error;
    else if (monotonic_us() - s.progress_us > idle_limit)
      error = "no progress for " + std::string(seconds_text) + " s (" + std::to_string(s.pushed.load()) + " of " +
              std::to_string(a.frames) + " frames pushed; is the receiver on port " + std::to_string(port) + "?)";
  }
  gst_object_unref(bus);
  s.start_or_stop(true);
  const guint64 st_sent = sink_stat(s.sink, "sent"), st_acked = sink_stat(s.sink, "acknowledged"),
                st_dropped = sink_stat(s.sink, "dropped"), st_timeouts = sink_stat(s.sink, "timeouts");
  /* Unblocks appsrc waiting for data and a render waiting for the
   * receiver; the terminate on this change is bounded (500 ms). */
  gst_element_set_state(s.pipeline, GST_STATE_NULL);
  if (!error.empty())
    fail(error);
  std::fprintf(stderr,
               "ngbench send: port %d: netgearsink stats sent %" G_GUINT64_FORMAT " acknowledged %" G_GUINT64_FORMAT
               " dropped %" G_GUINT64_FORMAT " timeouts %" G_GUINT64_FORMAT "; %ld frames pushed before a "
               "subscriber took one\n",
               port, st_sent, st_acked, st_dropped, st_timeouts, s.warmup.load());

  /* pattern 1: the EOS reaches the sink once the last frame's render
   * returned, i.e. it was acknowledged; pattern 2: the last frame handed to
   * netgearsink (its render returns at once). */
  const gint64 first = s.first_push_us, last = a.pattern == 1 ? s.eos_at_sink_us.load() : s.last_buffer_us.load();
  double cpu_s;
  long rss_kb;
  cpu_and_rss(&cpu_s, &rss_kb);
  std::printf("RESULT {\"sent\": %ld, \"seconds\": %.6f, \"cpu_s\": %.4f, \"rss_kb\": %ld, \"payload_bytes\": %"
              G_GSIZE_FORMAT "}\n",
              s.pushed.load(), first && last > first ? (last - first) / 1e6 : 0.0, cpu_s - g_cpu_at_ready, rss_kb,
              payload_bytes);
  std::fflush(stdout);
  gst_buffer_unref(s.payload);
  gst_object_unref(s.pipeline);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  Args a = parse_args(argc, argv);
  return a.mode == "recv" ? run_recv(a) : run_send(a);
}
