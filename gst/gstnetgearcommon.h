/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: what netgearsink and netgearsrc share at the GObject level:
 * the properties both have (declared once here), their validation, and
 * the buffer flags that travel on the wire. */
#pragma once

#include <gst/gst.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "netgearconn.h"
#include "netgearsecurity.h"
#include "netgearwire.h"

G_BEGIN_DECLS

/* Property ids both elements reserve first; each element numbers its own
 * after PROP_NETGEAR_COMMON_LAST. */
enum {
  PROP_NETGEAR_0,
  PROP_NETGEAR_ADDRESS,
  PROP_NETGEAR_PROTOCOL,
  PROP_NETGEAR_PATTERN,
  PROP_NETGEAR_BIDIRECTIONAL,
  PROP_NETGEAR_SECURE_MODE,
  PROP_NETGEAR_KEYS_DIR,
  PROP_NETGEAR_CERTIFICATE,
  PROP_NETGEAR_PUBLIC_KEY,
  PROP_NETGEAR_SECRET_KEY,
  PROP_NETGEAR_SERVER_KEY,         /* netgearsink only */
  PROP_NETGEAR_SERVER_CERTIFICATE, /* netgearsink only */
  PROP_NETGEAR_ALLOWED_KEYS,       /* netgearsrc only */
  PROP_NETGEAR_ALLOWED_ADDRESSES,  /* netgearsrc only */
  PROP_NETGEAR_COMMON_LAST
};

/* NetGear's pattern numbers, so that pattern=1 and pattern=2 keep working
 * in gst-launch lines and g_object_set() calls. */
typedef enum {
  GST_NETGEAR_PATTERN_REQREP = 1,
  GST_NETGEAR_PATTERN_PUBSUB = 2,
} GstNetGearPattern;

typedef enum {
  GST_NETGEAR_PROTOCOL_TCP,
  GST_NETGEAR_PROTOCOL_IPC,
} GstNetGearProtocol;

typedef enum {
  GST_NETGEAR_SECURE_MODE_NONE = netgear::SECURE_NONE,
  GST_NETGEAR_SECURE_MODE_STONEHOUSE = netgear::SECURE_STONEHOUSE,
  GST_NETGEAR_SECURE_MODE_IRONHOUSE = netgear::SECURE_IRONHOUSE,
} GstNetGearSecureMode;

GType gst_netgear_pattern_get_type(void);
GType gst_netgear_protocol_get_type(void);
GType gst_netgear_secure_mode_get_type(void);

typedef struct {
  gchar *address;
  gint protocol; /* GstNetGearProtocol */
  gint pattern;  /* GstNetGearPattern */
  gboolean bidirectional;
  /* Security, as set; resolved (files read) when the element starts. */
  netgear::SecuritySettings *security;
} GstNetGearCommon;

/* The properties both elements have are read when the element goes from
 * NULL to READY, hence no GST_PARAM_MUTABLE_* flag on them. */
void gst_netgear_common_install_properties(GObjectClass *klass, const gchar *default_address,
                                           const gchar *address_blurb, netgear::Role role);
void gst_netgear_common_init(GstNetGearCommon *c, const gchar *default_address);
void gst_netgear_common_clear(GstNetGearCommon *c);
/* TRUE when prop_id is a common property; call with the object lock held. */
gboolean gst_netgear_common_set_property(GstNetGearCommon *c, guint prop_id, const GValue *value);
gboolean gst_netgear_common_get_property(GstNetGearCommon *c, guint prop_id, GValue *value);

/* Buffer flags that a sender passes on to the receiver. */
#define GST_NETGEAR_WIRE_BUFFER_FLAGS                                                                  \
  (GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_RESYNC | GST_BUFFER_FLAG_CORRUPTED |                       \
   GST_BUFFER_FLAG_MARKER | GST_BUFFER_FLAG_HEADER | GST_BUFFER_FLAG_GAP | GST_BUFFER_FLAG_DROPPABLE | \
   GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_NON_DROPPABLE)

G_END_DECLS

struct GstNetGearSettings {
  std::string address;  /* as ZeroMQ is given it: see netgear::transport_address() */
  bool ipv6 = false;
  std::string protocol; /* "tcp" or "ipc" */
  int pattern = 1;
  bool bidirectional = false;
};

/* Posts a settings error (a netgear::Error) GStreamer's way: the message
 * for users, the details for the debug string. A macro, so that the debug
 * string names the place that found it. */
#define GST_NETGEAR_SETTINGS_ERROR(element, error)                                                     \
  GST_ELEMENT_ERROR((element), RESOURCE, SETTINGS, ("%s", (error).message.c_str()), ("%s", (error).debug.c_str()))

/* Copies the common settings out under the object lock and checks what
 * GObject cannot: the address (a receiver's host name is resolved here:
 * `bind`), and bidirectional mode's pattern 1 (as NetGear). On failure posts
 * the error, naming the property, and returns FALSE. */
