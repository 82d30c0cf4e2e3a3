#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""gst-netgear example: a Python (PyGObject) application receiving from many
NetGear senders through appsink. For every frame it prints where it came
from, the message it carried and the frame's size, as vidgear's
multi-server client gives (unique_address, extracted_data, frame).

    examples/appsink-receiver.py --ports 5566,5567 [--address 0.0.0.0] [--pattern 1|2]
                                 [--bidirectional [--reply JSON] [--echo]] [--frames N]

--bidirectional answers each frame (senders need bidirectional=true too):
with --reply, the same JSON value to everyone (NetGear's behaviour); with
--echo, each sender gets its own answer, computed per frame in the
compute-reply signal. Ends when every sender has terminated, after --frames
frames in all, or on Ctrl-C.

Run with Debian's /usr/bin/python3 (python3-gi, gir1.2-gst-plugins-base-1.0)
and GST_PLUGIN_PATH set to the directory of libgstnetgear.so (this checkout's
build/gst is used when present).
"""
import argparse
import json
import os
import signal
import sys
import threading

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstApp', '1.0')
from gi.repository import GLib, Gst, GstApp  # noqa: E402,F401

HERE = os.path.dirname(os.path.abspath(__file__))
if 'GST_PLUGIN_PATH' not in os.environ and os.path.isdir(os.path.join(HERE, '..', 'build', 'gst')):
    os.environ['GST_PLUGIN_PATH'] = os.path.join(HERE, '..', 'build', 'gst')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--address', default='0.0.0.0')
    ap.add_argument('--ports', default='5566,5567', help='one port per sender, comma-separated')
    ap.add_argument('--pattern', type=int, default=1)
    ap.add_argument('--bidirectional', action='store_true')
    ap.add_argument('--reply', help='JSON value answering every frame (netgearsrc\'s reply-json)')
    ap.add_argument('--echo', action='store_true', help="answer each frame with its port, seq and message")
    ap.add_argument('--frames', type=int, default=-1, help='stop after N frames in all')
    a = ap.parse_args()

    Gst.init(None)
    pipeline = Gst.Pipeline.new('receiver')
    src = Gst.ElementFactory.make('netgearsrc', 'src')
    if src is None:
        sys.exit('no netgearsrc: set GST_PLUGIN_PATH to the directory of libgstnetgear.so')
    src.set_property('address', a.address)
    src.set_property('ports', a.ports)
    src.set_property('pattern', a.pattern)
    src.set_property('bidirectional', a.bidirectional)
    if a.reply is not None:
        src.set_property('reply-json', a.reply)
    pipeline.add(src)

    loop = GLib.MainLoop()
    count = [0]
    ending = threading.Event()
    lock = threading.Lock()
    out_lock = threading.Lock()

    def say(line):
        # Frames are printed from each pad's streaming thread and events from
        # the main loop; print() writes the text and its newline separately,
        # so without the lock two threads' lines can run together.
        with out_lock:
            sys.stdout.write(line + '\n')
            sys.stdout.flush()

    def end_stream():
        # netgearsrc ends every pad; the pipeline then posts EOS.
        if not ending.is_set():
            ending.set()
            pipeline.send_event(Gst.Event.new_eos())

    def on_sample(sink):
        sample = sink.emit('pull-sample')
        if sample is None:
            return Gst.FlowReturn.EOS
        buf = sample.get_buffer()
        meta = buf.get_custom_meta('GstNetGearMeta')
        port, seq, message = None, None, 'null'
        if meta is not None:
            s = meta.get_structure()
            port, seq, message = s.get_value('port'), s.get_value('seq'), s.get_value('message')
        caps = sample.get_caps().get_structure(0)
        say('port=%s seq=%s message=%s size=%d %s %s %sx%s' % (
            port, seq, message, buf.get_size(), caps.get_name(), caps.get_value('format') or '',
            caps.get_value('width'), caps.get_value('height')))
        with lock:
            count[0] += 1
            done = a.frames > 0 and count[0] == a.frames
        if done:
            end_stream()
        return Gst.FlowReturn.OK

    def on_pad_added(_src, pad):
        # One pad per port, added when netgearsrc goes to READY. Live frames:
        # no clock sync, no part in the preroll (a port may never get a sender).
        sink = Gst.ElementFactory.make('appsink')
        sink.set_property('sync', False)
        sink.set_property('async', False)
        sink.set_property('emit-signals', True)
        sink.connect('new-sample', on_sample)
        pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad('sink'))

    def on_compute_reply(_src, port, seq, message):
        # Runs on the thread that serves every port: keep it quick.
        return json.dumps({'port': port, 'seq': seq, 'echo': json.loads(message)})

    src.connect('pad-added', on_pad_added)
    if a.echo:
        src.connect('compute-reply', on_compute_reply)

    status = [0]

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.get_name() == 'netgear-server-connected':
                say('connected port=%d peer=%s' % (s.get_value('port'),
                                                   s.get_value('peer') if s.has_field('peer') else '?'))
            elif s.get_name() == 'netgear-server-terminated':
                say('terminated port=%d' % s.get_value('port'))
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print('error: %s (%s)' % (err.message, dbg), file=sys.stderr)
            status[0] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, lambda: end_stream() or True)

    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        if msg:
            on_message(bus, msg)
        status[0] = 1
    else:
        say('listening on %s ports %s' % (a.address, a.ports))
        loop.run()
    pipeline.set_state(Gst.State.NULL)
    return status[0]


if __name__ == '__main__':
    sys.exit(main())
