/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: netgearsink, a NetGear multi-server "server" (sender). */
#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_NETGEAR_SINK (gst_netgear_sink_get_type())
G_DECLARE_FINAL_TYPE(GstNetGearSink, gst_netgear_sink, GST, NETGEAR_SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE(netgearsink);

G_END_DECLS
