#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The seed's four scenarios, examples/scenarios/*.sh, run as a user runs
them (one command, everything on this machine, 127.0.0.1), headless: the
montage goes to a Matroska file, which is then decoded and looked at.

Every sender sends a plain white 320x180 picture (TEST_PATTERN=white, no
label of its own; the OpenCV senders read a white clip made here with
cv::VideoCapture), 150 frames at 30 fps, so no sender ends before both are
connected. For each scenario: the script exits 0 by itself; the file is
complete (it demuxes to the end) and holds 640x180 montage frames; some
frame shows both senders (the middle of each tile white); and the top
band of each tile has the dark shading and text of netgearoverlay, as wide
as "port N — I'm Server-N at Port: N" and not only "port N", exactly in
the scenarios that draw the senders' messages (custom-data,
bidirectional), none in the others. bidirectional.sh: each sender prints
one reply per frame, the receiver's "Hi, I am a Client here.". Then
Ctrl-C: bidirectional.sh sending for ever gets a SIGINT once both senders
have had a reply; it stops its senders, which terminate, and the receiver
ends by itself; exit 0, file complete. Ports 27380-27389. The OpenCV scenario needs the built examples
(NETGEAR_CV_EXAMPLES); it is skipped without them.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from ngtest import Gst, np  # noqa: E402

SCENARIOS = os.path.join(ng.HERE, '..', '..', 'examples', 'scenarios')
CV_SENDER = os.path.join(os.environ.get('NETGEAR_CV_EXAMPLES', ''), 'netgear-cv-sender')
TW, TH = 320, 180
FRAMES = 150
REPLY = "Hi, I am a Client here."
# The whole test, below meson's timeout, so that what hangs fails here.
BUDGET = ng.Deadline(200)


def decode(path):
    """The montage's frames as grey images, and whether the file demuxed to its end."""
    p = Gst.parse_launch('filesrc location="%s" ! matroskademux ! jpegdec ! videoconvert '
                         '! video/x-raw,format=GRAY8 ! appsink name=out sync=false' % path)
    out = p.get_by_name('out')
    p.set_state(Gst.State.PLAYING)
    frames, size = [], None
    d = ng.Deadline(min(20, BUDGET.left()))
    while not d.expired():
        sample = out.emit('try-pull-sample', Gst.SECOND)
        if sample is None:
            if out.get_property('eos'):
                break
            continue
        s = sample.get_caps().get_structure(0)
        size = (s.get_value('width'), s.get_value('height'))
        buf = sample.get_buffer()
        ok, m = buf.map(Gst.MapFlags.READ)
        stride = len(m.data) // size[1]
        frames.append(np.frombuffer(m.data, dtype=np.uint8).reshape(size[1], stride)[:, :size[0]].copy())
        buf.unmap(m)
    msg = p.get_bus().pop_filtered(Gst.MessageType.ERROR)
    p.set_state(Gst.State.NULL)
    return frames, size, msg is None and out.get_property('eos')


