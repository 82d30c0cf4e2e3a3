#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The two elements as a user sees them: properties and their defaults,
netgearsrc's pads src_<port> (sometimes pads for `ports`, created on
NULL->READY; request pads for any port), its live
behaviour (no preroll), linking those pads by name in gst-launch-1.0 (2
ports with 2 senders; 2 ports with 1 sender, where the idle pad's fakesink
never gets a buffer and the pipeline must still run and end), and a round
trip over protocol=ipc. Ports 27100-27109."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
from ngtest import GObject, Gst  # noqa: E402

SINK_PROPS = {  # name: (GType name, default or None when not specified)
    'address': ('gchararray', 'localhost'),
    'port': ('gint', 5566),
    'protocol': ('GstNetGearProtocol', None),
    'pattern': ('GstNetGearPattern', 1),
    'request-timeout': ('gint', None),
    'max-retries': ('gint', None),
    'wait-for-connection': ('gboolean', False),
    'message': ('gchararray', None),
    'message-json': ('gchararray', None),
}
SRC_PROPS = {
    'address': ('gchararray', '*'),
    'ports': ('gchararray', None),
    'protocol': ('GstNetGearProtocol', None),
    'pattern': ('GstNetGearPattern', 1),
    'max-buffers': (None, None),
    'max-message-size': (None, None),
    'reply': ('gchararray', None),
    'reply-json': ('gchararray', None),
}
# Where a property may change (GStreamer's GST_PARAM_MUTABLE_* flags), as
# the elements read them: NULL only (read going to READY), READY (read going
# to PAUSED), PLAYING (read per frame).
MUTABLE = {
    'netgearsink': {'address': 'NULL', 'port': 'NULL', 'pattern': 'NULL', 'protocol': 'NULL',
                    'request-timeout': 'NULL', 'wait-for-connection': 'NULL', 'message': 'PLAYING',
                    'message-json': 'PLAYING'},
    'netgearsrc': {'address': 'NULL', 'ports': 'NULL', 'pattern': 'NULL', 'max-message-size': 'NULL',
                   'max-buffers': 'NULL', 'timeout': 'READY', 'reply': 'PLAYING', 'reply-json': 'PLAYING'},
}


def mutable(spec):
    f = spec.flags
    if f & Gst.PARAM_MUTABLE_PLAYING:
        return 'PLAYING'
    if f & Gst.PARAM_MUTABLE_PAUSED:
        return 'PAUSED'
    if f & Gst.PARAM_MUTABLE_READY:
        return 'READY'
    return 'NULL'


def check_props(tap, factory, props):
    el = Gst.ElementFactory.make(factory, None)
    if not tap.ok(el is not None, '%s: element can be made' % factory):
        return
    for name, (gtype, default) in props.items():
        spec = el.find_property(name)
        ok = spec is not None and (gtype is None or GObject.type_name(spec.value_type) == gtype) and \
            bool(spec.flags & GObject.ParamFlags.WRITABLE)
        tap.ok(ok, '%s: writable property %s%s' % (factory, name, ' (%s)' % gtype if gtype else ''),
               'spec %r' % ((spec and (GObject.type_name(spec.value_type), spec.flags)),))
        if default is not None and spec is not None:
            tap.ok(el.get_property(name) == default, '%s: %s defaults to %r' % (factory, name, default),
                   'got %r' % el.get_property(name))
    spec = el.find_property('stats')
    tap.ok(spec is not None and spec.value_type == Gst.Structure.__gtype__ and
           not (spec.flags & GObject.ParamFlags.WRITABLE) and bool(spec.flags & GObject.ParamFlags.READABLE),
           '%s: read-only property stats (GstStructure)' % factory,
           'spec %r' % ((spec and (GObject.type_name(spec.value_type), spec.flags)),))
    tap.ok(isinstance(el.get_property('stats'), Gst.Structure), '%s: stats reads as a GstStructure' % factory)
    for name, want in MUTABLE[factory].items():
        spec = el.find_property(name)
        tap.ok(spec is not None and mutable(spec) == want, '%s: %s is changeable up to %s' % (factory, name, want),
               spec and mutable(spec))
    # As gst-launch-1.0 and URI query parameters set them: by nick, and
    # NetGear's numbers for the pattern.
    for prop, text, nick in (('protocol', 'tcp', 'tcp'), ('protocol', 'ipc', 'ipc'), ('pattern', '2', 'pubsub'),
                             ('pattern', 'reqrep', 'reqrep'), ('pattern', 'pubsub', 'pubsub'),
                             ('pattern', '1', 'reqrep')):
        Gst.util_set_object_arg(el, prop, text)
        tap.ok(el.get_property(prop).value_nick == nick, '%s: %s=%s is %s' % (factory, prop, text, nick),
               str(el.get_property(prop)))


