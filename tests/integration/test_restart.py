#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The receiver dies (SIGKILL) and a new one starts on the same ports; the
senders, left alone with their default settings, resume by themselves.
Each pattern-1 case runs twice: killed while streaming, and killed while
hung (its application stopped consuming, so it stopped reading: a frame is
in flight, unanswered, when it dies; the sender must send it again, or skip
it, as soon as the connection closes, and count it in stats as lost).

Pattern 1, on-timeout=resend (the default): every frame the new receiver
acknowledged arrives (its frames form one run, from its first to the
sender's last, each intact); frames lost with the dead receiver are only
those it had answered but not yet handed downstream (at most the one its
port's task was pushing, per sender), and a frame arrives at both receivers at most once (the one
whose acknowledgement died with the first receiver, sent again).
Pattern 1, on-timeout=skip: the same, except that no frame arrives twice,
and the frame in flight when the receiver died may be the one skipped.
Pattern 2: frames from every sender reach the new receiver.
Each run ends with the senders' terminates and the new receiver's EOS.
Ports 27300-27307."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=160,height=120,framerate=30/1'
FRAMES = 150
RECEIVER = os.path.join(ng.HERE, 'receiver.py')
MAX_BUFFERS = 2


def start_receiver(group, name, ports, pattern, stall_after=None):
    argv = [ng.PYTHON, RECEIVER, '--ports', ','.join(str(p) for p in ports), '--pattern', str(pattern),
            '--max-buffers', str(MAX_BUFFERS), '--run-for', '60']
    if stall_after is not None:
        argv += ['--stall-after', str(stall_after)]
    return group.add(ng.Proc(name, argv))


def frames(rx, port):
    """[(seq, digest, t)] from a receiver.py's FRAME lines for port."""
    out = []
    for line in rx.find('FRAME '):
        _, p, seq, digest, t = line.split()
        if int(p) == port:
            out.append((int(seq), digest, float(t)))
    return out


def run(tap, pattern, ports, on_timeout=None, hung=False):
    name = 'pattern %d%s%s' % (pattern, ', on-timeout=%s' % on_timeout if on_timeout else '',
                               ', receiver hung' if hung else '')
    deadline = ng.Deadline(60)
    extra = (('--on-timeout', on_timeout) if on_timeout else ()) + (('--live-stats',) if hung else ())
    with ng.ProcGroup() as group:
        rx1 = start_receiver(group, 'receiver 1', ports, pattern, stall_after=20 if hung else None)
        if not tap.ok(rx1.wait_line('PLAYING', 15) is not None, '%s: receiver 1 reaches PLAYING' % name,
                      rx1.report()):
            return
        senders = [ng.start_sender(group, p, i, FRAMES, pattern=pattern, caps=CAPS, sync=True, hold=True,
                                   timeout=55, extra=extra)
                   for i, p in enumerate(ports)]
        flowing = rx1.wait_until(lambda lines: all(len(frames(rx1, p)) >= 20 for p in ports), deadline.left())
        tap.ok(flowing, '%s: frames flow to receiver 1' % name, rx1.report())
        if hung:
            # Both consumers blocked in frame 20, which each port's task
            # answered before pushing it: each sender's next frame is in
            # flight, unanswered.
            def in_flight(lines):
                for l in reversed(lines):
                    if l.startswith('LIVESTATS '):
                        sent, acked = map(int, l.split()[1:])
                        return sent > acked >= 21
                return False
            tap.ok(rx1.wait_line('STALLED', deadline.left()) is not None and
                   all(s.wait_until(in_flight, deadline.left()) for s in senders),
                   '%s: receiver 1 hangs, a frame of each sender in flight' % name,
                   rx1.report() + '\n' + '\n'.join(s.report() for s in senders))
        # The frame in flight: frames 0..acknowledged-1 were answered.
        in_flight_seq = {}
        for s in senders:
            live = s.find('LIVESTATS ')
            if hung and live:
                in_flight_seq[s.name] = int(live[-1].split()[2])
        rx1.signal(signal.SIGKILL)
        rx1.wait_exit(5)
        rx2 = start_receiver(group, 'receiver 2', ports, pattern)
        tap.ok(rx2.wait_line('PLAYING', 15) is not None, '%s: receiver 2 binds the same ports' % name,
               rx2.report())
        resumed = rx2.wait_until(lambda lines: all(frames(rx2, p) for p in ports), deadline.left())
        tap.ok(resumed, '%s: every sender resumes by itself into receiver 2' % name,
               rx2.report() + '\n' + '\n'.join(s.report() for s in senders))
        for s in senders:
            tap.ok(s.wait_line('HOLDING', deadline.left()) is not None and not s.find('ERROR'),
                   '%s: %s pushed all its frames, no error' % (name, s.name), s.report())
            s.send_line()
        tap.ok(rx2.wait_line('EOS', deadline.left()) is not None,
               '%s: receiver 2 reaches EOS once every sender terminated' % name, rx2.report())
        for s in senders:
            tap.ok(s.wait_exit(max(1.0, deadline.left())) == 0, '%s: %s ends cleanly' % (name, s.name), s.report())
        for i, (port, s) in enumerate(zip(ports, senders)):
            label = '%s, port %d' % (name, port)
            sent = s.sent()
            got1, got2 = frames(rx1, port), frames(rx2, port)
            seqs1, seqs2 = [f[0] for f in got1], [f[0] for f in got2]
            tap.diag('%s: receiver 1 got seq %d..%d, receiver 2 got %d frames, seq %d..%d'
                     % (label, seqs1[0], seqs1[-1], len(seqs2), seqs2[0] if seqs2 else -1,
                        seqs2[-1] if seqs2 else -1))
            if not seqs2:
                tap.ok(False, '%s: receiver 2 got frames' % label)
                continue
            tap.ok(all(sent.get(q) == d for q, d, _ in got1 + got2), '%s: every frame intact' % label)
            if pattern == 1:
                run2 = list(range(seqs2[0], FRAMES))
                tap.ok(seqs2 == run2, '%s: receiver 2 got every frame from its first to the last, once, in order'
                       % label, 'got %s' % seqs2)
                lost = seqs2[0] - seqs1[-1] - 1
                twice = len(set(seqs1) & set(seqs2))
                tap.diag('%s: %d lost with receiver 1, %d at both' % (label, max(lost, 0), twice))
                # Answered by receiver 1 and never handed on: the frame its
                # port's task was pushing; skip gives up the one in flight.
                bound = 1 + (1 if on_timeout == 'skip' else 0)
                tap.ok(lost <= bound, '%s: lost with receiver 1 at most what it held (%d <= %d)'
                       % (label, max(lost, 0), bound))
                if hung:
                    st = s.stats()
                    key = 'skipped' if on_timeout == 'skip' else 'lost'
                    tap.ok(st is not None and st.get_value(key) >= 1,
                           '%s: the sender counts the frame in flight as %s' % (label, key),
                           st.to_string() if st else s.report())
                    flight = in_flight_seq.get(s.name)
                    if on_timeout == 'skip':
                        tap.ok(flight is not None and seqs2[0] > flight,
                               '%s: the frame in flight (%s) is given up, not sent again' % (label, flight),
                               'receiver 2 starts at %d' % seqs2[0])
                    else:
                        tap.ok(flight is not None and seqs2[0] == flight,
                               '%s: the frame in flight (%s) goes again, first, to receiver 2' % (label, flight),
                               'receiver 2 starts at %d' % seqs2[0])
                most_twice = 0 if on_timeout == 'skip' else 1
                tap.ok(twice <= most_twice, '%s: %d frame(s) at both receivers (at most %d)'
                       % (label, twice, most_twice), 'both: %s' % sorted(set(seqs1) & set(seqs2)))
            else:
                tap.ok(seqs2 == sorted(set(seqs2)), '%s: in order, none twice' % label)
                tap.ok(seqs2[-1] >= FRAMES - 30, '%s: receiver 2 gets the stream to its end' % label,
                       'last %d' % seqs2[-1])
        st = senders[0].stats()
        if st is not None:
            tap.diag('%s: sender 0 stats %s' % (name, st.to_string()))


def body(tap):
    run(tap, 1, [27300, 27301])
    run(tap, 1, [27302, 27303], hung=True)
    run(tap, 1, [27304, 27305], on_timeout='skip', hung=True)
    run(tap, 2, [27306, 27307])


ng.run_main(body)
