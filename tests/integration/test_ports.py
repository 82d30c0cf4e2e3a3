#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Ports that come and go: netgearsrc's request pads src_<port>, each its
own port with its own streaming thread.

  * gst-launch syntax with no `ports`: `netgearsrc name=s s.src_N ! ...`
    requests the pad while parsing, binds N going to READY, and receives.
  * While PLAYING, with a sender streaming on port A: requesting src_B
    binds B and a new sender's frames arrive there; releasing it closes B
    (the port can be bound again at once). Port A's frames keep coming
    through both, in order, none missing.
  * Bad requests (not src_<port>, port 0, a port with a pad already, a port
    another program holds) give no pad, and but for the first (GStreamer
    refuses it) a clear warning; the element goes on.
  * Threads per port: a compute-reply handler blocked on one port holds up
    only that port: the other port's frames keep arriving meanwhile.
  * NOT_LINKED: an unlinked pad next to a linked one is fine; an element
    whose every pad is unlinked posts a not-linked error. A pad requested
    while playing reads nothing until it is linked (its sender waits, its
    handshake is seen), then streams.
  * A pad released from its own streaming thread (a pad probe) goes, and
    its port is freed, while the other port streams on.
  * No `ports` and no requested pad: the start fails, naming the property.
Ports 27390-27399 and 27415-27417."""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from ngtest import Gst  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=160,height=120,framerate=30/1'


class Wall:
    """A netgearsrc pipeline built by hand: appsinks added per pad, frames
    recorded per port as (seq) from the meta."""

    def __init__(self, launch):
        self.pipeline = Gst.parse_launch(launch)
        if not isinstance(self.pipeline, Gst.Pipeline):  # a lone element
            element, self.pipeline = self.pipeline, Gst.Pipeline.new(None)
            self.pipeline.add(element)
        self.src = self.pipeline.get_by_name('src')
        self.bus = self.pipeline.get_bus()
        self.lock = threading.Lock()
        self.seqs = {}
        self.errors, self.warnings, self.messages = [], [], []
        for el in self.pipeline.iterate_sinks():
            if el.get_name().startswith('sink_'):
                self.watch(el, int(el.get_name()[5:]))

    def watch(self, sink, port):
        with self.lock:
            self.seqs.setdefault(port, [])
        sink.connect('new-sample', self._on_sample, port)

    def _on_sample(self, sink, port):
        sample = sink.emit('pull-sample')
        if sample is None:
            return Gst.FlowReturn.EOS
        meta = sample.get_buffer().get_custom_meta(ng.META_NAME)
        with self.lock:
            self.seqs[port].append(meta.get_structure().get_value('seq') if meta else -1)
        return Gst.FlowReturn.OK

    def add_port(self, port, link=True):
        """Requests src_<port> while running and links it to a new appsink
        (link=False: later, with link())."""
        pad = self.src.request_pad_simple('src_%d' % port)
        if pad is None:
            return None
        if link:
            self.link(pad)
        return pad

    def link(self, pad):
        port = int(pad.get_name()[4:])
        sink = Gst.ElementFactory.make('appsink', 'sink_%d' % port)
        sink.set_property('emit-signals', True)
        sink.set_property('sync', False)
        sink.set_property('async', False)
        self.watch(sink, port)
        self.pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad('sink'))

    def remove_port(self, pad):
        sink = self.pipeline.get_by_name('sink_%s' % pad.get_name()[4:])
        pad.unlink(sink.get_static_pad('sink'))
        self.src.release_request_pad(pad)
        sink.set_state(Gst.State.NULL)
        self.pipeline.remove(sink)

    def count(self, port):
        with self.lock:
            return len(self.seqs.get(port, []))

    def got(self, port):
        with self.lock:
            return list(self.seqs.get(port, []))

    def poll(self, timeout):
        msg = self.bus.timed_pop_filtered(int(timeout * Gst.SECOND),
                                          Gst.MessageType.ERROR | Gst.MessageType.WARNING | Gst.MessageType.ELEMENT)
        if msg is None:
            return
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.errors.append('%s (%s)' % (err.message, dbg))
        elif msg.type == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            self.warnings.append('%s (%s)' % (err.message, dbg))
        elif msg.get_structure() is not None:
            self.messages.append(msg.get_structure().get_name())

    def run_until(self, pred, timeout, stop_on_error=True):
        d = ng.Deadline(timeout)
        while not pred():
            if (stop_on_error and self.errors) or d.expired():
                return pred()
            self.poll(min(0.05, d.left()))
        return True

    def start(self):
        ret = self.pipeline.set_state(Gst.State.PLAYING)
        return ret != Gst.StateChangeReturn.FAILURE

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)

    def report(self):
        with self.lock:
            counts = {p: len(v) for p, v in self.seqs.items()}
        return 'frames %s\nerrors %s\nwarnings %s\nmessages %s' % (counts, self.errors, self.warnings[:6],
                                                                  self.messages[-10:])


def contiguous(seqs):
    return all(b == a + 1 for a, b in zip(seqs, seqs[1:]))


def sender(group, port, index, frames=900, **kw):
    """A paced (30 fps) pattern-1 sender that holds at its end."""
    return ng.start_sender(group, port, index, frames, caps=CAPS, sync=True, hold=True, timeout=60, **kw)


def launch_syntax(tap):
    """The pad named in the launch line is requested while parsing."""
    port = 27390
    wall = Wall('netgearsrc name=src address=%s src.src_%d ! appsink name=sink_%d emit-signals=true sync=false '
                'async=false' % (ng.LOOPBACK, port, port))
    names = [p.get_name() for p in wall.src.pads]
    tap.ok(names == ['src_%d' % port], 'gst-launch syntax: s.src_%d makes the pad while parsing' % port, str(names))
    with ng.ProcGroup() as group:
        try:
            tap.ok(wall.start(), 'gst-launch syntax: starts with no ports property', wall.report())
            sender(group, port, 0, frames=30, extra=('--drop-until-receiver',))
            tap.ok(wall.run_until(lambda: wall.count(port) >= 10, 20),
                   'gst-launch syntax: frames arrive on src_%d' % port, wall.report())
        finally:
            wall.stop()


def bindable(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ng.LOOPBACK, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def come_and_go(tap):
    a, b, busy = 27391, 27392, 27393
    wall = Wall('netgearsrc name=src address=%s ports=%d src.src_%d ! appsink name=sink_%d emit-signals=true '
                'sync=false async=false' % (ng.LOOPBACK, a, a, a))
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind((ng.LOOPBACK, busy))
    holder.listen(1)
    with ng.ProcGroup() as group:
        try:
            if not tap.ok(wall.start(), 'come and go: receiver starts', wall.report()):
                return
            sa = sender(group, a, 0)
            tap.ok(wall.run_until(lambda: wall.count(a) >= 15, 20), 'come and go: port %d streams' % a,
                   wall.report() + '\n' + sa.report())
            pad = wall.add_port(b)
            tap.ok(pad is not None and pad.get_name() == 'src_%d' % b and pad.is_active(),
                   'come and go: src_%d requested while PLAYING, active' % b, str(pad))
            sb = sender(group, b, 1)
            at_add = wall.count(a)
            tap.ok(wall.run_until(lambda: wall.count(b) >= 15, 20),
                   'come and go: the new sender\'s frames arrive on src_%d' % b, wall.report() + '\n' + sb.report())
            tap.ok(wall.count(a) > at_add, 'come and go: port %d kept streaming meanwhile' % a, wall.report())
            if pad is not None:
                wall.remove_port(pad)
            tap.ok(('src_%d' % b) not in [p.get_name() for p in wall.src.pads],
                   'come and go: src_%d released' % b, str([p.get_name() for p in wall.src.pads]))
            # ZeroMQ closes the listening socket on its own thread, at once
            # but after zmq_close() returns: nothing tells when.
            d = ng.Deadline(3)
            while not bindable(b) and not d.expired():
                wall.poll(0.05)
            tap.ok(bindable(b), 'come and go: port %d is free again once its pad is released' % b)
            at_release = wall.count(a)
            tap.ok(wall.run_until(lambda: wall.count(a) >= at_release + 15, 20),
                   'come and go: port %d streams on after the release' % a, wall.report())
            seqs = wall.got(a)
            tap.ok(seqs and contiguous(seqs), 'come and go: port %d\'s frames in order, none missing (%d frames)'
                   % (a, len(seqs)), 'seqs %s' % seqs)

            # Requests that cannot be served: no pad, a warning, nothing else.
            n_warn = len(wall.warnings)
            for name, why in (('src_x', 'not a port'), ('src_0', 'port 0'), ('src_%d' % a, 'a pad already'),
                              ('src_%d' % busy, 'held by another program')):
                got = wall.src.request_pad_simple(name)
                tap.ok(got is None, 'bad request %s (%s): no pad' % (name, why), str(got))
            wall.run_until(lambda: len(wall.warnings) >= n_warn + 3, 5)
            new = wall.warnings[n_warn:]
            tap.ok(len(new) == 3 and any('Port %d is already in use' % busy in w for w in new) and
                   any('src_0' in w for w in new) and any('has a pad already' in w for w in new),
                   'bad requests: a warning each, naming the problem', '\n'.join(new))
            tap.ok(not wall.errors and wall.pipeline.get_state(0)[1] == Gst.State.PLAYING,
                   'bad requests: the element plays on', wall.report())
            before = wall.count(a)
            tap.ok(wall.run_until(lambda: wall.count(a) >= before + 5, 10),
                   'bad requests: port %d still streams' % a, wall.report())
            for s in (sa, sb):
                s.kill()
        finally:
            holder.close()
            wall.stop()


def blocked_handler(tap):
    """compute-reply on port `slow` blocks until released: port `fast`
    goes on."""
    slow, fast = 27394, 27395
    release = threading.Event()
    blocked = threading.Event()

    def compute(src, port, seq, message):
        if port == slow and seq >= 5 and not release.is_set():
            blocked.set()
            release.wait(20)
        return None

    wall = Wall('netgearsrc name=src address=%s ports=%d,%d bidirectional=true %s' % (
        ng.LOOPBACK, slow, fast, ' '.join('src.src_%d ! appsink name=sink_%d emit-signals=true sync=false '
                                          'async=false' % (p, p) for p in (slow, fast))))
    wall.src.connect('compute-reply', compute)
    with ng.ProcGroup() as group:
        try:
            if not tap.ok(wall.start(), 'blocked handler: receiver starts', wall.report()):
                return
            senders = [sender(group, p, i, extra=('--bidirectional',)) for i, p in enumerate((slow, fast))]
            tap.ok(wall.run_until(blocked.is_set, 20), 'blocked handler: port %d\'s handler blocks' % slow,
                   wall.report() + '\n' + senders[0].report())
            at_block_slow, at_block_fast = wall.count(slow), wall.count(fast)
            flowing = wall.run_until(lambda: wall.count(fast) >= at_block_fast + 30, 20)
            tap.ok(flowing, 'blocked handler: port %d gets 30 more frames meanwhile' % fast, wall.report())
            tap.ok(wall.count(slow) == at_block_slow,
                   'blocked handler: port %d gets nothing more while its handler blocks' % slow, wall.report())
            release.set()
            tap.ok(wall.run_until(lambda: wall.count(slow) >= at_block_slow + 10, 20),
                   'blocked handler: port %d resumes once released' % slow, wall.report())
            for s in senders:
                s.kill()
        finally:
            release.set()
            wall.stop()


def not_linked(tap):
    linked, unlinked, alone = 27396, 27397, 27398
    wall = Wall('netgearsrc name=src address=%s ports=%d,%d src.src_%d ! appsink name=sink_%d emit-signals=true '
                'sync=false async=false' % (ng.LOOPBACK, linked, unlinked, linked, linked))
    with ng.ProcGroup() as group:
        try:
            tap.ok(wall.start(), 'not linked: receiver with one unlinked pad starts', wall.report())
            senders = [sender(group, p, i, frames=60) for i, p in enumerate((linked, unlinked))]
            tap.ok(wall.run_until(lambda: wall.count(linked) >= 30, 20) and not wall.errors,
                   'not linked: the linked pad streams, no error', wall.report())
            for s in senders:
                s.kill()
        finally:
            wall.stop()
    wall = Wall('netgearsrc name=src address=%s ports=%d' % (ng.LOOPBACK, alone))
    with ng.ProcGroup() as group:
        try:
            tap.ok(wall.start(), 'not linked: receiver with no linked pad starts', wall.report())
            sender(group, alone, 0, frames=60)
            tap.ok(wall.run_until(lambda: wall.errors, 20, stop_on_error=False) and
                   any('not-linked' in e or 'not linked' in e for e in wall.errors),
                   'not linked: every pad unlinked is a not-linked error', wall.report())
        finally:
            wall.stop()


def link_later(tap):
    """A pad requested while playing, its sender streaming before the link."""
    first, late = 27415, 27416
    wall = Wall('netgearsrc name=src address=%s src.src_%d ! appsink name=sink_%d emit-signals=true sync=false '
                'async=false' % (ng.LOOPBACK, first, first))
    with ng.ProcGroup() as group:
        try:
            if not tap.ok(wall.start(), 'link later: receiver starts', wall.report()):
                return
            pad = wall.add_port(late, link=False)
            tx = sender(group, late, 0, extra=('--live-stats',))
            tap.ok(wall.run_until(lambda: 'netgear-server-connected' in wall.messages, 20),
                   'link later: the sender on the unlinked pad connects', wall.report())

            def sent(lines):
                for l in reversed(lines):
                    if l.startswith('LIVESTATS '):
                        return int(l.split()[1])
                return 0
            tap.ok(tx.wait_until(lambda lines: sent(lines) >= 1, 20), 'link later: its first frame is on its way',
                   tx.report())
            # Unread, it stays unanswered: a sender at 30 fps that got
            # answers would have sent three frames well within 2 s.
            tap.ok(not tx.wait_until(lambda lines: sent(lines) >= 3, 2),
                   'link later: the frame waits, unanswered, while the pad is unlinked', tx.report())
            # The outer structure kept alive: the nested one points into it.
            all_stats = wall.src.get_property('stats')
            st = all_stats.get_value('port-%d' % late)
            tap.ok(st.get_value('frames') == 0 and st.get_value('dropped') == 0 and not wall.errors,
                   'link later: nothing read, nothing dropped, no error before the link', st.to_string())
            wall.link(pad)
            tap.ok(wall.run_until(lambda: wall.count(late) >= 10, 20), 'link later: frames once linked',
                   wall.report())
            seqs = wall.got(late)
            tap.ok(seqs and seqs[0] == 0 and contiguous(seqs), 'link later: from the first frame, in order',
                   str(seqs[:20]))
        finally:
            wall.stop()


def release_from_probe(tap):
    """The pad's own streaming thread releases it."""
    a, b = 27417, 27399
    wall = Wall('netgearsrc name=src address=%s ports=%d src.src_%d ! appsink name=sink_%d emit-signals=true '
                'sync=false async=false' % (ng.LOOPBACK, a, a, a))
    with ng.ProcGroup() as group:
        try:
            if not tap.ok(wall.start(), 'release from its thread: receiver starts', wall.report()):
                return
            sender(group, a, 0)
            pad = wall.add_port(b)
            sender(group, b, 1)
            seen = {'n': 0, 'released': False}

            def probe(p, info):
                seen['n'] += 1
                if seen['n'] == 5 and not seen['released']:
                    seen['released'] = True
                    wall.src.release_request_pad(p)
                return Gst.PadProbeReturn.OK

            pad.add_probe(Gst.PadProbeType.BUFFER, probe)
            gone = wall.run_until(lambda: ('src_%d' % b) not in [p.get_name() for p in wall.src.pads], 20)
            tap.ok(seen['released'] and gone, 'release from its thread: the pad goes', wall.report())
            d = ng.Deadline(3)
            while not bindable(b) and not d.expired():
                wall.poll(0.05)
            tap.ok(bindable(b), 'release from its thread: its port is free again')
            before = wall.count(a)
            tap.ok(wall.run_until(lambda: wall.count(a) >= before + 10, 20) and not wall.errors,
                   'release from its thread: the other port streams on, no error', wall.report())
        finally:
            wall.stop()


def no_port(tap):
    ret, errors = ng.start_errors('netgearsrc address=%s ! fakesink' % ng.LOOPBACK)
    tap.ok(ret == Gst.StateChangeReturn.FAILURE and any("Property 'ports' is empty" in m for m, _ in errors),
           'no ports and no pad requested: the start fails, naming the property', '%s %s' % (ret, errors))


def main(tap):
    launch_syntax(tap)
    come_and_go(tap)
    blocked_handler(tap)
    not_linked(tap)
    link_later(tap)
    release_from_probe(tap)
    no_port(tap)


if __name__ == '__main__':
    ng.run_main(main)
