#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A sender process for the integration tests:

    appsrc (deterministic frames) [! encoder] ! netgearsink

Frame n of sender --index is ngtest.frame_content(index, n), pushed in
GStreamer's default layout (row padding filled with 0xA5), PTS n/framerate.

Prints on stdout, one line each, flushed:
  CAPS <caps>        caps event reaching netgearsink
  SENT <n> <digest>  buffer n entering netgearsink (content digest)
  PLAYING            the pipeline reached PLAYING
  WARNING <text>     a bus warning
  EOS                the pipeline finished (netgearsink sent its terminate)
  HOLDING            --hold: every frame was pushed; waiting for a line on stdin
  STOPPING           --no-eos: every frame went out; going to NULL now
  ERROR <text>       a bus error or a failed state change (exit 1)
  TIMEOUT            --timeout passed (exit 2)
  STOPPED <seconds>  how long the change to NULL took
  STATS <structure>  netgearsink's stats after stopping
  REPLY <seq> <port> <pts> <json>
                     --bidirectional: netgearsink's reply signal (pts -1: none)
  REPLYMSG <seq> <port> <return-type> <json>
                     --bidirectional: a netgear-reply element message
  REPLYDATA <seq> <port> <digest>
                     ... and the digest of its `data` (an array reply)
  ELEMENT <structure>
                     an element message other than netgear-reply (e.g.
                     netgear-receiver-waiting, netgear-receiver-connected)
  LIVESTATS <sent> <acknowledged>
                     --live-stats: netgearsink's counters, whenever they change
                     (read every 20 ms while running)
  DONE               the end (exit 0)

