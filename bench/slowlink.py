#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Acknowledged frames over a slow link: one live 640x480 JPEG camera at
30 fps in pattern 1, across a link with a 100 ms round trip (50 ms each
way), without and with 1 % packet loss, netgearsink with max-in-flight
1, 4, 8 and 12 against raw libzmq (bench/zmqlink.py: REQ/REP lock-step, and a
DEALER keeping as many requests in flight) measured in the same run.

    bench/slowlink [--delay MS] [--loss 0,0.01] [--windows 4,8,12] [--seconds S] [--json FILE]

The sender and the receiver are processes in network namespaces of their
own (tests/integration/netlab.py: ngb-s1 and ngb-rx, the link between them
through linkemu.py, or tc netem where the kernel has it). Each case prints
the frames per second that arrived (from first to last arrival; a little
over 30 where frames held while connecting catch up), the fewest that
arrived in any one second, frames lost and frames delivered twice (from
the receiver's sequence numbers), and ours as a ratio to raw libzmq with
the same window. Needs root.
Ports 27600-27619 inside the namespaces.
"""
import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'integration'))
import netlab  # noqa: E402
import ngtest as ng  # noqa: E402
from ngtest import Gst  # noqa: E402

RECEIVER = os.path.join(HERE, '..', 'tests', 'integration', 'receiver.py')
ZMQLINK = os.path.join(HERE, 'zmqlink.py')
GST_LAUNCH = 'gst-launch-1.0'
FPS = 30
CAMERA = ('videotestsrc is-live=true num-buffers=%d pattern=smpte ! '
          'video/x-raw,width=640,height=480,framerate=%d/1 ! jpegenc quality=85')
PORT0 = 27600


def jpeg_size():
    """Mean size of the camera's JPEG frames, for the raw baseline."""
    p = Gst.parse_launch((CAMERA % (30, FPS)).replace('is-live=true ', '') + ' ! appsink name=s sync=false')
    sink = p.get_by_name('s')
    sizes = []
    p.set_state(Gst.State.PLAYING)
    while True:
        sample = sink.emit('try-pull-sample', 5 * Gst.SECOND)
        if sample is None:
            break
        sizes.append(sample.get_buffer().get_size())
    p.set_state(Gst.State.NULL)
    return int(sum(sizes) / max(1, len(sizes)))


def figures(arrivals, frames):
    seqs = [s for s, _ in arrivals]
    times = [t for _, t in arrivals]
    fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
    # The fewest frames that arrived in any second of the stream: a stall
    # (a retransmission, a full window) shows here, not in the mean.
    worst = min((sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times) if t <= times[-1] - 1.0),
                default=len(times))
    return {'fps': fps, 'worst_1s': worst, 'arrived': len(seqs), 'lost': frames - len(set(seqs)), 'twice': len(seqs) - len(set(seqs)),
            'in_order': all(a < b for a, b in zip(seqs, seqs[1:]))}


def run_ours(lab, port, window, frames, timeout):
    L = lab.links[0]
    with ng.ProcGroup() as group:
        rx = group.add(ng.Proc('receiver', lab.in_ns(lab.rx, [
            ng.PYTHON, RECEIVER, '--address', '0.0.0.0', '--ports', str(port), '--pattern', '1',
            '--run-for', str(int(timeout) + 5)])))
        if rx.wait_line('PLAYING', 15) is None:
            raise RuntimeError('receiver did not start\n' + rx.report())
        # wait-for-connection: the first frames wait for the connection
        # (three round trips) instead of being dropped, as raw libzmq's do.
        launch = (CAMERA % (frames, FPS)) + (' ! netgearsink address=%s port=%d pattern=1 max-in-flight=%d '
                                             'wait-for-connection=true' % (L['rx_ip'], port, window))
        tx = group.add(ng.Proc('sender', lab.in_ns(L['ns'], [GST_LAUNCH, '-q'] + launch.split())))
        rx.wait_line('EOS', timeout)
        tx.wait_exit(10)
        arrivals = []
        for line in rx.find('FRAME %d ' % port):
            _, _, seq, _, t = line.split()
            arrivals.append((int(seq), float(t)))
        return figures(arrivals, frames)


