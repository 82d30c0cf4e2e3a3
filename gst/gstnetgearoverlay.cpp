/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: netgearoverlay.
 *
 * SECTION:element-netgearoverlay
 *
 * Draws on every frame where it came from and what its sender said: the
 * port and the message of the frame's GstNetGearMeta, as text in a corner
 * (vidgear's "custom data transfer" examples, where the receiver puts each
 * server's text on its frame). Put it after a netgearsrc pad:
 *
 *   gst-launch-1.0 netgearsrc name=src ports=5577 \
 *       src.src_5577 ! queue ! videoconvert ! netgearoverlay ! videoconvert ! autovideosink
 *
 * A bin around textoverlay (gst-plugins-base), whose text it sets from each
 * buffer's meta just before that buffer is drawn, so the text always belongs
 * to the frame it is on. Its look is textoverlay's: set its properties
 * through the child, e.g. textoverlay::font-desc="Sans 24"
 * textoverlay::valignment=bottom.
 *
 * The message comes from a peer: it is drawn as plain text (no Pango
 * markup), control characters replaced, and cut to max-length characters.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnetgearoverlay.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <new>
#include <string>

#include "gstnetgearmeta.h"

GST_DEBUG_CATEGORY_STATIC(gst_netgear_overlay_debug);
#define GST_CAT_DEFAULT gst_netgear_overlay_debug

#define DEFAULT_SHOW_PORT TRUE
#define DEFAULT_SHOW_MESSAGE TRUE
#define DEFAULT_MAX_LENGTH 200

enum {
  PROP_0,
  PROP_SHOW_PORT,
  PROP_SHOW_MESSAGE,
  PROP_MAX_LENGTH,
};

struct _GstNetGearOverlay {
  GstBin parent;

  GstElement *text; /* the textoverlay, NULL when that plugin is missing */
  GstPad *probe_pad; /* its video_sink, where the probe sits (owned) */
  gulong probe;

  /* Under the object lock. */
  gboolean show_port;
  gboolean show_message;
  guint max_length;
  /* What the text was made from, so that a run of frames with the same
   * origin and message sets it once. Streaming thread only, except that a
   * property change clears `valid`. */
  gboolean valid;
  gboolean had_meta;
  guint port;
  std::string message;
};

G_DEFINE_TYPE(GstNetGearOverlay, gst_netgear_overlay, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE(netgearoverlay, "netgearoverlay", GST_RANK_NONE, GST_TYPE_NETGEAR_OVERLAY);

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));

/* Longer messages are shown as their JSON text, cut: decoding megabytes of
 * a peer's JSON for every frame to draw 200 characters of it is not worth
 * it. */
#define MAX_DECODED_MESSAGE (64 * 1024)

/* A JSON string is shown as its text, any other JSON value as the JSON the
 * meta holds (Python's json.dumps form); text that is not JSON as it is. */
static std::string message_text(const std::string &json) {
  if (!json.empty() && json[0] == '"' && json.size() <= MAX_DECODED_MESSAGE) {
    nlohmann::json v = nlohmann::json::parse(json, nullptr, false);
    if (v.is_string())
      return v.get<std::string>();
  }
  return json;
}

/* Plain text of at most max_chars characters (0: any), valid UTF-8 without
 * control characters other than newline and tab, as Pango markup. */
static gchar *markup_of(const std::string &text, guint max_chars) {
  /* A character takes 4 bytes at most (and an invalid byte becomes one
   * character): what lies beyond is cut anyway. */
  gsize bytes = text.size();
  if (max_chars && bytes > static_cast<gsize>(max_chars) * 4 + 4)
    bytes = static_cast<gsize>(max_chars) * 4 + 4;
  gchar *valid = g_utf8_make_valid(text.data(), static_cast<gssize>(bytes));
  GString *clean = g_string_sized_new(strlen(valid));
  guint chars = 0;
  for (const gchar *p = valid; *p; p = g_utf8_next_char(p)) {
    if (max_chars && chars == max_chars) {
      g_string_append_unichar(clean, 0x2026); /* … */
      break;
    }
    gunichar c = g_utf8_get_char(p);
    /* GMarkup refuses control characters even as references. */
    if (g_unichar_iscntrl(c) && c != '\n' && c != '\t')
      c = 0xFFFD;
    g_string_append_unichar(clean, c);
    chars++;
  }
  g_free(valid);
  gchar *markup = g_markup_escape_text(clean->str, static_cast<gssize>(clean->len));
  g_string_free(clean, TRUE);
  return markup;
}