def both_shown(frame):
    """Both tiles show their sender: the middle of each is white."""
    return all(frame[TH // 3:2 * TH // 3, x + TW // 3:x + 2 * TW // 3].min() > 200 for x in (0, TW))


def label_pixels(frame, tile, x0, x1):
    """Dark pixels (netgearoverlay's shading and the text's outline) in the
    top band of a tile of white, between x0 and x1 (fractions of its width)."""
    band = frame[:TH // 4, tile * TW + int(x0 * TW):tile * TW + int(x1 * TW)]
    return int((band < 128).sum())


def run(tap, name, ports, overlay, extra_env=None, expect_replies=False):
    tmp = tempfile.mkdtemp(prefix='ng-scenario-')
    out = os.path.join(tmp, 'montage.mkv')
    env = dict(os.environ, TEST_PATTERN='white', LABEL='', WIDTH=str(TW), HEIGHT=str(TH),
               TILE_WIDTH=str(TW), TILE_HEIGHT=str(TH), **(extra_env or {}))
    argv = ['bash', os.path.join(SCENARIOS, name + '.sh'), '--ports', ','.join(map(str, ports)),
            '--frames', str(FRAMES), '--output', out]
    with ng.ProcGroup() as group:
        proc = group.add(ng.Proc(name, argv, env=env))
        rc = proc.wait_exit(min(40, BUDGET.left()))
        tap.ok(rc == 0 and proc.find('montage: ' + out), '%s.sh: ends by itself, exit 0' % name, proc.report())
    frames, size, complete = decode(out) if os.path.exists(out) else ([], None, False)
    tap.ok(complete and size == (2 * TW, TH) and len(frames) >= FRAMES // 3,
           '%s.sh: a complete file of %dx%d montage frames' % (name, 2 * TW, TH),
           'complete=%s size=%s frames=%d' % (complete, size, len(frames)))
    shown = [f for f in frames if both_shown(f)]
    tap.ok(shown, '%s.sh: both senders on the montage (%d of %d frames)' % (name, len(shown), len(frames)))
    if shown:
        frame = shown[len(shown) // 2]
        # At this size "port 27382" takes the first fifth of the band and
        # the whole label more than half of it.
        port = [label_pixels(frame, t, 0, 0.2) for t in (0, 1)]
        message = [label_pixels(frame, t, 0.3, 0.5) for t in (0, 1)]
        tap.ok(all(n > 50 for n in port + message) if overlay else port + message == [0] * 4,
               '%s.sh: %s' % (name, 'each tile has its sender\'s port and message' if overlay else 'no labels drawn'),
               'dark pixels in the top band: port part %s, message part %s' % (port, message))
    if expect_replies:
        for i, port in enumerate(ports, 1):
            lines = [l for l in proc.find('[sender %d] ' % i) if 'netgear-reply' in l]
            seqs = [int(m.group(1)) for m in (re.search(r'seq=\(guint64\)(\d+)', l) for l in lines) if m]
            good = all(('port=(uint)%d' % port) in l and REPLY.replace(' ', '\\ ').replace(',', '\\,') in l
                       for l in lines)
            tap.ok(seqs == list(range(FRAMES)) and good,
                   '%s.sh: sender %d prints the receiver\'s reply to each of its %d frames' % (name, i, FRAMES),
                   '%d replies, seqs %s..., e.g. %s' % (len(lines), seqs[:5], lines[:1]))


def run_interrupted(tap, ports):
    """Ctrl-C once frames flow: bidirectional.sh's senders print each reply."""
    tmp = tempfile.mkdtemp(prefix='ng-scenario-')
    out = os.path.join(tmp, 'montage.mkv')
    env = dict(os.environ, TEST_PATTERN='white', LABEL='', WIDTH=str(TW), HEIGHT=str(TH),
               TILE_WIDTH=str(TW), TILE_HEIGHT=str(TH))
    argv = ['bash', os.path.join(SCENARIOS, 'bidirectional.sh'), '--ports', ','.join(map(str, ports)),
            '--frames', '-1', '--output', out]
    d = ng.Deadline(min(40, BUDGET.left()))
    with ng.ProcGroup() as group:
        proc = group.add(ng.Proc('bidirectional.sh (Ctrl-C)', argv, env=env))
        flowing = proc.wait_until(lambda lines: all(
            any(l.startswith('[sender %d] ' % i) and 'netgear-reply' in l for l in lines) for i in (1, 2)), d.left())
        tap.ok(flowing, 'bidirectional.sh --frames -1: both senders get replies', proc.report())
        proc.signal(signal.SIGINT)
        rc = proc.wait_exit(d.left())
        tap.ok(rc == 0 and proc.find('Stopping the senders'),
               'Ctrl-C stops the senders, the receiver ends after them, exit 0', proc.report())
    frames, size, complete = decode(out) if os.path.exists(out) else ([], None, False)
    tap.ok(complete and frames, 'after Ctrl-C the file is complete', 'complete=%s frames=%d' % (complete, len(frames)))


def body(tap):
    run(tap, 'bare-minimum', (27380, 27381), overlay=False)
    run(tap, 'custom-data', (27382, 27383), overlay=True)
    run(tap, 'bidirectional', (27384, 27385), overlay=True, expect_replies=True)
    if os.access(CV_SENDER, os.X_OK):
        tmp = tempfile.mkdtemp(prefix='ng-scenario-')
        clip = os.path.join(tmp, 'white.avi')
        r = subprocess.run(['gst-launch-1.0', '-q', 'videotestsrc', 'pattern=white', 'num-buffers=%d' % FRAMES,
                            '!', 'video/x-raw,width=%d,height=%d,framerate=30/1' % (TW, TH), '!', 'jpegenc', '!',
                            'avimux', '!', 'filesink', 'location=' + clip], capture_output=True, text=True,
                           timeout=30)
        tap.ok(r.returncode == 0, 'a white clip for the OpenCV senders', r.stderr)
        run(tap, 'opencv-capture', (27386, 27387), overlay=False, extra_env={'SOURCE': clip})
    else:
        tap.skip('opencv-capture.sh', 'the OpenCV examples are not built (NETGEAR_CV_EXAMPLES)')
    run_interrupted(tap, (27388, 27389))


if __name__ == '__main__':
    ng.run_main(body)
