#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""netgearoverlay draws each frame's port and message, and only that frame's.

Two senders (appsrc ! netgearsink, ports 27370 and 27371) and a receiver
(netgearsrc ! netgearoverlay ! appsink per port) in this process, on
127.0.0.1 in REQ/REP: one black frame at a time, the sender's message set
before it. For every frame the textoverlay inside must hold the text made
from that frame's GstNetGearMeta (a JSON string as its text, other JSON as
it is, markup and control characters made harmless, cut at max-length)
when the frame leaves the overlay, and the picture must have text pixels in
its top left corner exactly when that text is not empty. A frame without
the meta gets no text. Then: the element refuses to start, with an error
saying why, when textoverlay is not installed.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from ngtest import GLib, Gst, np  # noqa: E402

W, H = 320, 180
PORTS = (27370, 27371)
ESC = GLib.markup_escape_text
CAPS = 'video/x-raw,format=BGR,width=%d,height=%d,framerate=30/1' % (W, H)

# (port index, message JSON or None, overlay properties, expected text before escaping)
CASES = [
    (0, '"I\'m Server-1 at Port: 27370"', {}, "port 27370 \u2014 I'm Server-1 at Port: 27370"),
    (0, '"I\'m Server-1 at Port: 27370"', {}, "port 27370 \u2014 I'm Server-1 at Port: 27370"),
    (1, '{"camera": "<b>garage</b>", "gain": 2.5}', {},
     'port 27371 \u2014 {"camera": "<b>garage</b>", "gain": 2.5}'),
    (1, None, {}, 'port 27371'),
    (0, '"a\\u0001b\\u0000c\\nd"', {}, 'port 27370 \u2014 a\ufffdb\ufffdc\nd'),
    (0, '"%s"' % ('x' * 500), {'max-length': 15}, 'port 27370 \u2014 ' + 'x' * 2 + '\u2026'),
    (1, '"only the message"', {'show-port': False}, 'only the message'),
    (1, '"hidden"', {'show-port': False, 'show-message': False}, ''),
    (1, '[1, 2]', {}, 'port 27371 \u2014 [1, 2]'),
    (0, '"back to port 27370"', {}, 'port 27370 \u2014 back to port 27370'),
]


