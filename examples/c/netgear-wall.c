/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* netgear-wall: a C application embedding both elements.
 *
 * A receiver pipeline (netgearsrc, one tile per port, compositor) and,
 * optionally, test-pattern senders (videotestsrc ! netgearsink) in the same
 * process, each pipeline with an asynchronous bus watch. It prints one line
 * per sender event netgearsrc posts, and per-port frame counts at the end:
 *
 *   connected port=5566 peer=127.0.0.1
 *   disconnected port=5567 streaming=true
 *   terminated port=5566
 *   EOS
 *   port=5566 frames=150
 *
 *   netgear-wall --ports 5566,5567 [--address 0.0.0.0] [--timeout MS]
 *                [--senders N] [--frames F] [--display]
 *
 * --senders N starts N senders here, to the first N ports (the rest wait
 * for senders elsewhere, e.g. examples/sender.sh); --frames F, 150 by
 * default, is how many each sends before it ends (EOS: its terminate).
 * The receiver ends when every sender that came has terminated or timed out
 * (netgearsrc then ends every pad), or on Ctrl-C (an EOS sent to the
 * pipeline: the montage ends cleanly). Without --display the montage goes
 * to a fakesink; with it, to a window.
 */
#include <glib-unix.h>
#include <gst/gst.h>

#include <stdlib.h>
#include <string.h>

typedef struct {
  GMainLoop *loop;
  GstElement *receiver;
  GPtrArray *senders; /* GstElement pipelines */
  int status;         /* exit status */
  gboolean interrupted;
} App;

/* netgearsrc's element messages: the sender events an application acts on
 * (a wall marks a dead camera's tile, an operator is told). */
static void on_netgear_message(const GstStructure *s) {
  const gchar *name = gst_structure_get_name(s);
  guint port = 0;
  gst_structure_get_uint(s, "port", &port);
  if (g_str_equal(name, "netgear-server-connected")) {
    const gchar *peer = gst_structure_get_string(s, "peer");
    g_print("connected port=%u peer=%s\n", port, peer ? peer : "?");
  } else if (g_str_equal(name, "netgear-server-terminated")) {
    g_print("terminated port=%u\n", port);
  } else if (g_str_equal(name, "netgear-server-timeout")) {
    gboolean open = FALSE;
    gst_structure_get_boolean(s, "connection-open", &open);
    g_print("timeout port=%u connection-open=%s\n", port, open ? "true" : "false");
  } else if (g_str_equal(name, "netgear-server-disconnected")) {
    gboolean streaming = FALSE;
    gst_structure_get_boolean(s, "streaming", &streaming);
    g_print("disconnected port=%u streaming=%s\n", port, streaming ? "true" : "false");
  } else if (g_str_equal(name, "netgear-auth-failed")) {
    const gchar *reason = gst_structure_get_string(s, "reason");
    g_print("auth-failed port=%u reason=%s\n", port, reason ? reason : "?");
  }
}

static void print_gerror(const char *what, GstMessage *msg) {
  GError *err = NULL;
  gchar *dbg = NULL;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error(msg, &err, &dbg);
  else
    gst_message_parse_warning(msg, &err, &dbg);
  g_printerr("%s from %s: %s (%s)\n", what, GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message, dbg ? dbg : "");
  g_clear_error(&err);
  g_free(dbg);
}

/* The receiver's bus, on the main loop (never a sync handler: these
 * messages come from netgearsrc's network thread). */
