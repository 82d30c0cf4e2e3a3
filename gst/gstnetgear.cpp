/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: the "netgear" plugin. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstnetgearmeta.h"
#include "gstnetgearoverlay.h"
#include "gstnetgearsink.h"
#include "gstnetgearsrc.h"

static gboolean plugin_init(GstPlugin *plugin) {
  gst_netgear_meta_register();
  gboolean ok = GST_ELEMENT_REGISTER(netgearsink, plugin);
  ok |= GST_ELEMENT_REGISTER(netgearsrc, plugin);
  ok |= GST_ELEMENT_REGISTER(netgearoverlay, plugin);
  return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, netgear,
                  "vidgear NetGear multi-server mode over ZeroMQ: many senders, one receiver", plugin_init, VERSION,
                  GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
