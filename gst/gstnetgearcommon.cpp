/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: properties shared by netgearsink and netgearsrc. */
#include "gstnetgearcommon.h"

#include "netgearconn.h"

#include <algorithm>
#include <cstring>

#include <zmq.h>

#define DEFAULT_PROTOCOL GST_NETGEAR_PROTOCOL_TCP
#define DEFAULT_PATTERN GST_NETGEAR_PATTERN_REQREP

GType gst_netgear_pattern_get_type(void) {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {GST_NETGEAR_PATTERN_REQREP,
       "REQ/REP, NetGear's pattern 1: every frame acknowledged; a slow receiver slows its sender", "reqrep"},
      {GST_NETGEAR_PATTERN_PUBSUB,
       "PUB/SUB, NetGear's pattern 2: the latest frame; frames dropped when the receiver is slow", "pubsub"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstNetGearPattern", values));
  return type;
}

GType gst_netgear_protocol_get_type(void) {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {GST_NETGEAR_PROTOCOL_TCP, "TCP, between hosts", "tcp"},
      {GST_NETGEAR_PROTOCOL_IPC, "Unix domain sockets, between processes of one host: address is a path", "ipc"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstNetGearProtocol", values));
  return type;
}

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
  const GParamFlags rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const bool sender = role == netgear::Role::SENDER;
  gst_type_mark_as_plugin_api(gst_netgear_secure_mode_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_netgear_pattern_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(gst_netgear_protocol_get_type(), static_cast<GstPluginAPIFlags>(0));
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
                          nullptr, static_cast<GParamFlags>(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS)));
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
      g_param_spec_enum("protocol", "Protocol",
                        "ZeroMQ transport, as NetGear's protocol: tcp, or ipc between processes of one host "
                        "(address is then a path)",
                        gst_netgear_protocol_get_type(), DEFAULT_PROTOCOL, rw));
  g_object_class_install_property(
      klass, PROP_NETGEAR_PATTERN,
      g_param_spec_enum("pattern", "Pattern",
                        "NetGear's messaging pattern, the same on both ends: reqrep (1: every frame acknowledged) "
                        "or pubsub (2: the latest frame, drops when slow); NetGear's 0 (PAIR) has no "
                        "multi-server mode",
                        gst_netgear_pattern_get_type(), DEFAULT_PATTERN, rw));
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
  c->protocol = DEFAULT_PROTOCOL;
  c->pattern = DEFAULT_PATTERN;
  c->bidirectional = FALSE;
  c->security = new netgear::SecuritySettings();
}

void gst_netgear_common_clear(GstNetGearCommon *c) {
  g_clear_pointer(&c->address, g_free);
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
    c->protocol = g_value_get_enum(value);
    return TRUE;
  case PROP_NETGEAR_PATTERN:
    c->pattern = g_value_get_enum(value);
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
    g_value_set_enum(value, c->protocol);
    return TRUE;
  case PROP_NETGEAR_PATTERN:
    g_value_set_enum(value, c->pattern);
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
    GST_NETGEAR_SETTINGS_ERROR(element,
                               (netgear::Error{"Secure mode cannot start: its keys are missing or wrong", error}));
    return FALSE;
  }
  if (out->mode != netgear::SECURE_NONE && !zmq_has("curve")) {
    out->wipe();
    GST_NETGEAR_SETTINGS_ERROR(element, (netgear::Error{"Secure mode needs CURVE, which this libzmq was built without",
                                                        "property 'secure-mode' is set; libzmq reports no \"curve\" "
                                                        "capability"}));
    return FALSE;
  }
  return TRUE;
}