gboolean gst_netgear_common_validate(GstElement *element, GstNetGearCommon *c, bool bind, GstNetGearSettings *out);

/* Reads the keys the security properties name; on failure posts
 * GST_ELEMENT_ERROR naming the property and returns FALSE. The result
 * holds the secret key: wipe() it when done. */
gboolean gst_netgear_common_security(GstElement *element, GstNetGearCommon *c, netgear::Role role,
                                     netgear::SecurityConfig *out);

/* One value that goes with every frame (netgearsink's message, netgearsrc's
 * reply), as two properties: `name`, a text, sent as a JSON string, which
 * is what people type (message="I'm Server-1 at Port: 5577"), and
 * `name`-json, any JSON value as JSON text. Setting either replaces the
 * value. JSON text that does not parse is refused: the previous value
 * stays, a warning is posted, and the element refuses to start until a
 * valid value is set, so a typo fails loudly instead of sending something
 * else. Every method but post_refusal() and check_start() is called with
 * the object lock held. */
class GstNetGearValueProperty {
public:
  explicit GstNetGearValueProperty(const char *name);
  /* Installs `name` (prop_id) and `name`-json (prop_id + 1): strings,
   * default NULL (JSON null), that can change while playing. */
  static void install(GObjectClass *klass, guint prop_id, const gchar *name, const gchar *nick,
                      const gchar *text_blurb, const gchar *json_blurb);
  /* NULL means JSON null. */
  void set_text(const gchar *text);
  /* Returns FALSE when refused; then call post_refusal() once the object
   * lock is released. */
  gboolean set_json(const gchar *json);
  /* For get_property (newly allocated): the value when it is a JSON
   * string, else NULL; and the value as JSON text, NULL for null. */
  gchar *dup_text() const;
  gchar *dup_json() const;
  bool is_null() const { return value_->is_null(); }
  /* The current value and a counter that changes with it, so a streaming
   * thread copies the value only when it changed. */
  std::shared_ptr<const netgear::Json> value() const { return value_; }
  guint64 generation() const { return generation_; }
  /* Without the object lock: posts the refusal of the last set_json(). */
  void post_refusal(GstElement *element);
  /* Without the object lock: FALSE (and an element error) when the last
   * value given was refused. */
  gboolean check_start(GstElement *element);

private:
  netgear::Error refusal_locked(GstElement *element);
  std::string name_, json_name_;
  std::string json_text_; /* as the application gave it, or as dumped for a text */
  std::shared_ptr<const netgear::Json> value_ = std::make_shared<const netgear::Json>(nullptr);
  guint64 generation_ = 0;
  netgear::Error refused_; /* why the last JSON given was refused; empty message when it was not */
};

/* A netgear:// URI, as both elements' GstURIHandler take it:
 *   netgear://[@][HOST][:PORTS][?PROPERTY=VALUE&...]
 * HOST may be [an IPv6 address]; '@' before it is VLC's "listen here" (the
 * receiver's netgear://@:5566); PORTS is a port, or for netgearsrc a
 * comma-separated list; query values are percent-decoded. */
struct GstNetGearUri {
  std::string host;    /* without brackets; empty when none is given */
  bool listen = false; /* written with '@' */
  std::string ports;   /* as written; empty when none is given */
  std::vector<std::pair<std::string, std::string>> query;
};
gboolean gst_netgear_uri_parse(const gchar *uri, GstNetGearUri *out, GError **error);
/* set_uri()'s first step for both elements: a URI only in the NULL state
 * (the address and ports are bound or connected going to READY), parsed. */
gboolean gst_netgear_uri_take(GstElement *element, const gchar *uri, GstNetGearUri *out, GError **error);
/* get_uri() for both: the element's address and `ports` (a port, or
 * netgearsrc's list), `@` for a receiver listening everywhere, then the
 * pattern and protocol when not the defaults; with ipc the address, a
 * path, goes in the query. */
gchar *gst_netgear_uri_of(GstElement *element, GstNetGearCommon *c, std::string ports, bool receiver);
/* Sets address, port(s), pattern and protocol to their defaults, then the
 * properties `first` names (the address and port(s) the URI's authority
 * gives), then each query parameter's, checked as gst-launch would not: an
 * unknown or read-only property, a value that does not parse or is out of
 * range, or -json text that is not JSON, is an error naming it, and
 * nothing is set. */
gboolean gst_netgear_uri_apply(GObject *object, const GstNetGearUri &uri,
                               const std::vector<std::pair<const char *, const char *>> &first, GError **error);
/* The query part get_uri() adds for the properties that differ from their
 * defaults among `names`: "" or "?pattern=pubsub&...". */
std::string gst_netgear_uri_query(GObject *object, std::initializer_list<const char *> names);
