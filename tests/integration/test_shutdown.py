#!/usr/bin/python3
"""Bounded shutdown: an element whose peers are absent still goes from
PLAYING to NULL in under 2 s. netgearsink with no receiver (pattern 1:
its first frame is waiting for a receiver; pattern 2: frames go nowhere),
netgearsrc with no sender (both patterns). Each case runs in a child process
(shutdown_child.py), so that a hang is a failed test, not a stuck suite.
Ports 27160-27169."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

LIMIT = 2.0

CASES = [('sink', 1, 27160), ('sink', 2, 27161), ('src', 1, 27162), ('src', 2, 27164)]


def body(tap):
    for element, pattern, port in CASES:
        label = 'netgear%s pattern=%d, no %s' % (element, pattern, 'receiver' if element == 'sink' else 'sender')
        with ng.ProcGroup() as group:
            p = group.add(ng.Proc(label, [ng.PYTHON, ng.SHUTDOWN_CHILD, '--element', element, '--pattern',
                                          str(pattern), '--port', str(port)]))
            running = p.wait_line('RUNNING', 15)
            if not tap.ok(running is not None, '%s: reaches PLAYING and runs' % label, p.report()):
                continue
            line = p.wait_line('STOPPED', 10)
            secs = float(line.split()[1]) if line else None
            tap.ok(secs is not None and secs < LIMIT, '%s: PLAYING -> NULL in under %.0f s' % (label, LIMIT),
                   'took %s\n%s' % (secs if secs is not None else 'more than 10 s (hung)', p.report()))
            if secs is not None:
                tap.diag('%s: %.3f s' % (label, secs))
            tap.ok(p.wait_exit(10) == 0, '%s: the process ends cleanly' % label, p.report())


ng.run_main(body)
