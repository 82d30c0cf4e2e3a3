/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: GstNetGearMeta, the per-buffer record of where a frame came
 * from. A GstCustomMeta, so applications (C, Python) read it with
 * gst_buffer_get_custom_meta (buffer, "GstNetGearMeta") and
 * gst_custom_meta_get_structure() without linking to this plugin.
 *
 * Structure "GstNetGearMeta" fields:
 *   port     (guint)    the receiving port the frame arrived on (the sender's identity)
 *   message  (gchararray) the sender's message as JSON text ("null" when none)
 *   seq      (guint64)  the sender's sequence number; for a vidgear peer, which has
 *                       none, the count of frames received from it
 *   peer     (gchararray) the sender's IP address as ZeroMQ reports it, if known
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_NETGEAR_META_NAME "GstNetGearMeta"

void gst_netgear_meta_register(void);

GstStructure *gst_buffer_add_netgear_meta(GstBuffer *buffer, guint port, const gchar *message_json,
                                          guint64 seq, const gchar *peer);

G_END_DECLS
