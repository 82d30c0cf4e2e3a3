#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The elements say what is wrong, seen from outside.

A sender with no receiver: gst-launch-1.0 -e, as a user runs it (a live
videotestsrc, a plain one, and pattern=2), warns "No receiver at
tcp://127.0.0.1:P yet" after request-timeout and, on Ctrl-C (SIGINT),
exits with status 0 within a second (the time is printed). By default
(wait-for-connection=false) frames are dropped until a receiver first
comes: a late receiver gets consecutive seqs from the first that arrived,
the sender counts dropped frames and posts netgear-receiver-waiting (at
request-timeout, then after a doubled interval) and
netgear-receiver-connected. With wait-for-connection=true no frame is lost
and none is counted as dropped (stats, netgear-receiver-waiting), and a
state change to NULL still ends a waiting sender at once (both settings,
in this process).

A pattern=2 sender facing a pattern=1 receiver, and the reverse: the
receiver posts netgear-pattern-mismatch and a warning naming the port and
its pattern, counts pattern-mismatches, and does not call it a security
failure (no netgear-auth-failed); the sender warns that the receiver
closes every connection during its handshake and posts
netgear-pattern-mismatch.

Bind addresses: address=localhost receives; nosuch.invalid and 192.0.2.10
(not this host's) fail to start with exactly one ERROR saying why.

Two senders on one port: one warning "Two senders send on port P",
netgear-port-shared and extra-senders = 1; one sender restarted (killed,
or ended cleanly, then a new process; killed, into a receiver with
keep-listening=true) is not a second sender.

Ports 27400-27414 (27410 and 27411 are never bound)."""
import contextlib
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from ngtest import GObject, Gst  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=64,height=48,framerate=30/1'
LAUNCH_CAPS = 'video/x-raw,format=BGR,width=64,height=48'
TIMEOUT_MS = 500  # request-timeout of the senders without a receiver

P_LAUNCH_LIVE, P_LAUNCH_PLAIN, P_LAUNCH_PUBSUB = 27400, 27401, 27402
P_DROP, P_HOLD, P_NULL_HOLD, P_NULL_DROP = 27403, 27404, 27405, 27406
P_MISMATCH_SUB_TO_REQ, P_MISMATCH_REQ_TO_SUB = 27407, 27408
P_LOCALHOST, P_NOSUCH, P_FOREIGN = 27409, 27410, 27411
P_SHARED, P_RESTART_KILLED, P_RESTART_CLEAN = 27412, 27413, 27414


def endpoint(port):
    return 'tcp://%s:%d' % (ng.LOOPBACK, port)


def fields(s):
    """{field: (value, type name)} of a GstStructure."""
    out = {}
    for i in range(s.n_fields()):
        name = s.nth_field_name(i)
        out[name] = (s.get_value(name), GObject.type_name(s.get_field_type(name)))
    return out


def parse_structure(text):
    st = Gst.Structure.from_string(text)
    return st[0] if isinstance(st, tuple) else st


def element_messages(proc, name):
    """[{field: (value, type)}] of a sender.py's ELEMENT lines named name."""
    out = []
    for line in proc.find('ELEMENT %s,' % name) + proc.find('ELEMENT %s;' % name):
        st = parse_structure(line[len('ELEMENT '):])
        if st is not None:
            out.append(fields(st))
    return out


def has_element(name):
    return lambda lines: any(l.startswith('ELEMENT %s,' % name) for l in lines)


def has_line(text):
    return lambda lines: any(text in l for l in lines)


def typed(f, name, gtype):
    return name in f and f[name][1] == gtype


class Rx(ng.Receiver):
    """ng.Receiver that also keeps every element message's whole structure,
    and the text of every warning."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.structures = []  # (name, {field: (value, type)})
        self.warning_texts = []

    def _record(self, msg):
        super()._record(msg)
        if msg.type == Gst.MessageType.ELEMENT and msg.get_structure() is not None:
            s = msg.get_structure()
            self.structures.append((s.get_name(), fields(s)))
        elif msg.type == Gst.MessageType.WARNING:
            self.warning_texts.append(msg.parse_warning()[0].message)

    def named(self, name):
        return [f for n, f in self.structures if n == name]

    def port_stats(self, port):
        """{field: value} of stats' port-P structure (the outer structure
        kept alive while it is read)."""
        st = self.src.get_property('stats')
        sub = st.get_value('port-%d' % port)
        return {k: v for k, (v, _) in fields(sub).items()} if isinstance(sub, Gst.Structure) else {}


def seqs_of(rx, port):
    with rx.lock:
        return [r.get('seq') for r in rx.frames[port]]


def intact(rx, port, index):
    """Frames on port whose content is not frame `seq` of sender `index`."""
    with rx.lock:
        recs = list(rx.frames[port])
    return [r.get('seq') for r in recs
            if not isinstance(r.get('seq'), int) or r.get('digest') != ng.expected_digest(CAPS, index, r['seq'])]


# ------------------------------------------------------------ no receiver

def ctrl_c(tap, group, label, launch, port, want_message=False):
    """gst-launch-1.0 -e LAUNCH, as a user runs it, stderr merged: it warns
    that no receiver is there, then SIGINT ends it, status 0, within 1 s."""
    cmd = 'exec gst-launch-1.0 -e %s%s 2>&1' % ('-m ' if want_message else '', launch)
    t_start = time.monotonic()
    p = group.add(ng.Proc(label, ['bash', '-c', cmd]))
    want = 'WARNING: from element /GstPipeline:pipeline0/GstNetGearSink:netgearsink0: No receiver at %s yet' % \
        endpoint(port)
    warned = p.wait_until(has_line(want), 10)
    t_warn = time.monotonic() - t_start
    tap.ok(warned and t_warn >= TIMEOUT_MS / 1000.0,
           '%s: warns "No receiver at %s yet", not before request-timeout' % (label, endpoint(port)),
           'after %.3f s\n%s' % (t_warn, p.report()))
    if want_message:
        ok = p.wait_until(has_line('(element): netgear-receiver-waiting, endpoint=(string)%s, waited=(guint64)'
                                   % endpoint(port)), 3)
        tap.ok(ok, '%s: posts netgear-receiver-waiting (gst-launch-1.0 -m prints it)' % label, p.report())
    if not warned:
        return
    t0 = p.signal(signal.SIGINT)
    try:
        rc = p.p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        rc = None
    elapsed = time.monotonic() - t0
    p.wait_exit(5)
    tap.diag('%s: exited %.3f s after SIGINT, status %s' % (label, elapsed, rc))
    tap.ok(rc == 0 and elapsed < 1.0, '%s: Ctrl-C under -e: exits with status 0 within 1 s' % label,
           'status %s after %.3f s\n%s' % (rc, elapsed, p.report()))
    tap.ok(not p.find('ERROR'), '%s: no ERROR printed' % label, p.report())


@contextlib.contextmanager
def late_receiver(tap, label, port, sender):
    """A receiver started after the sender has waited for it: yields it and
    the seqs that reached it, once it reached EOS and the sender ended (None
    for the seqs when it did not start)."""
    rx = Rx([port])
    try:
        if not tap.ok(rx.start(), '%s: receiver reaches PLAYING' % label, rx.summary()):
            yield rx, None
            return
        rx.run_until(lambda: rx.eos, 20)
        rc = sender.wait_exit(10)
        tap.ok(rc == 0 and not sender.find('ERROR'), '%s: the sender ends without error' % label, sender.report())
        yield rx, seqs_of(rx, port)
    finally:
        rx.stop()


def late_receiver_dropping(tap, group):
    """Default wait-for-connection=false: frames before the receiver are
    dropped; the receiver gets the rest, consecutive."""
    frames = 60
    s = ng.start_sender(group, P_DROP, 3, frames, caps=CAPS, request_timeout=TIMEOUT_MS, timeout=30,
                        extra=('--drop-until-receiver',))
    # Two netgear-receiver-waiting messages: at request-timeout, then after
    # the doubled interval.
    ok = s.wait_until(lambda lines: len([l for l in lines if l.startswith('ELEMENT netgear-receiver-waiting,')]) >= 2,
                      10)
    label = 'wait-for-connection=false, late receiver'
    warn = [l for l in s.find('WARNING ') if 'No receiver at %s yet' % endpoint(P_DROP) in l]
    tap.ok(ok and warn, '%s: the sender warns "No receiver at %s yet"' % (label, endpoint(P_DROP)), s.report())
    waiting = element_messages(s, 'netgear-receiver-waiting')
    good = [f for f in waiting if typed(f, 'endpoint', 'gchararray') and f['endpoint'][0] == endpoint(P_DROP) and
            typed(f, 'waited', 'guint64') and typed(f, 'dropped', 'guint64')]
    tap.ok(len(waiting) >= 2 and len(good) == len(waiting),
           '%s: netgear-receiver-waiting with endpoint (string), waited and dropped (guint64)' % label,
           'messages: %s' % waiting)
    if len(good) >= 2:
        w1, w2 = good[0]['waited'][0], good[1]['waited'][0]
        tap.diag('%s: waited %d ms, then %d ms; dropped %d, then %d' %
                 (label, w1, w2, good[0]['dropped'][0], good[1]['dropped'][0]))
        tap.ok(TIMEOUT_MS <= w1 < TIMEOUT_MS + 500 and 2 * TIMEOUT_MS - 100 <= w2 - w1 < 2 * TIMEOUT_MS + 600,
               '%s: the first after request-timeout (%d ms), the next after twice as long' % (label, TIMEOUT_MS),
               'waited %d then %d ms' % (w1, w2))
        tap.ok(good[1]['dropped'][0] > 0, '%s: netgear-receiver-waiting counts dropped frames' % label,
               'messages: %s' % good)
    with late_receiver(tap, label, P_DROP, s) as (rx, seqs):
        if seqs is None:
            return
        tap.diag('%s: seqs %s..%s arrived (%d frames)' % (label, seqs[0] if seqs else None,
                                                          seqs[-1] if seqs else None, len(seqs)))
        tap.ok(seqs and seqs == list(range(seqs[0], seqs[0] + len(seqs))) and seqs[-1] == frames - 1,
               '%s: frames arrive in order, consecutive seqs from the first that arrived to the last' % label,
               'seqs: %s' % seqs)
        bad = intact(rx, P_DROP, 3)
        tap.ok(seqs and not bad, '%s: each frame is the one its seq numbers' % label, 'wrong: %s' % bad[:10])
        st = s.stats()
        dropped = st.get_value('dropped') if st is not None and st.has_field('dropped') else None
        tap.diag('%s: sender stats dropped=%s' % (label, dropped))
        tap.ok(isinstance(dropped, int) and dropped > 0, '%s: the sender\'s stats count dropped > 0' % label,
               s.report())
        # seq numbers every buffer (the digests say so): the frames before
        # the first that arrived were the dropped ones, and only those.
        tap.ok(seqs and seqs[0] > 0 and dropped == seqs[0],
               '%s: the frames before the receiver were dropped, and counted: dropped = first seq' % label,
               'first seq %s, dropped %s' % (seqs[0] if seqs else None, dropped))
        conn = element_messages(s, 'netgear-receiver-connected')
        last_waiting = good[-1]['waited'][0] if good else TIMEOUT_MS
        tap.ok(len(conn) == 1 and typed(conn[0], 'endpoint', 'gchararray') and
               conn[0]['endpoint'][0] == endpoint(P_DROP) and typed(conn[0], 'waited', 'guint64') and
               conn[0]['waited'][0] >= last_waiting,
               '%s: the sender posts netgear-receiver-connected (endpoint, waited) once' % label,
               'messages: %s\n%s' % (conn, s.report()))


def late_receiver_holding(tap, group):
    """wait-for-connection=true: every frame from seq 0 arrives."""
    frames = 30
    label = 'wait-for-connection=true, late receiver'
    s = ng.start_sender(group, P_HOLD, 4, frames, caps=CAPS, request_timeout=TIMEOUT_MS, timeout=30)
    ok = s.wait_until(has_element('netgear-receiver-waiting'), 10)
    warn = [l for l in s.find('WARNING ') if 'No receiver at %s yet' % endpoint(P_HOLD) in l]
    waiting = element_messages(s, 'netgear-receiver-waiting')
    tap.ok(ok and warn and waiting and waiting[0].get('endpoint', (None,))[0] == endpoint(P_HOLD),
           '%s: the sender warns and posts netgear-receiver-waiting' % label,
           'messages: %s\n%s' % (waiting, s.report()))
    # The frame is held, not dropped: the counter must say so.
    tap.ok(waiting and all(f.get('dropped', (None,))[0] == 0 for f in waiting),
           '%s: netgear-receiver-waiting says dropped=0' % label, 'messages: %s' % waiting)
    with late_receiver(tap, label, P_HOLD, s) as (rx, seqs):
        if seqs is None:
            return
        tap.ok(seqs == list(range(frames)), '%s: no frame lost, seqs 0..%d' % (label, frames - 1),
               'seqs: %s' % seqs)
        bad = intact(rx, P_HOLD, 4)
        tap.ok(seqs and not bad, '%s: each frame is the one its seq numbers' % label, 'wrong: %s' % bad[:10])
        st = s.stats()
        tap.ok(st is not None and st.get_value('dropped') == 0, '%s: the sender\'s stats count dropped=0' % label,
               s.report())
        tap.ok(s.wait_until(has_element('netgear-receiver-connected'), 1),
               '%s: the sender posts netgear-receiver-connected' % label, s.report())


def stop_waiting(tap, port, wait_for_connection):
    """In this process: a sender waiting for an absent receiver, then a
    state change to NULL, which must not wait for it."""
    label = 'wait-for-connection=%s, no receiver' % ('true' if wait_for_connection else 'false')
    pipeline = Gst.parse_launch(
        'videotestsrc is-live=true ! %s ! netgearsink name=sink address=%s port=%d request-timeout=%d '
        'wait-for-connection=%s' % (CAPS, ng.LOOPBACK, port, TIMEOUT_MS, 'true' if wait_for_connection else 'false'))
    sink = pipeline.get_by_name('sink')
    bus = pipeline.get_bus()
    try:
        if not tap.ok(pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE,
                      '%s: the sender starts' % label):
            return
        warning, waiting, errors = None, None, []
        d = ng.Deadline(10)
        while (warning is None or waiting is None) and not d.expired() and not errors:
            msg = bus.timed_pop_filtered(int(min(0.2, d.left()) * Gst.SECOND),
                                         Gst.MessageType.WARNING | Gst.MessageType.ELEMENT | Gst.MessageType.ERROR)
            if msg is None:
                continue
            if msg.type == Gst.MessageType.WARNING:
                warning = msg.parse_warning()[0].message
            elif msg.type == Gst.MessageType.ERROR:
                errors.append(msg.parse_error()[0].message)
            elif msg.get_structure() is not None and msg.get_structure().has_name('netgear-receiver-waiting'):
                waiting = fields(msg.get_structure())
        tap.ok(warning == 'No receiver at %s yet' % endpoint(port) and waiting is not None and not errors,
               '%s: warns and posts netgear-receiver-waiting' % label,
               'warning %r, message %s, errors %s' % (warning, waiting, errors))
        st = sink.get_property('stats')
        dropped = st.get_value('dropped')
        if wait_for_connection:
            tap.ok(dropped == 0, '%s: the stream is held, nothing dropped' % label, 'dropped=%s' % dropped)
        else:
            tap.ok(dropped > 0, '%s: frames are dropped' % label, 'dropped=%s' % dropped)
        t0 = time.monotonic()
        ret = pipeline.set_state(Gst.State.NULL)
        elapsed = time.monotonic() - t0
        tap.diag('%s: the change to NULL took %.3f s' % (label, elapsed))
        tap.ok(ret == Gst.StateChangeReturn.SUCCESS and elapsed < 1.0,
               '%s: a state change to NULL ends it within 1 s' % label, '%s after %.3f s' % (ret, elapsed))
    finally:
        pipeline.set_state(Gst.State.NULL)


# ------------------------------------------------------------ pattern mismatch

def pattern_mismatch(tap, group):
    """Both directions at once: (receiver pattern, sender pattern, port)."""
    cases = [(1, 2, P_MISMATCH_SUB_TO_REQ), (2, 1, P_MISMATCH_REQ_TO_SUB)]
    rxs, senders = [], []
    try:
        for rx_pattern, tx_pattern, port in cases:
            rx = Rx([port], pattern=rx_pattern)
            rxs.append(rx)
            tap.ok(rx.start(), 'pattern mismatch, receiver pattern=%d: reaches PLAYING' % rx_pattern, rx.summary())
        t0 = time.monotonic()
        for i, (rx_pattern, tx_pattern, port) in enumerate(cases):
            senders.append(ng.start_sender(group, port, i, 300, caps=CAPS, pattern=tx_pattern, sync=True, timeout=30))
        deadline = ng.Deadline(10)
        warned_after = {}  # sender index: seconds from its start to its mismatch warning

        def all_seen():
            for i, s in enumerate(senders):
                if i not in warned_after and s.find('WARNING The receiver at'):
                    warned_after[i] = time.monotonic() - t0
            rx_done = all(rx.named('netgear-pattern-mismatch') and rx.warning_texts for rx in rxs)
            tx_done = all(s.wait_until(has_element('netgear-pattern-mismatch'), 0) and
                          s.find('WARNING The receiver at') for s in senders)
            return rx_done and tx_done

        while not all_seen() and not deadline.expired():
            for rx in rxs:
                rx.poll_bus(0.05)
        for rx in rxs:
            rx.drain_bus()
        for i, ((rx_pattern, tx_pattern, port), rx, s) in enumerate(zip(cases, rxs, senders)):
            label = 'pattern=%d sender, pattern=%d receiver (port %d)' % (tx_pattern, rx_pattern, port)
            tap.diag('%s: the sender warned %s s after it started' %
                     (label, '%.1f' % warned_after[i] if i in warned_after else 'never, in 10'))
            msgs = rx.named('netgear-pattern-mismatch')
            good = [f for f in msgs if typed(f, 'port', 'guint') and f['port'][0] == port and
                    typed(f, 'pattern', 'gint') and f['pattern'][0] == rx_pattern and
                    typed(f, 'count', 'guint64') and f['count'][0] >= 1 and
                    (typed(f, 'peer', 'gchararray') or 'peer' not in f)]
            tap.ok(msgs and len(good) == len(msgs),
                   '%s: the receiver posts netgear-pattern-mismatch (port, pattern=%d, count)' % (label, rx_pattern),
                   'messages: %s\n%s' % (msgs, rx.summary()))
            peers = [f['peer'][0] for f in msgs if 'peer' in f]
            tap.ok(peers and all(ng.LOOPBACK in p for p in peers),
                   '%s: netgear-pattern-mismatch names the peer %s (when known)' % (label, ng.LOOPBACK),
                   'messages: %s' % msgs)
            want = 'A sender on port %d does not use pattern=%d, as this receiver does' % (port, rx_pattern)
            mine = [w for w in rx.warning_texts if w == want]
            tap.diag('%s: the receiver warned %d time(s): %s' % (label, len(rx.warning_texts), rx.warning_texts))
            tap.ok(mine, '%s: the receiver warns "%s"' % (label, want), 'warnings: %s' % rx.warning_texts)
            stats = rx.port_stats(port)
            tap.ok(stats.get('pattern-mismatches', 0) > 0, '%s: the receiver\'s stats count pattern-mismatches' % label,
                   'stats: %s' % stats)
            tap.ok(not rx.named('netgear-auth-failed') and stats.get('auth-failures') == 0 and
                   not [w for w in rx.warning_texts if 'Refused' in w],
                   '%s: not reported as a security failure' % label,
                   'auth-failed: %s, stats auth-failures %s, warnings %s' %
                   (rx.named('netgear-auth-failed'), stats.get('auth-failures'), rx.warning_texts))
            tap.ok(not rx.errors and rx.count(port) == 0, '%s: no frame, no error on the receiver' % label,
                   rx.summary())
            want = ('WARNING The receiver at %s closes every connection during its handshake: does it use '
                    'pattern=%d, as this sender?' % (endpoint(port), tx_pattern))
            tap.ok([l for l in s.find('WARNING ') if l.startswith(want + ' |')],
                   '%s: the sender warns "%s"' % (label, want[len('WARNING '):]), s.report())
            msgs = element_messages(s, 'netgear-pattern-mismatch')
            tap.ok(msgs and all(typed(f, 'endpoint', 'gchararray') and f['endpoint'][0] == endpoint(port) and
                                'pattern' in f and f['pattern'][0] == tx_pattern and 'count' in f and
                                f['count'][0] >= 1 for f in msgs),
                   '%s: the sender posts netgear-pattern-mismatch (endpoint, pattern=%d, count)' % (label, tx_pattern),
                   'messages: %s\n%s' % (msgs, s.report()))
            tap.ok(not s.find('ERROR'), '%s: the sender has not failed' % label, s.report())
    finally:
        for s in senders:
            s.kill()
        for rx in rxs:
            rx.stop()


# ------------------------------------------------------------ bind addresses

def bind_localhost(tap, group):
    frames = 10
    label = 'netgearsrc address=localhost'
    rx = Rx([P_LOCALHOST], address='localhost')
    try:
        if not tap.ok(rx.start(), '%s: reaches PLAYING' % label, rx.summary()):
            return
        s = ng.start_sender(group, P_LOCALHOST, 5, frames, caps=CAPS, timeout=20)
        rx.run_until(lambda: rx.eos, 15)
        seqs = seqs_of(rx, P_LOCALHOST)
        tap.ok(seqs == list(range(frames)) and not intact(rx, P_LOCALHOST, 5) and rx.eos,
               '%s: a sender to %s:%d delivers every frame' % (label, ng.LOOPBACK, P_LOCALHOST),
               'seqs %s\n%s\n%s' % (seqs, rx.summary(), s.report()))
        s.wait_exit(10)
    finally:
        rx.stop()


def bind_refused(tap, address, port, check, what):
    label = 'netgearsrc address=%s' % address
    ret, errors = ng.start_errors('netgearsrc name=src address=%s ports=%d ! fakesink' % (address, port))
    tap.ok(ret == Gst.StateChangeReturn.FAILURE, '%s: fails to start' % label,
           'state change returned %s, errors %s' % (ret, errors))
    tap.ok(len(errors) == 1 and check(errors[0][0]), '%s: exactly one ERROR, %s' % (label, what),
           'errors: %s' % (errors or 'none'))


# ------------------------------------------------------------ two senders, one port

def shared_port(tap, group):
    label = 'two senders on port %d' % P_SHARED
    rx = Rx([P_SHARED])
    try:
        if not tap.ok(rx.start(), '%s: receiver reaches PLAYING' % label, rx.summary()):
            return
        senders = [ng.start_sender(group, P_SHARED, i, 90, caps=CAPS, sync=True, timeout=30) for i in (6, 7)]
        rx.run_until(lambda: rx.named('netgear-port-shared') and rx.warning_texts, 10)
        # Both streams still going: whatever else comes now is on the bus.
        rx.run_until(lambda: False, 0.5)
        with rx.lock:
            indices = sorted(set(r['marker'][0] for r in rx.frames[P_SHARED] if r.get('marker')))
        tap.ok(indices == [6, 7], '%s: frames of both arrive' % label, 'senders seen: %s' % indices)
        want = 'Two senders send on port %d' % P_SHARED
        tap.ok([w for w in rx.warning_texts if w == want] == [want],
               '%s: the receiver warns "%s", once' % (label, want), 'warnings: %s' % rx.warning_texts)
        msgs = rx.named('netgear-port-shared')
        good = [f for f in msgs if typed(f, 'port', 'guint') and f['port'][0] == P_SHARED and
                typed(f, 'count', 'guint64') and f['count'][0] >= 1 and typed(f, 'peer', 'gchararray') and
                ng.LOOPBACK in f['peer'][0]]
        tap.ok(msgs and len(good) == len(msgs), '%s: netgear-port-shared (port, count, peer)' % label,
               'messages: %s' % msgs)
        stats = rx.port_stats(P_SHARED)
        tap.diag('%s: extra-senders=%s' % (label, stats.get('extra-senders')))
        tap.ok(stats.get('extra-senders') == 1 and len(msgs) == 1,
               '%s: one extra sender (extra-senders=1, one netgear-port-shared)' % label, 'stats: %s' % stats)
        for s in senders:
            s.kill()
    finally:
        rx.stop()


def restarted_sender(tap, group, port, killed):
    """One sender at a time on a port: the first one, then a new process."""
    how = 'killed' if killed else 'ended cleanly (EOS, terminate)'
    label = 'one sender on port %d, %s, then a new one' % (port, how)
    # Killed, the only sender is gone disconnect-timeout (500 ms) later,
    # and with it the stream, unless the wall keeps listening: the case of
    # a camera restarted, which takes longer than that to come back.
    rx = Rx([port], src_props='keep-listening=true' if killed else '')
    try:
        if not tap.ok(rx.start(), '%s: receiver reaches PLAYING' % label, rx.summary()):
            return
        first = ng.start_sender(group, port, 8, 20, caps=CAPS, hold=killed, timeout=20)
        # Killed (no terminate) once every frame is at the receiver, well
        # within its silence timeout; or ended with its terminate.
        ok = rx.run_until(lambda: rx.count(port) >= 20 and (killed or rx.eos), 10)
        if killed:
            # SIGKILL itself: Proc.kill() closes stdin first, which would
            # end a --hold sender cleanly.
            first.signal(signal.SIGKILL)
            ok = first.wait_exit(5) == -signal.SIGKILL and ok
        else:
            ok = first.wait_exit(10) == 0 and ok
        tap.ok(ok and rx.count(port) == 20, '%s: the first one\'s frames arrive' % label,
               '%s\n%s' % (rx.summary(), first.report()))
        second = ng.start_sender(group, port, 9, 20, caps=CAPS, timeout=20)
        rc = second.wait_exit(15)
        rx.run_until(lambda: rx.count(port) >= 40, 3 if killed else 0.5)
        rx.drain_bus()
        stats = rx.port_stats(port)
        with rx.lock:
            got = len([r for r in rx.frames[port] if r.get('marker') and r['marker'][0] == 9])
        if killed:
            tap.ok(rc == 0 and got == 20, '%s: the new one\'s frames arrive' % label,
                   'got %d\n%s\n%s' % (got, rx.summary(), second.report()))
        else:
            # The port's stream ended with the first one's terminate; the
            # new one's frames must still have reached the element.
            seen = got + stats.get('dropped-after-end', 0)
            tap.ok(rc == 0 and not second.find('ERROR') and seen == 20,
                   '%s: the new one ends without error, the receiver saw its frames' % label,
                   'delivered %d, dropped-after-end %s\n%s' % (got, stats.get('dropped-after-end'), second.report()))
        tap.diag('%s: extra-senders=%s' % (label, stats.get('extra-senders')))
        tap.ok(stats.get('extra-senders') == 0 and not rx.named('netgear-port-shared') and
               not [w for w in rx.warning_texts if w.startswith('Two senders')],
               '%s: not counted as a second sender (extra-senders=0, no warning)' % label,
               'stats %s\nwarnings %s\nmessages %s' % (stats, rx.warning_texts, rx.named('netgear-port-shared')))
    finally:
        rx.stop()


def body(tap):
    t_start = time.monotonic()
    with ng.ProcGroup() as group:
        ctrl_c(tap, group, 'gst-launch-1.0, live videotestsrc',
               'videotestsrc is-live=true ! %s ! netgearsink address=127.0.0.1 port=%d request-timeout=%d' %
               (LAUNCH_CAPS, P_LAUNCH_LIVE, TIMEOUT_MS), P_LAUNCH_LIVE)
        ctrl_c(tap, group, 'gst-launch-1.0, plain videotestsrc',
               'videotestsrc ! %s ! netgearsink address=127.0.0.1 port=%d request-timeout=%d' %
               (LAUNCH_CAPS, P_LAUNCH_PLAIN, TIMEOUT_MS), P_LAUNCH_PLAIN)
        ctrl_c(tap, group, 'gst-launch-1.0, pattern=2',
               'videotestsrc is-live=true ! %s ! netgearsink address=127.0.0.1 port=%d pattern=2 '
               'request-timeout=%d' % (LAUNCH_CAPS, P_LAUNCH_PUBSUB, TIMEOUT_MS), P_LAUNCH_PUBSUB, want_message=True)
        late_receiver_dropping(tap, group)
        late_receiver_holding(tap, group)
        stop_waiting(tap, P_NULL_HOLD, True)
        stop_waiting(tap, P_NULL_DROP, False)
        pattern_mismatch(tap, group)
        bind_localhost(tap, group)
        bind_refused(tap, 'nosuch.invalid', P_NOSUCH,
                     lambda m: re.search(r"propert\w*\W+address\b", m, re.I) is not None,
                     "naming the property 'address'")
        bind_refused(tap, '192.0.2.10', P_FOREIGN, lambda m: 'not an address of this host' in m,
                     'saying it is not an address of this host')
        shared_port(tap, group)
        restarted_sender(tap, group, P_RESTART_KILLED, killed=True)
        restarted_sender(tap, group, P_RESTART_CLEAN, killed=False)
    tap.diag('took %.1f s' % (time.monotonic() - t_start))


ng.run_main(body)
