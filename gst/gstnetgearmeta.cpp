/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: GstNetGearMeta. See gstnetgearmeta.h. */
#include "gstnetgearmeta.h"

void gst_netgear_meta_register(void) {
  /* No tags: the meta describes the frame's origin, not its memory or
   * geometry, so converters and scalers keep it. */
  static const gchar *tags[] = {nullptr};
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    /* An application may have registered it first, to attach messages
     * before our plugin was loaded: the same name, the same meta. */
    if (!gst_meta_get_info(GST_NETGEAR_META_NAME))
      gst_meta_register_custom(GST_NETGEAR_META_NAME, tags, nullptr, nullptr, nullptr);
    g_once_init_leave(&once, 1);
  }
}

GstStructure *gst_buffer_add_netgear_meta(GstBuffer *buffer, guint port, const gchar *message_json,
                                          guint64 seq, const gchar *peer) {
  GstCustomMeta *meta = gst_buffer_add_custom_meta(buffer, GST_NETGEAR_META_NAME);
  if (!meta)
    return nullptr;
  GstStructure *s = gst_custom_meta_get_structure(meta);
  gst_structure_set(s, "port", G_TYPE_UINT, port, "message", G_TYPE_STRING,
                    message_json ? message_json : "null", "seq", G_TYPE_UINT64, seq, nullptr);
  if (peer && *peer)
    gst_structure_set(s, "peer", G_TYPE_STRING, peer, nullptr);
  return s;
}
