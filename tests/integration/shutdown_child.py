#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""One element whose peers are absent or dead, in a process of its own,
for test_shutdown.py: brings it to PLAYING, waits until it is really
running, then (--hold: once told to on stdin, after the test killed the
peers) times the change back to NULL.

  --element sink: videotestsrc is-live=true ! netgearsink (nobody listens on
                  --port); running = PLAYING and a buffer reached the sink
                  (pattern 1: its send is now waiting for a receiver).
  --element src:  netgearsrc on --port and --port+1 with a fakesink on each
                  pad (no sender); running = PLAYING. Prints BUFFER when the
                  first buffer from a sender reaches a fakesink.

Prints RUNNING, then STOPPED <seconds> <state-change-return>, then DONE."""
import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from ngtest import Gst  # noqa: E402


say = ng.say


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--element', choices=['sink', 'src'], required=True)
    ap.add_argument('--pattern', type=int, required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--hold', action='store_true', help='stop only once a line arrives on stdin')
    a = ap.parse_args()

    if a.element == 'sink':
        desc = ('videotestsrc is-live=true ! video/x-raw,format=BGR,width=320,height=240,framerate=30/1 ! '
                'netgearsink name=ng address=%s port=%d pattern=%d' % (ng.LOOPBACK, a.port, a.pattern))
    else:
        desc = ('netgearsrc name=ng address=%s ports=%d,%d pattern=%d ng.src_%d ! fakesink async=false '
                'ng.src_%d ! fakesink async=false' % (ng.LOOPBACK, a.port, a.port + 1, a.pattern, a.port,
                                                     a.port + 1))
    pipeline = Gst.parse_launch(desc)
    el = pipeline.get_by_name('ng')
    buffers = threading.Event()
    if a.element == 'sink':
        el.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, lambda p, i: (buffers.set(),
                                                                                    Gst.PadProbeReturn.OK)[1])
    else:
        buffers.set()
        first = threading.Event()

        def on_buffer(pad, info):
            if not first.is_set():
                first.set()
                say('BUFFER')
            return Gst.PadProbeReturn.OK
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        say('ERROR', 'cannot go to PLAYING')
        return 1
    bus = pipeline.get_bus()
    d = ng.Deadline(10)
    playing = False
    while not d.expired() and not (playing and buffers.is_set()):
        msg = bus.timed_pop_filtered(int(0.05 * Gst.SECOND), Gst.MessageType.STATE_CHANGED | Gst.MessageType.ERROR)
        if msg is None:
            continue
        if msg.type == Gst.MessageType.ERROR:
            say('ERROR', msg.parse_error()[0].message)
            pipeline.set_state(Gst.State.NULL)
            return 1
        if msg.src == pipeline and msg.parse_state_changed()[1] == Gst.State.PLAYING:
            playing = True
    if not (playing and buffers.is_set()):
        say('ERROR', 'not running after 10 s (playing %s, buffer %s)' % (playing, buffers.is_set()))
        pipeline.set_state(Gst.State.NULL)
        return 1
    if a.element == 'src':
        # The pads exist from READY on; senders start after RUNNING.
        for port in (a.port, a.port + 1):
            el.get_static_pad('src_%d' % port).add_probe(Gst.PadProbeType.BUFFER, on_buffer)
    say('RUNNING')
    if a.hold:
        sys.stdin.readline()
    t0 = time.monotonic()
    ret = pipeline.set_state(Gst.State.NULL)
    say('STOPPED', '%.3f' % (time.monotonic() - t0), ret.value_nick)
    say('DONE')
    return 0


if __name__ == '__main__':
    sys.exit(main())
