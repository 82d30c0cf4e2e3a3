/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear example: an application receiving from many NetGear senders
 * through appsink, printing for every frame where it came from, the message
 * it carried and its size, as vidgear's multi-server client gives
 * (unique_address, extracted_data, frame).
 *
 *   netgear-appsink-receiver --ports 5566,5567 [--address 0.0.0.0] [--pattern 1|2]
 *                            [--bidirectional [--reply JSON] [--echo]] [--frames N]
 *
 * Prints one line per frame:
 *   port=5566 seq=12 message={"camera": "porch"} size=921600 video/x-raw BGR 640x480
 * and one line per sender that connects or terminates. Ends when every
 * sender has terminated (netgearsrc's end of stream), after --frames frames,
 * or on Ctrl-C.
 *
 * --bidirectional answers each frame (senders need bidirectional=true too):
 * with --reply, the same JSON value to everyone (NetGear's behaviour); with
 * --echo, each sender gets its own answer, computed per frame in the
 * compute-reply signal.
 */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <glib-unix.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct App {
  GstElement *pipeline = nullptr;
  GMainLoop *loop = nullptr;
  std::atomic<gint64> frames{0};
  gint64 max_frames = -1;
  std::atomic<bool> ending{false};
  int status = 0;
};

/* Ends the stream cleanly from any thread: netgearsrc ends every pad. */
void end_stream(App *app) {
  if (!app->ending.exchange(true))
    gst_element_send_event(app->pipeline, gst_event_new_eos());
}

GstFlowReturn on_sample(GstAppSink *sink, gpointer user_data) {
  App *app = static_cast<App *>(user_data);
  GstSample *sample = gst_app_sink_pull_sample(sink);
  if (!sample)
    return GST_FLOW_EOS;
  GstBuffer *buf = gst_sample_get_buffer(sample);
  guint port = 0;
  guint64 seq = 0;
  const gchar *message = "null";
  /* A GstCustomMeta: no header of the plugin is needed to read it. */
  if (GstCustomMeta *meta = gst_buffer_get_custom_meta(buf, "GstNetGearMeta")) {
    const GstStructure *s = gst_custom_meta_get_structure(meta);
    gst_structure_get_uint(s, "port", &port);
    gst_structure_get_uint64(s, "seq", &seq);
    if (const gchar *m = gst_structure_get_string(s, "message"))
      message = m;
  }
  const GstStructure *caps = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
  gint width = 0, height = 0;
  gst_structure_get_int(caps, "width", &width);
  gst_structure_get_int(caps, "height", &height);
  const gchar *format = gst_structure_get_string(caps, "format");
  g_print("port=%u seq=%" G_GUINT64_FORMAT " message=%s size=%" G_GSIZE_FORMAT " %s %s %dx%d\n", port, seq,
          message, gst_buffer_get_size(buf), gst_structure_get_name(caps), format ? format : "", width, height);
  gst_sample_unref(sample);
  if (app->max_frames > 0 && ++app->frames == app->max_frames)
    end_stream(app);
  return GST_FLOW_OK;
}

/* netgearsrc adds one pad per port when it goes to READY. */
void on_pad_added(GstElement * /*src*/, GstPad *pad, gpointer user_data) {
  App *app = static_cast<App *>(user_data);
  GstElement *sink = gst_element_factory_make("appsink", nullptr);
  /* Live frames: no clock sync, and no part in the preroll, so that a port
   * whose sender never comes does not hold the others back. */
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  GstAppSinkCallbacks cb = {};
  cb.new_sample = on_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, app, nullptr);
  gst_bin_add(GST_BIN(app->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sinkpad = gst_element_get_static_pad(sink, "sink");
  if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
    g_printerr("cannot link %s\n", GST_PAD_NAME(pad));
  gst_object_unref(sinkpad);
}

/* --echo: each frame's answer names its sender and echoes its message. */
gchar *on_compute_reply(GstElement * /*src*/, guint port, guint64 seq, const gchar *message, gpointer /*data*/) {
  return g_strdup_printf("{\"port\": %u, \"seq\": %" G_GUINT64_FORMAT ", \"echo\": %s}", port, seq, message);
}

gboolean on_bus(GstBus * /*bus*/, GstMessage *msg, gpointer user_data) {
  App *app = static_cast<App *>(user_data);
  switch (GST_MESSAGE_TYPE(msg)) {
  case GST_MESSAGE_ELEMENT: {
    const GstStructure *s = gst_message_get_structure(msg);
    guint port = 0;
    gst_structure_get_uint(s, "port", &port);
    if (gst_structure_has_name(s, "netgear-server-connected"))
      g_print("connected port=%u peer=%s\n", port,
              gst_structure_has_field(s, "peer") ? gst_structure_get_string(s, "peer") : "?");
    else if (gst_structure_has_name(s, "netgear-server-terminated"))
      g_print("terminated port=%u\n", port);
    break;
  }
  case GST_MESSAGE_ERROR: {
    GError *err = nullptr;
    gchar *dbg = nullptr;
    gst_message_parse_error(msg, &err, &dbg);
    g_printerr("error: %s (%s)\n", err->message, dbg ? dbg : "");
    g_clear_error(&err);
    g_free(dbg);
    app->status = 1;
    g_main_loop_quit(app->loop);
    break;
  }
  case GST_MESSAGE_EOS:
    g_main_loop_quit(app->loop);
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

gboolean on_sigint(gpointer user_data) {
  end_stream(static_cast<App *>(user_data));
  return G_SOURCE_CONTINUE;
}

} // namespace

int main(int argc, char **argv) {
  gchar *address = g_strdup("0.0.0.0"), *ports = g_strdup("5566,5567"), *reply = nullptr;
  gint pattern = 1;
  gint64 max_frames = -1;
  gboolean bidirectional = FALSE, echo = FALSE;
  GOptionEntry entries[] = {
      {"address", 0, 0, G_OPTION_ARG_STRING, &address, "Address to bind (default 0.0.0.0)", "IP"},
      {"ports", 0, 0, G_OPTION_ARG_STRING, &ports, "One port per sender (default 5566,5567)", "P1,P2"},
      {"pattern", 0, 0, G_OPTION_ARG_INT, &pattern, "1 = REQ/REP, 2 = PUB/SUB (default 1)", "N"},
      {"bidirectional", 0, 0, G_OPTION_ARG_NONE, &bidirectional, "Answer every frame (pattern 1)", nullptr},
      {"reply", 0, 0, G_OPTION_ARG_STRING, &reply, "JSON value answering every frame (netgearsrc's reply-json)",
       "JSON"},
      {"echo", 0, 0, G_OPTION_ARG_NONE, &echo, "Answer each frame with its port, seq and message", nullptr},
      {"frames", 0, 0, G_OPTION_ARG_INT64, &max_frames, "Stop after N frames in all", "N"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext *ctx = g_option_context_new("- print what NetGear senders send");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError *err = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    g_printerr("%s\n", err->message);
    return 2;
  }
  g_option_context_free(ctx);

  App app;
  app.max_frames = max_frames;
  app.pipeline = gst_pipeline_new("receiver");
  GstElement *src = gst_element_factory_make("netgearsrc", "src");
  if (!src) {
    g_printerr("no netgearsrc: set GST_PLUGIN_PATH to the directory of libgstnetgear.so\n");
    return 1;
  }
  g_object_set(src, "address", address, "ports", ports, "pattern", pattern, "bidirectional", bidirectional, nullptr);
  if (reply)
    g_object_set(src, "reply-json", reply, nullptr);
  if (echo)
    g_signal_connect(src, "compute-reply", G_CALLBACK(on_compute_reply), nullptr);
  g_signal_connect(src, "pad-added", G_CALLBACK(on_pad_added), &app);
  gst_bin_add(GST_BIN(app.pipeline), src);

  app.loop = g_main_loop_new(nullptr, FALSE);
  GstBus *bus = gst_pipeline_get_bus(GST_PIPELINE(app.pipeline));
  gst_bus_add_watch(bus, on_bus, &app);
  gst_object_unref(bus);
  g_unix_signal_add(SIGINT, on_sigint, &app);

  if (gst_element_set_state(app.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    /* The reason (a port in use, a bad property) is on the bus. */
    app.status = 1;
    GstBus *b = gst_element_get_bus(app.pipeline);
    if (GstMessage *msg = gst_bus_pop_filtered(b, GST_MESSAGE_ERROR)) {
      on_bus(nullptr, msg, &app);
      gst_message_unref(msg);
    }
    gst_object_unref(b);
  } else {
    g_print("listening on %s ports %s\n", address, ports);
    g_main_loop_run(app.loop);
  }
  gst_element_set_state(app.pipeline, GST_STATE_NULL);
  gst_object_unref(app.pipeline);
  g_main_loop_unref(app.loop);
  g_free(address);
  g_free(ports);
  g_free(reply);
  return app.status;
}