gboolean gst_netgear_common_validate(GstElement *element, GstNetGearCommon *c, bool bind, GstNetGearSettings *out) {
  GST_OBJECT_LOCK(element);
  std::string address = c->address ? c->address : "";
  out->protocol = c->protocol == GST_NETGEAR_PROTOCOL_IPC ? "ipc" : "tcp";
  out->pattern = c->pattern;
  out->bidirectional = c->bidirectional;
  GST_OBJECT_UNLOCK(element);

  netgear::Error error;
  if (!netgear::transport_address(out->protocol, address, bind, &out->address, &out->ipv6, &error)) {
    GST_NETGEAR_SETTINGS_ERROR(element, error);
    return FALSE;
  }
  if (out->bidirectional && out->pattern != netgear::PATTERN_REQREP) {
    /* As NetGear, which raises ValueError: PUB/SUB has no way back. */
    GST_NETGEAR_SETTINGS_ERROR(element, (netgear::Error{"Property 'bidirectional' needs pattern=1 (REQ/REP)",
                                                        "pattern 2 (PUB/SUB) has no way back for replies; "
                                                        "NetGear refuses it too"}));
    return FALSE;
  }
  return TRUE;
}

/* ---- values sent with every frame ---- */

GstNetGearValueProperty::GstNetGearValueProperty(const char *name) : name_(name), json_name_(name_ + "-json") {}

void GstNetGearValueProperty::install(GObjectClass *klass, guint prop_id, const gchar *name, const gchar *nick,
                                      const gchar *text_blurb, const gchar *json_blurb) {
  const GParamFlags flags =
      static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(klass, prop_id, g_param_spec_string(name, nick, text_blurb, nullptr, flags));
  /* Class data: the names live as long as the type. */
  gchar *json_name = g_strconcat(name, "-json", nullptr);
  gchar *json_nick = g_strconcat(nick, " (JSON)", nullptr);
  g_object_class_install_property(
      klass, prop_id + 1,
      g_param_spec_string(json_name, json_nick, json_blurb, nullptr,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
                                                   G_PARAM_STATIC_BLURB)));
  g_free(json_name);
  g_free(json_nick);
}

void GstNetGearValueProperty::set_text(const gchar *text) {
  refused_ = {};
  generation_++;
  if (!text) {
    json_text_.clear();
    value_ = std::make_shared<const netgear::Json>(nullptr);
    return;
  }
  auto value = std::make_shared<const netgear::Json>(text);
  json_text_ = netgear::dump_json(*value);
  value_ = std::move(value);
}

gboolean GstNetGearValueProperty::set_json(const gchar *json) {
  if (!json) {
    set_text(nullptr);
    return TRUE;
  }
  std::string error;
  auto parsed = netgear::parse_json(json, &error);
  if (!parsed) {
    /* Shortened: a refused value may be long, the message must stay readable. */
    std::string shown(json, strnlen(json, 80));
    if (shown.size() == 80)
      shown += "...";
    refused_ = {"Property '" + json_name_ + "' is not valid JSON: " + shown,
                error + "; a text goes in '" + name_ + "' as it is (" + name_ + "=\"I'm Server-1\"), any other " +
                    "value in '" + json_name_ + "' as JSON (" + json_name_ + "='{\"camera\": \"porch\"}', 2.5, " +
                    "[1, 2], null)"};
    return FALSE;
  }
  refused_ = {};
  generation_++;
  json_text_ = json;
  value_ = std::make_shared<const netgear::Json>(std::move(*parsed));
  return TRUE;
}

gchar *GstNetGearValueProperty::dup_text() const {
  return value_->is_string() ? g_strdup(value_->get_ref<const std::string &>().c_str()) : nullptr;
}

gchar *GstNetGearValueProperty::dup_json() const {
  return value_->is_null() ? nullptr : g_strdup(json_text_.c_str());
}

netgear::Error GstNetGearValueProperty::refusal_locked(GstElement *element) {
  GST_OBJECT_LOCK(element);
  netgear::Error r = refused_;
  GST_OBJECT_UNLOCK(element);
  return r;
}

void GstNetGearValueProperty::post_refusal(GstElement *element) {
  netgear::Error r = refusal_locked(element);
  if (r.message.empty())
    return;
  GST_WARNING_OBJECT(element, "%s (%s); keeping the previous value", r.message.c_str(), r.debug.c_str());
  GST_ELEMENT_WARNING(element, RESOURCE, SETTINGS, ("%s", r.message.c_str()),
                      ("%s; the previous value stays, and the element will not start until a valid value is set",
                       r.debug.c_str()));
}

