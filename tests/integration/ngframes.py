# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Frame content shared by the test processes, with no GStreamer import, so
that the Python NetGear peer (pynetgear.py) can use it too.

Frame n of sender `index` is `content(size, index, n)`: seeded noise whose
first bytes spell N, index, n (a marker that tells frames apart when a
digest does not match). `solid_bgr(index, n)` is a flat colour for frames
that go through a lossy codec, where only the colour can be checked."""
import hashlib

import numpy as np


def content(size, index, n):
    rng = np.random.default_rng(1000003 * (index + 1) + n)
    data = rng.integers(0, 256, size, dtype=np.uint8)
    marker = bytes([0x4E, index & 0xFF, n & 0xFF, (n >> 8) & 0xFF])
    data[:min(4, size)] = np.frombuffer(marker[:min(4, size)], dtype=np.uint8)
    return data.tobytes()


def marker_of(packed):
    """(index, n) from a content() marker, or None."""
    if len(packed) >= 4 and packed[0] == 0x4E:
        return packed[1], packed[2] | (packed[3] << 8)
    return None


def solid_bgr(index, n):
    """A colour per (sender, frame), channels far enough apart that a
    swapped channel order cannot pass for the right one."""
    return (30 + 60 * (index % 3), 40 + (17 * n) % 160, 220 - 50 * (index % 4))


def solid_gray(index, n):
    return 30 + (40 * index + 13 * n) % 200


def digest(data):
    return hashlib.sha256(data).hexdigest()[:32]
