#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""End of stream over several senders: netgearsrc binds 3 ports; 2 sender
processes connect, the third port never gets one.
  * sender A ends with EOS, sender B is stopped (state NULL, no EOS): both
    must reach the receiver as netgear-server-terminated;
  * A's pad gets EOS when A terminates, while B still runs and the pipeline
    goes on;
  * once B terminated too, every pad gets EOS (the never-connected port's
    too) and the pipeline posts EOS, within a bounded time.
Run with pattern=1 (ports 27140-27142) and pattern=2 (ports 27145-27147).

Then the same rule with the receiver as a user would write it, appsinks
left at their defaults (async=true, as gst-launch-1.0's sinks): 2 ports, one
sender of 10 frames. The idle port's sink never receives anything, yet the
pipeline must run, get every frame and end with EOS (ports 27148-27149).

A sender that stops before its first frame: it sends no terminate (a
vidgear client would end, or stall, on one from a sender it has not seen),
and netgearsrc, which saw it connect, sees it leave
(netgear-server-disconnected), so it no longer holds the stream open: once
the other sender terminates, the pipeline ends (pattern 1: ports
27143-27144, pattern 2: 27152-27153)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=158,height=120,framerate=30/1'
FRAMES = 15
EOS_WITHIN = 10.0  # seconds from the last sender's terminate to pipeline EOS


def scenario(tap, pattern, ports):
    a_port, b_port, idle_port = ports
    label = 'pattern %d' % pattern
    rx = ng.Receiver(ports, pattern=pattern)
    try:
        if not tap.ok(rx.start(), '%s: receiver with 3 ports reaches PLAYING' % label, rx.summary()):
            return
        with ng.ProcGroup() as group:
            sync = pattern == 2
            a = ng.start_sender(group, a_port, 0, FRAMES, pattern=pattern, caps=CAPS, sync=sync, hold=True,
                                timeout=40)
            b = ng.start_sender(group, b_port, 1, FRAMES, pattern=pattern, caps=CAPS, sync=sync, hold=True,
                                eos=False, timeout=40)
            ok = rx.run_until(lambda: rx.all_connected([a_port, b_port]), 20)
            tap.ok(ok, '%s: both senders connected' % label, rx.summary() + '\n' + a.report() + '\n' + b.report())
            ok = a.wait_line('HOLDING', 20) and b.wait_line('HOLDING', 20)
            tap.ok(ok, '%s: both senders pushed their frames' % label, a.report() + '\n' + b.report())

            # A ends (EOS -> terminate); B holds.
            a.send_line()
            ok = rx.run_until(lambda: rx.pad_eos[a_port], 15)
            tap.ok(ok, '%s: A terminated -> pad src_%d gets EOS' % (label, a_port), rx.summary() + '\n' + a.report())
            # Posted before the EOS was queued: on the bus by now, maybe not
            # read yet (run_until stops as soon as the pad has its EOS).
            rx.drain_bus()
            tap.ok(rx.got('netgear-server-terminated', a_port),
                   '%s: netgear-server-terminated for port %d (EOS)' % (label, a_port), rx.summary())
            tap.ok(not rx.eos and not rx.pad_eos[b_port] and not rx.pad_eos[idle_port],
                   '%s: while B is connected, the other pads and the pipeline go on' % label, rx.summary())
            tap.ok(a.wait_exit(15) == 0 and not a.find('ERROR'), '%s: sender A exits cleanly' % label, a.report())

            # B stops without EOS: netgearsink's stop sends the terminate.
            b.send_line()
            line = b.wait_line('STOPPING', 15)
            t0 = time.monotonic()
            tap.ok(line is not None, '%s: sender B goes to NULL without EOS' % label, b.report())
            got = rx.run_until(lambda: rx.eos, EOS_WITHIN)
            took = time.monotonic() - t0
            tap.ok(got, '%s: pipeline EOS within %.0f s of B stopping' % (label, EOS_WITHIN),
                   'waited %.1f s\n%s\n%s' % (took, rx.summary(), b.report()))
            tap.diag('%s: pipeline EOS %.2f s after B began stopping' % (label, took))
            rx.drain_bus()
            tap.ok(rx.got('netgear-server-terminated', b_port),
                   '%s: netgear-server-terminated for port %d (stop without EOS)' % (label, b_port), rx.summary())
            ti = rx.message_index('netgear-server-terminated', b_port)
            tap.ok(ti is not None and rx.eos_index is not None and ti < rx.eos_index,
                   '%s: the last terminated message comes before the pipeline EOS' % label,
                   'terminated at %s, EOS at %s' % (ti, rx.eos_index))
            tap.ok(all(rx.pad_eos.values()), '%s: every pad got EOS, src_%d (never connected) too' % (label, idle_port),
                   str(rx.pad_eos))
            tap.ok(not rx.got('netgear-server-connected', idle_port) and
                   not rx.got('netgear-server-terminated', idle_port),
                   '%s: no connected/terminated message for the idle port %d' % (label, idle_port), rx.summary())
            tap.ok(rx.count(idle_port) == 0, '%s: nothing arrived on the idle port' % label, rx.summary())
            tap.ok(b.wait_exit(15) == 0 and not b.find('ERROR'), '%s: sender B exits cleanly' % label, b.report())
            if pattern == 1:
                tap.ok(rx.count(a_port) == FRAMES and rx.count(b_port) == FRAMES,
                       '%s: all %d frames of A and B arrived' % (label, FRAMES), rx.summary())
            else:
                tap.ok(rx.count(a_port) > 0 and rx.count(b_port) > 0,
                       '%s: frames of A and B arrived' % label, rx.summary())
            tap.ok(not rx.errors, '%s: no error on the receiver bus' % label, '\n'.join(rx.errors))
    finally:
        t = rx.stop()
        tap.ok(t < 2.0, '%s: receiver stops in under 2 s' % label, 'took %.2f s' % t)


def default_sinks(tap):
    ports = [27148, 27149]
    label = 'default appsinks (async=true), 1 sender, 1 idle port'
    rx = ng.Receiver(ports, pattern=1, sink_props='sync=false')
    try:
        if not tap.ok(rx.start(wait=False), '%s: receiver goes to PLAYING' % label, rx.summary()):
            return
        with ng.ProcGroup() as group:
            # Short sender timeouts: a receiver that stops answering fails
            # the sender in ~2 s instead of 16.
            s = ng.start_sender(group, ports[0], 0, 10, caps=CAPS, request_timeout=1000, max_retries=1,
                                timeout=30)
            # Until EOS, or the sender gave up (then EOS may follow shortly).
            rx.run_until(lambda: rx.eos or not s.running(), 20)
            got = rx.run_until(lambda: rx.eos, 3)
            rc = s.wait_exit(10)
            state = rx.pipeline.get_state(0)[1].value_nick
            tap.ok(got, '%s: pipeline EOS' % label,
                   'pipeline state %s\n%s\n%s' % (state, rx.summary(), s.report()))
            tap.ok(rx.count(ports[0]) == 10, '%s: all 10 frames reach the appsink' % label, rx.summary())
            tap.ok(rc == 0 and not s.find('ERROR'), '%s: the sender ends without error' % label, s.report())
    finally:
        t = rx.stop()
        tap.ok(t < 2.0, '%s: receiver stops in under 2 s' % label, 'took %.2f s' % t)


def silent_sender(tap, pattern, ports):
    streaming, silent = ports
    label = 'pattern %d, a sender that stops before its first frame' % pattern
    rx = ng.Receiver(ports, pattern=pattern)
    try:
        if not tap.ok(rx.start(), '%s: receiver reaches PLAYING' % label, rx.summary()):
            return
        with ng.ProcGroup() as group:
            b = ng.start_sender(group, streaming, 1, FRAMES, pattern=pattern, caps=CAPS, sync=pattern == 2,
                                hold=True, timeout=40)
            tap.ok(rx.run_until(lambda: rx.got('netgear-server-connected', streaming), 20) and
                   b.wait_line('HOLDING', 20) is not None, '%s: the other sender streams' % label,
                   rx.summary() + b.report())
            # It holds (with no frame) until netgearsrc has seen it: closing
            # before its handshake completes, it would never have been there.
            a = ng.start_sender(group, silent, 0, 0, pattern=pattern, caps=CAPS, hold=True, timeout=40)
            tap.ok(rx.run_until(lambda: rx.got('netgear-server-connected', silent), 20) and
                   a.wait_line('HOLDING', 20) is not None, '%s: it connects' % label, rx.summary() + a.report())
            a.send_line()
            rc = a.wait_exit(20)
            left = rx.run_until(lambda: rx.got('netgear-server-disconnected', silent), 10)
            st = a.stats()
            tap.ok(rc == 0 and st is not None and st.get_value('sent') == 0,
                   '%s: it ends (EOS) having sent nothing, not even a terminate' % label,
                   a.report() + (st.to_string() if st else ''))
            tap.ok(left and rx.got('netgear-server-connected', silent) and
                   not rx.got('netgear-server-terminated', silent) and not rx.pad_eos[silent] and not rx.eos,
                   '%s: netgearsrc posts connected, then disconnected; nothing ends' % label, rx.summary())
            b.send_line()
            got = rx.run_until(lambda: rx.eos, EOS_WITHIN + 10)
            tap.ok(got and all(rx.pad_eos.values()),
                   '%s: the other sender\'s terminate ends every pad and the pipeline' % label, rx.summary())
            tap.ok(rx.count(streaming) == FRAMES if pattern == 1 else rx.count(streaming) > 0,
                   '%s: the other sender\'s frames all arrive' % label, rx.summary())
    finally:
        t = rx.stop()
        tap.ok(t < 2.0, '%s: receiver stops in under 2 s' % label, 'took %.2f s' % t)


def body(tap):
    scenario(tap, 1, [27140, 27141, 27142])
    scenario(tap, 2, [27145, 27146, 27147])
    default_sinks(tap)
    silent_sender(tap, 1, [27143, 27144])
    silent_sender(tap, 2, [27152, 27153])


ng.run_main(body)