gboolean GstNetGearValueProperty::check_start(GstElement *element) {
  netgear::Error r = refusal_locked(element);
  if (r.message.empty())
    return TRUE;
  GST_NETGEAR_SETTINGS_ERROR(element, r);
  return FALSE;
}

/* ---- netgear:// URIs ---- */

gboolean gst_netgear_uri_parse(const gchar *uri, GstNetGearUri *out, GError **error) {
  static const char kScheme[] = "netgear://";
  *out = GstNetGearUri();
  if (!uri || g_ascii_strncasecmp(uri, kScheme, strlen(kScheme)) != 0) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_UNSUPPORTED_PROTOCOL, "Not a netgear:// URI: %s",
                uri ? uri : "(null)");
    return FALSE;
  }
  std::string rest = uri + strlen(kScheme);
  std::string query;
  if (size_t q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  while (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (!rest.empty() && rest.front() == '@') {
    out->listen = true;
    rest.erase(0, 1);
  }
  std::string ports;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos || (close + 1 < rest.size() && rest[close + 1] != ':')) {
      g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "Bad IPv6 address in %s: write it as [ADDRESS]",
                  uri);
      return FALSE;
    }
    out->host = rest.substr(1, close - 1);
    if (close + 1 < rest.size())
      ports = rest.substr(close + 2);
  } else if (size_t colon = rest.find(':'); colon != std::string::npos) {
    out->host = rest.substr(0, colon);
    ports = rest.substr(colon + 1);
  } else {
    out->host = rest;
  }
  if (out->host.find_first_of("/@") != std::string::npos) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                "Bad netgear URI %s: write netgear://HOST:PORT or netgear://@:PORT", uri);
    return FALSE;
  }
  out->ports = ports;
  if (query.empty())
    return TRUE;
  GError *err = nullptr;
  GHashTable *params = g_uri_parse_params(query.c_str(), -1, "&", G_URI_PARAMS_NONE, &err);
  if (!params) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "Bad query in %s: %s", uri, err->message);
    g_error_free(err);
    return FALSE;
  }
  /* In the order written, so that later parameters win as in a gst-launch line. */
  gchar **pairs = g_strsplit(query.c_str(), "&", -1);
  for (gchar **p = pairs; *p; p++) {
    if (!**p)
      continue;
    gchar *key = g_strndup(*p, strcspn(*p, "="));
    gchar *name = g_uri_unescape_string(key, nullptr);
    const gchar *value = name ? static_cast<const gchar *>(g_hash_table_lookup(params, name)) : nullptr;
    if (!name || !strchr(*p, '=')) {
      g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "Bad query in %s: \"%s\" has no value (NAME=VALUE)",
                  uri, *p);
      g_free(key);
      g_free(name);
      g_strfreev(pairs);
      g_hash_table_unref(params);
      return FALSE;
    }
    out->query.emplace_back(name, value ? value : "");
    g_free(key);
    g_free(name);
  }
  g_strfreev(pairs);
  g_hash_table_unref(params);
  return TRUE;
}

gboolean gst_netgear_uri_take(GstElement *element, const gchar *uri, GstNetGearUri *out, GError **error) {
  if (GST_STATE(element) != GST_STATE_NULL) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE, "%s takes a URI only in the NULL state",
                GST_ELEMENT_NAME(element));
    return FALSE;
  }
  return gst_netgear_uri_parse(uri, out, error);
}

gchar *gst_netgear_uri_of(GstElement *element, GstNetGearCommon *c, std::string ports, bool receiver) {
  GST_OBJECT_LOCK(element);
  std::string host = c->address ? c->address : "";
  bool ipc = c->protocol == GST_NETGEAR_PROTOCOL_IPC;
  GST_OBJECT_UNLOCK(element);
  ports.erase(std::remove(ports.begin(), ports.end(), ' '), ports.end());
  if (ipc) /* a path is no host: it goes in the query */
    host = receiver ? "@" : "";
  else if (receiver && host == "*")
    host = "@";
  else if (host.find(':') != std::string::npos)
    host = "[" + host + "]";
  std::string query = gst_netgear_uri_query(G_OBJECT(element), {"pattern", "protocol"});
  if (std::string address = ipc ? gst_netgear_uri_query(G_OBJECT(element), {"address"}) : ""; !address.empty())
    query += address.replace(0, 1, query.empty() ? "?" : "&");
  return g_strdup_printf("netgear://%s%s%s%s", host.c_str(), ports.empty() ? "" : ":", ports.c_str(), query.c_str());
}

