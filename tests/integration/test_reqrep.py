#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Pattern 1 (REQ/REP): 2 and then 4 sender processes to one netgearsrc.
Every frame must arrive, in order per sender, byte-for-byte, with its
GstNetGearMeta; the receiving pipeline ends once every sender terminated.
Ports 27110-27119."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multisender  # noqa: E402
import ngtest as ng  # noqa: E402

# 318*3 = 954 bytes a row: GStreamer pads the rows to 956, the wire does not.
CAPS = 'video/x-raw,format=BGR,width=318,height=200,framerate=30/1'
FRAMES = 60


def body(tap):
    multisender.run(tap, [27110, 27111], pattern=1, frames=FRAMES, caps=CAPS, sync=False, exact=True)
    multisender.run(tap, [27112, 27113, 27114, 27115], pattern=1, frames=FRAMES, caps=CAPS, sync=False,
                    exact=True)


ng.run_main(body)
