/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: netgearsrc, a NetGear multi-server "client" (receiver). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_NETGEAR_SRC (gst_netgear_src_get_type())
G_DECLARE_FINAL_TYPE(GstNetGearSrc, gst_netgear_src, GST, NETGEAR_SRC, GstElement)

GST_ELEMENT_REGISTER_DECLARE(netgearsrc);

G_END_DECLS