def pads_and_live(tap):
    src = Gst.ElementFactory.make('netgearsrc', None)
    tmpl = src.get_pad_template('src_%u')
    tap.ok(tmpl is not None and tmpl.presence == Gst.PadPresence.REQUEST and
           tmpl.direction == Gst.PadDirection.SRC, 'netgearsrc: request src pad template src_%u',
           str(tmpl and (tmpl.presence, tmpl.direction)))
    tmpl = src.get_pad_template('src_%d')
    tap.ok(tmpl is not None and tmpl.presence == Gst.PadPresence.SOMETIMES and
           tmpl.direction == Gst.PadDirection.SRC, 'netgearsrc: sometimes src pad template src_%d (the ports)',
           str(tmpl and (tmpl.presence, tmpl.direction)))
    src.set_property('address', ng.LOOPBACK)
    src.set_property('ports', '27100,27101')
    added = []
    src.connect('pad-added', lambda e, p: added.append(p.get_name()))
    tap.ok(not src.pads, 'netgearsrc: no pad in NULL', str([p.get_name() for p in src.pads]))
    try:
        ret = src.set_state(Gst.State.READY)
        names = sorted(p.get_name() for p in src.pads)
        tap.ok(ret == Gst.StateChangeReturn.SUCCESS and names == ['src_27100', 'src_27101'],
               'netgearsrc: NULL->READY creates src_27100 and src_27101', 'ret %s pads %s' % (ret, names))
        tap.ok(sorted(added) == ['src_27100', 'src_27101'], 'netgearsrc: pad-added for each port', str(added))
        tap.ok(all(p.direction == Gst.PadDirection.SRC for p in src.pads), 'netgearsrc: the pads are src pads')
        ret = src.set_state(Gst.State.PAUSED)
        tap.ok(ret == Gst.StateChangeReturn.NO_PREROLL, 'netgearsrc: live (READY->PAUSED returns NO_PREROLL)',
               str(ret))
        st = src.get_property('stats')
        tap.ok(isinstance(st, Gst.Structure), 'netgearsrc: stats while running', str(st))
    finally:
        src.set_state(Gst.State.NULL)


def gst_launch(tap, env):
    """Both ends as gst-launch-1.0 command lines, netgearsrc's pads linked by
    name to plain fakesinks (async=true, as gst-launch users write them)."""
    exe = shutil.which('gst-launch-1.0')
    if not tap.ok(exe is not None, 'gst-launch-1.0 is installed'):
        return

    def sender(port):
        # Short timeouts: a receiver that stops answering fails the sender
        # in ~4 s rather than 16. A live source paced at 30 fps streams for
        # 2 s: the receiver ends once every sender that connected has
        # terminated, so a sender must not finish before the other one has
        # even connected (which takes milliseconds).
        return ng.Proc('gst-launch sender (port %d)' % port, [
            exe, 'videotestsrc', 'is-live=true', 'num-buffers=60', '!',
            'video/x-raw,format=BGR,width=64,height=48,framerate=30/1', '!',
            'netgearsink', 'address=127.0.0.1', 'port=%d' % port, 'request-timeout=2000',
            'max-retries=1'], env=env)

    def receiver(ports):
        argv = [exe, 'netgearsrc', 'name=s', 'address=127.0.0.1', 'ports=%s' % ','.join(map(str, ports))]
        for p in ports:
            argv += ['s.src_%d' % p, '!', 'fakesink']
        return ng.Proc('gst-launch receiver', argv, env=env)

    # Two ports, two senders: every pad gets data.
    with ng.ProcGroup() as group:
        rx = group.add(receiver([27102, 27103]))
        txs = [group.add(sender(27102)), group.add(sender(27103))]
        rcs = [t.wait_exit(20) for t in txs]
        rc_rx = rx.wait_exit(8)
        tap.ok(rcs == [0, 0], 'gst-launch, 2 ports, 2 senders: both sender pipelines end cleanly',
               '\n'.join(t.report() for t in txs))
        tap.ok(rc_rx == 0 and any('EOS' in l for l in rx.find('')),
               'gst-launch, 2 ports, 2 senders: "s.src_27102 ! fakesink s.src_27103 ! fakesink" links by name '
               'and ends with EOS', rx.report())

    # Two ports, one sender: the idle pad's sink gets nothing before the end.
    with ng.ProcGroup() as group:
        rx = group.add(receiver([27105, 27106]))
        tx = group.add(sender(27105))
        rc_tx = tx.wait_exit(20)
        rc_rx = rx.wait_exit(5)
        tap.ok(rc_tx == 0, 'gst-launch, 2 ports, 1 sender: the sender pipeline ends cleanly', tx.report())
        tap.ok(rc_rx == 0 and any('EOS' in l for l in rx.find('')),
               'gst-launch, 2 ports, 1 sender: the receiver ends with EOS (the idle src_27106 too)', rx.report())