def lit_pixels(sample):
    """Bright pixels in the top left quarter of a black BGR frame."""
    buf = sample.get_buffer()
    ok, m = buf.map(Gst.MapFlags.READ)
    try:
        a = np.frombuffer(m.data, dtype=np.uint8)
        stride = len(a) // H
        a = a.reshape(H, stride)[:H // 2, :W // 2 * 3]
        return int((a > 128).sum())
    finally:
        buf.unmap(m)


def check_frames(tap):
    rx = Gst.parse_launch(
        'netgearsrc name=src address=127.0.0.1 ports=%s ' % ','.join(map(str, PORTS)) + ' '.join(
            'src.src_%d ! netgearoverlay name=ov%d ! videoconvert ! video/x-raw,format=BGR '
            '! appsink name=out%d sync=false max-buffers=%d' % (p, i, i, len(CASES)) for i, p in enumerate(PORTS)))
    txs = [Gst.parse_launch('appsrc name=in format=time caps=%s ! netgearsink name=sink address=127.0.0.1 '
                            'port=%d' % (CAPS, p)) for p in PORTS]
    overlays = [rx.get_by_name('ov%d' % i) for i in range(len(PORTS))]
    sinks = [rx.get_by_name('out%d' % i) for i in range(len(PORTS))]
    texts = [ov.get_by_name('textoverlay') for ov in overlays]
    if not tap.ok(all(texts), 'netgearoverlay holds a textoverlay named textoverlay'):
        return
    seen = []

    def on_leaving(pad, info, i):
        seen.append((i, texts[i].get_property('text')))
        return Gst.PadProbeReturn.OK
    for i, ov in enumerate(overlays):
        ov.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, on_leaving, i)
    rx.set_state(Gst.State.PLAYING)
    for tx in txs:
        tx.set_state(Gst.State.PLAYING)
    d = ng.Deadline(30)
    samples = []
    pushed = [0, 0]
    for i, (k, message, props, _) in enumerate(CASES):
        ov = overlays[k]
        for name, v in props.items():
            ov.set_property(name, v)
        txs[k].get_by_name('sink').set_property('message-json', message)
        buf = Gst.Buffer.new_wrapped(bytes(W * H * 3))
        buf.pts = pushed[k] * Gst.SECOND // 30
        buf.duration = Gst.SECOND // 30
        pushed[k] += 1
        txs[k].get_by_name('in').emit('push-buffer', buf)
        # One frame at a time: the next message is set once this one is out.
        samples.append(sinks[k].emit('try-pull-sample', max(1, int(d.left())) * Gst.SECOND))
        for name in props:
            ov.set_property(name, ov.find_property(name).default_value)
        if samples[-1] is None:
            break
    for tx in txs:
        tx.get_by_name('in').emit('end-of-stream')
        tx.get_bus().timed_pop_filtered(int(max(1, d.left())) * Gst.SECOND,
                                        Gst.MessageType.EOS | Gst.MessageType.ERROR)
        tx.set_state(Gst.State.NULL)
    rx.set_state(Gst.State.NULL)
    tap.ok(len(seen) == len(CASES) and all(samples), 'every frame came out (%d of %d)' % (len(seen), len(CASES)))
    for i, (k, message, props, want) in enumerate(CASES):
        if i >= len(seen) or samples[i] is None:
            break
        label = 'frame %d (port %d, message %s, %s)' % (i, PORTS[k], (message or 'none')[:40], props or 'defaults')
        tap.ok(seen[i] == (k, ESC(want, -1)), '%s: text is its own' % label,
               'got %r, want %r' % (seen[i], (k, ESC(want, -1))))
        lit = lit_pixels(samples[i])
        tap.ok((lit > 50) == bool(want), '%s: %s drawn' % (label, 'text' if want else 'nothing'),
               '%d bright pixels in the top left quarter' % lit)


def check_no_meta(tap):
    p = Gst.parse_launch('videotestsrc pattern=black num-buffers=2 ! video/x-raw,width=%d,height=%d '
                         '! netgearoverlay name=ov ! fakesink' % (W, H))
    p.set_state(Gst.State.PLAYING)
    msg = p.get_bus().timed_pop_filtered(10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    text = p.get_by_name('ov').get_by_name('textoverlay').get_property('text')
    p.set_state(Gst.State.NULL)
    tap.ok(msg is not None and msg.type == Gst.MessageType.EOS and text == '',
           'frames without a GstNetGearMeta pass with no text', repr(text))


def check_missing_textoverlay(tap):
    """With only this plugin and the core elements registered, starting it is a clear error."""
    core = [p for p in Gst.Registry.get().get_plugin_list() if p.get_name() == 'coreelements']
    if not core or not core[0].get_filename():
        tap.skip('without textoverlay, the element refuses to start', 'coreelements not found')
        return
    plugins = tempfile.mkdtemp(prefix='ng-overlay-')
    os.symlink(core[0].get_filename(), os.path.join(plugins, os.path.basename(core[0].get_filename())))
    env = dict(os.environ, GST_PLUGIN_SYSTEM_PATH_1_0=plugins,
               GST_REGISTRY_1_0=os.path.join(plugins, 'registry.bin'))
    r = subprocess.run(['gst-launch-1.0', 'fakesrc', 'num-buffers=1', '!', 'netgearoverlay', '!', 'fakesink'],
                       env=env, capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    tap.ok(r.returncode != 0 and 'netgearoverlay needs the textoverlay element' in out,
           'without textoverlay, the element refuses to start and says why', out[-800:])


def body(tap):
    check_frames(tap)
    check_no_meta(tap)
    check_missing_textoverlay(tap)


if __name__ == '__main__':
    ng.run_main(body)
