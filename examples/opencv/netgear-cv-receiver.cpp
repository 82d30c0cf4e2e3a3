/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* netgear-cv-receiver: the NetGear "client" of vidgear's multi-server mode,
 * written with OpenCV and GStreamer's C API.
 *
 *     netgearsrc ports=5577,5578 [pattern=2] [bidirectional=true]
 *       src_5577 ! videoconvert ! video/x-raw,format=BGR ! appsink
 *       src_5578 ! videoconvert ! video/x-raw,format=BGR ! appsink
 *
 * For every frame it reads the GstNetGearMeta (port, message, seq) and prints
 * it, as vidgear's `unique_address, extracted_data, frame = client.recv()`;
 * it keeps each port's latest frame, draws its message on it with
 * cv::putText and shows a montage of all ports (one tile per port, in the
 * order given) in a window, or, with no display, writes it to an image file
 * every second and at the end.
 *
 * With --bidirectional it answers every frame (vidgear's return_data): with
 * the same JSON value for every sender (--reply, netgearsrc's "reply"
 * property), or with --per-port-replies, an answer of its own per frame
 * (netgearsrc's "compute-reply" signal).
 *
 * Output (stdout, one line each):
 *   RECEIVER ports=<list> ...                               the pipeline is playing
 *   CONNECTED port=<p> peer=<ip>                            a sender connected
 *   FRAME port=<p> seq=<n> message=<json> size=<bytes> WxH  each frame
 *   TERMINATED port=<p>                                     a sender ended
 *   WARNING <text> / ERROR <text>                           bus warnings / errors
 *   WROTE <file>                                            the montage image (headless)
 *   EOS                                                     every sender ended
 *   DONE frames=<n>
 *
 * Ends at EOS (every sender that connected has terminated), after --frames
 * N frames in all, on Ctrl-C or on 'q' in the window. Exit status: 0 ok, 1
 * pipeline error, 2 bad command line. */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <opencv2/core.hpp>
#include <opencv2/highgui.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>

#include "netgear-cv-common.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

using netgear_cv::display_text;
using netgear_cv::has_property;
using netgear_cv::put_text_fit;
using netgear_cv::say;

constexpr const char *kMetaName = "GstNetGearMeta";

struct Options {
  std::string address = "*";
  std::vector<unsigned> ports;
  std::string ports_text = "5577,5578";
  int pattern = 1;
  bool bidirectional = false;
  std::string reply = "Hi, I am a Client here.";
  bool per_port_replies = false;
  long long frames = -1;
  bool headless = false;
  std::string output = "netgear-montage.png";
  int tile_w = 0, tile_h = 0; /* 0: the size of the first frame */
};

void usage(FILE *f) {
  std::fprintf(f,
               "Usage: netgear-cv-receiver [options]\n"
               "Receives from several netgearsink senders (or vidgear NetGear servers in multi-server mode)\n"
               "and shows their frames as a montage.\n"
               "  --ports LIST         ports to bind, one per sender (default 5577,5578)\n"
               "  --address A          local address to bind on (default *: all)\n"
               "  --pattern 1|2        1 = REQ/REP (default), 2 = PUB/SUB\n"
               "  --bidirectional      answer every frame (vidgear's return_data)\n"
               "  --reply TEXT         the answer, sent as a JSON string (default \"Hi, I am a Client here.\")\n"
               "  --per-port-replies   answer each frame with {\"to\": port, \"seq\": n, \"text\": ...}\n"
               "  --frames N           end after N frames in all\n"
               "  --headless           never open a window (the default when neither DISPLAY nor WAYLAND_DISPLAY\n"
               "                       is set; use it too when they are set but unusable)\n"
               "  --output FILE        montage image written when headless (default netgear-montage.png)\n"
               "  --tile WxH           size of each montage tile (default: the first frame's)\n");
}

bool parse_ports(const std::string &s, std::vector<unsigned> *out) {
  out->clear();
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos)
      j = s.size();
    std::string item = s.substr(i, j - i);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    char *end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end || v < 1 || v > 65535 ||
        std::find(out->begin(), out->end(), static_cast<unsigned>(v)) != out->end())
      return false;
    out->push_back(static_cast<unsigned>(v));
    i = j + 1;
  }
  return !out->empty();
}

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
        std::fprintf(stderr, "netgear-cv-receiver: %s needs a value\n", a.c_str());
        return false;
      }
      *out = argv[++i];
      return true;
    };
    std::string s;
    if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--ports") {
      if (!next(&o->ports_text))
        return false;
    } else if (a == "--address") {
      if (!next(&o->address))
        return false;
    } else if (a == "--pattern") {
      if (!next(&s))
        return false;
      if (s != "1" && s != "2") {
        std::fprintf(stderr, "netgear-cv-receiver: --pattern is 1 or 2\n");
        return false;
      }
      o->pattern = s[0] - '0';
    } else if (a == "--bidirectional") {
      o->bidirectional = true;
    } else if (a == "--reply") {
      if (!next(&o->reply))
        return false;
    } else if (a == "--per-port-replies") {
      o->per_port_replies = true;
    } else if (a == "--frames") {
      if (!next(&s))
        return false;
      char *end = nullptr;
      o->frames = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end || o->frames < 0) {
        std::fprintf(stderr, "netgear-cv-receiver: --frames: '%s' is not a count\n", s.c_str());
        return false;
      }
    } else if (a == "--headless") {
      o->headless = true;
    } else if (a == "--output") {
      if (!next(&o->output))
        return false;
    } else if (a == "--tile") {
      if (!next(&s))
        return false;
      if (std::sscanf(s.c_str(), "%dx%d", &o->tile_w, &o->tile_h) != 2 || o->tile_w < 16 || o->tile_h < 16 ||
          o->tile_w > 8192 || o->tile_h > 8192) {
        std::fprintf(stderr, "netgear-cv-receiver: --tile: '%s' is not WxH\n", s.c_str());
        return false;
      }
    } else {
      std::fprintf(stderr, "netgear-cv-receiver: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return false;
    }
  }
  if (!parse_ports(o->ports_text, &o->ports)) {
    std::fprintf(stderr, "netgear-cv-receiver: --ports: '%s' is not a list of distinct ports\n",
                 o->ports_text.c_str());
    return false;
  }
  if (o->per_port_replies && !o->bidirectional) {
    std::fprintf(stderr, "netgear-cv-receiver: --per-port-replies needs --bidirectional\n");
    return false;
  }
  return true;
}

