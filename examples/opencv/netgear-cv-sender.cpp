/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* netgear-cv-sender: one NetGear "server" of vidgear's multi-server mode,
 * written with OpenCV and GStreamer's C API.
 *
 * OpenCV produces BGR frames (a camera, a video file, or a generated moving
 * pattern) and the program pushes them into
 *
 *     appsrc ! netgearsink address=<receiver> port=<port> [bidirectional=true]
 *
 * Every frame carries its text as a per-buffer message: a GstNetGearMeta
 * whose "message" field is JSON text, as vidgear's
 * server.send(frame, message="I'm Server at Port: 5577").
 *
 * With --bidirectional, the receiver answers every frame (vidgear's
 * return_data): netgearsink's "reply" signal hands each answer over; it is
 * printed and drawn on the frames sent next, so it shows on the receiver's
 * montage.
 *
 * Output (stdout, one line each):
 *   SENDER port=<p> ...                  the pipeline is playing
 *   SENT port=<p> frame=<n> message=<j>  each frame pushed (--verbose only)
 *   REPLY port=<p> seq=<n> message=<j>   each reply (bidirectional)
 *   WARNING <text>                       a bus warning
 *   ERROR <text>                         a pipeline error (exit status 1)
 *   DONE port=<p> frames=<n> replies=<n> the end
 *
 * Exit status: 0 ok, 1 pipeline or source error, 2 bad command line. */
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <glib-unix.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <nlohmann/json.hpp>

#include "netgear-cv-common.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace {

using netgear_cv::display_text;
using netgear_cv::has_property;
using netgear_cv::put_text_fit;
using netgear_cv::say;

constexpr const char *kMetaName = "GstNetGearMeta";

struct Options {
  std::string source = "synthetic";
  std::string address = "127.0.0.1";
  int port = 5577;
  int pattern = 1;
  bool bidirectional = false;
  bool wait_for_receiver = false;
  std::string text;
  bool text_set = false;
  bool json_object = false;
  long long frames = -1; /* -1: until the source ends or SIGINT */
  double fps = 0;        /* 0: the file's rate, or 30 */
  int width = 640;
  int height = 480;
  bool verbose = false;
};

void usage(FILE *f) {
  std::fprintf(f,
               "Usage: netgear-cv-sender [options]\n"
               "Sends OpenCV frames to a netgearsrc (or a vidgear NetGear client in multi-server mode).\n"
               "  --source S         'synthetic' (default: a generated moving pattern), a camera index\n"
               "                     (0, 1, ...) or a video file\n"
               "  --address A        the receiver's address (default 127.0.0.1)\n"
               "  --port P           the receiver's port for this sender (default 5577)\n"
               "  --pattern 1|2      1 = REQ/REP (default), 2 = PUB/SUB\n"
               "  --bidirectional    receive, print and show the receiver's replies\n"
               "  --wait-for-receiver  hold the first frame until the receiver is there, as vidgear's server\n"
               "                     does (default: frames before it are dropped, as a camera's would be)\n"
               "  --text TEXT        the message sent with every frame (default \"I'm Server at Port: <port>\")\n"
               "  --json-object      send {\"text\": TEXT, \"frame\": n} instead of the JSON string TEXT\n"
               "  --frames N         send N frames, then end (default: until the source ends or Ctrl-C)\n"
               "  --fps F            frame rate (default: the file's, else 30)\n"
               "  --width W, --height H   size of the synthetic frames (default 640x480)\n"
               "  --verbose          print a line per frame sent\n");
}

