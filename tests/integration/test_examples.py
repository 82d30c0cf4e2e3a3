#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The examples do what their comments say, as a user runs them:

  * examples/appsink-receiver (C++, built) with --bidirectional --echo, and
    two examples/sender-messages.py senders: the receiver prints each frame's
    port, message and size; each sender prints the answer to each of its
    frames, naming its own port.
  * examples/appsink-receiver.py with two examples/sender.sh senders, one
    given a MESSAGE text with quotes, a backslash and unicode, the other a
    MESSAGE_JSON object with spaces: they arrive as given, the text as a
    JSON string.
  * examples/c/netgear-wall (C, built) with two senders of its own and one
    sender process that is killed: it prints each sender connecting, the
    two terminating and the killed one timing out, then EOS, every frame of
    its own senders counted, and exits 0.
Senders stop on SIGINT, as a user stops them.
Ports 27230-27239. Skipped (exit 77 in TAP terms: a plan of 0) when the C++
example was not built."""
import json
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

SOURCE = os.path.join(ng.HERE, '..', '..', 'examples')
BUILT = os.environ.get('NETGEAR_EXAMPLES_BUILD', '')
CXX_RECEIVER = os.path.join(BUILT, 'netgear-appsink-receiver') if BUILT else ''
C_WALL = os.path.join(BUILT, 'c', 'netgear-wall') if BUILT else ''
LINE = re.compile(r'^port=(\d+) seq=(\d+) message=(.*) size=(\d+) (\S+) (\S*) (\d+)x(\d+)$')


def interrupt_when_seen(tap, rx, senders, ports, frames, d, what):
    """Senders run until interrupted (as a user stops them with Ctrl-C); they
    are stopped once the receiver has printed `frames` frames of each, so
    that no sender ends (and with the last one the receiver's stream) before
    every one has connected."""
    def enough(lines):
        seen = [f[0] for f in parse_frames(lines)]
        return all(seen.count(p) >= frames for p in ports)
    tap.ok(rx.wait_until(enough, d.left()), '%s: prints %d frames of each sender' % (what, frames), rx.report())
    for s in senders:
        s.p.send_signal(signal.SIGINT)


def frame_lines(proc):
    return parse_frames(proc.find('port='))


def parse_frames(lines):
    out = []
    for l in lines:
        m = LINE.match(l)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), json.loads(m.group(3)), int(m.group(4)), m.group(6),
                        int(m.group(7)), int(m.group(8))))
    return out


def cxx_receiver_python_senders(tap):
    ports = [27230, 27231]
    names = ['porch', 'garage']
    frames = 5
    d = ng.Deadline(40)
    with ng.ProcGroup() as group:
        rx = group.add(ng.Proc('appsink-receiver', [CXX_RECEIVER, '--address', ng.LOOPBACK, '--ports',
                                                    ','.join(map(str, ports)), '--bidirectional', '--echo']))
        tap.ok(rx.wait_line('listening on', d.left()) is not None, 'C++ receiver: listening', rx.report())
        senders = [group.add(ng.Proc('sender-messages %d' % p, [
            ng.PYTHON, os.path.join(SOURCE, 'sender-messages.py'), '--address', ng.LOOPBACK, '--port', str(p),
            '--name', n, '--bidirectional'])) for p, n in zip(ports, names)]
        interrupt_when_seen(tap, rx, senders, ports, frames, d, 'C++ receiver')
        codes = [s.wait_exit(d.left()) for s in senders]
        tap.ok(codes == [0, 0], 'Python senders: both exit 0', '\n'.join(s.report() for s in senders))
        tap.ok(rx.wait_exit(d.left()) == 0, 'C++ receiver: exits 0 once both senders terminated', rx.report())
        lines = frame_lines(rx)
        for p, n, s in zip(ports, names, senders):
            got = [(seq, msg, size, fmt, w, h) for port, seq, msg, size, fmt, w, h in lines if port == p][:frames]
            want = [(k, {'camera': n, 'frame': k}, 640 * 360 * 3, 'BGR', 640, 360) for k in range(frames)]
            tap.ok(got == want, 'C++ receiver: port %d prints each frame with its message and size' % p,
                   'got %s\nwant %s\n%s' % (got, want, rx.report()))
            replies = s.find('reply to frame ')[:frames]
            want_r = ['reply to frame %d (port %d): %s' % (k, p, json.dumps(
                {'port': p, 'seq': k, 'echo': {'camera': n, 'frame': k}})) for k in range(frames)]
            tap.ok(replies == want_r, 'Python sender on %d: prints the answer to each of its frames' % p,
                   'got %s\nwant %s' % (replies, want_r))
        tap.ok(all(rx.find('connected port=%d peer=%s' % (p, ng.LOOPBACK)) for p in ports) and
               all(rx.find('terminated port=%d' % p) for p in ports),
               'C++ receiver: prints each sender connecting and terminating', rx.report())


def python_receiver_shell_senders(tap):
    ports = [27232, 27233]
    # (variable, value, what arrives)
    messages = [('MESSAGE', 'a "quoted" back\\slash ünïcode ✓', 'a "quoted" back\\slash ünïcode ✓'),
                ('MESSAGE_JSON', '{"camera": "garage", "roi": [1, 2.5, null]}',
                 {'camera': 'garage', 'roi': [1, 2.5, None]})]
    d = ng.Deadline(40)
    with ng.ProcGroup() as group:
        rx = group.add(ng.Proc('appsink-receiver.py', [ng.PYTHON, os.path.join(SOURCE, 'appsink-receiver.py'),
                                                       '--address', ng.LOOPBACK, '--ports',
                                                       ','.join(map(str, ports))]))
        tap.ok(rx.wait_line('listening on', d.left()) is not None, 'Python receiver: listening', rx.report())
        env = dict(os.environ)
        senders = []
        for p, (var, value, _) in zip(ports, messages):
            e = dict(env, ADDRESS=ng.LOOPBACK, PORT=str(p), LABEL='', WIDTH='160', HEIGHT='120')
            e[var] = value
            # -e: Ctrl-C ends the stream, which tells the receiver.
            senders.append(group.add(ng.Proc('sender.sh %d' % p, ['bash', os.path.join(SOURCE, 'sender.sh'), '-q',
                                                                  '-e'], env=e)))
        interrupt_when_seen(tap, rx, senders, ports, 3, d, 'Python receiver')
        codes = [s.wait_exit(d.left()) for s in senders]
        tap.ok(codes == [0, 0], 'sender.sh: both exit 0', '\n'.join(s.report() for s in senders))
        tap.ok(rx.wait_exit(d.left()) == 0, 'Python receiver: exits 0 once both senders terminated', rx.report())
        lines = frame_lines(rx)
        for p, (var, value, arrives) in zip(ports, messages):
            got = [(seq, msg, size) for port, seq, msg, size, *_ in lines if port == p][:3]
            want = [(k, arrives, 160 * 120 * 3) for k in range(3)]
            tap.ok(got == want, 'sender.sh %s=%s arrives as given on port %d' % (var, value, p),
                   'got %s\nwant %s\n%s' % (got, want, rx.report()))


def c_wall(tap):
    own, far = [27234, 27235], 27236
    frames = 150
    d = ng.Deadline(60)
    with ng.ProcGroup() as group:
        # The far sender first: it waits for the wall, so it is there before
        # the wall's own senders are done (which would end the wall).
        tx = ng.start_sender(group, far, 2, 100000, pattern=1, sync=True, timeout=55)
        wall = group.add(ng.Proc('netgear-wall', [C_WALL, '--ports', ','.join(map(str, own + [far])), '--senders',
                                                  str(len(own)), '--frames', str(frames), '--timeout', '1500']))
        tap.ok(wall.wait_line('connected port=%d' % far, d.left()) is not None,
               'C wall: prints the far sender connecting', wall.report() + '\n' + tx.report())
        # Killed once it is streaming (a sender gone before its first frame
        # only disconnects); frame 10 entering its sink means 9 were answered.
        tap.ok(tx.wait_line('SENT 10 ', d.left()) is not None, 'C wall: the far sender streams', tx.report())
        tx.p.send_signal(signal.SIGKILL)  # a camera losing its power
        tap.ok(wall.wait_line('disconnected port=%d streaming=true' % far, d.left()) is not None,
               'C wall: prints the killed sender gone', wall.report())
        tap.ok(wall.wait_exit(d.left()) == 0, 'C wall: ends by itself and exits 0', wall.report())
        tap.ok(all(wall.find('connected port=%d peer=%s' % (p, ng.LOOPBACK)) for p in own) and
               all(wall.find('terminated port=%d' % p) for p in own),
               'C wall: prints its own senders connecting and terminating', wall.report())
        tap.ok(wall.find('EOS') and all(wall.find('port=%d frames=%d' % (p, frames)) for p in own),
               'C wall: EOS, and every frame of its own senders counted', wall.report())


def body(tap):
    cxx_receiver_python_senders(tap)
    python_receiver_shell_senders(tap)
    c_wall(tap)


if not os.path.exists(CXX_RECEIVER):
    print('1..0 # SKIP examples not built (meson -Dexamples=disabled)')
    sys.exit(0)
ng.run_main(body)
