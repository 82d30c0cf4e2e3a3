/* gst-netgear: properties shared by netgearsink and netgearsrc. */
#include "gstnetgearcommon.h"

#include "netgearconn.h"

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
}

void gst_netgear_common_init(GstNetGearCommon *c, const gchar *default_address) {
  c->address = g_strdup(default_address);
  c->protocol = g_strdup(DEFAULT_PROTOCOL);
  c->pattern = DEFAULT_PATTERN;
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
  default:
    return FALSE;
  }
}

gboolean gst_netgear_common_validate(GstElement *element, GstNetGearCommon *c, std::string *address,
                                     std::string *protocol, int *pattern) {
  GST_OBJECT_LOCK(element);
  *address = c->address ? c->address : "";
  *protocol = c->protocol ? c->protocol : "";
  *pattern = c->pattern;
  GST_OBJECT_UNLOCK(element);

  std::string error;
  if (!netgear::check_pattern(*pattern, &error) || !netgear::check_protocol(*protocol, &error)) {
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("%s", error.c_str()), (nullptr));
    return FALSE;
  }
  if (address->empty()) {
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("property 'address' is empty"), (nullptr));
    return FALSE;
  }
  return TRUE;
}
