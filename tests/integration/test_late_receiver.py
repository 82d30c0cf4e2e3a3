#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A receiver started after its senders (pattern 1). Two sender processes
start first and reach PLAYING with a frame already in netgearsink (their
stdout says so); they must wait for the receiver without failing:
sender 0 with the default request-timeout/max-retries, sender 1 with
request-timeout=300 ms and max-retries=1, and the receiver is kept away for
HOLD_OFF seconds, longer than (1 + max-retries) x request-timeout, so that
sender 1 fails if waiting for an absent receiver counted as timeouts. Once
the receiver starts, every frame must arrive. Ports 27150-27159."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=318,height=200,framerate=30/1'
FRAMES = 30
PORTS = [27150, 27151]
HOLD_OFF = 1.5  # the test condition: no receiver for this long


def body(tap):
    with ng.ProcGroup() as group:
        senders = [
            ng.start_sender(group, PORTS[0], 0, FRAMES, caps=CAPS, hold=True, timeout=45),
            ng.start_sender(group, PORTS[1], 1, FRAMES, caps=CAPS, hold=True, request_timeout=300, max_retries=1,
                            timeout=45),
        ]
        for i, s in enumerate(senders):
            ok = s.wait_line('PLAYING', 20) is not None and s.wait_line('SENT 0', 5) is not None
            tap.ok(ok, 'sender %d reaches PLAYING with its first frame in netgearsink, no receiver yet' % i,
                   s.report())
        # Watch for the failure for HOLD_OFF seconds: sender 1, whose
        # timeouts are short, errors out first if waiting counted.
        senders[1].wait_until(lambda lines: any(l.startswith('ERROR') for l in lines), HOLD_OFF)
        for i, s in enumerate(senders):
            tap.ok(s.running() and not s.find('ERROR'),
                   'sender %d still waits, without error, after %.1f s without a receiver' % (i, HOLD_OFF),
                   s.report())

        rx = ng.Receiver(PORTS, pattern=1)
        try:
            if not tap.ok(rx.start(), 'late receiver reaches PLAYING', rx.summary()):
                return
            ok = rx.run_until(rx.all_connected, 20)
            tap.ok(ok, 'both senders connect to the late receiver', rx.summary() + '\n' +
                   '\n'.join(s.report() for s in senders))
            ok = all(s.wait_line('HOLDING', 20) is not None for s in senders)
            tap.ok(ok, 'both senders got every frame through', '\n'.join(s.report() for s in senders))
            for s in senders:
                s.send_line()
            got = rx.run_until(lambda: rx.eos, 20)
            tap.ok(got, 'receiving pipeline reaches EOS', rx.summary())
            for i, (port, s) in enumerate(zip(PORTS, senders)):
                rc = s.wait_exit(15)
                label = 'sender %d (port %d)' % (i, port)
                tap.ok(rc == 0 and not s.find('ERROR'), '%s: finished without error' % label, s.report())
                ng.check_stream(tap, rx, port, label, FRAMES, True,
                                lambda n, i=i: ng.expected_digest(CAPS, i, n), sender_caps=s.caps())
                st = s.stats()
                tap.diag('%s stats: %s' % (label, st.to_string() if st else None))
            tap.ok(not rx.errors, 'no error on the receiver bus', '\n'.join(rx.errors))
        finally:
            rx.stop()


ng.run_main(body)
