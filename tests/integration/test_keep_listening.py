#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""keep-listening=true: a wall that outlives its cameras. Pattern 1, two
ports: sender A streams and terminates, sender B is killed (SIGKILL)
mid-stream. Once both are gone (netgear-server-terminated,
netgear-server-disconnected), neither pad ends and the pipeline does not
reach EOS (watched for 1.5 s); new senders on both ports then stream into
the same pads, every frame arriving; an EOS sent to the pipeline ends it.
Without keep-listening the same departures end the stream (the default,
as NetGear's client does). Ports 27460-27463."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=160,height=120,framerate=30/1'
WATCH = 1.5  # how long nothing may end once every sender is gone


def gone_then_back(tap, ports, keep):
    a, b = ports
    name = 'keep-listening=%s' % ('true' if keep else 'false')
    rx = ng.Receiver(ports, pattern=1, src_props='keep-listening=%s' % ('true' if keep else 'false'))
    if not ng.started(tap, name, rx):
        return
    deadline = ng.Deadline(60)
    try:
        with ng.ProcGroup() as group:
            tx_a = ng.start_sender(group, a, 0, 30, caps=CAPS, sync=True, timeout=40)
            tx_b = ng.start_sender(group, b, 1, 900, caps=CAPS, sync=True, timeout=40)
            tap.ok(rx.run_until(lambda: rx.count(b) >= 15 and rx.got('netgear-server-terminated', a),
                                deadline.left()),
                   '%s: both stream, A terminates' % name, rx.summary() + '\n' + tx_a.report())
            tx_b.signal(signal.SIGKILL)
            gone = rx.run_until(lambda: rx.got('netgear-server-disconnected', b), deadline.left())
            tap.ok(gone, '%s: the killed sender B is reported gone' % name, rx.summary())
            if not keep:
                tap.ok(rx.run_until(lambda: rx.eos, 5), '%s: every sender gone ends the stream' % name,
                       rx.summary())
                return
            ended = rx.run_until(lambda: rx.eos or any(rx.pad_eos.values()), WATCH)
            tap.ok(not ended, '%s: every sender gone, and no pad ends, no EOS (%.1f s)' % (name, WATCH),
                   rx.summary())
            before = {p: rx.count(p) for p in ports}
            back = [ng.start_sender(group, p, 2 + i, 30, caps=CAPS, sync=True, timeout=40)
                    for i, p in enumerate(ports)]
            tap.ok(rx.run_until(lambda: all(rx.count(p) >= before[p] + 30 for p in ports), deadline.left()),
                   '%s: new senders on both ports stream into the same pads' % name,
                   rx.summary() + '\n' + '\n'.join(s.report() for s in back))
            for p, s in zip(ports, back):
                tap.ok(s.wait_exit(deadline.left()) == 0, '%s: the new sender on port %d finishes' % (name, p),
                       s.report())
                with rx.lock:
                    seqs = [r.get('seq') for r in rx.frames[p][before[p]:]]
                tap.ok(seqs == list(range(30)), '%s: port %d: every frame of the new sender, once, in order'
                       % (name, p), str(seqs))
            tap.ok(not rx.eos, '%s: still no EOS after they terminated' % name, rx.summary())
            rx.pipeline.send_event(ng.Gst.Event.new_eos())
            tap.ok(rx.run_until(lambda: rx.eos, 5), '%s: an EOS sent to the pipeline ends it' % name, rx.summary())
            tap.ok(not rx.errors, '%s: no error on the bus' % name, '\n'.join(rx.errors))
    finally:
        rx.stop()


def body(tap):
    gone_then_back(tap, [27460, 27461], keep=True)
    gone_then_back(tap, [27462, 27463], keep=False)


ng.run_main(body)