def run_raw(lab, port, window, frames, size, timeout):
    L = lab.links[0]
    with ng.ProcGroup() as group:
        rx = group.add(ng.Proc('zmq recv', lab.in_ns(lab.rx, [ng.PYTHON, ZMQLINK, 'recv', '--port', str(port),
                                                              '--timeout', str(timeout)])))
        if rx.wait_line('READY', 15) is None:
            raise RuntimeError('zmqlink recv did not start\n' + rx.report())
        tx = group.add(ng.Proc('zmq send', lab.in_ns(L['ns'], [
            ng.PYTHON, ZMQLINK, 'send', '--address', L['rx_ip'], '--port', str(port), '--window', str(window),
            '--fps', str(FPS), '--frames', str(frames), '--size', str(size)])))
        rx.wait_line('END', timeout)
        tx.wait_exit(10)
        arrivals = [(int(l.split()[1]), float(l.split()[2])) for l in rx.find('FRAME ')]
        return figures(arrivals, frames)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--delay', type=float, default=50.0, help='ms each way (default 50: a 100 ms round trip)')
    ap.add_argument('--jitter', type=float, default=1.0, help='ms, +- (default 1)')
    ap.add_argument('--loss', default='0,0.01', help='packet loss fractions, each direction (default 0,0.01)')
    ap.add_argument('--windows', default='4,8,12', help='max-in-flight values besides 1 (default 4,8,12)')
    ap.add_argument('--seconds', type=float, default=10.0, help='of video per case with frames in flight')
    ap.add_argument('--json', help='write the figures to this file too')
    a = ap.parse_args()
    Gst.init(None)
    lab = netlab.Lab('ngb', '10.214', senders=1)
    why = lab.why_not()
    if why:
        print('slowlink: %s' % why, file=sys.stderr)
        return 77
    results = []
    try:
        use_netem, why_not = lab.choose_emulation()
        lab.setup(lambda t: print('# ' + t), use_netem)
        size = jpeg_size()
        rtt_ms = 2 * a.delay
        need = math.ceil(rtt_ms / 1000.0 * FPS) + 1
        lossy = math.ceil((rtt_ms + 200) / 1000.0 * FPS) + 1
        print('one live camera: 640x480 JPEG (smpte, quality 85, %d bytes a frame on average) at %d fps, '
              'pattern 1' % (size, FPS))
        print('max-in-flight a link needs: round trip x frame rate + 1 = %d; with loss, (round trip + 200 ms) x '
              'frame rate + 1 = %d' % (need, lossy))
        windows = [1] + [int(w) for w in a.windows.split(',') if w]
        port = PORT0
        with ng.ProcGroup() as group:
            for loss in [float(x) for x in a.loss.split(',') if x]:
                if not lab.start_links(group, a.delay, a.jitter, loss, lambda t: print('# ' + t)):
                    raise RuntimeError('link emulation did not start')
                print('\nlink: %g ms +- %g ms each way (round trip %g ms), %g %% packet loss each way' %
                      (a.delay, a.jitter, rtt_ms, loss * 100))
                print('%-28s %6s %7s %8s %9s %6s %6s %8s %10s' % ('', 'window', 'frames', 'fps', 'worst 1 s',
                                                                    'lost', 'twice', 'in order', 'fps vs raw'))
                raw = {}
                for impl in ('raw', 'ours'):
                    for w in windows:
                        frames = int(a.seconds * FPS) if w > 1 else int(a.seconds * FPS / 5)
                        timeout = 30 + frames / 5.0
                        t0 = time.monotonic()
                        if impl == 'raw':
                            f = run_raw(lab, port, w, frames, size, timeout)
                            name = 'raw libzmq %s' % ('REQ/REP' if w == 1 else 'DEALER/REP')
                            raw[w] = f['fps']
                        else:
                            f = run_ours(lab, port, w, frames, timeout)
                            name = 'netgearsink -> netgearsrc'
                        port += 1
                        base = raw.get(w)
                        ratio = '%.2fx' % (f['fps'] / base) if impl == 'ours' and base else ''
                        print('%-28s %6d %7d %8.1f %9d %6d %6d %8s %10s' % (
                            name, w, frames, f['fps'], f['worst_1s'], f['lost'], f['twice'],
                            'yes' if f['in_order'] else 'NO', ratio), flush=True)
                        results.append(dict(f, impl=impl, window=w, frames=frames, loss=loss, delay_ms=a.delay,
                                            seconds=time.monotonic() - t0))
            if not lab.use_netem:
                lab.stop_links()
    finally:
        lab.cleanup()
    if a.json:
        with open(a.json, 'w') as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