/* --name value or --name=value. */
bool parse_args(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    std::string val;
    bool has_val = false;
    size_t eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      val = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_val = true;
    }
    auto next = [&](std::string *out) {
      if (has_val) {
        *out = val;
        return true;
      }
      if (i + 1 >= argc) {
        std::fprintf(stderr, "netgear-cv-sender: %s needs a value\n", a.c_str());
        return false;
      }
      *out = argv[++i];
      return true;
    };
    auto number = [&](double lo, double hi, double *out) {
      std::string s;
      if (!next(&s))
        return false;
      char *end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || *end || !(d >= lo && d <= hi)) {
        std::fprintf(stderr, "netgear-cv-sender: %s: '%s' is not a number from %g to %g\n", a.c_str(), s.c_str(),
                     lo, hi);
        return false;
      }
      *out = d;
      return true;
    };
    double d = 0;
    if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--source") {
      if (!next(&o->source))
        return false;
    } else if (a == "--address") {
      if (!next(&o->address))
        return false;
    } else if (a == "--port") {
      if (!number(1, 65535, &d))
        return false;
      o->port = static_cast<int>(d);
    } else if (a == "--pattern") {
      if (!number(1, 2, &d))
        return false;
      o->pattern = static_cast<int>(d);
    } else if (a == "--bidirectional") {
      o->bidirectional = true;
    } else if (a == "--wait-for-receiver") {
      o->wait_for_receiver = true;
    } else if (a == "--text") {
      if (!next(&o->text))
        return false;
      o->text_set = true;
    } else if (a == "--json-object") {
      o->json_object = true;
    } else if (a == "--frames") {
      if (!number(0, 1e15, &d))
        return false;
      o->frames = static_cast<long long>(d);
    } else if (a == "--fps") {
      if (!number(0.1, 1000, &d))
        return false;
      o->fps = d;
    } else if (a == "--width") {
      if (!number(16, 8192, &d))
        return false;
      o->width = static_cast<int>(d);
    } else if (a == "--height") {
      if (!number(16, 8192, &d))
        return false;
      o->height = static_cast<int>(d);
    } else if (a == "--verbose") {
      o->verbose = true;
    } else {
      std::fprintf(stderr, "netgear-cv-sender: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return false;
    }
  }
  if (!o->text_set)
    o->text = "I'm Server at Port: " + std::to_string(o->port);
  return true;
}

/* A moving test picture whose colours depend on the port, so that senders
 * tell apart on the montage. */
cv::Mat synthetic_frame(int w, int h, long long n, int port) {
  cv::Scalar base(60 + (port * 53) % 160, 60 + (port * 97) % 160, 60 + (port * 31) % 160);
  cv::Mat m(h, w, CV_8UC3, base * 0.45);
  const int period = 48;
  int off = static_cast<int>((n * 3) % period);
  for (int x = -h - period; x < w + period; x += period)
    cv::line(m, cv::Point(x + off, 0), cv::Point(x + off + h, h), base, period / 3);
  /* A ball bouncing on a triangle wave in both directions. */
  int r = std::max(6, h / 8);
  auto tri = [](long long t, int span) {
    if (span <= 0)
      return 0;
    long long p = t % (2LL * span);
    return static_cast<int>(p < span ? p : 2LL * span - p);
  };
  cv::Point c(r + tri(n * 5, w - 2 * r), r + tri(n * 3, h - 2 * r));
  cv::circle(m, c, r, cv::Scalar(240, 240, 240), cv::FILLED, cv::LINE_AA);
  cv::circle(m, c, r / 2, base, cv::FILLED, cv::LINE_AA);
  std::string label = "#" + std::to_string(n);
  int b = 0;
  cv::Size sz = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, 0.5, 1, &b);
  put_text_fit(m, label, cv::Point(std::max(0, w - sz.width - 8), 20), cv::Scalar(255, 255, 255), 0.5);
  return m;
}

void release_mat(gpointer p) { delete static_cast<cv::Mat *>(p); }

/* A buffer that uses the Mat's pixels, no copy: it holds a reference to the
 * Mat until GStreamer is done with it. The Mat must be continuous and must
 * not be written to afterwards (the caller makes a new Mat per frame). */
GstBuffer *wrap_mat(const cv::Mat &m) {
  auto *keep = new cv::Mat(m);
  gsize size = keep->total() * keep->elemSize();
  GstBuffer *buf =
      gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, keep->data, size, 0, size, keep, release_mat);
  /* OpenCV's rows are packed (width * 3 bytes); GStreamer's default BGR
   * stride rounds up to 4 bytes. The video meta says which it is. */
  gsize offset[GST_VIDEO_MAX_PLANES] = {0};
  gint stride[GST_VIDEO_MAX_PLANES] = {static_cast<gint>(keep->step[0])};
  gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_BGR, keep->cols, keep->rows, 1,
                                 offset, stride);
  return buf;
}

