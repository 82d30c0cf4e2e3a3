#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""gst-netgear example: a wall whose tiles were taken at the same moment.

Every pipeline runs on one clock: the receiver's, which it offers on the
network (GstNetTimeProvider), and which each sender follows
(GstNetClientClock). Each sender also starts its running time on a whole
second of that clock and times its frames by it, so that its test picture
is "taken" at the same instants as the others' (real cameras capture on
their own schedules, up to a frame interval apart); its tile shows its
running time (timeoverlay) as it was when the frame was taken. The receiver stamps each frame with its capture time
(netgearsrc timestamp-mode=sender), so the compositor puts together frames
taken together, whatever each sender's link delays: `latency` must cover the
slowest link.

    examples/synced-wall.py receiver [--ports 5566,5567,5568,5569] [--clock-port 5637]
                                     [--mode sender|arrival] [--latency MS] [--seconds S]
                                     [--headless] [--report]
    examples/synced-wall.py sender --port 5566 [--address RECEIVER] [--clock-port 5637]
                                   [--frames N] [--pattern ball] [--max-in-flight 8]

--report prints, for every frame the compositor makes, the capture time of
each tile it used (from their GstReferenceTimestampMeta, timestamp/x-unix):
"TILES <output pts> <pad>=<capture ns> ...". --headless renders into a
synchronised fakesink instead of a window. With --mode arrival the tiles are
paired by arrival time instead: a camera behind a slower link lags.

