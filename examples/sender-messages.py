#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""gst-netgear example: a Python (PyGObject) sender that gives every frame a
message of its own and, in bidirectional mode, prints what the receiver
answers to each frame, as vidgear's server does with
server.send(frame, message=...).

    examples/sender-messages.py --port 5566 [--address 127.0.0.1] [--name porch]
                                [--bidirectional] [--frames N]

The frames come from videotestsrc; each one's message is a JSON object
{"camera": NAME, "frame": n}. A Python application cannot write a
GstNetGearMeta (PyGObject copies a meta's structure), so the message travels
as a "netgear-message" event pushed just before its buffer, from a pad probe:
the event is serialized, in order with the buffers, so it belongs to the
frame that follows it. (A C/C++ application can put the message on the
buffer itself instead: see examples/opencv/netgear-cv-sender.cpp.)

Run with Debian's /usr/bin/python3 and GST_PLUGIN_PATH set to the directory
of libgstnetgear.so (this checkout's build/gst is used when present).
"""
import argparse
import json
import os
import signal
import sys

import gi

gi.require_version('Gst', '1.0')
from gi.repository import GLib, Gst  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if 'GST_PLUGIN_PATH' not in os.environ and os.path.isdir(os.path.join(HERE, '..', 'build', 'gst')):
    os.environ['GST_PLUGIN_PATH'] = os.path.join(HERE, '..', 'build', 'gst')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--address', default='127.0.0.1', help="the receiver's address")
    ap.add_argument('--port', type=int, default=5566, help='the receiver port, unique per sender')
    ap.add_argument('--name', default='porch', help='camera name put in each message')
    ap.add_argument('--bidirectional', action='store_true', help='print the answer to each frame')
    ap.add_argument('--frames', type=int, default=-1, help='frames to send, then end (-1: for ever)')
    a = ap.parse_args()

    Gst.init(None)
    pipeline = Gst.parse_launch(
        'videotestsrc is-live=true num-buffers=%d name=src ! video/x-raw,format=BGR,width=640,height=360,'
        'framerate=30/1 ! netgearsink name=sink' % a.frames)
    sink = pipeline.get_by_name('sink')
    if sink is None:
        sys.exit('no netgearsink: set GST_PLUGIN_PATH to the directory of libgstnetgear.so')
    sink.set_property('address', a.address)
    sink.set_property('port', a.port)
    sink.set_property('bidirectional', a.bidirectional)

    frame = [0]

    def before_each_buffer(pad, info):
        # Runs on the streaming thread, once per buffer, before it moves on.
        s = Gst.Structure.new_empty('netgear-message')
        s.set_value('message', json.dumps({'camera': a.name, 'frame': frame[0]}))
        pad.push_event(Gst.Event.new_custom(Gst.EventType.CUSTOM_DOWNSTREAM, s))
        frame[0] += 1
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name('src').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, before_each_buffer)

    def on_reply(_sink, port, message, seq, buf):
        # The answer to frame `seq` (the buffer is that frame).
        print('reply to frame %d (port %d): %s' % (seq, port, message), flush=True)

    sink.connect('reply', on_reply)

    loop = GLib.MainLoop()
    status = [0]

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print('error: %s (%s)' % (err.message, dbg), file=sys.stderr)
            status[0] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.WARNING:
            print('warning: %s' % msg.parse_warning()[0].message, file=sys.stderr)
        elif msg.type == Gst.MessageType.EOS:
            # netgearsink has told the receiver that this sender is gone.
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    # Ctrl-C: end the stream, so the receiver hears of it.
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT,
                         lambda: pipeline.send_event(Gst.Event.new_eos()) or True)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return status[0]


if __name__ == '__main__':
    sys.exit(main())
