#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Caps round trip between a netgearsink process and netgearsrc: raw video
whose GStreamer rows are padded (BGR 322x240, BGR 6x4, I420 321x241, GRAY8
161x121, NV12 35x21, RGBA 33x17) and encoded formats (image/jpeg from
jpegenc, image/png from pngenc). The caps must compare equal on both ends
and every frame must arrive byte-for-byte (raw: row by row, the receiver
using GStreamer's default strides). One receiver, one port per case, all
senders at once. Ports 27130-27139."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multisender  # noqa: E402
import ngtest as ng  # noqa: E402
from ngtest import Gst  # noqa: E402

CASES = [
    ('video/x-raw,format=BGR,width=322,height=240,framerate=30/1', None),
    ('video/x-raw,format=BGR,width=6,height=4,framerate=30/1', None),
    ('video/x-raw,format=I420,width=321,height=241,framerate=30/1', None),
    ('video/x-raw,format=GRAY8,width=161,height=121,framerate=30/1', None),
    ('video/x-raw,format=NV12,width=35,height=21,framerate=30/1', None),
    ('video/x-raw,format=RGBA,width=33,height=17,framerate=25/1', None),
    ('video/x-raw,format=I420,width=320,height=240,framerate=30/1', 'jpegenc'),
    ('video/x-raw,format=RGB,width=64,height=48,framerate=30/1', 'pngenc'),
]
FRAMES = 5


def body(tap):
    cases = []
    for caps, enc in CASES:
        if enc and Gst.ElementFactory.find(enc) is None:
            tap.diag('%s is not installed: case skipped' % enc)
            continue
        cases.append((caps, enc))
    ports = [27130 + i for i in range(len(cases))]
    multisender.run(tap, ports, pattern=1, frames=FRAMES, caps=[c for c, _ in cases],
                    encoders=[e for _, e in cases], sync=False, exact=True, title='caps round trip')


ng.run_main(body)
