/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: netgearoverlay, each frame's sender (port) and message drawn
 * on the frame. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_NETGEAR_OVERLAY (gst_netgear_overlay_get_type())
G_DECLARE_FINAL_TYPE(GstNetGearOverlay, gst_netgear_overlay, GST, NETGEAR_OVERLAY, GstBin)

GST_ELEMENT_REGISTER_DECLARE(netgearoverlay);

G_END_DECLS
