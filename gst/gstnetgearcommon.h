/* gst-netgear: what netgearsink and netgearsrc share at the GObject level:
 * the properties both have (declared once here), their validation, and
 * the buffer flags that travel on the wire. */
#pragma once

#include <gst/gst.h>

#include <string>

G_BEGIN_DECLS

/* Property ids both elements reserve first; each element numbers its own
 * after PROP_NETGEAR_COMMON_LAST. */
enum {
  PROP_NETGEAR_0,
  PROP_NETGEAR_ADDRESS,
  PROP_NETGEAR_PROTOCOL,
  PROP_NETGEAR_PATTERN,
  PROP_NETGEAR_COMMON_LAST
};

typedef struct {
  gchar *address;
  gchar *protocol;
  gint pattern;
} GstNetGearCommon;

void gst_netgear_common_install_properties(GObjectClass *klass, const gchar *default_address,
                                           const gchar *address_blurb);
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

/* Checks pattern and protocol; on failure posts GST_ELEMENT_ERROR naming the
 * property and returns FALSE. Copies the values out under the object lock. */
gboolean gst_netgear_common_validate(GstElement *element, GstNetGearCommon *c, std::string *address,
                                     std::string *protocol, int *pattern);