Run with Debian's /usr/bin/python3 and GST_PLUGIN_PATH set to the directory
of libgstnetgear.so (this checkout's build/gst is used when present).
"""
import argparse
import os
import signal
import sys
import time

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstBase', '1.0')  # the compositor's GstAggregator methods
gi.require_version('GstNet', '1.0')
from gi.repository import GLib, Gst, GstBase, GstNet  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if 'GST_PLUGIN_PATH' not in os.environ and os.path.isdir(os.path.join(HERE, '..', 'build', 'gst')):
    os.environ['GST_PLUGIN_PATH'] = os.path.join(HERE, '..', 'build', 'gst')

TILE_W, TILE_H = 320, 240


def say(*parts):
    print(' '.join(str(p) for p in parts), flush=True)


def run(pipeline, seconds):
    """Plays until EOS, an error, Ctrl-C or `seconds` (0: no limit)."""
    loop = GLib.MainLoop()
    rc = [0]

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            say('EOS')
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            say('ERROR', err.message, dbg)
            rc[0] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.LATENCY:
            pipeline.recalculate_latency()  # a latency changed while playing
        elif msg.type == Gst.MessageType.STATE_CHANGED and msg.src == pipeline:
            if msg.parse_state_changed()[1] == Gst.State.PLAYING:
                say('PLAYING')
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, lambda: loop.quit() or False)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, lambda: loop.quit() or False)
    if seconds:
        GLib.timeout_add(int(seconds * 1000), lambda: loop.quit() or False)
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        say('ERROR', 'cannot play')
        return 1
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    return rc[0]


def receiver(a):
    ports = [int(p) for p in a.ports.split(',')]
    cols = 2 if len(ports) > 1 else 1
    rows = (len(ports) + cols - 1) // cols
    clock = Gst.SystemClock.obtain()
    # The senders follow this clock over the network.
    provider = GstNet.NetTimeProvider.new(clock, None, a.clock_port)
    if provider is None:
        sys.exit('cannot offer the clock on port %d' % a.clock_port)
    sink = 'fakesink sync=true' if a.headless else 'autovideosink'
    launch = ['netgearsrc name=src address=%s ports=%s timestamp-mode=%s latency=%d' %
              (a.address, a.ports, a.mode, a.latency),
              'compositor name=mix emit-signals=%s' % ('true' if a.report else 'false') +
              ''.join(' sink_%d::xpos=%d sink_%d::ypos=%d' % (i, (i % cols) * TILE_W, i, (i // cols) * TILE_H)
                      for i in range(len(ports))) +
              ' ! video/x-raw,width=%d,height=%d,framerate=30/1 ! videoconvert ! %s' %
              (cols * TILE_W, rows * TILE_H, sink)]
    for i, p in enumerate(ports):
        launch.append('src.src_%d ! queue ! videoconvert ! mix.sink_%d' % (p, i))
    pipeline = Gst.parse_launch(' '.join(launch))
    pipeline.use_clock(clock)
    if a.report:
        unix = Gst.Caps.from_string('timestamp/x-unix')
        mix = pipeline.get_by_name('mix')
        assert isinstance(mix, GstBase.Aggregator)  # peek_next_sample() comes with GstBase

        def on_selected(agg, _segment, pts, _dts, _duration, _info):
            tiles = []
            for pad in agg.sinkpads:
                sample = agg.peek_next_sample(pad)
                meta = sample.get_buffer().get_reference_timestamp_meta(unix) if sample else None
                tiles.append('%s=%s' % (pad.get_name(), meta.timestamp if meta else '-'))
            say('TILES', pts, ' '.join(tiles))

        mix.connect('samples-selected', on_selected)
    say('CLOCK', a.clock_port)
    return run(pipeline, a.seconds)


def sender(a):
    clock = GstNet.NetClientClock.new('netgear-wall-clock', a.address, a.clock_port, 0)
    stats = Gst.Bus.new()
    clock.set_property('bus', stats)
    if not clock.wait_for_sync(10 * Gst.SECOND):
        sys.exit('no clock from %s:%d' % (a.address, a.clock_port))
    # Synchronised is not yet steady: for its first seconds the clock still
    # corrects its rate, by up to a millisecond. It says how far it moved
    # at each update (about once a second): two small moves in a row, and
    # the frames can be timed by it (10 s at most).
    steady, end = 0, time.monotonic() + 10
    while steady < 2 and time.monotonic() < end:
        msg = stats.timed_pop_filtered(int((end - time.monotonic()) * Gst.SECOND), Gst.MessageType.ELEMENT)
        st = msg.get_structure() if msg else None
        if st is None or st.get_name() != 'gst-netclock-statistics':
            continue
        small = st.get_value('synchronised') and abs(st.get_value('discontinuity')) < 100 * Gst.USECOND
        steady = steady + 1 if small else 0
    say('SYNCED')
    pipeline = Gst.parse_launch(
        'videotestsrc pattern=%s num-buffers=%d ! video/x-raw,width=%d,height=%d,framerate=30/1 '
        '! timeoverlay time-mode=running-time font-desc="Sans 24" ! videoconvert ! video/x-raw,format=I420 '
        '! netgearsink address=%s port=%d max-in-flight=%d' %
        (a.pattern, a.frames, TILE_W, TILE_H, a.address, a.port, a.max_in_flight))
    pipeline.use_clock(clock)
    # Frames at the same instants on every sender: one clock, and running
    # time that starts on a whole second of it (30 frames to a second).
    # videotestsrc stands in for cameras triggered together: not live, its
    # frames are timed 0, 1/30 s, ... and netgearsink (sync=true) sends
    # each at its time. (A live videotestsrc, like a camera, starts at
    # whatever running time it starts.) Set in PAUSED: going there resets
    # the start time, and with it the base time the pipeline would choose.
    pipeline.set_state(Gst.State.PAUSED)
    pipeline.set_start_time(Gst.CLOCK_TIME_NONE)
    pipeline.set_base_time((clock.get_time() // Gst.SECOND + 2) * Gst.SECOND)
    return run(pipeline, 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='role', required=True)
    r = sub.add_parser('receiver')
    r.add_argument('--address', default='0.0.0.0', help='where to listen')
    r.add_argument('--ports', default='5566,5567,5568,5569')
    r.add_argument('--clock-port', type=int, default=5637)
    r.add_argument('--mode', choices=('sender', 'arrival'), default='sender')
    r.add_argument('--latency', type=int, default=200, help='ms: more than the slowest link delays')
    r.add_argument('--seconds', type=float, default=0)
    r.add_argument('--headless', action='store_true')
    r.add_argument('--report', action='store_true')
    s = sub.add_parser('sender')
    s.add_argument('--address', default='127.0.0.1', help="the receiver's address (and its clock's)")
    s.add_argument('--port', type=int, default=5566)
    s.add_argument('--clock-port', type=int, default=5637)
    s.add_argument('--frames', type=int, default=-1)
    s.add_argument('--pattern', default='ball')
    s.add_argument('--max-in-flight', type=int, default=8,
                   help='frames unacknowledged at most: enough for a slow link (docs/modes/reqrep.md)')
    a = ap.parse_args()
    Gst.init(None)
    return receiver(a) if a.role == 'receiver' else sender(a)


if __name__ == '__main__':
    sys.exit(main())