/* The meta is registered by the plugin when it loads; registering it here
 * too (same name, no tags) makes the order not matter. */
void ensure_meta_registered() {
  if (!gst_meta_get_info(kMetaName)) {
    static const gchar *tags[] = {nullptr};
    gst_meta_register_custom(kMetaName, tags, nullptr, nullptr, nullptr);
  }
}

struct App {
  Options opt;
  GstElement *pipeline = nullptr;
  GstElement *appsrc = nullptr;
  GstElement *sink = nullptr;
  GMainLoop *loop = nullptr;
  cv::VideoCapture cap;
  bool synthetic = false;
  bool live_camera = false;
  cv::Mat first; /* first frame of a camera/file, read to learn its size */
  int width = 0, height = 0;
  double fps = 30;

  std::atomic<bool> stop{false};
  std::atomic<long long> sent{0};
  std::atomic<long long> replies{0};
  std::mutex reply_mutex;
  std::string reply_text; /* the latest reply, as drawn */
  int rc = 0;
  int sigints = 0;
  guint grace_timeout = 0;
};

void on_reply(GstElement *, guint port, const gchar *message_json, guint64 seq, GstBuffer *, gpointer user_data) {
  App *app = static_cast<App *>(user_data);
  const char *msg = message_json ? message_json : "null";
  say("REPLY port=%u seq=%" G_GUINT64_FORMAT " message=%s", port, seq, msg);
  app->replies++;
  std::lock_guard<std::mutex> lk(app->reply_mutex);
  app->reply_text = display_text(msg);
}

std::string message_for(const App &app, long long n) {
  if (app.opt.json_object)
    return nlohmann::ordered_json{{"text", app.opt.text}, {"frame", n}}.dump();
  return nlohmann::json(app.opt.text).dump(); /* a JSON string: quoted and escaped */
}

void produce(App *app) {
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / app->fps));
  const bool pace = !app->live_camera; /* a camera paces itself */
  auto next = clock::now();
  GstAppSrc *src = GST_APP_SRC(app->appsrc);
  for (long long n = 0; app->opt.frames < 0 || n < app->opt.frames; n++) {
    if (app->stop)
      break;
    if (pace) {
      auto now = clock::now();
      if (now < next)
        std::this_thread::sleep_until(next);
      else if (now - next > period)
        next = now; /* fell behind (e.g. waited for the receiver): no burst to catch up */
      next += period;
      if (app->stop)
        break;
    }
    cv::Mat frame; /* a new Mat each time: the previous one may still be in flight */
    if (app->synthetic) {
      frame = synthetic_frame(app->width, app->height, n, app->opt.port);
    } else if (!app->first.empty()) {
      frame = app->first;
      app->first.release();
    } else if (!app->cap.read(frame) || frame.empty()) {
      break; /* the source ended */
    }
    if (frame.type() == CV_8UC1) {
      cv::Mat bgr;
      cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
      frame = bgr;
    } else if (frame.type() == CV_8UC4) {
      cv::Mat bgr;
      cv::cvtColor(frame, bgr, cv::COLOR_BGRA2BGR);
      frame = bgr;
    }
    if (frame.cols != app->width || frame.rows != app->height) {
      cv::Mat resized;
      cv::resize(frame, resized, cv::Size(app->width, app->height));
      frame = resized;
    }
    if (app->opt.bidirectional) {
      std::string reply;
      {
        std::lock_guard<std::mutex> lk(app->reply_mutex);
        reply = app->reply_text;
      }
      if (!reply.empty())
        put_text_fit(frame, "reply: " + reply, cv::Point(10, 48), cv::Scalar(0, 255, 255), 0.55);
    }
    if (!frame.isContinuous())
      frame = frame.clone();

    GstBuffer *buf = wrap_mat(frame);
    frame.release();
    /* PTS: the running time now (appsrc do-timestamp). */
    GST_BUFFER_DURATION(buf) = gst_util_uint64_scale_int(GST_SECOND, 1000, static_cast<int>(app->fps * 1000));
    std::string message = message_for(*app, n);
    GstCustomMeta *meta = gst_buffer_add_custom_meta(buf, kMetaName);
    if (meta)
      gst_structure_set(gst_custom_meta_get_structure(meta), "message", G_TYPE_STRING, message.c_str(), nullptr);
    GstFlowReturn ret = gst_app_src_push_buffer(src, buf); /* takes the buffer */
    if (ret != GST_FLOW_OK)
      break; /* flushing (stopping) or the pipeline failed: the bus says which */
    app->sent++;
    if (app->opt.verbose)
      say("SENT port=%d frame=%lld message=%s", app->opt.port, n, message.c_str());
  }
  gst_app_src_end_of_stream(src);
}