static gboolean on_receiver_bus(GstBus *bus, GstMessage *msg, gpointer data) {
  App *app = data;
  (void)bus;
  switch (GST_MESSAGE_TYPE(msg)) {
  case GST_MESSAGE_ELEMENT:
    if (gst_message_get_structure(msg))
      on_netgear_message(gst_message_get_structure(msg));
    break;
  case GST_MESSAGE_WARNING:
    print_gerror("warning", msg);
    break;
  case GST_MESSAGE_ERROR:
    print_gerror("error", msg);
    app->status = 1;
    g_main_loop_quit(app->loop);
    break;
  case GST_MESSAGE_EOS:
    g_print("EOS\n");
    g_main_loop_quit(app->loop);
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

/* A sender's bus: its EOS means its terminate went out; it stops there. */
static gboolean on_sender_bus(GstBus *bus, GstMessage *msg, gpointer data) {
  GstElement *pipeline = data;
  (void)bus;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR)
    print_gerror("sender error", msg);
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS)
    gst_element_set_state(pipeline, GST_STATE_NULL);
  return G_SOURCE_CONTINUE;
}

/* Ctrl-C: an EOS through every pipeline, so the senders say goodbye and the
 * receiver's pads end after what they hold. A second Ctrl-C quits at once. */
static gboolean on_sigint(gpointer data) {
  App *app = data;
  if (app->interrupted) {
    app->status = 130;
    g_main_loop_quit(app->loop);
    return G_SOURCE_REMOVE;
  }
  app->interrupted = TRUE;
  g_printerr("interrupted: ending the stream (Ctrl-C again to quit at once)\n");
  for (guint i = 0; i < app->senders->len; i++)
    gst_element_send_event(g_ptr_array_index(app->senders, i), gst_event_new_eos());
  gst_element_send_event(app->receiver, gst_event_new_eos());
  return G_SOURCE_CONTINUE;
}

static GstElement *launch(const gchar *description) {
  GError *err = NULL;
  GstElement *p = gst_parse_launch(description, &err);
  if (!p || err) {
    g_printerr("cannot build the pipeline: %s\n%s\n", err ? err->message : "?", description);
    g_clear_error(&err);
    if (p)
      gst_object_unref(p);
    return NULL;
  }
  return p;
}

/* The montage: a tile of 320x240 per port, in a grid as square as fits. */
static gchar *receiver_description(gchar **ports, const gchar *address, guint timeout, gboolean display) {
  guint n = g_strv_length(ports);
  guint cols = 1;
  while (cols * cols < n)
    cols++;
  gchar *joined = g_strjoinv(",", ports);
  GString *d = g_string_new(NULL);
  g_string_append_printf(d, "netgearsrc name=src address=%s ports=%s timeout=%u compositor name=mix", address, joined,
                         timeout);
  /* The compositor scales each tile: a capsfilter in a branch would hold
   * back the segment of the gap that prerolls a port with no sender yet
   * (README, Known limits). */
  for (guint i = 0; i < n; i++)
    g_string_append_printf(d, " sink_%u::xpos=%u sink_%u::ypos=%u sink_%u::width=320 sink_%u::height=240", i,
                           (i % cols) * 320, i, (i / cols) * 240, i, i);
  /* Fixed output caps: the montage's size and rate do not depend on which
   * senders have come yet. */
  g_string_append_printf(d, " ! video/x-raw,width=%u,height=%u,framerate=30/1 ! videoconvert ! %s", cols * 320,
                         ((n + cols - 1) / cols) * 240, display ? "autovideosink" : "fakesink sync=true");
  for (guint i = 0; i < n; i++)
    g_string_append_printf(d,
                           " src.src_%s ! queue ! videoconvert ! mix.sink_%u",
                           ports[i], i);
  g_free(joined);
  return g_string_free(d, FALSE);
}