struct Tile {
  cv::Mat frame; /* our own copy */
  std::string message;
  guint64 seq = 0;
};

std::atomic<int> signals_received{0};

void on_signal(int) { signals_received++; }

struct App {
  Options opt;
  GstElement *pipeline = nullptr;
  GstElement *src = nullptr;

  std::mutex mutex; /* guards tiles, dirty */
  std::map<unsigned, Tile> tiles;
  bool dirty = false;
  std::atomic<long long> frames{0};
  std::atomic<bool> frames_reached{false};
};

/* Streaming thread of one port's appsink. */
GstFlowReturn on_new_sample(GstAppSink *sink, gpointer user_data) {
  App *app = static_cast<App *>(user_data);
  GstSample *sample = gst_app_sink_pull_sample(sink);
  if (!sample)
    return GST_FLOW_EOS;
  GstBuffer *buf = gst_sample_get_buffer(sample);
  GstVideoInfo info;
  if (!buf || !gst_video_info_from_caps(&info, gst_sample_get_caps(sample))) {
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  }
  if (app->opt.frames >= 0 && app->frames.load() >= app->opt.frames) {
    gst_sample_unref(sample); /* past --frames: ending */
    return GST_FLOW_OK;
  }

  /* Where the frame comes from: the sender's port, its message, its
   * sequence number. */
  guint port = 0;
  guint64 seq = 0;
  std::string message = "null";
  if (GstCustomMeta *meta = gst_buffer_get_custom_meta(buf, kMetaName)) {
    const GstStructure *s = gst_custom_meta_get_structure(meta);
    gst_structure_get_uint(s, "port", &port);
    gst_structure_get_uint64(s, "seq", &seq);
    if (const gchar *m = gst_structure_get_string(s, "message"))
      message = m;
  }
  if (port == 0) /* no meta: the appsink's name says which port */
    port = static_cast<guint>(std::strtoul(GST_OBJECT_NAME(sink) + std::strlen("sink_"), nullptr, 10));

  /* A copy of the pixels, as rows may be padded (stride) and the buffer goes
   * back to GStreamer now. */
  GstVideoFrame vf;
  cv::Mat copy;
  if (gst_video_frame_map(&vf, &info, buf, GST_MAP_READ)) {
    cv::Mat view(GST_VIDEO_FRAME_HEIGHT(&vf), GST_VIDEO_FRAME_WIDTH(&vf), CV_8UC3, GST_VIDEO_FRAME_PLANE_DATA(&vf, 0),
                 static_cast<size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0)));
    copy = view.clone();
    gst_video_frame_unmap(&vf);
  }
  gsize size = gst_buffer_get_size(buf);
  gst_sample_unref(sample);

  long long n = ++app->frames;
  say("FRAME port=%u seq=%" G_GUINT64_FORMAT " message=%s size=%" G_GSIZE_FORMAT " %dx%d", port, seq,
      message.c_str(), size, GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info));
  if (!copy.empty()) {
    std::lock_guard<std::mutex> lk(app->mutex);
    Tile &t = app->tiles[port];
    t.frame = copy;
    t.message = display_text(message);
    t.seq = seq;
    app->dirty = true;
  }
  if (app->opt.frames >= 0 && n >= app->opt.frames)
    app->frames_reached = true;
  return GST_FLOW_OK;
}

