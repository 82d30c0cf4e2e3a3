#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Bounded shutdown: an element whose peers are absent or dead goes from
PLAYING to NULL in under 1 s, both elements, both patterns.
- Never started: netgearsink with no receiver (pattern 1: its first frame
  is waiting for a receiver; pattern 2: frames go nowhere), netgearsrc with
  no sender.
- Dead: netgearsink streaming to a receiver process that is then killed
  (SIGKILL; pattern 1: a frame is waiting for an answer that cannot come,
  and the terminate on the way out finds nobody), netgearsrc receiving from
  two sender processes that are then killed.
Each element runs in a child process (shutdown_child.py), so that a hang is
a failed test, not a stuck suite. Ports 27160-27167 and 27186-27189."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

LIMIT = 1.0
RECEIVER = os.path.join(ng.HERE, 'receiver.py')
CAPS = 'video/x-raw,format=BGR,width=160,height=120,framerate=30/1'

# element, pattern, port, peers: None (never started) or 'killed'
CASES = [('sink', 1, 27160, None), ('sink', 2, 27161, None), ('src', 1, 27162, None), ('src', 2, 27164, None),
         ('sink', 1, 27166, 'killed'), ('sink', 2, 27167, 'killed'), ('src', 1, 27186, 'killed'),
         ('src', 2, 27188, 'killed')]


def kill_peers(tap, group, label, element, pattern, port, child):
    """Starts the element's peers, waits until data flows, kills them.
    Returns whether that worked."""
    if element == 'sink':
        rx = group.add(ng.Proc('receiver', [ng.PYTHON, RECEIVER, '--ports', str(port), '--pattern', str(pattern)]))
        flowing = rx.wait_line('FRAME ', 15) is not None
        peers = [rx]
    else:
        peers = [group.add(ng.Proc('sender %d' % p, ng.sender_argv(p, i, 3000, pattern=pattern, caps=CAPS,
                                                                    sync=True, timeout=40)))
                 for i, p in enumerate((port, port + 1))]
        flowing = child.wait_line('BUFFER', 15) is not None
    if not tap.ok(flowing, '%s: data flows before the peers die' % label,
                  child.report() + '\n' + '\n'.join(p.report() for p in peers)):
        return False
    for p in peers:
        p.signal(signal.SIGKILL)
    return all(p.wait_exit(5) is not None for p in peers)


def body(tap):
    for element, pattern, port, peers in CASES:
        other = 'receiver' if element == 'sink' else 'senders'
        label = 'netgear%s pattern=%d, %s' % (element, pattern,
                                              ('%s killed' % other) if peers else ('no %s' % other))
        with ng.ProcGroup() as group:
            argv = [ng.PYTHON, ng.SHUTDOWN_CHILD, '--element', element, '--pattern', str(pattern), '--port',
                    str(port)]
            if peers:
                argv.append('--hold')
            child = group.add(ng.Proc(label, argv))
            running = child.wait_line('RUNNING', 15)
            if not tap.ok(running is not None, '%s: reaches PLAYING and runs' % label, child.report()):
                continue
            if peers:
                if not kill_peers(tap, group, label, element, pattern, port, child):
                    continue
                child.send_line()
            line = child.wait_line('STOPPED', 10)
            secs = float(line.split()[1]) if line else None
            tap.ok(secs is not None and secs < LIMIT, '%s: PLAYING -> NULL in under %.0f s' % (label, LIMIT),
                   'took %s\n%s' % (secs if secs is not None else 'more than 10 s (hung)', child.report()))
            if secs is not None:
                tap.diag('%s: %.3f s' % (label, secs))
            tap.ok(child.wait_exit(10) == 0, '%s: the process ends cleanly' % label, child.report())


ng.run_main(body)
