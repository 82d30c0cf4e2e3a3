#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""netgear:// URIs (GstURIHandler) as applications use them.

In this process, without network: both factories are URI handlers of rank
PRIMARY for the scheme netgear (netgearsink a sink, netgearsrc a source) and
gst_element_make_from_uri picks them; a URI's host, port(s) and query
parameters (percent-decoded, set as gst-launch-1.0 sets them: enum nicks and
numbers, booleans, integers) land in the properties; `@` or an empty host
makes netgearsrc listen everywhere (address "*"); get_uri() set on a fresh
element gives the same address, port(s) and pattern; bad URIs (a listening
or several-port URI on the sink, an unknown or read-only property, a bad
value, a bad port list on the source) and any URI outside the NULL state
are refused with a GLib.Error that names the problem.

Then with real senders (gst-launch-1.0 processes, 60 frames of 64x48 BGR,
each started once the receiving side says it listens): gst-play-1.0 on
netgear://@127.0.0.1:PORT (its video fakesink counted through -v; skipped
when gst-play-1.0, package gstreamer1.0-plugins-base-apps, is missing),
playbin in this process with an appsink as video-sink, gst-launch-1.0
uridecodebin uri=netgear://..., and, in this process, a netgearsink
made from netgear://127.0.0.1:PORT?pattern=2 sending 30 frames to a
pattern-2 netgearsrc. Each receiver must end within 6 s of its sender's
exit: by the sender's EOS, not by netgearsrc's liveness timeout (10 s).

