/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: what netgearsink and netgearsrc share at the GObject level:
 * the properties both have (declared once here), their validation, and
 * the buffer flags that travel on the wire. */
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

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

typedef enum {
  GST_NETGEAR_SECURE_MODE_NONE = netgear::SECURE_NONE,
  GST_NETGEAR_SECURE_MODE_STONEHOUSE = netgear::SECURE_STONEHOUSE,
  GST_NETGEAR_SECURE_MODE_IRONHOUSE = netgear::SECURE_IRONHOUSE,
} GstNetGearSecureMode;

GType gst_netgear_secure_mode_get_type(void);

typedef struct {
  gchar *address;
  gchar *protocol;
  gint pattern;
  gboolean bidirectional;
  /* Security, as set; resolved (files read) when the element starts. */
  netgear::SecuritySettings *security;
} GstNetGearCommon;

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
  std::string address;
  std::string protocol;
  int pattern = 1;
  bool bidirectional = false;
};

/* Checks pattern, protocol, address and bidirectional (pattern 1 only, as
 * NetGear); on failure posts GST_ELEMENT_ERROR naming the property and
 * returns FALSE. Copies the values out under the object lock. */
gboolean gst_netgear_common_validate(GstElement *element, GstNetGearCommon *c, GstNetGearSettings *out);

/* Reads the keys the security properties name; on failure posts
 * GST_ELEMENT_ERROR naming the property and returns FALSE. The result
 * holds the secret key: wipe() it when done. */
gboolean gst_netgear_common_security(GstElement *element, GstNetGearCommon *c, netgear::Role role,
                                     netgear::SecurityConfig *out);

/* A string property holding one JSON value (netgearsink's message,
 * netgearsrc's reply). Text that does not parse is refused: the previous
 * value stays, a warning is posted, and the element refuses to start until
 * a valid value is set, so a typo in a gst-launch line fails loudly instead
 * of sending something else. Every method but post_refusal() and
 * check_start() is called with the object lock held. */
class GstNetGearJsonProperty {
public:
  explicit GstNetGearJsonProperty(const char *name) : name_(name) {}
  /* Installs the property `name` on the class: a string, default NULL,
   * that can change while playing. */
  static void install(GObjectClass *klass, guint prop_id, const gchar *name, const gchar *nick, const gchar *blurb);
  /* NULL means JSON null. Returns FALSE when refused; then call
   * post_refusal() once the object lock is released. */
  gboolean set(const gchar *text);
  const gchar *text() const { return text_.empty() ? nullptr : text_.c_str(); }
  /* The current value and a counter that changes with it, so a streaming
   * thread copies the value only when it changed. */
  std::shared_ptr<const netgear::Json> value() const { return value_; }
  guint64 generation() const { return generation_; }
  /* Without the object lock: posts the refusal of the last set(). */
  void post_refusal(GstElement *element);
  /* Without the object lock: FALSE (and an element error) when the last
   * value given was refused. */
  gboolean check_start(GstElement *element);

private:
  std::string refusal_locked(GstElement *element);
  const char *name_;
  std::string text_;
  std::shared_ptr<const netgear::Json> value_ = std::make_shared<const netgear::Json>(nullptr);
  guint64 generation_ = 0;
  std::string refused_; /* why the last value given was refused; empty when it was not */
};
