#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Acknowledged frames in flight (netgearsink max-in-flight, pattern 1),
across processes, through tcpproxy.py: a loopback TCP relay that delays
every byte in each direction (a slow link) and that the test can cut
(every connection closed, what it held lost).

  * A 100 ms round trip (50 ms each way), 60 frames at 30 fps: with
    max-in-flight=1 one frame is in flight at a time (the sender's stats
    say so); with max-in-flight=4 several are, never more than 4. Either
    way every frame arrives once, in order, byte for byte, and the stream
    ends with the sender's terminate. The frame rates are printed, not
    judged (bench/slowlink measures them).
  * The link cut three times mid-stream with max-in-flight=4, each time as
    a frame reaches the application (its acknowledgement still on the
    link): the frames that were on it go again, in order, on a new
    connection (stats: resent); netgearsrc drops the copies of frames it
    had (stats: dropped-duplicate); the application gets every frame once,
    in order.
  * The same in bidirectional mode: each frame's reply (compute-reply,
    asked once per frame, copies not recomputed) reaches the sender with
    the buffer it answers, once, in order, also for frames sent twice.
  * A Python NetGear client (pynetgear.py: one REP socket per port, as
    vidgear's) behind the slow link takes several frames in flight: every
    frame once, in order.
Ports 27464-27479."""
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from tcpproxy import TcpProxy  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=160,height=120,framerate=30/1'
PEER = os.path.join(ng.HERE, 'pynetgear.py')


def expect(index):
    return lambda n: ng.expected_digest(CAPS, index, n)


def sender(port, frames, n, extra=()):
    return ng.Proc('sender (max-in-flight=%d)' % n, ng.sender_argv(
        port, 0, frames, caps=CAPS, sync=True, timeout=40,
        extra=['--props', 'max-in-flight=%d' % n] + list(extra)))


def rate(rx, port):
    with rx.lock:
        t = [r['time'] for r in rx.frames[port]]
    return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 0.0


def delayed(tap, n, port, proxy_port):
    label = 'max-in-flight=%d, 100 ms round trip' % n
    frames = 60
    rx = ng.Receiver([port])
    with TcpProxy(proxy_port, port, delay_s=0.05), ng.ProcGroup() as group:
        if not ng.started(tap, label, rx):
            return
        try:
            tx = group.add(sender(proxy_port, frames, n))
            done = rx.run_until(lambda: rx.pad_eos[port], 40)
            tap.ok(done, '%s: the stream ends with the terminate' % label, rx.summary() + '\n' + tx.report())
            ng.check_stream(tap, rx, port, label, frames, True, expect(0))
            tap.ok(tx.wait_exit(10) == 0 and tx.find('EOS'), '%s: the sender reaches EOS' % label, tx.report())
            st = tx.stats()
            tap.ok(st is not None and st.get_value('acknowledged') >= frames + 1,
                   '%s: every frame and the terminate acknowledged' % label, st.to_string() if st else tx.report())
            top = st.get_value('in-flight-max') if st else None
            if n == 1:
                tap.ok(top == 1, '%s: one frame in flight at a time (in-flight-max %s)' % (label, top))
            else:
                tap.ok(top is not None and 2 <= top <= n,
                       '%s: several frames in flight, never more than %d (in-flight-max %s)' % (label, n, top))
            tap.diag('%s: %.1f frames/s arrived; sender %s' % (label, rate(rx, port),
                                                                st.to_string() if st else None))
        finally:
            rx.stop()


def port_stats(rx, port):
    """The port's counters, as a dict (the nested structure lives only as
    long as the outer one)."""
    st = rx.src.get_property('stats')
    if not st.has_field('port-%d' % port):
        return None
    sub = st.get_value('port-%d' % port)
    return {sub.nth_field_name(i): sub.get_value(sub.nth_field_name(i)) for i in range(sub.n_fields())}


def cut_link(tap, port, proxy_port, bidirectional):
    label = 'link cut 3 times, max-in-flight=4%s' % (', bidirectional' if bidirectional else '')
    frames = 120
    cut_at = (20, 50, 80)
    calls = []
    lock = threading.Lock()

    def compute(_src, p, seq, _message):
        with lock:
            calls.append(seq)
        return json.dumps({'port': p, 'seq': seq})

    proxy = TcpProxy(proxy_port, port, delay_s=0.05)
    closed = []
    seen = [0]

    # Cut as frame k reaches the application: its acknowledgement, sent
    # before the push, is then on the link's way back and dies with it, so
    # the sender sends that frame again and the receiver gets a copy.
    def on_record(_port, _rec):
        seen[0] += 1
        if seen[0] in cut_at:
            closed.append(proxy.cut())

    rx = ng.Receiver([port], src_props='bidirectional=true' if bidirectional else '', on_record=on_record)
    if bidirectional:
        rx.src.connect('compute-reply', compute)
    with proxy, ng.ProcGroup() as group:
        if not ng.started(tap, label, rx):
            return
        try:
            tx = group.add(sender(proxy_port, frames, 4, ['--bidirectional'] if bidirectional else []))
            rx.run_until(lambda: len(closed) == len(cut_at), 30)
            tap.ok(len(closed) == 3 and all(c == 1 for c in closed),
                   '%s: each cut closed the sender\'s connection' % label, 'closed %s\n%s' % (closed, rx.summary()))
            done = rx.run_until(lambda: rx.pad_eos[port], 40)
            tap.ok(done, '%s: the stream ends with the terminate' % label, rx.summary() + '\n' + tx.report())
            ng.check_stream(tap, rx, port, label, frames, True, expect(0))
            tap.ok(tx.wait_exit(10) == 0 and tx.find('EOS') and not tx.find('ERROR'),
                   '%s: the sender reaches EOS, no error' % label, tx.report())
            st = tx.stats()
            tap.ok(st is not None and st.get_value('resent') >= 1 and
                   st.get_value('lost') + st.get_value('timeouts') >= 3,
                   '%s: sender stats: 3 failed attempts or more, frames resent' % label,
                   st.to_string() if st else tx.report())
            ps = port_stats(rx, port)
            dups = (ps or {}).get('dropped-duplicate')
            tap.ok(dups is not None and 0 < dups <= st.get_value('resent'),
                   '%s: receiver stats count the copies it dropped (%s), no more than were resent' % (label, dups),
                   str(ps))
            tap.diag('%s: sender resent %s, receiver dropped %s copies; sender %s' %
                     (label, st.get_value('resent') if st else None, dups, st.to_string() if st else None))
            if bidirectional:
                got = []
                for line in tx.find('REPLY '):
                    _, seq, p, _pts, text = line.split(' ', 4)
                    got.append((int(seq), int(p), json.loads(text)))
                tap.ok([g[0] for g in got] == list(range(frames)),
                       '%s: one reply per frame, in order' % label, 'replies for %s' % [g[0] for g in got])
                # The signal names the port the sender connects to (the
                # relay's); the receiver's answer names its own.
                wrong = [g for g in got if g[2] != {'port': port, 'seq': g[0]} or g[1] != proxy_port]
                tap.ok(got and not wrong, '%s: each reply is the one computed for its frame' % label,
                       'wrong: %s' % wrong[:5])
                with lock:
                    asked = list(calls)
                tap.ok(sorted(asked) == list(range(frames)),
                       '%s: compute-reply asked once per frame (copies get the first answer)' % label,
                       'asked for %d frames, %d distinct' % (len(asked), len(set(asked))))
        finally:
            rx.stop()


def python_client(tap, port, proxy_port):
    label = 'Python NetGear client, max-in-flight=4, 100 ms round trip'
    frames = 45
    with TcpProxy(proxy_port, port, delay_s=0.05), ng.ProcGroup() as group:
        client = group.add(ng.Proc('pynetgear client', [
            ng.PYTHON, PEER, 'client', '--address', ng.LOOPBACK, '--ports', str(port), '--pattern', '1',
            '--exit-after-seconds', '40']))
        if not tap.ok(client.wait_line('LISTENING', 15) is not None, '%s: client listens' % label,
                      client.report()):
            return
        tx = group.add(sender(proxy_port, frames, 4))
        end = client.wait_line('ALL-TERMINATED', 40)
        tap.ok(end is not None, '%s: the client sees the terminate' % label, client.report() + '\n' + tx.report())
        ns = []
        for line in client.find('FRAME '):
            fields = dict(f.split('=', 1) for f in line.split(' ')[1:] if '=' in f)
            ns.append(int(fields.get('seq', -1)))
        tap.ok(ns == list(range(frames)), '%s: every frame once, in order (seq 0..%d)' % (label, frames - 1),
               'seqs %s' % ns)
        tap.ok(tx.wait_exit(10) == 0 and tx.find('EOS') and not tx.find('ERROR'),
               '%s: the sender reaches EOS, no error' % label, tx.report())
        st = tx.stats()
        top = st.get_value('in-flight-max') if st else None
        tap.ok(top is not None and 2 <= top <= 4, '%s: several frames in flight (in-flight-max %s)' % (label, top),
               st.to_string() if st else tx.report())


def body(tap):
    delayed(tap, 1, 27464, 27465)
    delayed(tap, 4, 27466, 27467)
    cut_link(tap, 27468, 27469, False)
    cut_link(tap, 27470, 27471, True)
    python_client(tap, 27472, 27473)


ng.run_main(body)