Receivers listen on 127.0.0.1 (netgear://@127.0.0.1:PORT, not @:PORT, which
would listen on every interface; @:PORT is only parsed here). Ports
27420-27439: 27420-27429 only parsed, never bound; 27430-27435 bound or
connected to."""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from ngtest import GLib, Gst  # noqa: E402

WIDTH, HEIGHT = 64, 48
FRAME_BYTES = WIDTH * HEIGHT * 3  # BGR, rows of 192 bytes: no padding
FRAMES = 60
MOST = 45  # "most of the 60 frames": 3/4, leaving room for a loaded machine
# How long after a sender's exit its receiver may take to end: its EOS
# (NetGear's terminate) ends the stream at once, while netgearsrc's liveness
# timeout (10 s by default) would take longer, so a stream ended by that
# timeout instead fails.
END_AFTER_SENDER = 6
SENDER_CAPS = 'video/x-raw,format=BGR,width=%d,height=%d,framerate=30/1' % (WIDTH, HEIGHT)

PORT_SRC_READY = 27430
PORT_SINK_READY = 27431
PORT_PLAY = 27432
PORT_PLAYBIN = 27433
PORT_URIDECODEBIN = 27434
PORT_SINK_URI = 27435


def nick(value):
    return getattr(value, 'value_nick', value)


def ports_of(text):
    return [int(p) for p in str(text).replace(' ', '').split(',') if p]


def try_set(el, uri):
    """(True, None) when el takes uri; (False, GLib.Error or 'returned
    False') when it refuses it."""
    try:
        ok = el.set_uri(uri)
    except GLib.Error as e:
        return False, e
    return (True, None) if ok else (False, 'returned FALSE without a GError')


def fresh(factory):
    return Gst.ElementFactory.make(factory, None)


# ---------------------------------------------------------------- handlers

def handlers(tap):
    for factory, kind in (('netgearsink', Gst.URIType.SINK), ('netgearsrc', Gst.URIType.SRC)):
        f = Gst.ElementFactory.find(factory)
        if not tap.ok(f is not None, '%s: factory found' % factory):
            continue
        tap.ok(f.get_rank() == Gst.Rank.PRIMARY, '%s: rank PRIMARY' % factory, 'rank %d' % f.get_rank())
        tap.ok(f.get_uri_type() == kind, '%s: URI type %s' % (factory, kind.value_nick), str(f.get_uri_type()))
        tap.ok(list(f.get_uri_protocols() or []) == ['netgear'], '%s: URI protocols ["netgear"]' % factory,
               str(f.get_uri_protocols()))
    for kind, uri, factory, prop, want in (
            (Gst.URIType.SINK, 'netgear://127.0.0.1:27420?pattern=2', 'netgearsink', 'port', 27420),
            (Gst.URIType.SRC, 'netgear://@:27420,27421', 'netgearsrc', 'ports', '27420,27421')):
        try:
            el = Gst.Element.make_from_uri(kind, uri, None)
        except GLib.Error as e:
            el, err = None, e.message
        else:
            err = None
        got = el.get_factory().get_name() if el is not None else None
        tap.ok(got == factory and ports_of(el.get_property(prop)) == ports_of(want),
               'make_from_uri(%s, %s) gives a %s with %s=%s' % (kind.value_nick, uri, factory, prop, want),
               'got %s (%s)' % (got, err or (el and el.get_property(prop))))


# ---------------------------------------------------------------- properties

SINK_TAKES = [
    # uri, {property: expected value (enum nick for enums)}
    ('netgear://127.0.0.1:27420?pattern=2', {'address': '127.0.0.1', 'port': 27420, 'pattern': 'pubsub'}),
    ('netgear://[::1]:27421', {'address': '::1', 'port': 27421, 'pattern': 'reqrep'}),
    ('netgear://localhost:27422?pattern=pubsub&protocol=tcp', {'address': 'localhost', 'port': 27422,
                                                              'pattern': 'pubsub', 'protocol': 'tcp'}),
    ('netgear://127.0.0.1:27423?message=two%20words%20%26%20a%3Dsign&max-retries=7&wait-for-connection=true'
     '&on-timeout=skip&request-timeout=1500&bidirectional=1',
     {'message': 'two words & a=sign', 'max-retries': 7, 'wait-for-connection': True, 'on-timeout': 'skip',
      'request-timeout': 1500, 'bidirectional': True, 'port': 27423}),
    ('netgear://127.0.0.1:27424?message-json=%7B%22camera%22%3A%20%22porch%22%7D',
     {'message-json': '{"camera": "porch"}'}),
    # Query values are taken as written: a JSON string keeps its quotes.
    ('netgear://127.0.0.1:27425?message-json=%22porch%22', {'message-json': '"porch"', 'message': 'porch'}),
]
SRC_TAKES = [
    ('netgear://@:27420', {'address': '*', 'ports': '27420', 'pattern': 'reqrep'}),
    ('netgear://:27421', {'address': '*', 'ports': '27421'}),
    ('netgear://@:27420,27421', {'address': '*', 'ports': '27420,27421'}),
    ('netgear://127.0.0.1:27422', {'address': '127.0.0.1', 'ports': '27422'}),
    ('netgear://@127.0.0.1:27423,27424?pattern=2&timeout=3000',
     {'address': '127.0.0.1', 'ports': '27423,27424', 'pattern': 'pubsub', 'timeout': 3000}),
    ('netgear://@[::1]:27425', {'address': '::1', 'ports': '27425'}),
    ('netgear://@:27426?max-buffers=7&reply=a%20b&max-message-size=1000000&bidirectional=true&pattern=reqrep',
     {'max-buffers': 7, 'reply': 'a b', 'max-message-size': 1000000, 'bidirectional': True, 'pattern': 'reqrep'}),
]


def takes(tap, factory, cases):
    for uri, want in cases:
        el = fresh(factory)
        ok, err = try_set(el, uri)
        if not tap.ok(ok, '%s takes %s' % (factory, uri), str(err)):
            continue
        got = {}
        for prop in want:
            v = nick(el.get_property(prop))
            got[prop] = ports_of(v) if prop == 'ports' else v
        exp = {p: ports_of(v) if p == 'ports' else v for p, v in want.items()}
        tap.ok(got == exp, '%s %s: properties %s' % (factory, uri, want), 'got %s' % got)


SINK_REFUSES = [
    # uri, what the message must name (beyond the URI it may quote)
    ('netgear://@:27420', ('@', 'listen', 'receiver', 'connect')),
    ('netgear://@127.0.0.1:27420', ('@', 'listen', 'receiver', 'connect')),
    ('netgear://127.0.0.1:27420,27421', ('port',)),
    ('netgear://127.0.0.1:27420?bogus=1', ('bogus',)),
    ('netgear://127.0.0.1:27420?stats=x', ('stats',)),
    ('netgear://127.0.0.1:27420?pattern=0', ('pattern',)),
    ('netgear://127.0.0.1:27420?port=70000', ('port',)),
    ('netgear://127.0.0.1:27420?max-retries=abc', ('max-retries',)),
    ('netgear://127.0.0.1:27420?wait-for-connection=maybe', ('wait-for-connection',)),
    ('netgear://127.0.0.1:27420?message-json=%7Bbad', ('message-json',)),
]
SRC_REFUSES = [
    ('netgear://@:70000', ('70000',)),
    ('netgear://@:abc', ('abc',)),
    ('netgear://@:27420,27420', ('27420',)),
    ('netgear://@:27420,70000', ('70000',)),
    ('netgear://@:27420?bogus=1', ('bogus',)),
    ('netgear://@:27420?stats=1', ('stats',)),
    ('netgear://@:27420?pattern=0', ('pattern',)),
    ('netgear://@:27420?max-buffers=0', ('max-buffers',)),
    ('netgear://@:27420?timeout=-5', ('timeout',)),
]


def refuses(tap, factory, cases):
    for uri, words in cases:
        el = fresh(factory)
        with ng.quiet_glib_warnings():
            ok, err = try_set(el, uri)
        if not tap.ok(not ok and isinstance(err, GLib.Error), '%s refuses %s with a GLib.Error' % (factory, uri),
                      'accepted' if ok else str(err)):
            continue
        # The URI itself contains every word; the rest of the message must
        # name the problem.
        rest = err.message.replace(uri, '')
        tap.ok(any(w in rest for w in words), '%s %s: the error names %s' % (factory, uri, ' or '.join(words)),
               'message: %s' % err.message)


def round_trips(tap):
    """get_uri() set on a fresh element gives the same address, port(s),
    pattern (and protocol). From URIs and from properties set directly."""
    cases = [('netgearsink', u, None) for u, _ in SINK_TAKES] + [('netgearsrc', u, None) for u, _ in SRC_TAKES]
    cases += [
        ('netgearsink', None, {'address': '::1', 'port': 27427, 'pattern': 'pubsub'}),
        ('netgearsink', None, {'address': '/tmp/ngtest-uri', 'protocol': 'ipc', 'port': 27428}),
        ('netgearsrc', None, {'address': '127.0.0.1', 'ports': '27427, 27428', 'pattern': 'pubsub'}),
        ('netgearsrc', None, {'address': '0.0.0.0', 'ports': '27429'}),
        ('netgearsrc', None, {'address': '/tmp/ngtest-uri', 'protocol': 'ipc', 'ports': '27427,27428'}),
        ('netgearsink', None, {'protocol': 'ipc', 'port': 27428}),
        ('netgearsrc', None, {'protocol': 'ipc', 'ports': '27428'}),
    ]
    for factory, uri, props in cases:
        a = fresh(factory)
        if uri is not None:
            a.set_uri(uri)
            label = uri
        else:
            for k, v in props.items():
                Gst.util_set_object_arg(a, k, str(v))
            label = 'properties %s' % props
        text = a.get_uri()
        b = fresh(factory)
        ok, err = try_set(b, text) if text else (False, 'get_uri() gave %r' % text)
        keys = ('address', 'port' if factory == 'netgearsink' else 'ports', 'pattern', 'protocol')

        def view(el):
            out = {}
            for k in keys:
                v = nick(el.get_property(k))
                out[k] = ports_of(v) if k == 'ports' else v
            return out
        same = ok and view(a) == view(b)
        tap.ok(same and text.startswith('netgear://') and not text.endswith(('&', '?')),
               '%s, %s: get_uri() %s gives the same address, port(s), pattern, protocol' % (factory, label, text),
               'error %s\nfirst  %s\nsecond %s' % (err, view(a), view(b)))


def sets_all_or_nothing(tap):
    """A URI describes where and how to connect whole: what an earlier URI
    set and this one does not say goes back to its default. A refused URI
    changes nothing."""
    for factory, first, second, want in (
            ('netgearsink', 'netgear://127.0.0.1:27420?pattern=pubsub&protocol=ipc&address=/tmp/ngtest-uri-a',
             'netgear://127.0.0.2:27421', {'address': '127.0.0.2', 'port': 27421, 'pattern': 'reqrep',
                                          'protocol': 'tcp'}),
            ('netgearsrc', 'netgear://@127.0.0.1:27420,27421?pattern=pubsub',
             'netgear://@:27422', {'address': '*', 'ports': '27422', 'pattern': 'reqrep', 'protocol': 'tcp'})):
        el = fresh(factory)
        ok1, _ = try_set(el, first)
        ok2, err = try_set(el, second)
        got = {k: nick(el.get_property(k)) for k in want}
        tap.ok(ok1 and ok2 and got == want, '%s: %s after %s gives %s' % (factory, second, first, want),
               'got %s (%s)' % (got, err))
        before = {k: nick(el.get_property(k)) for k in want}
        bad = second + '?bogus=1'
        ok, _ = try_set(el, bad)
        after = {k: nick(el.get_property(k)) for k in want}
        tap.ok(not ok and after == before, '%s: the refused %s changes nothing' % (factory, bad),
               'before %s after %s' % (before, after))
        bad = 'netgear://10.9.8.7:27423?pattern=0'
        ok, _ = try_set(el, bad)
        after = {k: nick(el.get_property(k)) for k in want}
        tap.ok(not ok and after == before, '%s: the refused %s changes nothing' % (factory, bad),
               'before %s after %s' % (before, after))


def null_state_only(tap):
    """A URI is refused outside NULL, and the properties stay."""
    for factory, uri, later, prop in (
            ('netgearsrc', 'netgear://127.0.0.1:%d' % PORT_SRC_READY, 'netgear://127.0.0.1:27429', 'ports'),
            ('netgearsink', 'netgear://127.0.0.1:%d' % PORT_SINK_READY, 'netgear://127.0.0.1:27429', 'port')):
        el = fresh(factory)
        el.set_uri(uri)
        before = str(el.get_property(prop))
        try:
            ret = el.set_state(Gst.State.READY)
            if not tap.ok(ret == Gst.StateChangeReturn.SUCCESS, '%s: %s reaches READY' % (factory, uri), str(ret)):
                continue
            ok, err = try_set(el, later)
            tap.ok(not ok and isinstance(err, GLib.Error) and str(el.get_property(prop)) == before,
                   '%s in READY refuses %s with a GLib.Error, %s stays %s' % (factory, later, prop, before),
                   'accepted' if ok else '%s; %s is now %s' % (err, prop, el.get_property(prop)))
        finally:
            el.set_state(Gst.State.NULL)
        ok, err = try_set(el, later)
        tap.ok(ok, '%s back in NULL takes %s' % (factory, later), str(err))


# ---------------------------------------------------------------- live

def sender(group, port, env, frames=FRAMES):
    """The specification's sender command line."""
    return group.add(ng.Proc('sender (port %d)' % port, [
        'gst-launch-1.0', 'videotestsrc', 'num-buffers=%d' % frames, '!', SENDER_CAPS, '!',
        'netgearsink', 'address=%s' % ng.LOOPBACK, 'port=%d' % port], env=env))


CHAIN = re.compile(r'^/.*:%s: last-message = chain .*\((\d+) bytes')
SINK_CAPS = re.compile(r'^/.*:%s\.GstPad:sink: caps = (.*)$')


def fakesink_view(proc, name):
    """From a -v child's stdout: the sizes of the buffers fakesink `name`
    (silent=false) received, and its sink pad's last caps."""
    chain = re.compile(CHAIN.pattern % re.escape(name))
    capsre = re.compile(SINK_CAPS.pattern % re.escape(name))
    sizes = [int(m.group(1)) for m in map(chain.match, proc.find('/')) if m]
    caps = [m.group(1) for m in map(capsre.match, proc.find('/')) if m]
    return sizes, (Gst.Caps.from_string(caps[-1]) if caps else None)


def caps_size(caps):
    if caps is None or caps.get_size() == 0:
        return None
    s = caps.get_structure(0)
    return s.get_value('width'), s.get_value('height')


def gst_play(tap, env):
    label = 'gst-play-1.0 netgear://@127.0.0.1:%d' % PORT_PLAY
    exe = shutil.which('gst-play-1.0')
    if exe is None:
        tap.skip('%s shows the sender\'s frames' % label,
                 'gst-play-1.0 not installed (Debian package gstreamer1.0-plugins-base-apps)')
        return
    with ng.ProcGroup() as group:
        play = group.add(ng.Proc('gst-play-1.0', [
            exe, '-v', '--no-interactive', '--no-position', '--videosink=fakesink silent=false name=vsink',
            '--audiosink=fakesink', 'netgear://@127.0.0.1:%d' % PORT_PLAY], env=env))
        # Printed once playbin's set_state returned NO_PREROLL: netgearsrc
        # is in PAUSED, its port bound.
        if not tap.ok(play.wait_line('Pipeline is live', 15) is not None, '%s: says "Pipeline is live"' % label,
                      play.report()):
            return
        tx = sender(group, PORT_PLAY, env)
        rc_tx = tx.wait_exit(20)
        tap.ok(rc_tx == 0, '%s: the sender ends cleanly' % label, tx.report())
        done = play.wait_line('Reached end of play list', END_AFTER_SENDER)
        rc = play.wait_exit(10)
        tap.ok(done is not None and rc == 0, '%s: the sender\'s EOS ends it, "Reached end of play list", exit 0'
               % label, play.report())
        tap.ok(any('GstNetGearSrc' in l and 'source = ' in l for l in play.find('/')),
               '%s: playbin\'s source is a GstNetGearSrc' % label, play.report())
        sizes, caps = fakesink_view(play, 'vsink')
        tap.ok(len(sizes) >= MOST and all(s == FRAME_BYTES for s in sizes),
               '%s: its video sink got at least %d of %d frames of %d bytes' % (label, MOST, FRAMES, FRAME_BYTES),
               'sizes (%d): %s\n%s' % (len(sizes), sorted(set(sizes)), play.report()))
        tap.ok(caps_size(caps) == (WIDTH, HEIGHT), '%s: its video sink\'s caps are %dx%d' % (label, WIDTH, HEIGHT),
               'caps %s' % (caps and caps.to_string()))


class PlaybinRun:
    """playbin uri=netgear://... in this process, an appsink as video-sink."""

    def __init__(self, uri):
        self.pb = Gst.ElementFactory.make('playbin', None)
        self.sink = Gst.ElementFactory.make('appsink', None)
        self.sink.set_property('emit-signals', True)
        self.sink.set_property('sync', False)
        self.sink.connect('new-sample', self._sample)
        self.pb.set_property('video-sink', self.sink)
        self.pb.set_property('audio-sink', Gst.ElementFactory.make('fakesink', None))
        self.pb.set_property('uri', uri)
        self.sources = []
        self.pb.connect('source-setup', lambda pb, src: self.sources.append(src))
        self.sizes = []
        self.caps = []
        self.errors = []
        self.eos = False

    def _sample(self, sink):
        s = sink.emit('pull-sample')
        if s is None:
            return Gst.FlowReturn.EOS
        self.sizes.append(s.get_buffer().get_size())
        c = s.get_caps()
        if c is not None and (not self.caps or not self.caps[-1].is_equal(c)):
            self.caps.append(c)
        return Gst.FlowReturn.OK

    def wait_end(self, timeout):
        bus = self.pb.get_bus()
        d = ng.Deadline(timeout)
        while not self.eos and not self.errors and not d.expired():
            msg = bus.timed_pop_filtered(int(min(0.2, d.left()) * Gst.SECOND),
                                         Gst.MessageType.EOS | Gst.MessageType.ERROR)
            if msg is None:
                continue
            if msg.type == Gst.MessageType.EOS:
                self.eos = True
            else:
                err, dbg = msg.parse_error()
                self.errors.append('%s: %s (%s)' % (msg.src.get_name(), err.message, dbg))
        return self.eos

    def summary(self):
        return 'frames %d sizes %s caps %s eos %s errors %s sources %s' % (
            len(self.sizes), sorted(set(self.sizes)), [c.to_string() for c in self.caps], self.eos, self.errors,
            [s.get_factory().get_name() for s in self.sources])


def playbin(tap, env):
    uri = 'netgear://@127.0.0.1:%d' % PORT_PLAYBIN
    label = 'playbin uri=%s' % uri
    run = PlaybinRun(uri)
    try:
        # As gst-play-1.0 does: PAUSED first. A live source answers
        # NO_PREROLL once it is in PAUSED, its port bound; PLAYING itself
        # completes only once frames reach the sink.
        ret = run.pb.set_state(Gst.State.PAUSED)
        if not tap.ok(ret == Gst.StateChangeReturn.NO_PREROLL, '%s: live (PAUSED returns NO_PREROLL)' % label,
                      '%s %s' % (ret, run.summary())):
            return
        ret = run.pb.set_state(Gst.State.PLAYING)
        if not tap.ok(ret != Gst.StateChangeReturn.FAILURE, '%s: goes to PLAYING' % label,
                      '%s %s' % (ret, run.summary())):
            return
        src = run.sources[0] if run.sources else None
        tap.ok(src is not None and src.get_factory().get_name() == 'netgearsrc' and
               src.get_property('address') == ng.LOOPBACK and ports_of(src.get_property('ports')) == [PORT_PLAYBIN],
               '%s: its source is a netgearsrc on %s port %d' % (label, ng.LOOPBACK, PORT_PLAYBIN), run.summary())
        with ng.ProcGroup() as group:
            tx = sender(group, PORT_PLAYBIN, env)
            tap.ok(tx.wait_exit(20) == 0, '%s: the sender ends cleanly' % label, tx.report())
            ended = run.wait_end(END_AFTER_SENDER)
        tap.ok(ended, '%s: EOS after the sender\'s end' % label, run.summary())
        tap.ok(len(run.sizes) >= MOST and all(s == FRAME_BYTES for s in run.sizes),
               '%s: the video sink got at least %d of %d frames of %d bytes' % (label, MOST, FRAMES, FRAME_BYTES),
               run.summary())
        tap.ok(run.caps and all(caps_size(c) == (WIDTH, HEIGHT) for c in run.caps),
               '%s: the video sink\'s caps are %dx%d' % (label, WIDTH, HEIGHT), run.summary())
    finally:
        run.pb.set_state(Gst.State.NULL)


def uridecodebin(tap, env):
    uri = 'netgear://@127.0.0.1:%d' % PORT_URIDECODEBIN
    label = 'gst-launch-1.0 uridecodebin uri=%s' % uri
    with ng.ProcGroup() as group:
        rx = group.add(ng.Proc('uridecodebin', [
            'gst-launch-1.0', '-v', 'uridecodebin', 'uri=%s' % uri, '!', 'videoconvert', '!',
            'video/x-raw,format=BGR', '!', 'fakesink', 'silent=false', 'name=out'], env=env))
        # gst-launch-1.0 prints it once PAUSED returned NO_PREROLL: the
        # netgearsrc inside is in PAUSED, its port bound.
        if not tap.ok(rx.wait_line('Pipeline is live', 15) is not None, '%s: is live' % label, rx.report()):
            return
        tx = sender(group, PORT_URIDECODEBIN, env)
        tap.ok(tx.wait_exit(20) == 0, '%s: the sender ends cleanly' % label, tx.report())
        eos = rx.wait_line('Got EOS from element', END_AFTER_SENDER)
        rc = rx.wait_exit(10)
        tap.ok(eos is not None and rc == 0, '%s: ends with EOS, exit 0' % label, rx.report())
        tap.ok(any('GstNetGearSrc' in l and 'source = ' in l for l in rx.find('/')),
               '%s: its source is a GstNetGearSrc' % label, rx.report())
        sizes, caps = fakesink_view(rx, 'out')
        tap.ok(len(sizes) >= MOST and all(s == FRAME_BYTES for s in sizes),
               '%s: fakesink got at least %d of %d frames of %d bytes' % (label, MOST, FRAMES, FRAME_BYTES),
               'sizes (%d): %s\n%s' % (len(sizes), sorted(set(sizes)), rx.report()))
        tap.ok(caps_size(caps) == (WIDTH, HEIGHT), '%s: fakesink\'s caps are %dx%d' % (label, WIDTH, HEIGHT),
               'caps %s' % (caps and caps.to_string()))


def sink_from_uri(tap):
    uri = 'netgear://127.0.0.1:%d?pattern=2' % PORT_SINK_URI
    label = 'make_from_uri(SINK, %s)' % uri
    try:
        sink = Gst.Element.make_from_uri(Gst.URIType.SINK, uri, None)
    except GLib.Error as e:
        tap.ok(False, '%s gives a netgearsink' % label, e.message)
        return
    props = {'address': sink.get_property('address'), 'port': sink.get_property('port'),
             'pattern': nick(sink.get_property('pattern'))}
    if not tap.ok(sink.get_factory().get_name() == 'netgearsink' and
                  props == {'address': ng.LOOPBACK, 'port': PORT_SINK_URI, 'pattern': 'pubsub'},
                  '%s gives a netgearsink with address, port and pattern=pubsub' % label,
                  '%s %s' % (sink.get_factory().get_name(), props)):
        return
    frames = 30
    rx = ng.Receiver([PORT_SINK_URI], pattern=2)
    pipe = Gst.Pipeline.new('uri-sender')
    try:
        if not tap.ok(rx.start(), '%s: a pattern-2 netgearsrc on port %d reaches PLAYING' % (label, PORT_SINK_URI),
                      rx.summary()):
            return
        src = Gst.ElementFactory.make('videotestsrc', None)
        src.set_property('num-buffers', frames)
        cf = Gst.ElementFactory.make('capsfilter', None)
        cf.set_property('caps', Gst.Caps.from_string(SENDER_CAPS))
        for e in (src, cf, sink):
            pipe.add(e)
        src.link(cf)
        cf.link(sink)
        pipe.set_state(Gst.State.PLAYING)
        msg = pipe.get_bus().timed_pop_filtered(20 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        tap.ok(msg is not None and msg.type == Gst.MessageType.EOS,
               '%s: videotestsrc num-buffers=%d ! %s ! <that sink> ends with EOS' % (label, frames, SENDER_CAPS),
               msg.parse_error() if msg is not None and msg.type == Gst.MessageType.ERROR else 'no EOS in 20 s')
        rx.run_until(lambda: rx.eos, END_AFTER_SENDER)
        with rx.lock:
            recs = list(rx.frames[PORT_SINK_URI])
            caps = rx.caps[PORT_SINK_URI]
        # PUB/SUB may lose the frames sent before the subscription settles.
        tap.ok(len(recs) >= frames // 2 and all(r['size'] == FRAME_BYTES for r in recs),
               '%s: at least %d of %d frames of %d bytes reach netgearsrc' % (label, frames // 2, frames, FRAME_BYTES),
               rx.summary())
        # videotestsrc adds fields (pixel-aspect-ratio...): those written
        # must all be there.
        tap.ok(caps is not None and caps.is_fixed() and caps.is_subset(Gst.Caps.from_string(SENDER_CAPS)),
               '%s: netgearsrc\'s pad has the sender\'s caps (%s)' % (label, SENDER_CAPS), caps and caps.to_string())
        tap.ok(rx.eos, '%s: the receiver ends with EOS' % label, rx.summary())
    finally:
        pipe.set_state(Gst.State.NULL)
        rx.stop()


def body(tap):
    handlers(tap)
    takes(tap, 'netgearsink', SINK_TAKES)
    takes(tap, 'netgearsrc', SRC_TAKES)
    refuses(tap, 'netgearsink', SINK_REFUSES)
    refuses(tap, 'netgearsrc', SRC_REFUSES)
    round_trips(tap)
    sets_all_or_nothing(tap)
    null_state_only(tap)
    env = os.environ.copy()
    gst_play(tap, env)
    playbin(tap, env)
    uridecodebin(tap, env)
    sink_from_uri(tap)


ng.run_main(body)
