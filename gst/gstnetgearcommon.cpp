/* gst-netgear: properties shared by netgearsink and netgearsrc. */
#include "gstnetgearcommon.h"

#include "netgearconn.h"

#include <cstring>

#define DEFAULT_PROTOCOL "tcp"
#define DEFAULT_PATTERN 1

void gst_netgear_common_install_properties(GObjectClass *klass, const gchar *default_address,
                                           const gchar *address_blurb) {
  const GParamFlags rw =
      static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(klass, PROP_NETGEAR_ADDRESS,
                                  g_param_spec_string("address", "Address", address_blurb, default_address, rw));
  g_object_class_install_property(
      klass, PROP_NETGEAR_PROTOCOL,
      g_param_spec_string("protocol", "Protocol", "ZeroMQ transport: \"tcp\" or \"ipc\" (as NetGear's protocol)",
                          DEFAULT_PROTOCOL, rw));
  g_object_class_install_property(
      klass, PROP_NETGEAR_PATTERN,
      g_param_spec_int("pattern", "Pattern",
                       "NetGear messaging pattern: 1 = REQ/REP (every frame acknowledged), "
                       "2 = PUB/SUB (latest frame, drops when slow). 0 (PAIR) exists in NetGear "
                       "but not in multi-server mode, and is refused when the element starts",
                       G_MININT, G_MAXINT, DEFAULT_PATTERN, rw));
  g_object_class_install_property(
      klass, PROP_NETGEAR_BIDIRECTIONAL,
      g_param_spec_boolean("bidirectional", "Bidirectional",
                           "NetGear's bidirectional mode (pattern=1 only): the receiver answers every frame "
                           "with a JSON value (netgearsrc's reply property or compute-reply signal), "
                           "which netgearsink hands to the application (reply signal, netgear-reply "
                           "message). Set it on both ends",
                           FALSE, rw));
}

void gst_netgear_common_init(GstNetGearCommon *c, const gchar *default_address) {
  c->address = g_strdup(default_address);
  c->protocol = g_strdup(DEFAULT_PROTOCOL);
  c->pattern = DEFAULT_PATTERN;
  c->bidirectional = FALSE;
}

void gst_netgear_common_clear(GstNetGearCommon *c) {
  g_clear_pointer(&c->address, g_free);
  g_clear_pointer(&c->protocol, g_free);
}

gboolean gst_netgear_common_set_property(GstNetGearCommon *c, guint prop_id, const GValue *value) {
  switch (prop_id) {
  case PROP_NETGEAR_ADDRESS:
    g_free(c->address);
    c->address = g_value_dup_string(value);
    return TRUE;
  case PROP_NETGEAR_PROTOCOL:
    g_free(c->protocol);
    c->protocol = g_value_dup_string(value);
    return TRUE;
  case PROP_NETGEAR_PATTERN:
    c->pattern = g_value_get_int(value);
    return TRUE;
  case PROP_NETGEAR_BIDIRECTIONAL:
    c->bidirectional = g_value_get_boolean(value);
    return TRUE;
  default:
    return FALSE;
  }
}

gboolean gst_netgear_common_get_property(GstNetGearCommon *c, guint prop_id, GValue *value) {
  switch (prop_id) {
  case PROP_NETGEAR_ADDRESS:
    g_value_set_string(value, c->address);
    return TRUE;
  case PROP_NETGEAR_PROTOCOL:
    g_value_set_string(value, c->protocol);
    return TRUE;
  case PROP_NETGEAR_PATTERN:
    g_value_set_int(value, c->pattern);
    return TRUE;
  case PROP_NETGEAR_BIDIRECTIONAL:
    g_value_set_boolean(value, c->bidirectional);
    return TRUE;
  default:
    return FALSE;
  }
}

gboolean gst_netgear_common_validate(GstElement *element, GstNetGearCommon *c, GstNetGearSettings *out) {
  GST_OBJECT_LOCK(element);
  out->address = c->address ? c->address : "";
  out->protocol = c->protocol ? c->protocol : "";
  out->pattern = c->pattern;
  out->bidirectional = c->bidirectional;
  GST_OBJECT_UNLOCK(element);

  std::string error;
  if (!netgear::check_pattern(out->pattern, &error) || !netgear::check_protocol(out->protocol, &error)) {
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("%s", error.c_str()), (nullptr));
    return FALSE;
  }
  if (out->address.empty()) {
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("property 'address' is empty"), (nullptr));
    return FALSE;
  }
  if (out->bidirectional && out->pattern != netgear::PATTERN_REQREP) {
    /* As NetGear, which raises ValueError: PUB/SUB has no way back. */
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
                      ("property 'bidirectional' needs pattern=1 (REQ/REP); pattern=%d has no replies",
                       out->pattern),
                      (nullptr));
    return FALSE;
  }
  return TRUE;
}

/* ---- JSON-valued properties ---- */

void GstNetGearJsonProperty::install(GObjectClass *klass, guint prop_id, const gchar *name, const gchar *nick,
                                     const gchar *blurb) {
  g_object_class_install_property(
      klass, prop_id,
      g_param_spec_string(name, nick, blurb, nullptr,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   GST_PARAM_MUTABLE_PLAYING)));
}

gboolean GstNetGearJsonProperty::set(const gchar *text) {
  if (!text) {
    text_.clear();
    value_ = std::make_shared<const netgear::Json>(nullptr);
    refused_.clear();
    generation_++;
    return TRUE;
  }
  std::string error;
  auto parsed = netgear::parse_json(text, &error);
  if (!parsed) {
    /* Shortened: a refused value may be long, the message must stay readable. */
    std::string shown(text, strnlen(text, 80));
    if (shown.size() == 80)
      shown += "...";
    refused_ = std::string("property '") + name_ + "' is not valid JSON (" + error + "): " + shown +
               " (a JSON string needs its quotes, e.g. '\"porch\"')";
    return FALSE;
  }
  text_ = text;
  value_ = std::make_shared<const netgear::Json>(std::move(*parsed));
  refused_.clear();
  generation_++;
  return TRUE;
}

std::string GstNetGearJsonProperty::refusal_locked(GstElement *element) {
  GST_OBJECT_LOCK(element);
  std::string r = refused_;
  GST_OBJECT_UNLOCK(element);
  return r;
}

void GstNetGearJsonProperty::post_refusal(GstElement *element) {
  std::string r = refusal_locked(element);
  if (r.empty())
    return;
  GST_WARNING_OBJECT(element, "%s; keeping the previous value", r.c_str());
  GST_ELEMENT_WARNING(element, RESOURCE, SETTINGS, ("%s", r.c_str()), ("the previous value stays"));
}

gboolean GstNetGearJsonProperty::check_start(GstElement *element) {
  std::string r = refusal_locked(element);
  if (r.empty())
    return TRUE;
  GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("%s", r.c_str()), (nullptr));
  return FALSE;
}
