/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: properties shared by netgearsink and netgearsrc. */
#include "gstnetgearcommon.h"

#include "netgearconn.h"

#include <algorithm>
#include <cstring>

#include <zmq.h>

#define DEFAULT_PROTOCOL "tcp"
#define DEFAULT_PATTERN 1

GType gst_netgear_secure_mode_get_type(void) {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {GST_NETGEAR_SECURE_MODE_NONE, "No security (NetGear's secure_mode=0)", "none"},
      {GST_NETGEAR_SECURE_MODE_STONEHOUSE,
       "CURVE encryption; the receiver admits any sender key (NetGear's StoneHouse, secure_mode=1)", "stonehouse"},
      {GST_NETGEAR_SECURE_MODE_IRONHOUSE,
       "CURVE encryption; the receiver admits only the allowed sender keys (NetGear's IronHouse, secure_mode=2)",
       "ironhouse"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstNetGearSecureMode", values));
  return type;
}

void gst_netgear_common_install_properties(GObjectClass *klass, const gchar *default_address,
                                           const gchar *address_blurb, netgear::Role role) {
  const GParamFlags rw =
      static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const bool sender = role == netgear::Role::SENDER;
  gst_type_mark_as_plugin_api(gst_netgear_secure_mode_get_type(), static_cast<GstPluginAPIFlags>(0));
  g_object_class_install_property(
      klass, PROP_NETGEAR_SECURE_MODE,
      g_param_spec_enum("secure-mode", "Secure mode",
                        "CURVE security, as NetGear's secure_mode: none, stonehouse (encrypted; any sender key "
                        "admitted) or ironhouse (encrypted; only allowed sender keys). Set it on both ends. "
                        "Keys: keys-dir, or certificate / public-key + secret-key, and server-key / "
                        "server-certificate (netgearsink) or allowed-keys (netgearsrc, ironhouse)",
                        gst_netgear_secure_mode_get_type(), GST_NETGEAR_SECURE_MODE_NONE, rw));
  g_object_class_install_property(
      klass, PROP_NETGEAR_KEYS_DIR,
      g_param_spec_string("keys-dir", "Keys directory",
                          sender ? "secure-mode: a vidgear key set (public_keys/, private_keys/; or its parent, or "
                                   "vidgear's custom_cert_location): this sender's pair from "
                                   "private_keys/client.key_secret, the receiver's key from public_keys/server.key"
                                 : "secure-mode: a vidgear key set (public_keys/, private_keys/; or its parent, or "
                                   "vidgear's custom_cert_location): this receiver's pair from "
                                   "private_keys/server.key_secret; ironhouse admits every key in public_keys/",
                          nullptr, rw));
  g_object_class_install_property(
      klass, PROP_NETGEAR_CERTIFICATE,
      g_param_spec_string("certificate", "Certificate",
                          "secure-mode: this element's key pair as a ZeroMQ secret certificate file (.key_secret, "
                          "as curve_keygen or pyzmq's zmq.auth.create_certificates write); before keys-dir",
                          nullptr, rw));
  g_object_class_install_property(
      klass, PROP_NETGEAR_PUBLIC_KEY,
      g_param_spec_string("public-key", "Public key",
                          "secure-mode: this element's public key, 40 characters of Z85 (with secret-key; before "
                          "certificate and keys-dir)",
                          nullptr, rw));
  g_object_class_install_property(
      klass, PROP_NETGEAR_SECRET_KEY,
      g_param_spec_string("secret-key", "Secret key",
                          "secure-mode: this element's secret key, 40 characters of Z85 (write-only; never "
                          "logged)",
                          nullptr,
                          static_cast<GParamFlags>(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
                                                   GST_PARAM_MUTABLE_READY)));
  if (sender) {
    g_object_class_install_property(
        klass, PROP_NETGEAR_SERVER_KEY,
        g_param_spec_string("server-key", "Server key",
                            "secure-mode: the receiver's public key, 40 characters of Z85 (before "
                            "server-certificate and keys-dir)",
                            nullptr, rw));
    g_object_class_install_property(
        klass, PROP_NETGEAR_SERVER_CERTIFICATE,
        g_param_spec_string("server-certificate", "Server certificate",
                            "secure-mode: the receiver's public certificate file (.key; before keys-dir)", nullptr,
                            rw));
  } else {
    g_object_class_install_property(
        klass, PROP_NETGEAR_ALLOWED_KEYS,
        g_param_spec_string("allowed-keys", "Allowed keys",
                            "secure-mode=ironhouse: the sender public keys admitted, comma-separated; each a Z85 "
                            "key, a certificate file or a directory of them (*.key). Default with keys-dir: its "
                            "public_keys/",
                            nullptr, rw));
    g_object_class_install_property(
        klass, PROP_NETGEAR_ALLOWED_ADDRESSES,
        g_param_spec_string("allowed-addresses", "Allowed addresses",
                            "Sender IP addresses admitted, comma-separated (any secure-mode, none too); NULL or "
                            "empty: any",
                            nullptr, rw));
  }
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
  c->security = new netgear::SecuritySettings();
}

void gst_netgear_common_clear(GstNetGearCommon *c) {
  g_clear_pointer(&c->address, g_free);
  g_clear_pointer(&c->protocol, g_free);
  if (c->security) {
    std::string &secret = c->security->secret_key;
    std::fill(secret.begin(), secret.end(), '\0');
    delete c->security;
    c->security = nullptr;
  }
}

static std::string string_of(const GValue *value) {
  const gchar *s = g_value_get_string(value);
  return s ? s : "";
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
  case PROP_NETGEAR_SECURE_MODE:
    c->security->mode = g_value_get_enum(value);
    return TRUE;
  case PROP_NETGEAR_KEYS_DIR:
    c->security->keys_dir = string_of(value);
    return TRUE;
  case PROP_NETGEAR_CERTIFICATE:
    c->security->certificate = string_of(value);
    return TRUE;
  case PROP_NETGEAR_PUBLIC_KEY:
    c->security->public_key = string_of(value);
    return TRUE;
  case PROP_NETGEAR_SECRET_KEY: {
    std::string &secret = c->security->secret_key;
    std::fill(secret.begin(), secret.end(), '\0');
    secret = string_of(value);
    return TRUE;
  }
  case PROP_NETGEAR_SERVER_KEY:
    c->security->server_key = string_of(value);
    return TRUE;
  case PROP_NETGEAR_SERVER_CERTIFICATE:
    c->security->server_certificate = string_of(value);
    return TRUE;
  case PROP_NETGEAR_ALLOWED_KEYS:
    c->security->allowed_keys = string_of(value);
    return TRUE;
  case PROP_NETGEAR_ALLOWED_ADDRESSES:
    c->security->allowed_addresses = string_of(value);
    return TRUE;
  default:
    return FALSE;
  }
}