gboolean gst_netgear_uri_apply(GObject *object, const GstNetGearUri &uri,
                               const std::vector<std::pair<const char *, const char *>> &first, GError **error) {
  /* Every value is made and checked before any is set, so that a refused
   * URI changes nothing; and what a URI describes (where and how to
   * connect) starts from the defaults, so that get_uri() gives back the URI
   * that was set. */
  std::vector<std::pair<GParamSpec *, GValue>> values;
  for (const char *name : {"address", "port", "ports", "pattern", "protocol"}) {
    if (GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), name)) {
      values.emplace_back(pspec, GValue G_VALUE_INIT);
      g_value_init(&values.back().second, pspec->value_type);
      g_value_copy(g_param_spec_get_default_value(pspec), &values.back().second);
    }
  }
  std::vector<std::pair<const char *, const char *>> items = first;
  for (const auto &[name, text] : uri.query)
    items.emplace_back(name.c_str(), text.c_str());
  bool ok = true;
  for (const auto &[name, text] : items) {
    GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), name);
    if (!pspec || !(pspec->flags & G_PARAM_WRITABLE)) {
      g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_REFERENCE, "%s has no property \"%s\" to set",
                  G_OBJECT_TYPE_NAME(object), name);
      ok = false;
      break;
    }
    GValue value = G_VALUE_INIT;
    g_value_init(&value, pspec->value_type);
    std::string why;
    if (pspec->value_type == G_TYPE_STRING) {
      /* As written, not as gst-launch reads it (quotes, NULL): the query
       * has its own escaping. JSON is checked now, not at the start. */
      g_value_set_string(&value, text);
      if (g_str_has_suffix(name, "-json") && !netgear::parse_json(text, &why))
        why = "not JSON: " + why;
    } else if (!gst_value_deserialize_with_pspec(&value, text, pspec) || g_param_value_validate(pspec, &value)) {
      /* g_param_value_validate() says whether it had to change the value,
       * which GObject would refuse with a mere warning. */
      why = g_param_spec_get_blurb(pspec);
    }
    if (!why.empty()) {
      g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_REFERENCE, "Property \"%s\" cannot be \"%s\" (%s)", name,
                  text, why.c_str());
      g_value_unset(&value);
      ok = false;
      break;
    }
    values.emplace_back(pspec, value);
  }
  for (auto &[pspec, value] : values) {
    if (ok)
      g_object_set_property(object, pspec->name, &value);
    g_value_unset(&value);
  }
  return ok;
}

std::string gst_netgear_uri_query(GObject *object, std::initializer_list<const char *> names) {
  std::string query;
  for (const char *name : names) {
    GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), name);
    if (!pspec)
      continue;
    GValue value = G_VALUE_INIT;
    g_value_init(&value, pspec->value_type);
    g_object_get_property(object, name, &value);
    if (!g_param_value_defaults(pspec, &value)) {
      gchar *text;
      if (G_VALUE_HOLDS_STRING(&value)) {
        text = g_value_dup_string(&value);
      } else if (G_VALUE_HOLDS_ENUM(&value)) {
        GEnumClass *klass = G_ENUM_CLASS(g_type_class_ref(pspec->value_type));
        GEnumValue *v = g_enum_get_value(klass, g_value_get_enum(&value));
        text = v ? g_strdup(v->value_nick) : nullptr;
        g_type_class_unref(klass);
      } else {
        text = gst_value_serialize(&value);
      }
      gchar *escaped = text ? g_uri_escape_string(text, nullptr, FALSE) : nullptr;
      if (escaped) {
        query += (query.empty() ? "?" : "&") + std::string(name) + "=" + escaped;
      }
      g_free(escaped);
      g_free(text);
    }
    g_value_unset(&value);
  }
  return query;
}