/* netgearsrc's receiving thread (serves every port: keep it quick). The
 * returned JSON text is sent back to that sender with its frame's
 * acknowledgement. */
gchar *on_compute_reply(GstElement *, guint port, guint64 seq, const gchar *message_json, gpointer) {
  (void)message_json;
  nlohmann::ordered_json reply = {
      {"to", port}, {"seq", seq}, {"text", "Hi Server on port " + std::to_string(port)}};
  return g_strdup(reply.dump().c_str());
}

/* One tile per port in the order given, each resized to the tile size, with
 * the port and the message drawn on it; laid out on a grid as imutils'
 * build_montages does (row by row). */
cv::Mat build_montage(App *app, cv::Size *tile_size) {
  std::map<unsigned, Tile> tiles;
  {
    std::lock_guard<std::mutex> lk(app->mutex);
    for (auto &kv : app->tiles)
      tiles[kv.first] = Tile{kv.second.frame, kv.second.message, kv.second.seq}; /* Mats shared, not copied */
    app->dirty = false;
  }
  if (tile_size->width == 0) {
    for (unsigned p : app->opt.ports)
      if (tiles.count(p)) {
        *tile_size = tiles[p].frame.size();
        break;
      }
  }
  cv::Size ts = tile_size->width ? *tile_size : cv::Size(320, 240);
  size_t n = app->opt.ports.size();
  int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  int rows = static_cast<int>((n + cols - 1) / cols);
  cv::Mat montage(rows * ts.height, cols * ts.width, CV_8UC3, cv::Scalar(0, 0, 0));
  for (size_t i = 0; i < n; i++) {
    unsigned port = app->opt.ports[i];
    cv::Mat cell = montage(cv::Rect(static_cast<int>(i % cols) * ts.width, static_cast<int>(i / cols) * ts.height,
                                    ts.width, ts.height));
    auto it = tiles.find(port);
    if (it == tiles.end()) {
      cell.setTo(cv::Scalar(40, 40, 40));
      put_text_fit(cell, "port " + std::to_string(port) + ": no frame yet", cv::Point(10, ts.height / 2),
                   cv::Scalar(200, 200, 200));
      continue;
    }
    cv::resize(it->second.frame, cell, ts);
    put_text_fit(cell, "port " + std::to_string(port), cv::Point(10, 22), cv::Scalar(255, 255, 255), 0.55);
    /* As vidgear's example: the sender's message at the bottom, in green. */
    put_text_fit(cell, it->second.message, cv::Point(10, ts.height - 10), cv::Scalar(0, 255, 0));
  }
  return montage;
}

/* imwrite to a temporary name and rename, so that a reader never sees half
 * an image. */