Messages (see --message, --frame-messages, --raw-message-frames): frame n's
own message goes in a "netgear-message" event pushed just before it through
appsrc, which keeps events in order with buffers.
"""
import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
import ngframes  # noqa: E402
from ngtest import GLib, Gst, GstVideo  # noqa: E402

say = ng.say


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--index', type=int, required=True)
    ap.add_argument('--frames', type=int, required=True)
    ap.add_argument('--pattern', type=int, default=1)
    ap.add_argument('--caps', required=True, help='raw video caps of the generated frames')
    ap.add_argument('--encoder', default='', help='e.g. jpegenc, pngenc')
    ap.add_argument('--sync', type=int, default=0)
    ap.add_argument('--address', default=ng.LOOPBACK)
    ap.add_argument('--request-timeout', type=int)
    ap.add_argument('--on-timeout', choices=('resend', 'skip'))
    ap.add_argument('--live-stats', action='store_true')
    ap.add_argument('--props', default='', help='more netgearsink properties, gst-launch syntax')
    ap.add_argument('--max-retries', type=int)
    ap.add_argument('--no-eos', action='store_true',
                    help='after the last frame went out, stop (state NULL) instead of sending EOS')
    ap.add_argument('--hold', action='store_true',
                    help='after the last frame, wait for a line on stdin before ending (EOS or stop)')
    ap.add_argument('--timeout', type=float, default=45)
    ap.add_argument('--message', help='netgearsink message-json property (JSON text)')
    ap.add_argument('--message-at', help='N:JSON: set the message-json property to JSON before frame N')
    ap.add_argument('--drop-until-receiver', action='store_true',
                    help='netgearsink\'s default, wait-for-connection=false: frames before the receiver is there '
                         'are dropped (without it: held, so that every frame arrives whenever the receiver starts)')
    ap.add_argument('--frame-messages', help='JSON list: frame n gets item n %% len as its own message '
                    '(an item null gives the word back to the property)')
    ap.add_argument('--raw-message-frames', default='',
                    help='comma-separated frame numbers whose own message is bytes (to be refused)')
    ap.add_argument('--bidirectional', action='store_true')
    ap.add_argument('--content', choices=('noise', 'solid'), default='noise',
                    help='solid: flat colours (ngframes.solid_bgr/solid_gray), for lossy encoders')
    a = ap.parse_args()
    frame_messages = json.loads(a.frame_messages) if a.frame_messages else None
    raw_frames = {int(x) for x in a.raw_message_frames.split(',') if x}
    message_at = None
    if a.message_at:
        n, text = a.message_at.split(':', 1)
        message_at = (int(n), text)

    caps = Gst.Caps.from_string(a.caps)
    info = ng.video_info(caps)
    fps_n, fps_d = info.fps_n or 30, info.fps_d or 1
    dur = Gst.util_uint64_scale(Gst.SECOND, fps_d, fps_n)

    sink_props = 'address=%s port=%d pattern=%d sync=%s' % (a.address, a.port, a.pattern,
                                                            'true' if a.sync else 'false')
    if a.request_timeout is not None:
        sink_props += ' request-timeout=%d' % a.request_timeout
    if a.max_retries is not None:
        sink_props += ' max-retries=%d' % a.max_retries
    if a.on_timeout is not None:
        sink_props += ' on-timeout=%s' % a.on_timeout
    if a.props:
        sink_props += ' ' + a.props
    if a.bidirectional:
        sink_props += ' bidirectional=true'
    enc = (' ! %s ' % a.encoder) if a.encoder else ' '
    pipeline = Gst.parse_launch('appsrc name=feed format=time block=true%s! netgearsink name=sink %s' %
                                (enc, sink_props))
    feed = pipeline.get_by_name('feed')
    sink = pipeline.get_by_name('sink')
    feed.set_property('caps', caps)
    feed.set_property('max-bytes', 3 * info.size)
    if a.message is not None:
        sink.set_property('message-json', a.message)
    sink.set_property('wait-for-connection', not a.drop_until_receiver)

    def on_reply(_sink, port, message, seq, buf):
        pts = buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else -1
        say('REPLY', seq, port, pts, message)

    sink.connect('reply', on_reply)

    def message_event(n):
        s = Gst.Structure.new_empty('netgear-message')
        if n in raw_frames:
            s.set_value('message', GLib.Bytes.new(b'\x00\x01raw'))
        else:
            s.set_value('message', json.dumps(frame_messages[n % len(frame_messages)]))
        return Gst.Event.new_custom(Gst.EventType.CUSTOM_DOWNSTREAM, s)

    seen = [0]

    def probe(pad, pinfo):
        if pinfo.type & Gst.PadProbeType.BUFFER:
            buf = pinfo.get_buffer()
            pc = pad.get_current_caps()
            say('SENT', seen[0], ng.content_digest(pc, ng.buffer_bytes(buf)))
            seen[0] += 1
        elif pinfo.type & Gst.PadProbeType.EVENT_DOWNSTREAM:
            ev = pinfo.get_event()
            if ev.type == Gst.EventType.CAPS:
                say('CAPS', ev.parse_caps().to_string())
        return Gst.PadProbeReturn.OK

    sink.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM, probe)

    fed = threading.Event()

    def content(n):
        if a.content == 'noise':
            return ng.frame_content(info, a.index, n)
        if info.finfo.format == GstVideo.VideoFormat.BGR:
            return bytes(ngframes.solid_bgr(a.index, n)) * (info.width * info.height)
        if info.finfo.format == GstVideo.VideoFormat.GRAY8:
            return bytes([ngframes.solid_gray(a.index, n)]) * (info.width * info.height)
        raise ValueError('--content solid needs BGR or GRAY8 caps')

    def feeder():
        for n in range(a.frames):
            if message_at and n == message_at[0]:
                # Not in order with the buffers: frames already queued in
                # appsrc (at most 3, max-bytes) may take the new value too.
                sink.set_property('message-json', message_at[1])
            if frame_messages is not None or n in raw_frames:
                feed.send_event(message_event(n))
            buf = Gst.Buffer.new_wrapped(ng.unpack(info, content(n)))
            buf.pts = n * dur
            buf.duration = dur
            ret = feed.emit('push-buffer', buf)
            if ret != Gst.FlowReturn.OK:
                say('FEED', n, ret.value_nick)
                return
        if a.hold:
            say('HOLDING')
            sys.stdin.readline()
        fed.set()
        if not a.no_eos:
            feed.emit('end-of-stream')

    bus = pipeline.get_bus()
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        msg = bus.timed_pop_filtered(Gst.SECOND, Gst.MessageType.ERROR)
        say('ERROR', 'state change to PLAYING failed', msg.parse_error()[0].message if msg else '')
        pipeline.set_state(Gst.State.NULL)
        return 1
    t = threading.Thread(target=feeder, daemon=True)
    t.start()

    rc = 0
    deadline = ng.Deadline(a.timeout)
    mask = (Gst.MessageType.STATE_CHANGED | Gst.MessageType.EOS | Gst.MessageType.ERROR |
            Gst.MessageType.WARNING | Gst.MessageType.ELEMENT)
    last_live = None
    while True:
        if a.live_stats:
            st = sink.get_property('stats')
            live = (st.get_value('sent'), st.get_value('acknowledged'))
            if live != last_live:
                say('LIVESTATS', *live)
                last_live = live
        if deadline.expired():
            say('TIMEOUT')
            rc = 2
            break
        if a.no_eos and fed.is_set():
            st = sink.get_property('stats')
            done = st.get_value('acknowledged' if a.pattern == 1 else 'sent') + \
                (0 if a.pattern == 1 else st.get_value('dropped'))
            if seen[0] >= a.frames and done >= a.frames:
                say('STOPPING')
                break
        msg = bus.timed_pop_filtered(int(0.02 * Gst.SECOND), mask)
        if msg is None:
            continue
        if msg.type == Gst.MessageType.STATE_CHANGED:
            if msg.src == pipeline and msg.parse_state_changed()[1] == Gst.State.PLAYING:
                say('PLAYING')
        elif msg.type == Gst.MessageType.EOS:
            say('EOS')
            break
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            say('ERROR', err.message, '|', dbg)
            rc = 1
            break
        elif msg.type == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            say('WARNING', err.message, '|', dbg)
        elif msg.type == Gst.MessageType.ELEMENT and not msg.get_structure().has_name('netgear-reply'):
            say('ELEMENT', msg.get_structure().to_string())
        elif msg.type == Gst.MessageType.ELEMENT:
            st = msg.get_structure()
            say('REPLYMSG', st.get_value('seq'), st.get_value('port'), st.get_value('return-type'),
                st.get_value('message'))
            if st.has_field('data'):
                say('REPLYDATA', st.get_value('seq'), st.get_value('port'), ngframes.digest(st.get_value('data').get_data()))

    t0 = time.monotonic()
    pipeline.set_state(Gst.State.NULL)
    say('STOPPED', '%.3f' % (time.monotonic() - t0))
    say('STATS', sink.get_property('stats').to_string())
    t.join(timeout=5)
    say('DONE')
    return rc


if __name__ == '__main__':
    sys.exit(main())
