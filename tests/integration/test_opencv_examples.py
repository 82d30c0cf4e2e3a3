#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The OpenCV example pair (examples/opencv), run as a user would run them:
netgear-cv-receiver headless (montage written to an image) and two
netgear-cv-sender processes with synthetic frames, on 127.0.0.1.

1. Bidirectional, pattern 1 (ports 27190-27191), as vidgear's "Multi-Servers
   Mode with Bidirectional Mode" example: each sender sends 30 frames with a
   text of its own; the receiver answers each frame with a reply of its own
   per port (--per-port-replies, netgearsrc's compute-reply signal).
   Checked: every frame arrives on its port with its sender's message, in
   order; each sender gets one reply per frame, naming its own port and the
   seq of the frame it answers; the receiver ends by itself (EOS) once both
   senders ended, exit status 0; the montage image has two tiles side by
   side, neither blank.
2. Unidirectional, pattern 2 (ports 27192-27193), as "Multi-Servers Mode for
   Unidirectional Custom Data Transfer": one sender sends a JSON object per
   frame ({"text", "frame"}), the other a JSON string; frames 318 pixels
   wide (OpenCV's packed rows differ from GStreamer's default stride).
   Checked: messages arrive with their own frame (frame number == seq), seq
   increasing, no replies, EOS, montage.

A receiver's stream ends as soon as every sender that has connected
terminated, so no sender may end before both are connected: the senders run
until interrupted (SIGINT, as a user's Ctrl-C), which happens once the
receiver has printed enough frames of each.

The binaries' directory comes from NETGEAR_CV_EXAMPLES; without them the
test is skipped."""
import json
import os
import re
import shutil
import signal
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN_DIR = os.environ.get('NETGEAR_CV_EXAMPLES', '')
SENDER_BIN = os.path.join(BIN_DIR, 'netgear-cv-sender')
RECEIVER_BIN = os.path.join(BIN_DIR, 'netgear-cv-receiver')

if not (BIN_DIR and os.access(SENDER_BIN, os.X_OK) and os.access(RECEIVER_BIN, os.X_OK)):
    print('1..0 # SKIP OpenCV examples not built', flush=True)
    sys.exit(0)

sys.path.insert(0, HERE)
import ngtest as ng  # noqa: E402
from ngtest import Gst  # noqa: E402

import numpy as np  # noqa: E402

FRAME_RE = re.compile(r'^FRAME port=(\d+) seq=(\d+) message=(.*) size=(\d+) (\d+)x(\d+)$')
REPLY_RE = re.compile(r'^REPLY port=(\d+) seq=(\d+) message=(.*)$')


def frames_of(rx):
    """{port: [(seq, message_json_text, width, height)]} from FRAME lines."""
    out = {}
    for line in rx.find('FRAME '):
        m = FRAME_RE.match(line)
        if m:
            out.setdefault(int(m.group(1)), []).append(
                (int(m.group(2)), m.group(3), int(m.group(5)), int(m.group(6))))
    return out


def replies_of(tx):
    """[(port, seq, message_json_text)] from REPLY lines."""
    out = []
    for line in tx.find('REPLY '):
        m = REPLY_RE.match(line)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    return out


def parse_json(text):
    try:
        return json.loads(text)
    except ValueError:
        return ValueError


def decode_png(path):
    """The image as an RGB numpy array (height, width, 3), decoded by
    GStreamer's pngdec; None when it does not decode."""
    pipe = Gst.parse_launch('filesrc name=file ! pngdec ! videoconvert ! video/x-raw,format=RGB '
                            '! appsink name=out sync=false')
    pipe.get_by_name('file').set_property('location', path)
    try:
        if pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            return None
        sample = pipe.get_by_name('out').emit('try-pull-sample', 5 * Gst.SECOND)
        if sample is None:
            return None
        info = ng.video_info(sample.get_caps())
        packed = ng.pack(info, ng.buffer_bytes(sample.get_buffer()))
        return np.frombuffer(packed, dtype=np.uint8).reshape(info.height, info.width, 3)
    finally:
        pipe.set_state(Gst.State.NULL)


def check_montage(tap, label, path, tile_w, tile_h, ntiles):
    """ntiles tiles of tile_w x tile_h side by side; none blank."""
    if not tap.ok(os.path.isfile(path) and os.path.getsize(path) > 0, '%s: montage image written' % label, path):
        return
    img = decode_png(path)
    if not tap.ok(img is not None, '%s: montage image decodes (PNG)' % label, path):
        return
    h, w = img.shape[:2]
    tap.ok((w, h) == (ntiles * tile_w, tile_h), '%s: montage is %d tiles of %dx%d side by side (%dx%d)' %
           (label, ntiles, tile_w, tile_h, ntiles * tile_w, tile_h), 'image is %dx%d' % (w, h))
    tiles = [img[:, i * tile_w:(i + 1) * tile_w] for i in range(ntiles)]
    stds = [float(t.std()) if t.size else 0.0 for t in tiles]
    colours = [len(np.unique(t.reshape(-1, 3)[::7], axis=0)) if t.size else 0 for t in tiles]
    tap.ok(all(s > 10 for s in stds) and all(c > 20 for c in colours),
           '%s: no tile is blank' % label, 'std per tile %s, distinct colours per tile %s' % (stds, colours))
    if ntiles >= 2 and all(t.shape == tiles[0].shape for t in tiles):
        diff = float(np.abs(tiles[0].astype(np.int16) - tiles[1].astype(np.int16)).mean())
        tap.ok(diff > 5, '%s: the two tiles show different senders' % label, 'mean difference %.1f' % diff)


def start_sender(group, port, frames, fps, width, height, text, pattern=1, bidirectional=False, json_object=False):
    argv = [SENDER_BIN, '--address', ng.LOOPBACK, '--port', str(port), '--pattern', str(pattern),
            '--frames', str(frames), '--fps', str(fps), '--width', str(width), '--height', str(height),
            '--text', text, '--wait-for-receiver']
    if bidirectional:
        argv.append('--bidirectional')
    if json_object:
        argv.append('--json-object')
    return group.add(ng.Proc('sender(port %d)' % port, argv))


def start_receiver(group, ports, output, pattern=1, bidirectional=False):
    argv = [RECEIVER_BIN, '--address', ng.LOOPBACK, '--ports', ','.join(str(p) for p in ports),
            '--pattern', str(pattern), '--headless', '--output', output]
    if bidirectional:
        argv += ['--bidirectional', '--per-port-replies']
    env = os.environ.copy()
    env.pop('DISPLAY', None)
    env.pop('WAYLAND_DISPLAY', None)
    return group.add(ng.Proc('receiver', argv, env=env))


# --frames for senders that are interrupted long before they get there.
UNTIL_INTERRUPTED = 100000
DONE_RE = re.compile(r'^DONE port=(\d+) frames=(\d+) replies=(\d+)$')


def interrupt_when_seen(tap, label, rx, senders, ports, frames, deadline):
    """Waits until the receiver printed `frames` FRAME lines for each port,
    then interrupts the senders (each ends its stream: the receiver ends)."""
    def enough(lines):
        counts = {}
        for line in lines:
            m = FRAME_RE.match(line)
            if m:
                counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + 1
        return all(counts.get(p, 0) >= frames for p in ports)
    tap.ok(rx.wait_until(enough, deadline.left()), '%s: the receiver shows %d frames of each sender' %
           (label, frames), rx.report())
    for s in senders:
        s.p.send_signal(signal.SIGINT)


def done_of(tx):
    """(frames sent, replies got) from the sender's DONE line."""
    for line in tx.find('DONE '):
        m = DONE_RE.match(line)
        if m:
            return int(m.group(2)), int(m.group(3))
    return None


def wait_all_started(tap, label, senders, deadline):
    ok = all(s.wait_line('SENDER ', deadline.left()) is not None for s in senders)
    return tap.ok(ok, '%s: both senders started' % label, '\n'.join(s.report() for s in senders))


def bidirectional_run(tap, tmp):
    label = 'bidirectional'
    ports = [27190, 27191]
    frames, w, h = 30, 320, 240
    texts = {27190: "I'm Server-1 at Port: 27190", 27191: "I'm Server-2 at Port: 27191"}
    output = os.path.join(tmp, 'montage-bidirectional.png')
    deadline = ng.Deadline(40)
    with ng.ProcGroup() as group:
        senders = {p: start_sender(group, p, UNTIL_INTERRUPTED, 15, w, h, texts[p], bidirectional=True)
                   for p in ports}
        if not wait_all_started(tap, label, senders.values(), deadline):
            return
        rx = start_receiver(group, ports, output, bidirectional=True)
        interrupt_when_seen(tap, label, rx, senders.values(), ports, frames, deadline)
        rc = rx.wait_exit(deadline.left())
        src = {p: s.wait_exit(max(1.0, deadline.left())) for p, s in senders.items()}
        everything = rx.report() + '\n' + '\n'.join(s.report() for s in senders.values())

        tap.ok(rc == 0 and rx.find('EOS') and not rx.find('ERROR'),
               '%s: receiver ends by itself at EOS once both senders ended, exit status 0' % label, everything)
        for p in ports:
            tap.ok(rx.find('CONNECTED port=%d ' % p) and rx.find('TERMINATED port=%d' % p),
                   '%s: receiver reports port %d connected and terminated' % (label, p), rx.report())
        got = frames_of(rx)
        for p in ports:
            recs = got.get(p, [])
            want = json.dumps(texts[p])
            tap.ok([r[0] for r in recs][:frames] == list(range(frames)),
                   '%s: port %d: FRAME lines for seq 0..%d in order' % (label, p, frames - 1),
                   'seqs: %s' % [r[0] for r in recs])
            bad = sorted(set(r[1] for r in recs if parse_json(r[1]) != texts[p]))
            tap.ok(recs and not bad, '%s: port %d: every frame carries its own sender\'s message %s' % (label, p, want),
                   'other messages: %s' % bad[:5])
            tap.ok(recs and all((r[2], r[3]) == (w, h) for r in recs),
                   '%s: port %d: frames are %dx%d' % (label, p, w, h),
                   'sizes: %s' % sorted(set((r[2], r[3]) for r in recs)))
        for p, s in senders.items():
            other = [q for q in ports if q != p][0]
            done = done_of(s)
            reps = replies_of(s)
            tap.ok(src[p] == 0 and done is not None and done[0] >= frames and done[0] == done[1] == len(reps),
                   '%s: sender %d exits 0 after Ctrl-C, one reply (and REPLY line) per frame sent' % (label, p),
                   'DONE %s, %d REPLY lines\n%s' % (done, len(reps), s.report()))
            seqs = [r[1] for r in reps]
            tap.ok(seqs == list(range(len(reps))) and len(reps) >= frames,
                   '%s: sender %d: replies answer seq 0..%d in order' % (label, p, frames - 1), 'seqs: %s' % seqs)
            bad = []
            for port, seq, text in reps:
                v = parse_json(text)
                if not (port == p and isinstance(v, dict) and v.get('to') == p and v.get('seq') == seq and
                        str(p) in str(v.get('text')) and str(other) not in text):
                    bad.append('port=%d seq=%d %s' % (port, seq, text))
            tap.ok(reps and not bad,
                   '%s: sender %d: every reply is the one computed for port %d and that frame\'s seq, never for %d' %
                   (label, p, p, other), '\n'.join(bad[:8]))
        check_montage(tap, label, output, w, h, 2)


def unidirectional_run(tap, tmp):
    label = 'pattern 2, unidirectional'
    ports = [27192, 27193]
    frames, w, h = 60, 318, 200
    output = os.path.join(tmp, 'montage-pattern2.png')
    deadline = ng.Deadline(40)
    with ng.ProcGroup() as group:
        a = start_sender(group, ports[0], UNTIL_INTERRUPTED, 20, w, h, 'camera A', pattern=2, json_object=True)
        b = start_sender(group, ports[1], UNTIL_INTERRUPTED, 20, w, h, 'camera B', pattern=2)
        if not wait_all_started(tap, label, [a, b], deadline):
            return
        rx = start_receiver(group, ports, output, pattern=2)
        interrupt_when_seen(tap, label, rx, [a, b], ports, frames // 4, deadline)
        rc = rx.wait_exit(deadline.left())
        ra = a.wait_exit(max(1.0, deadline.left()))
        rb = b.wait_exit(max(1.0, deadline.left()))
        everything = rx.report() + '\n' + a.report() + '\n' + b.report()

        tap.ok(rc == 0 and rx.find('EOS') and not rx.find('ERROR'),
               '%s: receiver ends by itself at EOS once both senders ended, exit status 0' % label, everything)
        tap.ok(ra == 0 and rb == 0 and all(d is not None and d[1] == 0 for d in (done_of(a), done_of(b))),
               '%s: both senders exit 0 after Ctrl-C, no replies' % label, everything)
        tap.ok(not a.find('REPLY') and not b.find('REPLY'), '%s: no REPLY lines' % label, everything)
        got = frames_of(rx)
        for p in ports:
            seqs = [r[0] for r in got.get(p, [])]
            tap.ok(len(seqs) >= frames // 4 and all(x < y for x, y in zip(seqs, seqs[1:])),
                   '%s: port %d: at least %d frames, seq increasing' % (label, p, frames // 4), 'seqs: %s' % seqs)
        bad = [r for r in got.get(ports[0], []) if parse_json(r[1]) != {'text': 'camera A', 'frame': r[0]}]
        tap.ok(got.get(ports[0]) and not bad,
               '%s: port %d: each frame carries its own message {"text": "camera A", "frame": <its seq>}' %
               (label, ports[0]), 'mismatches: %s' % bad[:5])
        bad = [r for r in got.get(ports[1], []) if r[1] != '"camera B"']
        tap.ok(got.get(ports[1]) and not bad, '%s: port %d: every frame carries "camera B"' % (label, ports[1]),
               'mismatches: %s' % bad[:5])
        tap.ok(all((r[2], r[3]) == (w, h) for p in ports for r in got.get(p, [])),
               '%s: frames are %dx%d' % (label, w, h), rx.stdout_text(5))
        check_montage(tap, label, output, w, h, 2)


def body(tap):
    tmp = tempfile.mkdtemp(prefix='netgear-cv-')
    try:
        bidirectional_run(tap, tmp)
        unidirectional_run(tap, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


ng.run_main(body)