bool write_image(const std::string &path, const cv::Mat &img) {
  size_t slash = path.find_last_of('/');
  size_t dot = path.find_last_of('.');
  std::string ext = (dot != std::string::npos && (slash == std::string::npos || dot > slash)) ? path.substr(dot)
                                                                                              : std::string(".png");
  std::string tmp = path + ".tmp" + ext;
  try {
    if (!cv::imwrite(tmp, img))
      return false;
  } catch (const cv::Exception &e) {
    std::fprintf(stderr, "netgear-cv-receiver: cannot write %s: %s\n", path.c_str(), e.what());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

bool build_pipeline(App *app) {
  app->pipeline = gst_pipeline_new("receiver");
  app->src = gst_element_factory_make("netgearsrc", "netgear");
  if (!app->src) {
    std::fprintf(stderr, "netgear-cv-receiver: element netgearsrc not found (set GST_PLUGIN_PATH to the directory "
                         "of the gst-netgear plugin)\n");
    return false;
  }
  gst_bin_add(GST_BIN(app->pipeline), app->src);
  g_object_set(app->src, "address", app->opt.address.c_str(), "ports", app->opt.ports_text.c_str(), "pattern",
               app->opt.pattern, nullptr);
  if (app->opt.bidirectional) {
    if (!has_property(app->src, "bidirectional") || !has_property(app->src, "reply")) {
      std::fprintf(stderr, "netgear-cv-receiver: this netgearsrc has no bidirectional mode (plugin too old)\n");
      return false;
    }
    g_object_set(app->src, "bidirectional", TRUE, "reply", app->opt.reply.c_str(), nullptr);
    if (app->opt.per_port_replies) {
      if (!g_signal_lookup("compute-reply", G_OBJECT_TYPE(app->src))) {
        std::fprintf(stderr, "netgear-cv-receiver: this netgearsrc has no compute-reply signal (plugin too old)\n");
        return false;
      }
      g_signal_connect(app->src, "compute-reply", G_CALLBACK(on_compute_reply), app);
    }
  }

  /* netgearsrc makes its src_<port> pads when it goes to READY. */
  if (gst_element_set_state(app->pipeline, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE)
    return false;
  for (unsigned port : app->opt.ports) {
    std::string p = std::to_string(port);
    GstElement *conv = gst_element_factory_make("videoconvert", ("convert_" + p).c_str());
    GstElement *filter = gst_element_factory_make("capsfilter", ("bgr_" + p).c_str());
    GstElement *sink = gst_element_factory_make("appsink", ("sink_" + p).c_str());
    if (!conv || !filter || !sink) {
      std::fprintf(stderr, "netgear-cv-receiver: videoconvert, capsfilter or appsink missing\n");
      return false;
    }
    GstCaps *bgr = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "BGR", nullptr);
    g_object_set(filter, "caps", bgr, nullptr);
    gst_caps_unref(bgr);
    /* sync=false: show frames as they come; async=false: a port whose
     * sender never shows up does not hold the pipeline out of PLAYING. */
    g_object_set(sink, "sync", FALSE, "async", FALSE, "max-buffers", 2u, nullptr);
    GstAppSinkCallbacks cb = {};
    cb.new_sample = on_new_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, app, nullptr);
    gst_bin_add_many(GST_BIN(app->pipeline), conv, filter, sink, nullptr);
    GstPad *srcpad = gst_element_get_static_pad(app->src, ("src_" + p).c_str());
    GstPad *convpad = gst_element_get_static_pad(conv, "sink");
    bool ok = srcpad && gst_pad_link(srcpad, convpad) == GST_PAD_LINK_OK &&
              gst_element_link_many(conv, filter, sink, nullptr);
    if (srcpad)
      gst_object_unref(srcpad);
    gst_object_unref(convpad);
    if (!ok) {
      std::fprintf(stderr, "netgear-cv-receiver: cannot link netgearsrc's pad src_%u\n", port);
      return false;
    }
    gst_element_sync_state_with_parent(conv);
    gst_element_sync_state_with_parent(filter);
    gst_element_sync_state_with_parent(sink);
  }
  return true;
}

void print_error(GstMessage *msg) {
  GError *err = nullptr;
  gchar *dbg = nullptr;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error(msg, &err, &dbg);
  else
    gst_message_parse_warning(msg, &err, &dbg);
  say("%s %s: %s (%s)", GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR ? "ERROR" : "WARNING",
      GST_MESSAGE_SRC(msg) ? GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)) : "?", err ? err->message : "", dbg ? dbg : "");
  g_clear_error(&err);
  g_free(dbg);
}

} // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  App app;
  if (!parse_args(argc, argv, &app.opt))
    return 2;

  const char *display = std::getenv("DISPLAY");
  const char *wayland = std::getenv("WAYLAND_DISPLAY");
  bool show = !app.opt.headless && ((display && *display) || (wayland && *wayland));

  int rc = 0;
  GstBus *bus = nullptr;
  if (!build_pipeline(&app)) {
    rc = 1;
  } else {
    bus = gst_element_get_bus(app.pipeline);
    if (gst_element_set_state(app.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      rc = 1;
  }
  if (rc) {
    if (app.pipeline) {
      if (!bus)
        bus = gst_element_get_bus(app.pipeline);
      if (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
        print_error(m);
        gst_message_unref(m);
      }
      gst_element_set_state(app.pipeline, GST_STATE_NULL);
      gst_object_unref(bus);
      gst_object_unref(app.pipeline);
    }
    return rc;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  say("RECEIVER ports=%s address=%s pattern=%d%s%s output=%s", app.opt.ports_text.c_str(), app.opt.address.c_str(),
      app.opt.pattern, app.opt.bidirectional ? " bidirectional" : "",
      app.opt.per_port_replies ? " per-port-replies" : "", show ? "window" : app.opt.output.c_str());

  using clock = std::chrono::steady_clock;
  cv::Size tile_size(app.opt.tile_w, app.opt.tile_h);
  auto last_write = clock::now();
  bool announced_write = false;
  bool eos_sent = false;
  clock::time_point eos_deadline;
  bool done = false;
  const char *window = "NetGear montage";
  int handled_signals = 0;

  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered(
        bus, 20 * GST_MSECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT));
    if (msg) {
      switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_EOS:
        say("EOS");
        done = true;
        break;
      case GST_MESSAGE_ERROR:
        print_error(msg);
        rc = 1;
        done = true;
        break;
      case GST_MESSAGE_WARNING:
        print_error(msg);
        break;
      case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure(msg);
        guint port = 0;
        if (s && gst_structure_get_uint(s, "port", &port)) {
          if (gst_structure_has_name(s, "netgear-server-connected")) {
            const gchar *peer = gst_structure_get_string(s, "peer");
            say("CONNECTED port=%u peer=%s", port, peer ? peer : "?");
          } else if (gst_structure_has_name(s, "netgear-server-terminated")) {
            say("TERMINATED port=%u", port);
          }
        }
        break;
      }
      default:
        break;
      }
      gst_message_unref(msg);
    }
    if (done)
      break;

    /* Ctrl-C, 'q' or --frames: end the stream (netgearsrc ends every pad
     * after what is queued), then finish; a second Ctrl-C or 5 s later: now. */
    bool want_end = app.frames_reached.load();
    int sigs = signals_received.load();
    if (sigs > handled_signals) {
      handled_signals = sigs;
      if (eos_sent || sigs > 1) {
        done = true;
        break;
      }
      want_end = true;
    }
    if (show) {
      bool changed;
      {
        std::lock_guard<std::mutex> lk(app.mutex);
        changed = app.dirty;
      }
      try {
        if (changed)
          cv::imshow(window, build_montage(&app, &tile_size));
        int key = cv::waitKey(1);
        if ((key & 0xFF) == 'q' || (key & 0xFF) == 27)
          want_end = true;
      } catch (const cv::Exception &e) {
        std::fprintf(stderr, "netgear-cv-receiver: cannot show a window (%s); writing %s instead\n", e.what(),
                     app.opt.output.c_str());
        show = false;
      }
    } else {
      auto now = clock::now();
      bool changed;
      {
        std::lock_guard<std::mutex> lk(app.mutex);
        changed = app.dirty;
      }
      if (changed && now - last_write >= std::chrono::seconds(1)) {
        if (write_image(app.opt.output, build_montage(&app, &tile_size)) && !announced_write) {
          say("WROTE %s", app.opt.output.c_str());
          announced_write = true;
        }
        last_write = now;
      }
    }
    if (want_end && !eos_sent) {
      eos_sent = true;
      eos_deadline = clock::now() + std::chrono::seconds(5);
      gst_element_send_event(app.pipeline, gst_event_new_eos());
    }
    if (eos_sent && clock::now() > eos_deadline) {
      std::fprintf(stderr, "netgear-cv-receiver: no end of stream 5 s after it was asked for, stopping now\n");
      done = true;
    }
  }

  gst_element_set_state(app.pipeline, GST_STATE_NULL);
  /* The final picture, with the last frame of every port. */
  cv::Mat last = build_montage(&app, &tile_size);
  if (show) {
    cv::destroyAllWindows();
  } else if (write_image(app.opt.output, last)) {
    say("WROTE %s", app.opt.output.c_str());
  } else {
    std::fprintf(stderr, "netgear-cv-receiver: cannot write %s\n", app.opt.output.c_str());
    rc = 1;
  }
  say("DONE frames=%lld", app.frames.load());
  gst_object_unref(bus);
  gst_object_unref(app.pipeline);
  return rc;
}
