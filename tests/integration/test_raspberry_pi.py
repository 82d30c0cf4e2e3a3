#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""docs/raspberry-pi.md's sender lines work as written, with videotestsrc
standing in for the camera.

Every `gst-launch-1.0 libcamerasrc ...` line of the page's shell blocks is
run by bash as a user would paste it, with `libcamerasrc` replaced by a
45-frame live videotestsrc, RECEIVER by 127.0.0.1 and its port by a test
port, against a netgearsrc in this process: it must end by itself (exit 0)
and its frames arrive with the caps the line asks for (JPEG, H.264, BGR),
all of them in pattern 1. The Pi 4's v4l2h264enc exists only on a Pi: its
line runs with x264enc in its place. A line whose encoder is not installed
is skipped, saying which. `gst-inspect-1.0 libcamerasrc` is checked where
the element is installed. Ports 27360-27369.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

PAGE = os.path.join(ng.HERE, '..', '..', 'docs', 'raspberry-pi.md')
FRAMES = 45
PORT0 = 27360


def have(element):
    return ng.Gst.ElementFactory.find(element) is not None


def run_line(tap, index, cmd):
    port = PORT0 + index
    pattern = 2 if re.search(r'\bpattern=2\b', cmd) else 1
    line = cmd.replace('libcamerasrc', 'videotestsrc is-live=true num-buffers=%d' % FRAMES, 1)
    line = line.replace('address=RECEIVER', 'address=%s' % ng.LOOPBACK)
    line = re.sub(r'\bport=\d+', 'port=%d' % port, line)
    name = 'line %d (%s)' % (index + 1, cmd.split('!')[-2].strip()[:40])
    if 'v4l2h264enc' in line and not have('v4l2h264enc'):
        line = re.sub(r'v4l2h264enc( extra-controls="[^"]*")?',
                      'x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30', line)
        tap.diag('%s: x264enc in place of v4l2h264enc, which exists only on a Pi' % name)
    for element in ('x264enc', 'jpegenc'):
        if re.search(r'\b%s\b' % element, line) and not have(element):
            tap.skip(name, '%s is not installed' % element)
            return
    want = 'image/jpeg' if 'jpegenc' in line else 'video/x-h264' if '264enc' in line else 'video/x-raw'
    rx = ng.Receiver([port], pattern=pattern)
    try:
        if not tap.ok(rx.start(), '%s: receiver reaches PLAYING' % name, '\n'.join(rx.errors)):
            return
        with ng.ProcGroup() as group:
            tx = group.add(ng.Proc('sender', ['bash', '-c', 'exec ' + line]))
            code = tx.wait_exit(40)
            tap.ok(code == 0, '%s: runs as written and ends by itself' % name, 'bash -c %r\n%s' % (line, tx.report()))
        rx.run_until(lambda: rx.eos or len(rx.frames[port]) >= FRAMES, 15)
        with rx.lock:
            got = list(rx.frames[port])
        caps = [f['caps'] for f in got]
        tap.ok(got and all(c and c.startswith(want) for c in caps),
               '%s: frames arrive as %s' % (name, want), 'caps %s' % sorted(set(map(str, caps))))
        if want == 'video/x-raw' and 'format=BGR' in line:
            tap.ok(all('format=(string)BGR' in c for c in caps), '%s: in BGR, for a vidgear client' % name,
                   'caps %s' % sorted(set(caps)))
        least = FRAMES if pattern == 1 else 1
        tap.ok(len(got) >= least, '%s: %d of %d frames arrive (at least %d in pattern %d)'
               % (name, len(got), FRAMES, least, pattern), rx.summary())
    finally:
        rx.stop()


def body(tap):
    lines = ng.doc_commands(PAGE, 'gst-launch-1.0 libcamerasrc')
    tap.ok(len(lines) >= 4, 'docs/raspberry-pi.md has its %d sender lines' % len(lines), '\n'.join(lines))
    for i, cmd in enumerate(lines):
        run_line(tap, i, cmd)
    if have('libcamerasrc'):
        with ng.ProcGroup() as group:
            p = group.add(ng.Proc('gst-inspect', ['gst-inspect-1.0', 'libcamerasrc']))
            tap.ok(p.wait_exit(20) == 0 and p.find('  Long-name') and 'libcamera' in ''.join(p.find('  Long-name')),
                   'gst-inspect-1.0 libcamerasrc describes the element', p.report())
    else:
        tap.skip('gst-inspect-1.0 libcamerasrc', 'libcamerasrc is not installed (gstreamer1.0-libcamera)')


ng.run_main(body)
