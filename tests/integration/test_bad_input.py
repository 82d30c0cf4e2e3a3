#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Bad input from the network: a hostile sender process (hostile_peer.py)
interleaves good vidgear-style frames with every kind of malformed message.
netgearsrc must deliver every good frame intact (also one claiming another
sender's port, and one with an extension from the future: both counted),
count every bad one under its reason in `stats` (a terminate before any
frame too), answer every REQ (so no REP state machine wedges),
keep a well-behaved second sender flowing, and end normally; also in a
process that imported zmq before gi (zmq_first_child.py)."""
import collections
import json
import os
import sys

import ngtest as ng

HOSTILE = os.path.join(ng.HERE, 'hostile_peer.py')
sys.path.insert(0, ng.HERE)
import hostile_peer  # noqa: E402  (for the list of cases and the frame formula)


def expected_reasons():
    return collections.Counter(reason for _, _, reason in hostile_peer.CASES)


def run(tap, pattern, port, other_port):
    name = 'pattern %d' % pattern
    rx = ng.Receiver([port, other_port], pattern=pattern, max_buffers=64,
                     src_props='max-message-size=%d' % hostile_peer.MAX_MESSAGE_SIZE)
    with ng.ProcGroup() as group:
        if not ng.started(tap, name, rx):
            return
        try:
            # A good sender next to the hostile one: its frames must keep coming.
            # It holds its end until the hostile peer is done, so the stream
            # cannot end (every connected sender gone) in between.
            well = group.add(ng.Proc('good sender', ng.sender_argv(other_port, 1, 40, pattern=pattern, hold=True)))
            tap.ok(rx.run_until(lambda: rx.got('netgear-server-connected', other_port), 20),
                   '%s: the well-behaved sender connects' % name, rx.summary())
            hostile = group.add(ng.Proc('hostile peer', [ng.PYTHON, HOSTILE, str(port), str(pattern)]))
            rc = hostile.wait_exit(30)
            well.wait_line('HOLDING', 30)
            well.send_line()
            lines = hostile.find('')
            tap.ok(rc == 0 and 'done' in lines and 'sent terminate' in lines, '%s: hostile peer ran to the end' % name,
                   hostile.report())
            if pattern == 1:
                sent = [l.split()[1] for l in lines if l.startswith('sent ') and l != 'sent oversize']
                replied = [l.split()[1] for l in lines if l.startswith('reply ')]
                tap.ok(sent and sent == replied, '%s: every message, good or bad, got a reply' % name,
                       'sent %s\nreplied %s' % (sent, replied))
                for label in ('early-terminate', 'terminate'):
                    term = [l for l in lines if l.startswith('reply %s ' % label)]
                    tap.ok(term and term[0].split()[2].startswith('Termination'),
                           '%s: the %s got the termination reply' % (name, label), '\n'.join(lines))
            tap.ok('dropped oversize' in lines, '%s: a message over max-message-size drops its connection' % name,
                   hostile.report())
            n_good = len(hostile_peer.CASES) + 2
            rx.run_until(lambda: rx.eos, 20)
            tap.ok(rx.eos, '%s: the stream ends after both senders terminate' % name, '\n'.join(rx.errors))
            with rx.lock:
                frames = list(rx.frames[port])
                other = list(rx.frames[other_port])
            got = [json.loads(f['message'])['good'] for f in frames]
            if pattern == 1:
                tap.ok(got == list(range(n_good)), '%s: all %d good frames arrived, in order' % (name, n_good),
                       'got %s' % got)
            else:
                tap.ok(got == sorted(set(got)) and len(got) >= 1,
                       '%s: the good frames that arrived are in order' % name, 'got %s' % got)
            bad = []
            for f in frames:
                i = json.loads(f['message'])['good']
                expect = bytes((i * 7 + k) % 251 for k in range(72))
                caps = ng.Gst.Caps.from_string(f['caps'])
                s = caps.get_structure(0)
                if (s.get_value('format'), s.get_value('width'), s.get_value('height')) != ('BGR', 6, 4) or \
                        f['digest'] != ng.digest(expect):
                    bad.append(i)
            tap.ok(not bad, '%s: good frames are BGR 6x4 and byte-exact' % name, 'wrong: %s' % bad)
            # The socket is the sender's identity, not its header: the frame
            # claiming the other sender's port is still this port's.
            tap.ok(frames and all(f.get('port') == port for f in frames),
                   '%s: every frame\'s meta names port %d, the one it came in on (one claims %d)'
                   % (name, port, other_port), 'meta ports %s' % [f.get('port') for f in frames])
            # Keep the outer structure alive: the nested one points into it.
            all_stats = rx.src.get_property('stats')
            tap.ok(len(other) == 40 if pattern == 1 else len(other) >= 1,
                   '%s: the well-behaved sender kept flowing (%d frames)' % (name, len(other)),
                   rx.summary() + '\n' + all_stats.to_string() + '\n' + well.report())
            stats = all_stats.get_value('port-%d' % port)
            counts = {r: stats.get_value('dropped-' + r) for r in expected_reasons()}
            if pattern == 1:
                tap.ok(counts == dict(expected_reasons()), '%s: every bad message counted under its reason' % name,
                       'counted %s\nexpected %s' % (counts, dict(expected_reasons())))
            else:
                tap.ok(all(counts[r] <= n for r, n in expected_reasons().items()) and sum(counts.values()) > 0,
                       '%s: bad messages counted under their reasons, none twice' % name,
                       'counted %s\nexpected at most %s' % (counts, dict(expected_reasons())))
            tap.ok(stats.get_value('disconnects') >= 1, '%s: the dropped connection is counted' % name,
                   stats.to_string())
            if pattern == 1:
                tap.ok(stats.get_value('dropped-early-terminate') == 1,
                       '%s: the terminate before any frame is counted, and ignored' % name, stats.to_string())
                for _, field in hostile_peer.ODD_GOOD.values():
                    tap.ok(stats.get_value(field) == 1, '%s: the odd good frame is counted in %s' % (name, field),
                           stats.to_string())
            tap.ok(stats.get_value('frames') == len(frames),
                   '%s: stats frames equal the frames delivered' % name, str(stats))
            tap.ok(any('port %d' % port in w for w in rx.warnings),
                   '%s: a warning on the bus names the port' % name, '\n'.join(rx.warnings[:5]))
            tap.ok(not rx.callback_errors, '%s: no error in the appsink callbacks' % name,
                   '\n'.join(rx.callback_errors))
        finally:
            rx.stop()


def zmq_imported_first(tap, port):
    """Bad JSON reaching a process that imported zmq before gi (two C++
    unwinders loaded: a throw in the plugin could abort it) is answered and
    survived."""
    with ng.ProcGroup() as group:
        child = group.add(ng.Proc('zmq-first', [ng.PYTHON, os.path.join(ng.HERE, 'zmq_first_child.py'),
                                                str(port)]))
        rc = child.wait_exit(30)
        tap.ok(rc == 0 and child.find('SURVIVED') and len(child.find('REPLY {"return_type"')) == 3,
               'a receiver in a process that imported zmq before gi survives bad JSON, and answers it in JSON '
               '(bidirectional)', child.report())


def main():
    tap = ng.Tap()
    for pattern, port in ((1, 27180), (2, 27182)):
        try:
            run(tap, pattern, port, port + 1)
        except Exception:
            tap.exception('pattern %d' % pattern)
    try:
        zmq_imported_first(tap, 27184)
    except Exception:
        tap.exception('zmq imported first')
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