int main(int argc, char **argv) {
  gchar *ports_arg = NULL, *address = NULL;
  gint senders = 0, frames = 150, timeout = 10000;
  gboolean display = FALSE;
  GOptionEntry entries[] = {
      {"ports", 0, 0, G_OPTION_ARG_STRING, &ports_arg, "Ports to receive on, one per sender (5566,5567)", "LIST"},
      {"address", 0, 0, G_OPTION_ARG_STRING, &address, "Local address to bind (default 127.0.0.1)", "ADDR"},
      {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "ms of silence before a sender is timed out (10000)", "MS"},
      {"senders", 0, 0, G_OPTION_ARG_INT, &senders, "Test-pattern senders to run here, to the first ports", "N"},
      {"frames", 0, 0, G_OPTION_ARG_INT, &frames, "Frames each of those sends (150)", "F"},
      {"display", 0, 0, G_OPTION_ARG_NONE, &display, "Show the montage in a window", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("- a NetGear camera wall in C");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError *err = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    g_printerr("%s\n", err->message);
    return 2;
  }
  g_option_context_free(ctx);
  if (!ports_arg || timeout < 0 || senders < 0 || frames < 1) {
    g_printerr("usage: netgear-wall --ports 5566,5567 [--timeout MS] [--senders N] [--frames F] [--display]\n");
    return 2;
  }
  gchar **ports = g_strsplit(ports_arg, ",", -1);
  if ((guint)senders > g_strv_length(ports)) {
    g_printerr("--senders %d: only %u ports\n", senders, g_strv_length(ports));
    return 2;
  }
  if (!address)
    address = g_strdup("127.0.0.1");

  App app = {g_main_loop_new(NULL, FALSE), NULL, g_ptr_array_new_with_free_func(gst_object_unref), 0, FALSE};
  gchar *desc = receiver_description(ports, address, (guint)timeout, display);
  app.receiver = launch(desc);
  g_free(desc);
  if (!app.receiver)
    return 1;
  GstBus *bus = gst_element_get_bus(app.receiver);
  gst_bus_add_watch(bus, on_receiver_bus, &app);
  gst_object_unref(bus);
  /* PLAYING binds the ports; a bad port or a port in use fails here. */
  if (gst_element_set_state(app.receiver, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    bus = gst_element_get_bus(app.receiver);
    GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    gst_object_unref(bus);
    if (m) {
      print_gerror("error", m);
      gst_message_unref(m);
    }
    gst_element_set_state(app.receiver, GST_STATE_NULL);
    return 1;
  }
  for (gint i = 0; i < senders; i++) {
    gchar *d = g_strdup_printf("videotestsrc is-live=true num-buffers=%d pattern=%d ! "
                               "video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! "
                               "video/x-raw,format=BGR ! netgearsink address=%s port=%s",
                               frames, i % 25, g_str_equal(address, "0.0.0.0") ? "127.0.0.1" : address, ports[i]);
    GstElement *p = launch(d);
    g_free(d);
    if (!p)
      return 1;
    bus = gst_element_get_bus(p);
    gst_bus_add_watch(bus, on_sender_bus, p);
    gst_object_unref(bus);
    g_ptr_array_add(app.senders, p);
    gst_element_set_state(p, GST_STATE_PLAYING);
  }
  g_unix_signal_add(SIGINT, on_sigint, &app);
  g_main_loop_run(app.loop);

  /* What each port delivered, from netgearsrc's stats. */
  GstElement *src = gst_bin_get_by_name(GST_BIN(app.receiver), "src");
  GstStructure *stats = NULL;
  g_object_get(src, "stats", &stats, NULL);
  for (guint i = 0; stats && ports[i]; i++) {
    gchar *field = g_strdup_printf("port-%s", ports[i]);
    const GValue *v = gst_structure_get_value(stats, field);
    guint64 n = 0;
    if (v && GST_VALUE_HOLDS_STRUCTURE(v))
      gst_structure_get_uint64(gst_value_get_structure(v), "frames", &n);
    g_print("port=%s frames=%" G_GUINT64_FORMAT "\n", ports[i], n);
    g_free(field);
  }
  if (stats)
    gst_structure_free(stats);
  gst_object_unref(src);

  for (guint i = 0; i < app.senders->len; i++)
    gst_element_set_state(g_ptr_array_index(app.senders, i), GST_STATE_NULL);
  gst_element_set_state(app.receiver, GST_STATE_NULL);
  g_ptr_array_unref(app.senders);
  gst_object_unref(app.receiver);
  g_main_loop_unref(app.loop);
  g_strfreev(ports);
  g_free(ports_arg);
  g_free(address);
  return app.status;
}