gboolean on_bus(GstBus *, GstMessage *msg, gpointer user_data) {
  App *app = static_cast<App *>(user_data);
  switch (GST_MESSAGE_TYPE(msg)) {
  case GST_MESSAGE_EOS:
    g_main_loop_quit(app->loop);
    break;
  case GST_MESSAGE_ERROR: {
    GError *err = nullptr;
    gchar *dbg = nullptr;
    gst_message_parse_error(msg, &err, &dbg);
    say("ERROR %s: %s (%s)", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message, dbg ? dbg : "");
    g_clear_error(&err);
    g_free(dbg);
    app->rc = 1;
    g_main_loop_quit(app->loop);
    break;
  }
  case GST_MESSAGE_WARNING: {
    GError *err = nullptr;
    gchar *dbg = nullptr;
    gst_message_parse_warning(msg, &err, &dbg);
    say("WARNING %s: %s (%s)", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message, dbg ? dbg : "");
    g_clear_error(&err);
    g_free(dbg);
    break;
  }
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

gboolean on_grace_over(gpointer user_data) {
  App *app = static_cast<App *>(user_data);
  std::fprintf(stderr, "netgear-cv-sender: no end of stream 5 s after Ctrl-C, stopping now\n");
  app->grace_timeout = 0;
  g_main_loop_quit(app->loop);
  return G_SOURCE_REMOVE;
}

/* First Ctrl-C: stop producing and end the stream (EOS), so that the
 * receiver gets the terminate message. Second one, or 5 s later: stop. */
gboolean on_signal(gpointer user_data) {
  App *app = static_cast<App *>(user_data);
  app->stop = true;
  if (++app->sigints > 1) {
    g_main_loop_quit(app->loop);
  } else {
    std::fprintf(stderr, "netgear-cv-sender: stopping (Ctrl-C again to stop at once)\n");
    gst_app_src_end_of_stream(GST_APP_SRC(app->appsrc));
    app->grace_timeout = g_timeout_add_seconds(5, on_grace_over, app);
  }
  return G_SOURCE_CONTINUE;
}

bool open_source(App *app) {
  const std::string &s = app->opt.source;
  if (s == "synthetic") {
    app->synthetic = true;
    app->width = app->opt.width;
    app->height = app->opt.height;
    app->fps = app->opt.fps > 0 ? app->opt.fps : 30;
    return true;
  }
  bool is_index = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  if (is_index) {
    app->live_camera = true;
    app->cap.open(std::atoi(s.c_str()));
  } else {
    app->cap.open(s);
  }
  if (!app->cap.isOpened()) {
    std::fprintf(stderr, "netgear-cv-sender: cannot open %s '%s'\n", is_index ? "camera" : "video file", s.c_str());
    return false;
  }
  if (!app->cap.read(app->first) || app->first.empty()) {
    std::fprintf(stderr, "netgear-cv-sender: '%s' gives no frame\n", s.c_str());
    return false;
  }
  app->width = app->first.cols;
  app->height = app->first.rows;
  double src_fps = app->cap.get(cv::CAP_PROP_FPS);
  app->fps = app->opt.fps > 0 ? app->opt.fps : (src_fps > 0.5 && src_fps < 1000 ? src_fps : 30);
  return true;
}

bool build_pipeline(App *app) {
  app->pipeline = gst_pipeline_new("sender");
  app->appsrc = gst_element_factory_make("appsrc", "frames");
  app->sink = gst_element_factory_make("netgearsink", "netgear");
  if (!app->appsrc || !app->sink) {
    std::fprintf(stderr, "netgear-cv-sender: element %s not found%s\n", app->appsrc ? "netgearsink" : "appsrc",
                 app->appsrc ? " (set GST_PLUGIN_PATH to the directory of the gst-netgear plugin)" : "");
    return false;
  }
  gst_bin_add_many(GST_BIN(app->pipeline), app->appsrc, app->sink, nullptr);
  if (!gst_element_link(app->appsrc, app->sink)) {
    std::fprintf(stderr, "netgear-cv-sender: cannot link appsrc to netgearsink\n");
    return false;
  }
  ensure_meta_registered();

  gint fps_n = 0, fps_d = 1;
  gst_util_double_to_fraction(app->fps, &fps_n, &fps_d);
  GstCaps *caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "BGR", "width", G_TYPE_INT, app->width,
                                      "height", G_TYPE_INT, app->height, "framerate", GST_TYPE_FRACTION, fps_n, fps_d,
                                      nullptr);
  /* A live source: frames are stamped with the running time when pushed,
   * and at most two wait in appsrc (push blocks when the receiver is slow). */
  g_object_set(app->appsrc, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, "do-timestamp", TRUE, "block",
               TRUE, "max-buffers", static_cast<guint64>(2), nullptr);
  gst_caps_unref(caps);

  g_object_set(app->sink, "address", app->opt.address.c_str(), "port", app->opt.port, "pattern", app->opt.pattern,
               "sync", FALSE, "wait-for-connection", app->opt.wait_for_receiver, nullptr);
  if (app->opt.bidirectional) {
    if (!has_property(app->sink, "bidirectional") ||
        !g_signal_lookup("reply", G_OBJECT_TYPE(app->sink))) {
      std::fprintf(stderr, "netgear-cv-sender: this netgearsink has no bidirectional mode (plugin too old)\n");
      return false;
    }
    g_object_set(app->sink, "bidirectional", TRUE, nullptr);
    g_signal_connect(app->sink, "reply", G_CALLBACK(on_reply), app);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  App app;
  if (!parse_args(argc, argv, &app.opt))
    return 2;
  if (!open_source(&app))
    return 1;
  if (!build_pipeline(&app)) {
    if (app.pipeline)
      gst_object_unref(app.pipeline);
    return 1;
  }

  app.loop = g_main_loop_new(nullptr, FALSE);
  GstBus *bus = gst_element_get_bus(app.pipeline);
  guint bus_watch = gst_bus_add_watch(bus, on_bus, &app);
  gst_object_unref(bus);
  guint sigint = g_unix_signal_add(SIGINT, on_signal, &app);
  guint sigterm = g_unix_signal_add(SIGTERM, on_signal, &app);

  std::thread producer;
  if (gst_element_set_state(app.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    /* The error message on the bus says why; on_bus prints it. */
    app.rc = 1;
    GstBus *b = gst_element_get_bus(app.pipeline);
    GstMessage *m = gst_bus_timed_pop_filtered(b, GST_SECOND, GST_MESSAGE_ERROR);
    if (m) {
      on_bus(b, m, &app);
      gst_message_unref(m);
    } else {
      say("ERROR the pipeline did not start");
    }
    gst_object_unref(b);
  } else {
    say("SENDER port=%d address=%s pattern=%d%s source=%s %dx%d fps=%g text=%s", app.opt.port,
        app.opt.address.c_str(), app.opt.pattern, app.opt.bidirectional ? " bidirectional" : "",
        app.opt.source.c_str(), app.width, app.height, app.fps, message_for(app, 0).c_str());
    producer = std::thread(produce, &app);
    g_main_loop_run(app.loop);
  }

  app.stop = true;
  gst_element_set_state(app.pipeline, GST_STATE_NULL); /* unblocks a waiting push */
  if (producer.joinable())
    producer.join();
  say("DONE port=%d frames=%lld replies=%lld", app.opt.port, app.sent.load(), app.replies.load());

  if (app.grace_timeout)
    g_source_remove(app.grace_timeout);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(bus_watch);
  g_main_loop_unref(app.loop);
  gst_object_unref(app.pipeline);
  return app.rc;
}