def ipc_round_trip(tap, env):
    d = tempfile.mkdtemp(prefix='ngtest-ipc-')
    try:
        addr = os.path.join(d, 'sock')
        rxp = ng.Receiver([27104], pattern=1, address=addr)
        pipe = rxp.pipeline
        Gst.util_set_object_arg(pipe.get_by_name('src'), 'protocol', 'ipc')
        try:
            if not tap.ok(rxp.start(), 'ipc: receiver (protocol=ipc) reaches PLAYING', rxp.summary()):
                return
            with ng.ProcGroup() as group:
                tx = group.add(ng.Proc('ipc sender', [
                    shutil.which('gst-launch-1.0') or 'gst-launch-1.0', 'videotestsrc', 'num-buffers=7', '!',
                    'video/x-raw,format=BGR,width=64,height=48', '!', 'netgearsink', 'protocol=ipc',
                    'address=' + addr, 'port=27104', 'sync=false'], env=env))
                got = rxp.run_until(lambda: rxp.eos, 20)
                tap.ok(got and rxp.count(27104) == 7, 'ipc: 7 frames and EOS over protocol=ipc',
                       rxp.summary() + '\n' + tx.report())
                tap.ok(tx.wait_exit(10) == 0, 'ipc: sender ends', tx.report())
        finally:
            rxp.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def ipc_default_address(tap, env):
    """protocol=ipc with both addresses at their defaults (netgearsrc's "*",
    netgearsink's "localhost"): both ends use /tmp/netgear:PORT, and nothing
    is left in the working directory (ZeroMQ would make "*" a temporary
    folder of its own there)."""
    cwd = tempfile.mkdtemp(prefix='ngtest-ipc-cwd-')
    path = '/tmp/netgear:27105'
    try:
        with ng.ProcGroup() as group:
            rx = group.add(ng.Proc('ipc receiver', [
                'gst-launch-1.0', 'netgearsrc', 'name=s', 'protocol=ipc', 'ports=27105', 's.src_27105', '!',
                'fakesink'], env=env, cwd=cwd))
            if not tap.ok(rx.wait_line('Setting pipeline to PLAYING', 10) is not None,
                          'ipc, default address: receiver plays', rx.report()):
                return
            tap.ok(os.path.exists(path), 'ipc, default address: the receiver listens on %s' % path)
            # ZeroMQ would replace the file and take the path over: refused.
            second = group.add(ng.Proc('second ipc receiver', [
                'gst-launch-1.0', 'netgearsrc', 'name=s', 'protocol=ipc', 'ports=27105', 's.src_27105', '!',
                'fakesink'], env=env, cwd=cwd))
            rc = second.wait_exit(10)
            tap.ok(rc != 0 and ('The socket file %s is in use' % path) in second.stderr_text(),
                   'ipc, default address: a second receiver on %s is refused, saying the file is in use' % path,
                   second.report())
            tx = group.add(ng.Proc('ipc sender', [
                'gst-launch-1.0', 'videotestsrc', 'num-buffers=5', '!', 'video/x-raw,format=BGR,width=64,height=48',
                '!', 'netgearsink', 'protocol=ipc', 'port=27105', 'sync=false'], env=env, cwd=cwd))
            tap.ok(tx.wait_exit(10) == 0 and rx.wait_exit(10) == 0,
                   'ipc, default address: frames and the terminate reach the receiver, both end',
                   tx.report() + '\n' + rx.report())
        tap.ok(os.listdir(cwd) == [] and not os.path.exists(path),
               'ipc, default address: nothing left behind (working directory %s, %s)' % (os.listdir(cwd), path))
    finally:
        shutil.rmtree(cwd, ignore_errors=True)


def body(tap):
    check_props(tap, 'netgearsink', SINK_PROPS)
    check_props(tap, 'netgearsrc', SRC_PROPS)
    pads_and_live(tap)
    env = os.environ.copy()
    gst_launch(tap, env)
    ipc_round_trip(tap, env)
    ipc_default_address(tap, env)


ng.run_main(body)
