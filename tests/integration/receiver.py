#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A receiver process for the integration tests (ngtest.Receiver in a
process of its own), for tests that kill the receiver, or run it in a
network namespace of its own.

    receiver.py --ports 5566,5567 [--address 127.0.0.1] [--pattern 1|2]
                [--src-props 'timeout=1000 ...'] [--stats-every SECONDS]
                [--run-for SECONDS] [--stall-after N]

Prints on stdout, one line each, flushed:
  PLAYING                        the pipeline reached PLAYING
  FRAME <port> <seq> <digest> <t>
                                 a buffer reached its appsink (meta seq, content
                                 digest as ngtest computes it, time.monotonic())
  MSG <name> <port> [k=v ...]    a netgearsrc element message (netgear-server-*)
  PADEOS <port>                  a pad's EOS reached its appsink
  STALLED                        --stall-after: a consumer stopped taking frames
                                 (each appsink blocks after N frames of its port,
                                 so netgearsrc's queues fill up, as behind a hung
                                 application)
  EOS                            the pipeline's EOS
  WARNING <text> / ERROR <text>  bus warnings and errors (an error ends it, exit 1)
  STATS <structure>              netgearsrc's stats, every --stats-every seconds
                                 and once more when stopping
  STOPPED <seconds>              how long PLAYING -> NULL took
  DONE                           the end (exit 0)

It stops on EOS, on a line "stop" on stdin, on stdin closing, or after
--run-for seconds.
"""
import argparse
import os
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from ngtest import Gst  # noqa: E402

say = ng.say


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ports', required=True)
    ap.add_argument('--address', default=ng.LOOPBACK)
    ap.add_argument('--pattern', type=int, default=1)
    ap.add_argument('--max-buffers', type=int)
    ap.add_argument('--src-props', default='', help='more netgearsrc properties, gst-launch syntax')
    ap.add_argument('--stats-every', type=float, default=0)
    ap.add_argument('--run-for', type=float, default=600)
    ap.add_argument('--stall-after', type=int)
    a = ap.parse_args()

    ports = [int(p) for p in a.ports.split(',')]

    def on_record(port, rec):
        say('FRAME', port, rec.get('seq'), rec.get('digest'), '%.6f' % rec['time'])

    rx = ng.Receiver(ports, pattern=a.pattern, max_buffers=a.max_buffers, address=a.address,
                     src_props=a.src_props, on_record=on_record, stall_after=a.stall_after)

    def on_eos(sink, port):
        say('PADEOS', port)
    for p in ports:
        rx.pipeline.get_by_name('sink_%d' % p).connect('eos', on_eos, p)

    if not rx.start():
        rx.poll_bus(0.5)
        say('ERROR', '; '.join(rx.errors) or 'cannot reach PLAYING')
        rx.stop()
        return 1
    say('PLAYING')

    stdin_open = True
    deadline = ng.Deadline(a.run_for)
    next_stats = time.monotonic() + a.stats_every if a.stats_every > 0 else None
    rc = 0
    stalled = False
    while not deadline.expired():
        if not stalled and rx.stalled.is_set():
            stalled = True
            say('STALLED')
        msg = rx.poll_bus(0.05)
        if msg is not None:
            t = msg.type
            if t == Gst.MessageType.ELEMENT and msg.get_structure() is not None:
                s = msg.get_structure()
                extra = ['%s=%s' % (s.nth_field_name(i), s.get_value(s.nth_field_name(i)))
                         for i in range(s.n_fields()) if s.nth_field_name(i) != 'port']
                say('MSG', s.get_name(), s.get_value('port') if s.has_field('port') else '-', *extra)
            elif t == Gst.MessageType.WARNING:
                say('WARNING', rx.warnings[-1])
            elif t == Gst.MessageType.ERROR:
                say('ERROR', rx.errors[-1])
                rc = 1
                break
            elif t == Gst.MessageType.EOS:
                say('EOS')
                break
        if next_stats is not None and time.monotonic() >= next_stats:
            say('STATS', rx.src.get_property('stats').to_string())
            next_stats += a.stats_every
        if stdin_open and select.select([sys.stdin], [], [], 0)[0]:
            line = sys.stdin.readline()
            if not line or line.strip() == 'stop':
                break
    say('STATS', rx.src.get_property('stats').to_string())
    say('STOPPED', '%.3f' % rx.stop())
    say('DONE')
    return rc


if __name__ == '__main__':
    sys.exit(main())