static void set_optional_string(GValue *value, const std::string &s) {
  g_value_set_string(value, s.empty() ? nullptr : s.c_str());
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
  case PROP_NETGEAR_SECURE_MODE:
    g_value_set_enum(value, c->security->mode);
    return TRUE;
  case PROP_NETGEAR_KEYS_DIR:
    set_optional_string(value, c->security->keys_dir);
    return TRUE;
  case PROP_NETGEAR_CERTIFICATE:
    set_optional_string(value, c->security->certificate);
    return TRUE;
  case PROP_NETGEAR_PUBLIC_KEY:
    set_optional_string(value, c->security->public_key);
    return TRUE;
  case PROP_NETGEAR_SERVER_KEY:
    set_optional_string(value, c->security->server_key);
    return TRUE;
  case PROP_NETGEAR_SERVER_CERTIFICATE:
    set_optional_string(value, c->security->server_certificate);
    return TRUE;
  case PROP_NETGEAR_ALLOWED_KEYS:
    set_optional_string(value, c->security->allowed_keys);
    return TRUE;
  case PROP_NETGEAR_ALLOWED_ADDRESSES:
    set_optional_string(value, c->security->allowed_addresses);
    return TRUE;
  default:
    return FALSE;
  }
}

gboolean gst_netgear_common_security(GstElement *element, GstNetGearCommon *c, netgear::Role role,
                                     netgear::SecurityConfig *out) {
  GST_OBJECT_LOCK(element);
  netgear::SecuritySettings settings = *c->security;
  GST_OBJECT_UNLOCK(element);
  std::string error;
  bool ok = netgear::resolve_security(settings, role, out, &error);
  std::fill(settings.secret_key.begin(), settings.secret_key.end(), '\0');
  if (!ok) {
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("%s", error.c_str()), (nullptr));
    return FALSE;
  }
  if (out->mode != netgear::SECURE_NONE && !zmq_has("curve")) {
    out->wipe();
    GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
                      ("property 'secure-mode' needs CURVE, which this libzmq was built without"), (nullptr));
    return FALSE;
  }
  return TRUE;
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