static GstPadProbeReturn on_buffer(GstPad *, GstPadProbeInfo *info, gpointer user_data) {
  GstNetGearOverlay *self = GST_NETGEAR_OVERLAY(user_data);
  /* A buffer list reaches textoverlay (which has no chain_list) one buffer
   * at a time, and so this probe too. */
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);

  gboolean has_meta = FALSE;
  guint port = 0;
  const gchar *message = nullptr;
  if (GstCustomMeta *meta = gst_buffer_get_custom_meta(buf, GST_NETGEAR_META_NAME)) {
    const GstStructure *s = gst_custom_meta_get_structure(meta);
    has_meta = gst_structure_get_uint(s, "port", &port);
    message = gst_structure_get_string(s, "message");
  }
  if (!message)
    message = "null";

  GST_OBJECT_LOCK(self);
  if (self->valid && self->had_meta == has_meta && self->port == port && self->message == message) {
    GST_OBJECT_UNLOCK(self);
    return GST_PAD_PROBE_OK;
  }
  self->valid = TRUE;
  self->had_meta = has_meta;
  self->port = port;
  self->message = message;
  gboolean show_port = self->show_port, show_message = self->show_message;
  guint max_length = self->max_length;
  GST_OBJECT_UNLOCK(self);

  std::string text;
  if (show_port && has_meta)
    text = "port " + std::to_string(port);
  if (show_message && strcmp(message, "null") != 0) {
    if (!text.empty())
      text += " \u2014 "; /* — */
    text += message_text(message);
  }
  gchar *markup = markup_of(text, max_length);
  GST_LOG_OBJECT(self, "text now \"%s\"", markup);
  g_object_set(self->text, "text", markup, nullptr);
  g_free(markup);
  return GST_PAD_PROBE_OK;
}

static GstStateChangeReturn gst_netgear_overlay_change_state(GstElement *element, GstStateChange transition) {
  GstNetGearOverlay *self = GST_NETGEAR_OVERLAY(element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !self->text) {
    GST_ELEMENT_ERROR(self, CORE, MISSING_PLUGIN, ("netgearoverlay needs the textoverlay element"),
                      ("textoverlay is in gst-plugins-base's pango plugin (Debian: gstreamer1.0-x)"));
    return GST_STATE_CHANGE_FAILURE;
  }
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GST_OBJECT_LOCK(self);
    self->valid = FALSE;
    GST_OBJECT_UNLOCK(self);
  }
  return GST_ELEMENT_CLASS(gst_netgear_overlay_parent_class)->change_state(element, transition);
}

