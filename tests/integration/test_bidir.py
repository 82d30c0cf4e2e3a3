#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Bidirectional mode across processes: the receiver's answers reach each
sender, matched to the frame they answer.

  * 4 senders, replies computed per frame (compute-reply): every sender gets
    one reply per frame, naming its own port, the frame's sequence number and
    the message that frame carried; the reply signal and the netgear-reply
    bus message agree.
  * The shared reply property, changed while playing: each sender sees the
    old value, then only the new one, from the next frame the receiver reads.
  * Without a reply set, each frame is answered with null (NoneType), as a
    vidgear client does before recv(return_data=...).
  * Mismatched ends: a bidirectional sender facing a plain receiver warns
    once and goes on; a plain sender ignores a bidirectional receiver's
    answers.
Ports 27210-27229."""
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multisender  # noqa: E402
import ngtest as ng  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=64,height=48,framerate=30/1'


def replies(proc):
    """[(seq, port, pts, value)] from REPLY lines, and [(seq, port, type,
    value)] from REPLYMSG lines."""
    sig, msg = [], []
    for l in proc.find('REPLY '):
        _, seq, port, pts, text = l.split(' ', 4)
        sig.append((int(seq), int(port), int(pts), json.loads(text)))
    for l in proc.find('REPLYMSG '):
        _, seq, port, rtype, text = l.split(' ', 4)
        msg.append((int(seq), int(port), rtype, json.loads(text)))
    return sig, msg


def per_frame(tap):
    ports = [27210, 27211, 27212, 27213]
    frames = 40
    items = [[{'sender': i, 'k': k} for k in range(5)] for i in range(len(ports))]
    calls = []
    lock = threading.Lock()

    def compute(_src, port, seq, message):
        with lock:
            calls.append((port, seq))
        return json.dumps({'port': port, 'seq': seq, 'echo': json.loads(message)})

    def check(tap, label, i, proc, recs):
        sig, msg = replies(proc)
        port = ports[i]
        tap.ok([s for s, *_ in sig] == list(range(frames)),
               '%s: one reply per frame, in order (reply signal)' % label, proc.report())
        bad = [(seq, p, v) for seq, p, _, v in sig
               if p != port or v != {'port': port, 'seq': seq, 'echo': items[i][seq % 5]}]
        tap.ok(sig and not bad, '%s: each reply answers this sender\'s own frame (port, seq, message)' % label,
               'wrong: %s' % bad[:5])
        tap.ok(all(pts == seq * 33333333 for seq, _, pts, _ in sig),
               '%s: the reply signal hands over the very buffer answered (its PTS)' % label, str(sig[:5]))
        tap.ok([(s, p, v) for s, p, _, v in sig] == [(s, p, v) for s, p, _, v in msg] and
               all(t == 'dict' for _, _, t, _ in msg),
               '%s: netgear-reply messages say the same, return-type dict' % label,
               'signal %s\nmessages %s' % (sig[:3], msg[:3]))
        st = proc.stats()
        tap.ok(st is not None and st.get_value('replies') == frames, '%s: sender stats count %d replies' %
               (label, frames), st.to_string() if st else '')

    def start_hook(rx):
        rx.src.connect('compute-reply', compute)

    multisender.run(tap, ports, pattern=1, frames=frames, caps=CAPS, sync=False, exact=True,
                    title='bidirectional, 4 senders, compute-reply',
                    rx_args={'src_props': 'bidirectional=true', 'on_create': start_hook},
                    sender_args=[['--bidirectional', '--frame-messages', json.dumps(items[i])]
                                 for i in range(len(ports))],
                    expect_message=lambda i, seq: items[i][seq % 5], check=check)
    with lock:
        n = len(calls)
        per_port = {p: sorted(s for q, s in calls if q == p) for p in ports}
    tap.ok(n == frames * len(ports) and all(v == list(range(frames)) for v in per_port.values()),
           'compute-reply was asked once per frame of every sender', 'calls %d; per port %s' % (n, per_port))


def changed_reply(tap):
    """reply property set from the appsink callback of sender 0's frame AT:
    its frames the receiver had read by then (AT + max-buffers at most) keep
    the old value, every later one gets the new; the other sender, at its
    own pace, switches once at most."""
    ports = [27214, 27215]
    frames, at, max_buffers = 40, 15, 1
    switched = {}

    def on_record(port, rec):
        if rec.get('seq') == at and port == ports[0]:
            switched[port] = True
            rx_ref[0].src.set_property('reply-json', '{"value": "after"}')

    rx_ref = [None]

    def created(rx):
        rx_ref[0] = rx

    def check(tap, label, i, proc, recs):
        sig, _ = replies(proc)
        vals = [(seq, v.get('value')) for seq, _, _, v in sig]
        tap.ok(len(vals) == frames, '%s: one reply per frame' % label, proc.report())
        k = next((n for n, (_, v) in enumerate(vals) if v == 'after'), len(vals))
        tap.ok(all(v == 'before' for _, v in vals[:k]) and all(v == 'after' for _, v in vals[k:]),
               '%s: the reply switches at most once, from the old value to the new' % label, str(vals))
        if i == 0:
            # The change was made on seeing this sender's frame AT.
            tap.ok(all(v == 'before' for seq, v in vals if seq <= at),
                   '%s: frames up to the one that prompted the change got the old reply' % label, str(vals))
            tap.ok(all(v == 'after' for seq, v in vals if seq > at + max_buffers),
                   '%s: every frame read after the change gets the new reply' % label, str(vals))

    multisender.run(tap, ports, pattern=1, frames=frames, caps=CAPS, sync=False, exact=True,
                    title='bidirectional, reply changed while playing',
                    rx_args={'src_props': 'bidirectional=true reply-json="{\\"value\\":\\"before\\"}"',
                             'max_buffers': max_buffers, 'on_record': on_record, 'on_create': created},
                    sender_args=[['--bidirectional']] * len(ports), check=check)
    tap.ok(switched.get(ports[0]), 'the reply was changed at frame %d' % at, str(switched))


def default_reply(tap):
    def check(tap, label, i, proc, recs):
        sig, msg = replies(proc)
        tap.ok(len(sig) == 10 and all(v is None for *_, v in sig) and all(t == 'NoneType' for _, _, t, _ in msg),
               '%s: without a reply set, each frame is answered with null (NoneType), as vidgear' % label,
               proc.report())

    multisender.run(tap, [27216], pattern=1, frames=10, caps=CAPS, sync=False, exact=True,
                    title='bidirectional, no reply set', rx_args={'src_props': 'bidirectional=true'},
                    sender_args=[['--bidirectional']], check=check)


def mismatched(tap):
    def plain_receiver(tap, label, i, proc, recs):
        sig, msg = replies(proc)
        warn = [l for l in proc.find('WARNING ') if 'does not answer in bidirectional mode' in l]
        tap.ok(not sig and not msg, '%s: no replies handed over from a plain receiver' % label, proc.report())
        tap.ok(len(warn) == 1, '%s: one warning says the receiver is not bidirectional' % label, proc.report())

    multisender.run(tap, [27217], pattern=1, frames=10, caps=CAPS, sync=False, exact=True,
                    title='bidirectional sender, plain receiver', sender_args=[['--bidirectional']],
                    check=plain_receiver)

    def plain_sender(tap, label, i, proc, recs):
        sig, msg = replies(proc)
        tap.ok(not sig and not msg and not proc.find('WARNING '),
               '%s: a plain sender ignores the answers, no warning' % label, proc.report())

    multisender.run(tap, [27218], pattern=1, frames=10, caps=CAPS, sync=False, exact=True,
                    title='plain sender, bidirectional receiver',
                    rx_args={'src_props': 'bidirectional=true reply-json=7'}, check=plain_sender)


def resent_after_drop(tap):
    """A frame dropped (its size disagrees with its header) and then sent
    again whole must get its own answer, not the one of the frame before."""
    import zmq
    port = 27219
    rx = ng.Receiver([port], pattern=1, src_props='bidirectional=true')
    rx.src.set_property('reply', 'shared')
    computed = []

    def compute(_s, p, seq, m):
        computed.append(seq)
        return json.dumps({'answer_to': seq})
    rx.src.connect('compute-reply', compute)
    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, 5000)
    try:
        tap.ok(rx.start(), 'resent after a drop: receiver reaches PLAYING', rx.summary())
        req.connect('tcp://127.0.0.1:%d' % port)
        caps = 'video/x-raw,format=BGR,width=4,height=2,framerate=30/1'

        def frame(seq, c):
            # dtype/shape agree with the payload; the caps may not (then the
            # frame is dropped after its header was read).
            h = {'port': port, 'terminate_flag': False, 'compression': False, 'message': None, 'pattern': '1',
                 'dtype': 'uint8', 'shape': [2, 4, 3],
                 'gst': {'v': 1, 'caps': c, 'layout': 'packed', 'seq': seq, 'stream': 7}}
            req.send_multipart([json.dumps(h).encode(), bytes(24)])
            return json.loads(req.recv())['data']

        got = [frame(0, caps), frame(1, caps.replace('width=4', 'width=5')), frame(1, caps)]
        tap.ok(got == [{'answer_to': 0}, 'shared', {'answer_to': 1}],
               'resent after a drop: frame 0 answered, its dropped successor gets the shared reply, and that '
               'frame sent again, repaired, gets its own answer', str(got))
        tap.ok(rx.run_until(lambda: rx.count(port) == 2, 5),
               'resent after a drop: the repaired frame is delivered', rx.summary())
        # The newest frame again, as a sender whose acknowledgement was lost
        # sends it: the answer it got, not the shared reply nor a new one.
        again = frame(1, caps)
        tap.ok(again == {'answer_to': 1} and computed == [0, 1],
               'a delivered frame sent again gets the answer it got, without computing another',
               'answer %s, compute-reply called for %s' % (again, computed))
        tap.ok(not rx.run_until(lambda: rx.count(port) > 2, 0.5) and rx.count(port) == 2,
               'a delivered frame sent again is not delivered twice', rx.summary())
    finally:
        req.close()
        ctx.term()
        rx.stop()


def body(tap):
    resent_after_drop(tap)
    per_frame(tap)
    changed_reply(tap)
    default_reply(tap)
    mismatched(tap)


ng.run_main(body)
