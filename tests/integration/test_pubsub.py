#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Pattern 2 (PUB/SUB): 2 and then 4 sender processes to one netgearsrc.
Latest-frame semantics: frames may be dropped, but whatever arrives must be
in order per sender (strictly increasing meta seq) and intact, and most
frames must arrive when the senders pace themselves (sync=true, 30 fps).
A third run makes the receiver drop: senders at 100 fps, and a consumer
that stalls after 3 frames of each port until every sender has pushed all
its frames, with max-buffers=1; what arrives must still be in order and
intact. Last, senders flood (no pacing) with the receiver's timeout
off: each one's end must end its stream, by its terminate or, where that
was lost, by its connection's closing (disconnect-timeout), and the
pipeline's stream with them. Ports 27120-27129."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multisender  # noqa: E402
import ngtest as ng  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=158,height=120,framerate=30/1'
FRAMES = 45


def body(tap):
    multisender.run(tap, [27120, 27121], pattern=2, frames=FRAMES, caps=CAPS, sync=True, exact=False)
    multisender.run(tap, [27122, 27123, 27124, 27125], pattern=2, frames=FRAMES, caps=CAPS, sync=True,
                    exact=False)
    multisender.run(tap, [27126, 27127], pattern=2, frames=60,
                    caps='video/x-raw,format=BGR,width=158,height=120,framerate=100/1', sync=True, exact=False,
                    min_fraction=0.05, rx_args={'max_buffers': 1, 'stall_after': 3},
                    title='pattern 2, 2 senders, slow consumer')
    flooding_terminates(tap, [27128, 27129])


def flooding_terminates(tap, ports):
    """Senders faster than the receiver (no pacing: their PUB
    sockets find the receiver's queue full and refuse frames), then EOS,
    with the receiver's timeout off. Each sender's terminate ends its
    stream. Not always: on a starved machine (the sanitizer run of the
    suite, 2 cores) a terminate handed to the socket and sent was seen
    lost, the receiver seeing the connection close and never the message,
    about one run in five; the sender's closing connection then ends its
    stream (netgear-server-disconnected), which is what is required."""
    name = 'pattern 2, 2 flooding senders, no timeout'
    rx = ng.Receiver(ports, pattern=2, src_props='timeout=0')
    if not ng.started(tap, name, rx):
        return
    try:
        with ng.ProcGroup() as group:
            # gst-launch -e: SIGINT sends EOS, so netgearsink sends its
            # terminate; only once frames of both have arrived, since a PUB
            # sender that finished before the receiver subscribed would have
            # nothing to end.
            senders = [group.add(ng.Proc('sender %d' % p, [
                'gst-launch-1.0', '-q', '-e', 'videotestsrc', 'pattern=black', '!',
                'video/x-raw,format=BGR,width=640,height=480', '!',
                'netgearsink', 'address=%s' % ng.LOOPBACK, 'port=%d' % p, 'pattern=2', 'sync=false']))
                for p in ports]
            flowing = rx.run_until(lambda: all(rx.count(p) >= 50 for p in ports), 20)
            tap.ok(flowing, '%s: both senders flood' % name, rx.summary())
            for s in senders:
                s.signal(signal.SIGINT)
            exits = [s.wait_exit(30) for s in senders]
            tap.ok(exits == [0, 0], '%s: the senders finish' % name, '\n'.join(s.report() for s in senders))
            def ended(p):
                return rx.got('netgear-server-terminated', p) or rx.got('netgear-server-disconnected', p)
            tap.ok(rx.run_until(lambda: rx.eos, 15) and all(ended(p) and rx.pad_eos[p] for p in ports),
                   '%s: each sender\'s end (terminate or closing) ends its stream, and the stream' % name,
                   rx.summary())
            tap.diag('%s: ended by terminate: %s' % (name, [p for p in ports
                                                             if rx.got('netgear-server-terminated', p)]))
    finally:
        rx.stop()

ng.run_main(body)