static void gst_netgear_overlay_set_property(GObject *object, guint prop_id, const GValue *value,
                                             GParamSpec *pspec) {
  GstNetGearOverlay *self = GST_NETGEAR_OVERLAY(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
  case PROP_SHOW_PORT:
    self->show_port = g_value_get_boolean(value);
    break;
  case PROP_SHOW_MESSAGE:
    self->show_message = g_value_get_boolean(value);
    break;
  case PROP_MAX_LENGTH:
    self->max_length = g_value_get_uint(value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
  /* The next frame gets the new text. */
  self->valid = FALSE;
  GST_OBJECT_UNLOCK(self);
}

static void gst_netgear_overlay_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstNetGearOverlay *self = GST_NETGEAR_OVERLAY(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
  case PROP_SHOW_PORT:
    g_value_set_boolean(value, self->show_port);
    break;
  case PROP_SHOW_MESSAGE:
    g_value_set_boolean(value, self->show_message);
    break;
  case PROP_MAX_LENGTH:
    g_value_set_uint(value, self->max_length);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_netgear_overlay_dispose(GObject *object) {
  GstNetGearOverlay *self = GST_NETGEAR_OVERLAY(object);
  /* The probe points at this bin, which the child may outlive. */
  if (self->probe_pad) {
    gst_pad_remove_probe(self->probe_pad, self->probe);
    gst_clear_object(&self->probe_pad);
  }
  G_OBJECT_CLASS(gst_netgear_overlay_parent_class)->dispose(object);
}

static void gst_netgear_overlay_finalize(GObject *object) {
  GstNetGearOverlay *self = GST_NETGEAR_OVERLAY(object);
  self->message.~basic_string();
  G_OBJECT_CLASS(gst_netgear_overlay_parent_class)->finalize(object);
}

static void gst_netgear_overlay_init(GstNetGearOverlay *self) {
  new (&self->message) std::string();
  self->show_port = DEFAULT_SHOW_PORT;
  self->show_message = DEFAULT_SHOW_MESSAGE;
  self->max_length = DEFAULT_MAX_LENGTH;

  GstElementClass *klass = GST_ELEMENT_GET_CLASS(self);
  GstPad *sink = gst_ghost_pad_new_no_target_from_template("sink", gst_element_class_get_pad_template(klass, "sink"));
  GstPad *src = gst_ghost_pad_new_no_target_from_template("src", gst_element_class_get_pad_template(klass, "src"));
  gst_element_add_pad(GST_ELEMENT(self), sink);
  gst_element_add_pad(GST_ELEMENT(self), src);

  self->text = gst_element_factory_make("textoverlay", "textoverlay");
  if (!self->text) {
    GST_WARNING_OBJECT(self, "no textoverlay element: netgearoverlay will refuse to start");
    return;
  }
  /* A label in the top left corner, readable on any picture. */
  g_object_set(self->text, "font-desc", "Sans 16", "shaded-background", TRUE, nullptr);
  gst_util_set_object_arg(G_OBJECT(self->text), "valignment", "top");
  gst_util_set_object_arg(G_OBJECT(self->text), "halignment", "left");
  gst_util_set_object_arg(G_OBJECT(self->text), "line-alignment", "left");
  gst_bin_add(GST_BIN(self), self->text);

  GstPad *video_sink = gst_element_get_static_pad(self->text, "video_sink");
  GstPad *text_src = gst_element_get_static_pad(self->text, "src");
  gst_ghost_pad_set_target(GST_GHOST_PAD(sink), video_sink);
  gst_ghost_pad_set_target(GST_GHOST_PAD(src), text_src);
  self->probe_pad = video_sink;
  self->probe = gst_pad_add_probe(video_sink, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, self, nullptr);
  gst_object_unref(text_src);
}

static void gst_netgear_overlay_class_init(GstNetGearOverlayClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_netgear_overlay_debug, "netgearoverlay", 0, "NetGear origin and message overlay");

  gobject_class->set_property = gst_netgear_overlay_set_property;
  gobject_class->get_property = gst_netgear_overlay_get_property;
  gobject_class->dispose = gst_netgear_overlay_dispose;
  gobject_class->finalize = gst_netgear_overlay_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR(gst_netgear_overlay_change_state);

  auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_SHOW_PORT,
      g_param_spec_boolean("show-port", "Show port", "Draw \"port N\", the port the frame arrived on (its sender)",
                           DEFAULT_SHOW_PORT, flags));
  g_object_class_install_property(
      gobject_class, PROP_SHOW_MESSAGE,
      g_param_spec_boolean("show-message", "Show message",
                           "Draw the sender's message sent with the frame: a JSON string as its text, any other "
                           "value as JSON; nothing when it sent none",
                           DEFAULT_SHOW_MESSAGE, flags));
  g_object_class_install_property(
      gobject_class, PROP_MAX_LENGTH,
      g_param_spec_uint("max-length", "Maximum length",
                        "Characters drawn at most (port and message together), the rest cut and replaced by an "
                        "ellipsis (0 = no limit)",
                        0,
                        G_MAXUINT, DEFAULT_MAX_LENGTH, flags));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "NetGear overlay", "Filter/Editor/Video",
      "Draws each frame's NetGear sender (port) and message on it, from its GstNetGearMeta (a bin around "
      "textoverlay, whose properties it exposes as textoverlay::<name>)",
      "gst-netgear developers");
}
