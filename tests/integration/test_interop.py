#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""gst-netgear against Python NetGear peers, both ways.

The peer is pynetgear.py: NetGear's multi-server client and server written
from docs/protocol.md with python3-zmq and numpy (vidgear itself is not a
Debian package), standing in for vidgear 0.3.5. Every peer and every
GStreamer sender is a process of its own; the receiving netgearsrc runs in
this process.

  * The peer first proves itself against the bytes captured from vidgear
    (pynetgear.py selftest).
  * Our senders -> a Python client (one REP or SUB socket bound to every
    port, as vidgear's): raw BGR with an odd width (rows repacked for numpy)
    and GRAY8, I420 (which vidgear gets as a 1-D byte array), JPEG in colour
    and grey, per-frame messages of every JSON
    kind, patterns 1 and 2, bidirectional replies (vidgear's sticky reply
    and numpy array replies). Each sender's terminate removes it on the
    Python side while the other goes on; the client ends when all are gone.
  * Python servers -> netgearsrc: BGR, grey as [h, w] and [h, w, 1], JPEG
    (BGR and GRAY colourspaces), a port given as a string, messages,
    patterns 1 and 2, bidirectional replies from `compute-reply` and from
    the `reply` property; a uint16 server is refused (counted, warned with
    its port) while the others flow; each server's terminate ends its pad.
  * vidgear's multi-server example senders (custom data, bidirectional) as
    gst-launch-1.0 lines, their text messages typed as the examples write
    them: the client gets each as the Python str, and each sender the
    client's text answer; and the example's client, netgearsrc with its
    reply text typed in gst-launch-1.0, answers NetGear servers with it.
Frames are checked byte for byte (JPEG: the bitstream, plus the decoded
colour). Ports 27240-27289.

With vidgear installed, examples/vidgear's scripts run against our elements
too, also in secure mode (CURVE, one vidgear key set on both ends).
Ports 27330-27335."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngframes  # noqa: E402
import ngtest as ng  # noqa: E402
from ngtest import Gst, GstApp  # noqa: E402,F401

PEER = os.path.join(ng.HERE, 'pynetgear.py')
EXAMPLES = os.path.join(ng.HERE, '..', '..', 'examples')
VECTORS = os.environ.get('NETGEAR_VECTORS', os.path.join(ng.HERE, '..', 'data', 'vectors'))

# Top-level messages of every JSON kind, as vidgear users send them.
MESSAGES = ['porch', '', 7, -2.5, True, False, None, [1, 'a', None],
            {'k': [1, 2.5], 'u': 'ünïcode ✓', 'nested': {'deep': [[], {}]}}, float('nan'), 1.7976931348623157e308]
COLOUR_TOLERANCE = 6  # JPEG at quality 90 of a flat colour

FRAME = re.compile(r'^FRAME port=(\S+) n=(\d+) seq=(-?\d+) dtype=(\S+) shape=(\S+) compression=(\S+) '
                   r'digest=(\S+) decoded=(\S*) mean=(\S*) reply=(\S+) message=(.*)$')


def peer_client(ports, pattern, extra=()):
    return ng.Proc('pynetgear client', [ng.PYTHON, PEER, 'client', '--address', ng.LOOPBACK, '--ports',
                                        ','.join(map(str, ports)), '--pattern', str(pattern),
                                        '--exit-after-seconds', '50', *extra])


def peer_server(port, index, pattern, fmt, frames, width, height, extra=()):
    return ng.Proc('pynetgear server %d %s' % (port, fmt), [
        ng.PYTHON, PEER, 'server', '--address', ng.LOOPBACK, '--port', str(port), '--pattern', str(pattern),
        '--format', fmt, '--width', str(width), '--height', str(height), '--frames', str(frames),
        '--index', str(index), '--hold', *extra])


def client_frames(lines):
    """The Python client's FRAME lines, decoded."""
    out = []
    for line in lines:
        if not line.startswith('FRAME '):
            continue
        m = FRAME.match(line)
        if not m:
            out.append({'bad': line})
            continue
        out.append({'port': json.loads(m.group(1)), 'n': int(m.group(2)), 'seq': int(m.group(3)),
                    'dtype': m.group(4), 'shape': None if m.group(5) == '-' else json.loads(m.group(5)),
                    'compression': json.loads(m.group(6)), 'digest': m.group(7),
                    'decoded': [int(x) for x in m.group(8).split(',') if x],
                    'mean': [float(x) for x in m.group(9).split(',') if x], 'reply': m.group(10),
                    'message': json.loads(m.group(11))})
    return out


def colour_close(got, want):
    return len(got) == len(want) and all(abs(g - w) <= COLOUR_TOLERANCE for g, w in zip(got, want))


def sent_lines(proc, prefix='SENT '):
    """{n: (digest, message)} from a pynetgear server's SENT lines."""
    out = {}
    for line in proc.find(prefix):
        _, n, dig, msg = line.split(' ', 3)
        out[int(n)] = (dig, json.loads(msg))
    return out


def decode_jpeg(data):
    """(jpegdec's output format, width, height, mean B, G, R) of a JPEG,
    decoded by GStreamer as a pipeline downstream of netgearsrc would."""
    p = Gst.parse_launch('appsrc name=a caps=image/jpeg ! jpegdec name=d ! videoconvert ! '
                         'video/x-raw,format=BGR ! appsink name=s sync=false')
    a, s, dec = p.get_by_name('a'), p.get_by_name('s'), p.get_by_name('d')
    p.set_state(Gst.State.PLAYING)
    try:
        a.emit('push-buffer', Gst.Buffer.new_wrapped(data))
        a.emit('end-of-stream')
        sample = s.emit('try-pull-sample', 5 * Gst.SECOND)
        if sample is None:
            return None
        fmt = dec.get_static_pad('src').get_current_caps().get_structure(0).get_value('format')
        info = ng.video_info(sample.get_caps())
        packed = ng.pack(info, ng.buffer_bytes(sample.get_buffer()))
        px = ng.np.frombuffer(packed, dtype=ng.np.uint8).reshape(info.height, info.width, 3)
        return fmt, info.width, info.height, [round(float(px[:, :, c].mean()), 1) for c in range(3)]
    finally:
        p.set_state(Gst.State.NULL)


def check_order(tap, label, pattern, numbers, frames):
    """Pattern 1 delivers every frame in order; pattern 2 (HWM 1, and the
    first frames go before the subscription is in) at least half, in
    order. numbers: the frame number of each frame that arrived."""
    if pattern == 1:
        return tap.ok(numbers == list(range(frames)), '%s: all %d frames, in order' % (label, frames), str(numbers))
    return tap.ok(len(numbers) >= frames // 2 and all(isinstance(q, int) and 0 <= q < frames for q in numbers) and
                  all(a < b for a, b in zip(numbers, numbers[1:])),
                  '%s: at least half of %d frames, in order' % (label, frames), str(numbers))


# ------------------------------------------------------------ the peer itself

def peer_selftest(tap):
    with ng.ProcGroup() as group:
        p = group.add(ng.Proc('pynetgear selftest', [ng.PYTHON, PEER, 'selftest', '--vectors', VECTORS]))
        rc = p.wait_exit(60)
    oks = p.find('ok ')
    tap.ok(rc == 0 and oks and not p.find('not ok'),
           'Python peer: writes and reads the bytes captured from vidgear (%d checks)' % len(oks), p.report())


# ------------------------------------------------ our senders -> Python client

def to_python_client(tap, title, pattern, senders, frames, client_args=(), bidirectional=False, check=None):
    """senders: dicts with port, caps, and optionally encoder, content,
    messages (a list: frame n carries item n % len), want (dtype, shape,
    colorspace) and colour (index, n -> expected mean) for JPEG. Senders
    run at 30 fps; the first sends `frames` frames and leaves, the others
    send more, so that they are still streaming when it has gone."""
    ports = [s['port'] for s in senders]
    counts = [frames] + [2 * frames + 10] * (len(senders) - 1)
    d = ng.Deadline(60)
    with ng.ProcGroup() as group:
        client = group.add(peer_client(ports, pattern, list(client_args) + (['--bidirectional'] if bidirectional
                                                                             else [])))
        if not tap.ok(client.wait_line('LISTENING', d.left()) is not None, '%s: Python client listening' % title,
                      client.report()):
            return
        procs = []
        for i, s in enumerate(senders):
            extra = []
            if s.get('messages') is not None:
                extra += ['--frame-messages', json.dumps(s['messages'])]
            if s.get('content'):
                extra += ['--content', s['content']]
            if bidirectional:
                extra += ['--bidirectional']
            procs.append(ng.start_sender(group, s['port'], i, counts[i], pattern=pattern, caps=s['caps'],
                                         encoder=s.get('encoder'), sync=1, hold=True, timeout=50, extra=extra))

        # vidgear's client ends once every port it has seen has terminated:
        # nobody terminates before every sender has been seen.
        def seen_all(lines):
            got = {f.get('port') for f in client_frames(lines)}
            return all(p in got for p in ports)
        tap.ok(client.wait_until(seen_all, d.left()) and procs[0].wait_line('HOLDING', d.left()) is not None,
               '%s: the client gets frames from every sender' % title,
               client.report() + '\n' + '\n'.join(p.report() for p in procs))
        # One sender leaves: the client drops that port, and frames from the
        # others go on arriving.
        procs[0].send_line()
        gone = client.wait_line('TERMINATED port=%d' % ports[0], d.left())
        held = all(p.wait_line('HOLDING', d.left()) is not None for p in procs[1:])
        lines = list(client.lines)
        at = lines.index(gone) if gone in lines else len(lines)
        after = {f.get('port') for f in client_frames(lines[at + 1:])}
        tap.ok(gone is not None and held and all(p in after for p in ports[1:]) and
               not client.find('ALL-TERMINATED'),
               '%s: sender on %d terminates; the Python client removes it, the others\' frames go on' %
               (title, ports[0]), 'ports with frames after it: %s\n%s' % (sorted(after), client.report()))
        for p in procs[1:]:
            p.send_line()
        rc = client.wait_exit(d.left())
        tap.ok(rc == 0 and client.find('ALL-TERMINATED') and
               all(client.find('TERMINATED port=%d' % p) for p in ports),
               '%s: every terminate reaches the Python client, which then ends (exit 0)' % title, client.report())
        exits = [p.wait_exit(d.left()) for p in procs]
        tap.ok(exits == [0] * len(procs) and all(p.find('EOS') and not p.find('ERROR') for p in procs),
               '%s: senders end with EOS, no error' % title, '\n'.join(p.report() for p in procs))
        frames_by_port = client_frames(client.find('FRAME '))
        tap.ok(not [f for f in frames_by_port if 'bad' in f], '%s: every FRAME line parses' % title,
               str([f for f in frames_by_port if 'bad' in f][:3]))
        for i, (s, proc) in enumerate(zip(senders, procs)):
            label = '%s, port %d %s' % (title, s['port'], s.get('encoder') or s['caps'].split(',')[1])
            recs = [f for f in frames_by_port if f.get('port') == s['port']]
            seqs = [f['seq'] for f in recs]
            check_order(tap, label, pattern, seqs, counts[i])
            if pattern == 1:
                tap.ok([f['n'] for f in recs] == seqs, '%s: the client counts them as the sender numbers them' % label,
                       str([(f['n'], f['seq']) for f in recs]))
                st = proc.stats()
                tap.ok(st is not None and st.get_value('acknowledged') >= counts[i] and st.get_value('timeouts') == 0,
                       '%s: the Python client acknowledged every frame' % label, st.to_string() if st else '')
            dtype, shape, cs = s['want']
            tap.ok(recs and all(f['dtype'] == dtype and f['shape'] == shape and
                                (f['compression'] is False if cs is None else
                                 isinstance(f['compression'], dict) and f['compression'].get('colorspace') == cs)
                                for f in recs),
                   '%s: header dtype %s, shape %s, compression %s' % (label, dtype, shape, cs or 'false'),
                   str([(f['dtype'], f['shape'], f['compression']) for f in recs[:3]]))
            if s.get('encoder'):
                sent = proc.sent()
                bad = [f['seq'] for f in recs if sent.get(f['seq']) != f['digest']]
            else:
                bad = [f['seq'] for f in recs if f['digest'] != ng.expected_digest(s['caps'], i, f['seq'])]
            tap.ok(recs and not bad, '%s: every frame byte for byte as sent' % label, 'bad seqs %s' % bad)
            want_decoded = shape if cs is None else s['decoded']
            tap.ok(recs and all(f['decoded'] == want_decoded for f in recs),
                   '%s: the Python client rebuilds arrays of shape %s' % (label, want_decoded),
                   str(sorted(set(str(f['decoded']) for f in recs))))
            if s.get('colour'):
                badc = [(f['seq'], f['mean'], s['colour'](i, f['seq'])) for f in recs
                        if not colour_close(f['mean'], s['colour'](i, f['seq']))]
                tap.ok(recs and not badc, '%s: decoded by the client in the right colours' % label, str(badc[:5]))
            msgs = s.get('messages')
            badm = [(f['seq'], f['message']) for f in recs
                    if not ng.json_equal(f['message'], msgs[f['seq'] % len(msgs)] if msgs else None)]
            tap.ok(recs and not badm, '%s: every frame carries its own message' % label, str(badm[:5]))
            if check:
                check(tap, label, s, proc, recs)


def sender_replies(proc):
    """{seq: reply JSON text} from sender.py's REPLY lines."""
    out = {}
    for line in proc.find('REPLY '):
        _, seq, _port, _pts, message = line.split(' ', 4)
        out[int(seq)] = message
    return out


def check_echo_replies(tap, label, s, proc, recs):
    """vidgear's reply is sticky and shared: each frame is answered with the
    value the client's application set last (here: after the frame the
    client received before it, from either sender). Our sink must hand each
    sender exactly the answer its own frame got."""
    got = sender_replies(proc)
    bad = []
    for f in recs:
        want = json.loads(f['reply'])
        have = json.loads(got[f['seq']]) if f['seq'] in got else 'missing'
        if not ng.json_equal(have, want):
            bad.append((f['seq'], have, want))
    tap.ok(recs and len(got) == len(recs) and not bad,
           '%s: each frame\'s reply is the one the client sent for that frame' % label, str(bad[:5]))
    others = [f for f in recs if isinstance(json.loads(f['reply']), dict) and
              json.loads(f['reply']).get('after', [None])[0] not in (None, s['port'])]
    tap.diag('%s: %d of %d replies were set after another sender\'s frame' % (label, len(others), len(recs)))


def check_array_replies(tap, label, s, proc, recs):
    kinds, data, heads = {}, {}, {}
    for line in proc.find('REPLYMSG '):
        _, seq, _port, rtype, msg = line.split(' ', 4)
        kinds[int(seq)] = rtype
        heads[int(seq)] = json.loads(msg)
    for line in proc.find('REPLYDATA '):
        _, seq, _port, dig = line.split(' ')
        data[int(seq)] = dig
    bad = []
    for f in recs:
        want = f['reply']
        if want == 'null':  # the first frame: no array set yet (NoneType)
            ok = kinds.get(f['seq']) == 'NoneType' and f['seq'] not in data
        else:
            head = heads.get(f['seq']) or {}
            ok = (kinds.get(f['seq']) == 'ndarray' and want == 'ndarray:%s' % data.get(f['seq']) and
                  head.get('array_dtype') == 'uint8' and head.get('array_shape') == [2, 5] and
                  head.get('compression') is False)
        if not ok:
            bad.append((f['seq'], want, kinds.get(f['seq']), data.get(f['seq'])))
    tap.ok(recs and not bad, '%s: array replies arrive as netgear-reply data (uint8 [2, 5]), each with its frame' %
           label,
           str(bad[:5]))


def our_senders_raw(tap, pattern, base):
    to_python_client(tap, 'our senders -> Python client, pattern %d, raw' % pattern, pattern, [
        {'port': base, 'caps': 'video/x-raw,format=BGR,width=318,height=200,framerate=30/1',
         'messages': MESSAGES, 'want': ('uint8', [200, 318, 3], None)},
        {'port': base + 1, 'caps': 'video/x-raw,format=GRAY8,width=160,height=120,framerate=30/1',
         'messages': list(reversed(MESSAGES)), 'want': ('uint8', [120, 160], None)},
        # Caps vidgear has no array for: the buffer's bytes as a 1-D array.
        {'port': base + 2, 'caps': 'video/x-raw,format=I420,width=160,height=120,framerate=30/1',
         'want': ('uint8', [160 * 120 * 3 // 2], None)},
    ], frames=14 if pattern == 1 else 30)


def our_senders_jpeg(tap, pattern, base):
    to_python_client(tap, 'our senders -> Python client, pattern %d, JPEG' % pattern, pattern, [
        {'port': base, 'caps': 'video/x-raw,format=BGR,width=96,height=64,framerate=30/1', 'encoder': 'jpegenc',
         'content': 'solid', 'messages': [{'cam': 'colour', 'n': k} for k in range(30)],
         'want': ('-', None, 'BGR'), 'decoded': [64, 96, 3], 'colour': lambda i, n: list(ngframes.solid_bgr(i, n))},
        {'port': base + 1, 'caps': 'video/x-raw,format=GRAY8,width=80,height=48,framerate=30/1',
         'encoder': 'jpegenc', 'content': 'solid', 'messages': None,
         'want': ('-', None, 'GRAY'), 'decoded': [48, 80], 'colour': lambda i, n: [ngframes.solid_gray(i, n)]},
    ], frames=10 if pattern == 1 else 30)


def our_senders_bidirectional(tap, base):
    bgr = 'video/x-raw,format=BGR,width=64,height=48,framerate=30/1'
    to_python_client(tap, 'our senders -> Python client, bidirectional, vidgear\'s shared reply', 1, [
        {'port': base, 'caps': bgr, 'messages': ['a', {'b': 1}], 'want': ('uint8', [48, 64, 3], None)},
        {'port': base + 1, 'caps': bgr, 'messages': [[2, 'c']], 'want': ('uint8', [48, 64, 3], None)},
    ], frames=12, client_args=['--reply-mode', 'echo'], bidirectional=True, check=check_echo_replies)
    to_python_client(tap, 'our senders -> Python client, bidirectional, array replies', 1, [
        {'port': base + 2, 'caps': bgr, 'want': ('uint8', [48, 64, 3], None)},
        {'port': base + 3, 'caps': bgr, 'want': ('uint8', [48, 64, 3], None)},
    ], frames=8, client_args=['--reply-mode', 'ndarray'], bidirectional=True, check=check_array_replies)


def silent_sink_to_python_client(tap, base):
    """A netgearsink that stops before its first frame, before and while
    another sender streams: a vidgear client must neither end (it would on
    a terminate when it knows no sender) nor stall (it never answers a
    terminate from a port it has not seen)."""
    title = 'our sender stopped before its first frame -> Python client'
    silent, streaming = base, base + 1
    caps = 'video/x-raw,format=BGR,width=64,height=48,framerate=30/1'
    d = ng.Deadline(60)
    with ng.ProcGroup() as group:
        client = group.add(peer_client([silent, streaming], 1))
        if not tap.ok(client.wait_line('LISTENING', d.left()) is not None, '%s: client listening' % title,
                      client.report()):
            return
        first = ng.start_sender(group, silent, 0, 0, caps=caps, timeout=30)
        rc0 = first.wait_exit(d.left())
        tap.ok(rc0 == 0 and client.running() and not client.find('TERMINATED') and not client.find('IGNORED'),
               '%s: alone, it ends without a word; the client goes on waiting' % title,
               first.report() + client.report())
        other = ng.start_sender(group, streaming, 1, 40, caps=caps, sync=1, hold=True, timeout=40)
        tap.ok(client.wait_line('FRAME port=%d' % streaming, d.left()) is not None, '%s: another sender streams' % title,
               client.report() + other.report())
        second = ng.start_sender(group, silent, 0, 0, caps=caps, timeout=30)
        rc1 = second.wait_exit(d.left())
        held = other.wait_line('HOLDING', d.left()) is not None
        other.send_line()
        rc = client.wait_exit(d.left())
        st = other.stats() if other.wait_exit(d.left()) == 0 else None
        tap.ok(rc1 == 0 and held and not client.find('IGNORED-TERMINATE') and
               len([l for l in client.find('FRAME port=%d' % streaming)]) == 40 and st is not None and
               st.get_value('timeouts') == 0,
               '%s: while another streams, nothing stalls it: all 40 frames, no timeout' % title,
               client.report() + (st.to_string() if st else other.report()))
        tap.ok(rc == 0 and client.find('ALL-TERMINATED') and client.find('TERMINATED port=%d' % streaming),
               '%s: the client ends when the streaming sender terminates' % title, client.report())


# ------------------------------------------------ Python servers -> netgearsrc

def from_python_servers(tap, title, pattern, servers, frames, src_props='', on_create=None, check=None):
    """servers: dicts with port, fmt, width, height, and optionally messages,
    port_as_string, bidirectional, refused (a format netgearsrc drops)."""
    ports = [s['port'] for s in servers]
    rx = ng.Receiver(ports, pattern=pattern, src_props=src_props, keep_data=True)
    if on_create:
        on_create(rx)
    try:
        if not tap.ok(rx.start(), '%s: netgearsrc reaches PLAYING' % title, rx.summary()):
            return
        d = ng.Deadline(60)
        with ng.ProcGroup() as group:
            procs = []
            for s in servers:
                extra = ['--messages', json.dumps(s['messages'])] if s.get('messages') else []
                if s.get('port_as_string'):
                    extra.append('--port-as-string')
                if s.get('bidirectional'):
                    extra.append('--bidirectional')
                if pattern == 2:
                    # A camera's pace: a PUB with HWM 1 drops what a burst
                    # brings. Its close() would lose the terminate behind a
                    # queued frame (docs/protocol.md#fault-4): the servers hold
                    # until their last frames have arrived, then close.
                    extra += ['--fps', '30']
                procs.append(group.add(peer_server(s['port'], s['index'], pattern, s['fmt'], frames, s['width'],
                                                   s['height'], extra)))
            good = [s for s in servers if not s.get('refused')]

            def last_arrived():
                with rx.lock:
                    return all(any(frame_number(s, r) == frames - 1 for r in rx.frames[s['port']]) for s in good)
            held = all(p.wait_line('HOLDING', d.left()) is not None for p in procs)
            arrived = rx.run_until(last_arrived, min(d.left(), 15))
            tap.ok(held and arrived, '%s: every server sent its %d frames; the last ones arrived' % (title, frames),
                   rx.summary() + '\n' + '\n'.join(p.report() for p in procs))
            # One server closes (vidgear's close(): the terminate message):
            # its pad ends, the others go on.
            procs[0].send_line()
            ended = rx.run_until(lambda: rx.pad_eos[ports[0]] and rx.got('netgear-server-terminated', ports[0]),
                                 d.left())
            with rx.lock:
                others_open = not any(rx.pad_eos[p] for p in ports[1:])
            tap.ok(ended and others_open and not rx.eos,
                   '%s: server on %d closes; its pad ends, the others stay open' % (title, ports[0]), rx.summary())
            for p in procs[1:]:
                p.send_line()
            got_eos = rx.run_until(lambda: rx.eos, d.left())
            exits = [p.wait_exit(d.left()) for p in procs]
            rx.drain_bus()
            tap.ok(got_eos and all(rx.got('netgear-server-terminated', p) for p in ports),
                   '%s: every server\'s terminate ends its port; then the pipeline ends' % title, rx.summary())
            acks = [p.find('CLOSED ') for p in procs]
            tap.ok(exits == [0] * len(procs) and
                   all(a and (pattern == 2 or json.loads(a[0].split(' ', 1)[1]) ==
                              'Termination signal successfully received at client!') for a in acks),
                   '%s: servers exit 0%s' % (title, ', their terminates acknowledged as vidgear acknowledges'
                                             if pattern == 1 else ''),
                   '\n'.join(p.report() for p in procs))
            tap.ok(not rx.errors, '%s: no error on the bus' % title, '\n'.join(rx.errors))
            stats = rx.src.get_property('stats')
            for s, proc in zip(servers, procs):
                label = '%s, port %d %s' % (title, s['port'], s['fmt'])
                pst = stats.get_value('port-%d' % s['port'])
                with rx.lock:
                    recs = list(rx.frames[s['port']])
                if s.get('refused'):
                    warned = [w for w in rx.warnings if str(s['port']) in w]
                    # Pattern 2 may lose the first frames before the subscription is in.
                    n = pst.get_value('dropped-unsupported')
                    counted = n == frames if pattern == 1 else frames // 2 <= n <= frames
                    tap.ok(not recs and counted and warned,
                           '%s: refused, every frame counted as unsupported, a warning names the port' % label,
                           'frames %d, stats %s, warnings %s' % (len(recs), pst.to_string(), rx.warnings))
                    continue
                check_from_server(tap, label, pattern, s, proc, recs, frames, pst)
                if check:
                    check(tap, label, s, proc, recs)
    finally:
        t = rx.stop()
        tap.ok(t < 2.0, '%s: netgearsrc stops in under 2 s' % title, 'took %.2f s' % t)


def frame_number(s, rec):
    """Which of the server's frames a record is: raw frames carry it in
    their first bytes, JPEG frames in their message."""
    if s['fmt'].startswith('jpeg'):
        try:
            return json.loads(rec.get('message') or 'null')['n']
        except (TypeError, KeyError, ValueError):
            return None
    m = rec.get('marker')
    return m[1] if m else None


FORMATS = {  # pynetgear format -> (caps format, channels)
    'bgr': ('BGR', 3), 'gray': ('GRAY8', 1), 'gray3': ('GRAY8', 1),
}


def check_from_server(tap, label, pattern, s, proc, recs, frames, pst):
    sent = sent_lines(proc)
    numbers = [frame_number(s, r) for r in recs]
    check_order(tap, label, pattern, numbers, frames)
    bad = [n for n, r in zip(numbers, recs) if n not in sent or sent[n][0] != r.get('digest')]
    tap.ok(recs and not bad, '%s: every frame byte for byte as the server sent it' % label, 'bad %s' % bad[:8])
    badm = []
    for n, r in zip(numbers, recs):
        try:
            got = json.loads(r.get('message'))
        except (TypeError, ValueError):
            got = 'undecodable %r' % r.get('message')
        if n in sent and not ng.json_equal(got, sent[n][1]):
            badm.append((n, r.get('message'), sent[n][1]))
    tap.ok(recs and not badm, '%s: every frame carries the message sent with it' % label, str(badm[:5]))
    tap.ok(recs and all(r.get('port') == s['port'] and r.get('seq') == k for k, r in enumerate(recs)),
           '%s: meta port %d, seq counts the frames received' % (label, s['port']),
           str([(r.get('port'), r.get('seq')) for r in recs[:5]]))
    tap.ok(pst.get_value('port-mismatch') == 0 and pst.get_value('dropped') == 0,
           '%s: nothing dropped, the header port (%s) matches the socket' %
           (label, 'a string' if s.get('port_as_string') else 'a number'), pst.to_string())
    caps = Gst.Caps.from_string(recs[0]['caps']) if recs else None
    if s['fmt'].startswith('jpeg'):
        cs = 'GRAY' if s['fmt'] == 'jpeg-gray' else 'BGR'
        want = Gst.Caps.from_string('image/jpeg,framerate=0/1,netgear-colorspace=%s' % cs)
        tap.ok(caps is not None and caps.is_equal(want), '%s: caps %s' % (label, want.to_string()),
               recs[0]['caps'] if recs else 'none')
        want_fmt = 'GRAY8' if cs == 'GRAY' else None
        badd = []
        for n, r in zip(numbers, recs):
            dec = decode_jpeg(r['data'])
            colour = ([ngframes.solid_gray(s['index'], n)] * 3 if cs == 'GRAY'
                      else list(ngframes.solid_bgr(s['index'], n)))
            if dec is None or dec[1:3] != (s['width'], s['height']) or not colour_close(dec[3], colour) or \
                    (want_fmt and dec[0] != want_fmt):
                badd.append((n, dec, colour))
        tap.ok(recs and not badd, '%s: jpegdec decodes every frame to %dx%d in the sent colour%s' %
               (label, s['width'], s['height'], ' (GRAY8)' if want_fmt else ''), str(badd[:4]))
    else:
        fmt, _ = FORMATS[s['fmt']]
        want = Gst.Caps.from_string('video/x-raw,format=%s,width=%d,height=%d,framerate=0/1' %
                                    (fmt, s['width'], s['height']))
        tap.ok(caps is not None and caps.is_subset(want) and caps.get_structure(0).get_value('format') == fmt,
               '%s: caps %s %dx%d' % (label, fmt, s['width'], s['height']), recs[0]['caps'] if recs else 'none')


def servers_raw(tap, pattern, base):
    from_python_servers(tap, 'Python servers -> netgearsrc, pattern %d, raw' % pattern, pattern, [
        {'port': base, 'index': 0, 'fmt': 'bgr', 'width': 318, 'height': 200, 'messages': MESSAGES},
        {'port': base + 1, 'index': 1, 'fmt': 'gray', 'width': 160, 'height': 120,
         'messages': list(reversed(MESSAGES)), 'port_as_string': True},
        {'port': base + 2, 'index': 2, 'fmt': 'gray3', 'width': 33, 'height': 17},
        {'port': base + 3, 'index': 3, 'fmt': 'uint16', 'width': 16, 'height': 8, 'refused': True},
    ], frames=12 if pattern == 1 else 30)


def servers_jpeg(tap, pattern, base):
    frames = 10 if pattern == 1 else 30
    msgs = [{'n': k} for k in range(frames)]
    from_python_servers(tap, 'Python servers -> netgearsrc, pattern %d, JPEG' % pattern, pattern, [
        {'port': base, 'index': 0, 'fmt': 'jpeg-bgr', 'width': 96, 'height': 64, 'messages': msgs},
        {'port': base + 1, 'index': 1, 'fmt': 'jpeg-gray', 'width': 80, 'height': 48, 'messages': msgs},
    ], frames=frames)


def servers_bidirectional(tap, base):
    shared = {'shared': 'for every sender', 'u': 'ünïcode ✓'}

    def on_create(rx):
        def compute(_src, port, seq, message):
            # Port base answers per frame; base + 1 gets the reply property.
            if port != base:
                return None
            return json.dumps({'port': port, 'seq': seq, 'echo': json.loads(message)})
        rx.src.connect('compute-reply', compute)
        rx.src.set_property('reply-json', json.dumps(shared))

    def check(tap, label, s, proc, recs):
        replies = {}
        for line in proc.find('REPLY '):
            _, n, text = line.split(' ', 2)
            replies[int(n)] = json.loads(text)
        sent = sent_lines(proc)
        if s['port'] == base:
            want = {n: {'port': base, 'seq': n, 'echo': sent[n][1]} for n in sent}
        else:
            want = {n: shared for n in sent}
        bad = [(n, replies.get(n), want[n]) for n in sorted(want) if not ng.json_equal(replies.get(n), want[n])]
        tap.ok(sent and not bad and not proc.find('RETRY'),
               '%s: the Python server gets its own reply to every frame (%s)' %
               (label, 'compute-reply' if s['port'] == base else 'the reply property'), str(bad[:4]))

    from_python_servers(tap, 'Python servers -> netgearsrc, bidirectional', 1, [
        {'port': base, 'index': 0, 'fmt': 'bgr', 'width': 64, 'height': 48, 'messages': MESSAGES[:5],
         'bidirectional': True},
        {'port': base + 1, 'index': 1, 'fmt': 'gray', 'width': 64, 'height': 48, 'messages': [{'x': 1}],
         'bidirectional': True},
    ], frames=10, src_props='bidirectional=true', on_create=on_create, check=check)


# ------------------------------------------------ the montage script

def montage_of_mixed_senders(tap, base):
    """examples/receiver-montage.sh, as documented for vidgear servers: one
    of our senders (raw BGR) and a vidgear-style server sending grey JPEG
    frames, tiled into a Matroska file."""
    title = 'receiver-montage.sh, netgearsink + Python JPEG server'
    ports = [base, base + 1]
    tile = (160, 120)
    d = ng.Deadline(60)
    with ng.ProcGroup() as group, tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'montage.mkv')
        env = dict(os.environ, ADDRESS=ng.LOOPBACK, PORTS='%d,%d' % tuple(ports), OUTPUT=out, FPS='15',
                   TILE_WIDTH=str(tile[0]), TILE_HEIGHT=str(tile[1]))
        rx = group.add(ng.Proc('receiver-montage.sh', ['bash', os.path.join(EXAMPLES, 'receiver-montage.sh'),
                                                       '-m', '-e'], env=env))
        if not tap.ok(rx.wait_line('Setting pipeline to PLAYING', d.left()) is not None,
                      '%s: the montage starts' % title, rx.report()):
            return
        server = group.add(peer_server(ports[1], 1, 1, 'jpeg-gray', 20, 64, 48, ['--fps', '30']))
        sender = group.add(ng.Proc('sender.sh', ['bash', os.path.join(EXAMPLES, 'sender.sh'), '-q'], env=dict(
            os.environ, ADDRESS=ng.LOOPBACK, PORT=str(ports[0]), NUM_BUFFERS='30', LABEL='', WIDTH='96',
            HEIGHT='64')))

        def both_connected(lines):
            return all(any('netgear-server-connected' in l and 'port=(uint)%d' % p in l for l in lines)
                       for p in ports)
        tap.ok(rx.wait_until(both_connected, d.left()) and server.wait_line('HOLDING', d.left()) is not None,
               '%s: both senders connect' % title, rx.report() + server.report() + sender.report())
        server.send_line()
        codes = [sender.wait_exit(d.left()), server.wait_exit(d.left()), rx.wait_exit(d.left())]
        tap.ok(codes == [0, 0, 0] and rx.find('Got EOS from element'),
               '%s: senders end, the montage ends with EOS' % title, rx.report() + server.report())
        frames = read_montage(out)
        w, h = 2 * tile[0], tile[1]
        sizes = sorted(set((f.shape[1], f.shape[0]) for f in frames))
        tap.ok(len(frames) >= 10 and sizes == [(w, h)], '%s: the file holds %dx%d frames' % (title, w, h),
               '%d frames, sizes %s' % (len(frames), sizes))
        # The grey JPEG tile: decoded (a flat grey, not black) in some frame.
        grey = [f for f in frames if 20 < f[:, tile[0]:, :].mean() and
                max(abs(float(f[:, tile[0]:, a].mean()) - float(f[:, tile[0]:, b].mean()))
                    for a, b in ((0, 1), (1, 2))) < 6]
        tap.ok(grey, '%s: the JPEG sender\'s tile shows its grey picture' % title, '%d frames' % len(frames))


def read_montage(path):
    """Every frame of a Matroska montage, as BGR arrays."""
    p = Gst.parse_launch('filesrc location="%s" ! matroskademux ! decodebin ! videoconvert ! '
                         'video/x-raw,format=BGR ! appsink name=s sync=false' % path)
    s = p.get_by_name('s')
    p.set_state(Gst.State.PLAYING)
    out = []
    try:
        for _ in range(10000):
            sample = s.emit('try-pull-sample', 5 * Gst.SECOND)
            if sample is None:
                break
            info = ng.video_info(sample.get_caps())
            packed = ng.pack(info, ng.buffer_bytes(sample.get_buffer()))
            out.append(ng.np.frombuffer(packed, dtype=ng.np.uint8).reshape(info.height, info.width, 3))
    finally:
        p.set_state(Gst.State.NULL)
    return out


# ------------------------------------------------ real vidgear, when installed

VIDGEAR_EXAMPLES = os.path.join(EXAMPLES, 'vidgear')
VG_LINE = re.compile(r'^port=(\S+) message=(.*) dtype=(\S+) shape=(\[.*\]) sha256=(\w+)$')


def python_missing(module):
    """Why `module` cannot be imported by the peers' Python, or None."""
    try:
        r = subprocess.run([ng.PYTHON, '-c', 'import %s' % module], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return 'importing %s takes over 60 s' % module
    if r.returncode != 0:
        return '%s is not installed for %s' % (module, ng.PYTHON)
    return None


def vidgear_client_from_our_senders(tap, pattern, base, secure=None):
    """secure: (secure-mode, keys dir): the vidgear client makes its key set
    in the empty dir, our senders then take it as keys-dir."""
    title = 'vidgear client <- our senders, pattern %d%s%s' % (pattern, ', bidirectional' if pattern == 1 else '',
                                                                ', ' + secure[0] if secure else '')
    caps = ['video/x-raw,format=BGR,width=318,height=200,framerate=30/1',
            'video/x-raw,format=GRAY8,width=160,height=120,framerate=30/1']
    shapes = [[200, 318, 3], [120, 160]]
    ports = [base, base + 1]
    frames = 12 if pattern == 1 else 30
    d = ng.Deadline(60)
    with ng.ProcGroup() as group:
        args = ['--address', ng.LOOPBACK, '--ports', '%d,%d' % tuple(ports), '--pattern', str(pattern)]
        if pattern == 1:
            args.append('--bidirectional')
        if secure:
            args += ['--secure-mode', str(SECURE_MODES[secure[0]]), '--keys', secure[1]]
        client = group.add(ng.Proc('vidgear-client.py', [ng.PYTHON, os.path.join(VIDGEAR_EXAMPLES,
                                                                                 'vidgear-client.py')] + args))
        if not tap.ok(client.wait_line('listening', d.left()) is not None, '%s: vidgear client listening' % title,
                      client.report()):
            return
        sink_props = []
        if secure:
            if not tap.ok(vidgear_keys(secure[1]), '%s: vidgear made its key set' % title, client.report()):
                return
            sink_props = ['--props', 'secure-mode=%s keys-dir="%s"' % secure]
        procs = [ng.start_sender(group, port, i, frames, pattern=pattern, caps=c, sync=1 if pattern == 2 else 0,
                                 hold=True, timeout=50,
                                 extra=['--frame-messages', json.dumps([{'n': k, 'u': 'ünï ✓'}
                                                                        for k in range(frames)])] +
                                 (['--bidirectional'] if pattern == 1 else []) + sink_props)
                 for i, (port, c) in enumerate(zip(ports, caps))]

        # vidgear's recv() stops handing out queued frames once every
        # sender has terminated: in pattern 1, where every frame arrives,
        # the senders leave once the application has had their last one.
        last = (lambda p: '"n": %d,' % (frames - 1)) if pattern == 1 else (lambda p: '')

        def seen_all(lines):
            return all(any(l.startswith('port=%d ' % p) and last(p) in l for l in lines) for p in ports)
        tap.ok(client.wait_until(seen_all, d.left()) and all(p.wait_line('HOLDING', d.left()) for p in procs),
               '%s: vidgear receives from both senders%s' % (title, ', every frame' if pattern == 1 else ''),
               client.report() + '\n' + '\n'.join(p.report() for p in procs))
        for p in procs:
            p.send_line()
        rc = client.wait_exit(d.left())
        tap.ok(rc == 0 and client.find('all senders terminated'),
               '%s: both terminates reach vidgear, which ends' % title, client.report())
        exits = [p.wait_exit(d.left()) for p in procs]
        tap.ok(exits == [0, 0] and all(p.find('EOS') for p in procs), '%s: senders end with EOS' % title,
               '\n'.join(p.report() for p in procs))
        lines = [VG_LINE.match(l) for l in client.find('port=')]
        for i, (port, proc) in enumerate(zip(ports, procs)):
            label = '%s, port %d' % (title, port)
            recs = [(json.loads(m.group(2)), m.group(3), json.loads(m.group(4)), m.group(5))
                    for m in lines if m and json.loads(m.group(1)) == port]
            ns = [r[0].get('n') if isinstance(r[0], dict) else None for r in recs]
            check_order(tap, label, pattern, ns, frames)
            bad = [n for n, (msg, dtype, shape, dig) in zip(ns, recs)
                   if dtype != 'uint8' or shape != shapes[i] or not isinstance(n, int) or
                   dig != ng.expected_digest(caps[i], i, n) or msg.get('u') != 'ünï ✓']
            tap.ok(recs and not bad, '%s: vidgear rebuilds every frame (uint8 %s) byte for byte, with its message' %
                   (label, shapes[i]), 'bad %s\n%s' % (bad[:5], client.report()))
            if pattern == 1:
                replies = sender_replies(proc)
                vals = [json.loads(replies[k]) for k in sorted(replies)]
                tap.ok(len(vals) == frames and all(isinstance(v, dict) and isinstance(v.get('received'), int)
                                                   for v in vals),
                       '%s: every frame gets vidgear\'s reply (its shared return_data)' % label, str(vals[:5]))


def vidgear_servers_to_netgearsrc(tap, pattern, base, jpeg=False, secure=None):
    """secure: (secure-mode, keys dir holding a vidgear key set)."""
    title = 'vidgear servers -> netgearsrc, pattern %d%s%s%s' % (pattern, ', bidirectional' if pattern == 1 else '',
                                                                 ', JPEG' if jpeg else '',
                                                                 ', ' + secure[0] if secure else '')
    ports = [base, base + 1]
    more = ['--jpeg'] if jpeg else []
    src_props = 'bidirectional=true' if pattern == 1 else ''
    if secure:
        more += ['--secure-mode', str(SECURE_MODES[secure[0]]), '--keys', secure[1]]
        src_props += ' secure-mode=%s keys-dir="%s"' % secure
    # The second runs 3 s, far longer than the first needs to start.
    specs = [(ports[0], 'porch', 12, more), (ports[1], 'garage', 90, ['--gray'] + more)]
    d = ng.Deadline(60)
    rx = ng.Receiver(ports, pattern=pattern, src_props=src_props, keep_data=jpeg)
    if pattern == 1:
        rx.src.connect('compute-reply', lambda _s, port, seq, message: json.dumps(
            {'port': port, 'seq': seq, 'echo': json.loads(message)}))
    try:
        if not tap.ok(rx.start(), '%s: netgearsrc reaches PLAYING' % title, rx.summary()):
            return
        with ng.ProcGroup() as group:
            def server(port, name, frames, extra):
                args = ['--address', ng.LOOPBACK, '--port', str(port), '--pattern', str(pattern), '--name', name,
                        '--frames', str(frames), '--width', '96', '--height', '64'] + extra
                if pattern == 1:
                    args.append('--bidirectional')
                return group.add(ng.Proc('vidgear-server.py %d' % port, [
                    ng.PYTHON, os.path.join(VIDGEAR_EXAMPLES, 'vidgear-server.py')] + args))
            # The longer-running server first, and the short one once it
            # streams: the receiver ends when every sender it has seen has
            # terminated, so the short one must not end before the other
            # was seen.
            procs = [None, server(*specs[1])]
            tap.ok(rx.run_until(lambda: rx.count(ports[1]) > 0, d.left()), '%s: frames from the first server' % title,
                   rx.summary() + procs[1].report())
            procs[0] = server(*specs[0])
            got_eos = rx.run_until(lambda: rx.eos, d.left())
            exits = [p.wait_exit(d.left()) for p in procs]
            rx.drain_bus()
            tap.ok(got_eos and all(rx.got('netgear-server-terminated', p) for p in ports) and exits == [0, 0],
                   '%s: each vidgear close() ends its port, then the pipeline ends' % title,
                   rx.summary() + '\n' + '\n'.join(p.report() for p in procs))
            tap.ok(not rx.errors, '%s: no error on the bus' % title, '\n'.join(rx.errors))
            if secure:
                tap.ok(not any(n == 'netgear-auth-failed' for _, n, _f in rx.messages),
                       '%s: no sender refused' % title, str(rx.messages))
            for (port, name, frames, extra), proc in zip(specs, procs):
                label = '%s, port %d' % (title, port)
                sent = {}
                for line in proc.find('sent frame '):
                    _, _, n, dig = line.split(' ')
                    sent[int(n)] = dig.split('=', 1)[1]
                with rx.lock:
                    recs = list(rx.frames[port])
                msgs = [json.loads(r['message']) for r in recs]
                ns = [m.get('frame') for m in msgs]
                check_order(tap, label, pattern, ns, frames)
                gray = '--gray' in extra
                if jpeg:
                    # The server prints digests of its pictures before
                    # compression: check the caps and that jpegdec decodes.
                    want = Gst.Caps.from_string('image/jpeg,framerate=0/1,netgear-colorspace=%s' %
                                                ('GRAY' if gray else 'BGR'))
                    decoded = [decode_jpeg(r['data']) for r in recs]
                    tap.ok(recs and all(Gst.Caps.from_string(r['caps']).is_equal(want) for r in recs) and
                           all(dd is not None and dd[1:3] == (96, 64) and dd[0] == ('GRAY8' if gray else dd[0])
                               for dd in decoded) and all(m.get('camera') == name for m in msgs),
                           '%s: caps %s, jpegdec decodes every frame, messages intact' % (label, want.to_string()),
                           '%s %s' % (recs[0]['caps'] if recs else '', decoded[:2]))
                else:
                    bad = [n for n, r, m in zip(ns, recs, msgs)
                           if sent.get(n) != r['digest'] or m.get('camera') != name]
                    tap.ok(recs and not bad, '%s: every frame byte for byte, with its message' % label, str(bad[:5]))
                    fmt = 'GRAY8' if gray else 'BGR'
                    tap.ok(recs and Gst.Caps.from_string(recs[0]['caps']).get_structure(0).get_value('format') == fmt,
                           '%s: caps %s' % (label, fmt), recs[0]['caps'] if recs else '')
                if pattern == 1:
                    replies = {}
                    for line in proc.find('reply to frame '):
                        head, text = line.split(': ', 1)
                        replies[int(head.split(' ')[3])] = json.loads(text)
                    badr = [n for n in range(frames) if replies.get(n) != {
                        'port': port, 'seq': n, 'echo': {'camera': name, 'frame': n}}]
                    tap.ok(not badr, '%s: vidgear gets netgearsrc\'s answer to each of its frames' % label,
                           'bad %s: %s' % (badr[:5], [replies.get(n) for n in badr[:3]]))
    finally:
        t = rx.stop()
        tap.ok(t < 2.0, '%s: netgearsrc stops in under 2 s' % title, 'took %.2f s' % t)


# vidgear's multi-server examples: each server's text, and the client's
# answer in bidirectional mode.
SEED_TEXT = "I'm Server-%d at Port: %d"
SEED_REPLY = 'Hi, I am a Client here.'
SEED_FRAME = re.compile(r'^FRAME port=(\S+) .* message=(.*)$')


def seed_senders(tap, base, client_kind):
    """The senders of vidgear's "custom data transfer" and "bidirectional
    mode" multi-server examples, two each, as gst-launch-1.0 lines typed the
    way the examples write their messages (message="I'm Server-1 at Port:
    5577", run through bash as written): a NetGear client (pynetgear, or
    vidgear itself) gets each text as the Python str, and in bidirectional
    mode each sender gets the client's text answer."""
    ports = [base, base + 1]
    frames = 30
    for bidirectional in (False, True):
        title = 'seed %s senders -> %s client' % ('bidirectional' if bidirectional else 'custom-data', client_kind)
        d = ng.Deadline(40)
        with ng.ProcGroup() as group:
            if client_kind == 'vidgear':
                argv = [ng.PYTHON, os.path.join(VIDGEAR_EXAMPLES, 'vidgear-client.py'), '--address', ng.LOOPBACK,
                        '--ports', '%d,%d' % tuple(ports)]
                if bidirectional:
                    argv += ['--bidirectional', '--reply', SEED_REPLY]
                client = group.add(ng.Proc('vidgear-client.py', argv))
                ready = 'listening'
            else:
                extra = ['--bidirectional', '--reply-mode', 'fixed', '--reply', json.dumps(SEED_REPLY)] \
                    if bidirectional else []
                client = group.add(peer_client(ports, 1, extra))
                ready = 'LISTENING'
            if not tap.ok(client.wait_line(ready, d.left()) is not None, '%s: client listening' % title,
                          client.report()):
                continue
            senders = []
            for k, port in enumerate(ports, 1):
                line = ('exec gst-launch-1.0 -m videotestsrc num-buffers=%d ! '
                        'video/x-raw,format=BGR,width=320,height=240,framerate=30/1 ! '
                        'netgearsink address=127.0.0.1 port=%d message="%s"%s') % (
                            frames, port, SEED_TEXT % (k, port), ' bidirectional=true' if bidirectional else '')
                senders.append(group.add(ng.Proc('sender %d' % port, ['bash', '-c', line])))
            codes = [s.wait_exit(d.left()) for s in senders]
            rc = client.wait_exit(d.left())
            everything = client.report() + '\n' + '\n'.join(s.report() for s in senders)
            tap.ok(codes == [0, 0] and rc == 0, '%s: senders and client end (exit 0)' % title, everything)
            for k, (port, s) in enumerate(zip(ports, senders), 1):
                want = SEED_TEXT % (k, port)
                if client_kind == 'vidgear':
                    got = [json.loads(m.group(2)) for m in map(VG_LINE.match, client.find('port=')) if m and
                           json.loads(m.group(1)) == port]
                else:
                    # Not client_frames(): a reply with spaces is no FRAME field it parses.
                    got = [json.loads(m.group(2)) for m in map(SEED_FRAME.match, client.find('FRAME ')) if m and
                           json.loads(m.group(1)) == port]
                tap.ok(len(got) >= frames // 2 and all(g == want for g in got),
                       '%s, port %d: every frame carries the str %r (%d frames)' % (title, port, want, len(got)),
                       'got %s' % sorted(set(map(repr, got)))[:5])
                if bidirectional:
                    replies = [l for l in s.find('') if 'netgear-reply' in l]
                    good = [l for l in replies if 'return-type=(string)str' in l and
                            'Hi\\,\\ I\\ am\\ a\\ Client\\ here.' in l]
                    # A frame before the connection is up is dropped (the
                    # sender's default), so not always all of them.
                    tap.ok(len(replies) >= frames // 2 and len(good) == len(replies) and len(replies) >= len(got),
                           '%s, port %d: the str answer "%s" to every frame the client got' % (title, port, SEED_REPLY),
                           '%d replies, %d of them right\n%s' % (len(replies), len(good), '\n'.join(replies[:3])))


def seed_client(tap, base, server_kind):
    """The client of vidgear's bidirectional multi-server example as a
    gst-launch-1.0 line (netgearsrc reply="Hi, I am a Client here.", run
    through bash as written): two NetGear servers (pynetgear, or vidgear's)
    get that text as the Python str with every frame."""
    ports = [base, base + 1]
    frames = 20
    title = 'seed bidirectional client (gst-launch) <- %s servers' % server_kind
    d = ng.Deadline(40)
    with ng.ProcGroup() as group:
        line = ('exec gst-launch-1.0 netgearsrc name=s address=127.0.0.1 ports=%d,%d bidirectional=true '
                'reply="%s" s.src_%d ! fakesink s.src_%d ! fakesink') % (ports[0], ports[1], SEED_REPLY, *ports)
        rx = group.add(ng.Proc('netgearsrc', ['bash', '-c', line]))
        if not tap.ok(rx.wait_line('Setting pipeline to PLAYING', d.left()) is not None, '%s: receiver plays' % title,
                      rx.report()):
            return
        servers = []
        for k, port in enumerate(ports):
            if server_kind == 'vidgear':
                argv = [ng.PYTHON, os.path.join(VIDGEAR_EXAMPLES, 'vidgear-server.py'), '--address', ng.LOOPBACK,
                        '--port', str(port), '--name', 'server%d' % k, '--frames', str(frames), '--width', '96',
                        '--height', '64', '--bidirectional']
            else:
                argv = [ng.PYTHON, PEER, 'server', '--address', ng.LOOPBACK, '--port', str(port), '--format', 'bgr',
                        '--width', '96', '--height', '64', '--frames', str(frames), '--index', str(k),
                        '--bidirectional', '--fps', '30']
            servers.append(group.add(ng.Proc('%s server %d' % (server_kind, port), argv)))
        codes = [srv.wait_exit(d.left()) for srv in servers]
        tap.ok(codes == [0, 0] and rx.wait_exit(d.left()) == 0, '%s: servers and receiver end (exit 0)' % title,
               rx.report() + '\n' + '\n'.join(srv.report() for srv in servers))
        for port, srv in zip(ports, servers):
            if server_kind == 'vidgear':
                got = [json.loads(l.split(': ', 1)[1]) for l in srv.find('reply to frame ')]
            else:
                got = [json.loads(l.split(' ', 2)[2]) for l in srv.find('REPLY ')]
            tap.ok(len(got) == frames and all(g == SEED_REPLY for g in got),
                   '%s, port %d: the str %r answers every frame' % (title, port, SEED_REPLY),
                   'got %s' % got[:3])


def real_vidgear(tap):
    """vidgear is not a Debian package: users install it with pip, and then
    these checks run too (as they did while this was written, with vidgear
    0.3.5 from its source; see docs/interop.md)."""
    why = python_missing('vidgear.gears')
    if why:
        tap.skip('real vidgear peers (examples/vidgear)', why)
        return
    seed_senders(tap, 27278, 'vidgear')
    seed_client(tap, 27278, 'vidgear')
    vidgear_client_from_our_senders(tap, 1, 27284)
    vidgear_client_from_our_senders(tap, 2, 27286)
    vidgear_servers_to_netgearsrc(tap, 1, 27284)
    vidgear_servers_to_netgearsrc(tap, 2, 27286)
    why = python_missing('simplejpeg')
    if why:
        tap.skip('vidgear JPEG servers', why)
    else:
        vidgear_servers_to_netgearsrc(tap, 1, 27288, jpeg=True)
    real_vidgear_secure(tap)


SECURE_MODES = {'stonehouse': 1, 'ironhouse': 2}  # vidgear's secure_mode


def vidgear_keys(root):
    """Whether root holds a vidgear key set (custom_cert_location layout)."""
    keys = os.path.join(root, '.vidgear', 'keys')
    return all(os.path.isfile(os.path.join(keys, f)) for f in (
        'public_keys/server.key', 'public_keys/client.key',
        'private_keys/server.key_secret', 'private_keys/client.key_secret'))


def real_vidgear_secure(tap):
    """Secure mode against vidgear, with its own key set (its
    custom_cert_location is our keys-dir). Not pattern 2 into a vidgear
    client: vidgear's SUB socket (receive HWM 1) under its ZAP authenticator
    receives nothing in secure mode, not even from vidgear's own PUB
    servers. vidgear also admits only its own bind address (127.0.0.1 here),
    so these runs stay on loopback."""
    with tempfile.TemporaryDirectory() as made_by_client, tempfile.TemporaryDirectory() as made_by_helper:
        vidgear_client_from_our_senders(tap, 1, 27330, secure=('ironhouse', made_by_client))
        # netgearsrc needs its keys before any vidgear server runs: they
        # come from the function vidgear's NetGear makes its key sets with.
        try:
            r = subprocess.run([ng.PYTHON, '-c', 'import sys\nfrom vidgear.gears.helper import '
                                'generate_auth_certificates as g\ng(sys.argv[1])', made_by_helper],
                               capture_output=True, text=True, timeout=60)
            made = 'rc=%d\n%s' % (r.returncode, r.stderr[-2000:])
        except subprocess.TimeoutExpired:
            made = 'timed out'
        if tap.ok(vidgear_keys(made_by_helper), 'vidgear\'s generate_auth_certificates makes a key set', made):
            vidgear_servers_to_netgearsrc(tap, 1, 27332, secure=('ironhouse', made_by_helper))
            vidgear_servers_to_netgearsrc(tap, 2, 27334, secure=('stonehouse', made_by_helper))


def body(tap):
    peer_selftest(tap)
    our_senders_raw(tap, 1, 27240)
    our_senders_raw(tap, 2, 27243)
    our_senders_jpeg(tap, 1, 27246)
    our_senders_jpeg(tap, 2, 27248)
    our_senders_bidirectional(tap, 27250)
    silent_sink_to_python_client(tap, 27256)
    servers_raw(tap, 1, 27260)
    servers_raw(tap, 2, 27264)
    servers_jpeg(tap, 1, 27270)
    servers_jpeg(tap, 2, 27272)
    servers_bidirectional(tap, 27280)
    montage_of_mixed_senders(tap, 27282)
    seed_senders(tap, 27276, 'pynetgear')
    seed_client(tap, 27276, 'pynetgear')
    real_vidgear(tap)


ng.run_main(body)
