#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A vidgear NetGear server (multi-server mode) feeding netgearsrc: the Python
side of "vidgear cameras, GStreamer receiver".

Needs vidgear (`pip install vidgear`; not packaged by Debian) and numpy.
Start the receiver first (it binds one port per sender), e.g.

    gst-launch-1.0 netgearsrc address=127.0.0.1 ports=5566,5567 name=src \\
        src.src_5566 ! videoconvert ! autovideosink \\
        src.src_5567 ! videoconvert ! autovideosink
    ./vidgear-server.py --port 5566 --name porch
    ./vidgear-server.py --port 5567 --name garage --gray

It sends --frames generated pictures (BGR, or grey with --gray; raw, or
JPEG with --jpeg), each with
the message {"camera": NAME, "frame": N}, prints a digest of each frame's
bytes and, with --bidirectional, netgearsrc's answer to it; then closes,
which tells the receiver this sender has ended. OpenCV users send
`cv2.VideoCapture(...).read()` frames the same way.

Secure mode: --secure-mode 1 (StoneHouse) or 2 (IronHouse) with --keys DIR,
and netgearsrc secure-mode=stonehouse|ironhouse keys-dir=DIR: vidgear's key
set, in DIR/.vidgear/keys (vidgear makes one there when there is none)."""
import argparse
import hashlib
import json
import sys
import time

import numpy as np
from vidgear.gears import NetGear


def picture(width, height, gray, n):
    """A moving gradient: rows packed, C order, as numpy and OpenCV hold them."""
    y, x = np.mgrid[0:height, 0:width]
    base = ((x + y + 4 * n) % 256).astype(np.uint8)
    if gray:
        return base
    return np.dstack([base, (x * 255 // max(1, width - 1)).astype(np.uint8), np.full_like(base, (40 * n) % 256)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--address', default='127.0.0.1', help='the receiver\'s address')
    ap.add_argument('--port', type=int, default=5566)
    ap.add_argument('--pattern', type=int, default=1, choices=(1, 2), help='1 = REQ/REP, 2 = PUB/SUB')
    ap.add_argument('--bidirectional', action='store_true', help='print the receiver\'s answer to each frame')
    ap.add_argument('--name', default='camera')
    ap.add_argument('--frames', type=int, default=100)
    ap.add_argument('--width', type=int, default=640)
    ap.add_argument('--height', type=int, default=480)
    ap.add_argument('--gray', action='store_true')
    ap.add_argument('--jpeg', action='store_true',
                    help='JPEG-compress the frames (needs simplejpeg); netgearsrc then gives image/jpeg')
    ap.add_argument('--fps', type=float, default=30, help='frames per second (0: as fast as possible)')
    ap.add_argument('--secure-mode', type=int, default=0, choices=(0, 1, 2),
                    help='vidgear\'s secure_mode: 0 none, 1 StoneHouse, 2 IronHouse (netgearsrc secure-mode)')
    ap.add_argument('--keys', metavar='DIR', help='vidgear\'s custom_cert_location: keys in DIR/.vidgear/keys, '
                    'made there if missing (default ~/.vidgear); netgearsrc keys-dir=DIR')
    ap.add_argument('--pause-before-close', type=float, default=0.5,
                    help='seconds; vidgear\'s PUB/SUB close() loses its terminate message unless the socket '
                    'has been idle a moment (pattern 2)')
    a = ap.parse_args()

    # vidgear compresses to JPEG by default whenever simplejpeg is installed;
    # here it is a choice, so that the receiver knows what it gets.
    options = {'multiserver_mode': True, 'jpeg_compression': 'GRAY' if a.jpeg and a.gray else a.jpeg}
    if a.bidirectional:
        options['bidirectional_mode'] = True
    if a.secure_mode:
        options['secure_mode'] = a.secure_mode
    if a.keys:
        options['custom_cert_location'] = a.keys
    server = NetGear(address=a.address, port=a.port, protocol='tcp', pattern=a.pattern, logging=False, **options)
    start = time.monotonic()
    try:
        for n in range(a.frames):
            if a.fps > 0:
                time.sleep(max(0.0, start + n / a.fps - time.monotonic()))
            frame = picture(a.width, a.height, a.gray, n)
            answer = server.send(frame, message={'camera': a.name, 'frame': n})
            print('sent frame %d sha256=%s' % (n, hashlib.sha256(frame.tobytes()).hexdigest()[:32]), flush=True)
            if a.bidirectional:
                print('reply to frame %d: %s' % (n, json.dumps(answer)), flush=True)
        if a.pattern == 2:
            time.sleep(a.pause_before_close)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print('closed', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
