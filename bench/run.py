#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The benchmark: our elements against raw libzmq, in one run, on 127.0.0.1.

For each case (payload x senders x pattern) it runs the raw libzmq baseline
(build/bench/zmqbench: the same socket patterns, zero-copy, C API), the same
baseline with the thread hand-offs of our elements' previous design
(zmqbench --handoff, kept as a yardstick) and our
elements (build/bench/ngbench: appsrc with a pre-made frame ! netgearsink ->
netgearsrc ! fakesink per pad), one process per sender and one receiver,
each case --runs times (default 3), and prints medians: frames/s, GB/s,
one-way latency p50/p99 (the sender's clock in the header, read where the
frame is consumed), receiver and sender CPU per frame, receiver peak RSS,
and our frames/s as a ratio to both baselines measured in the same run.
Then a paced case (1 sender, 640x480 at 30 fps, pattern 1): latency and
the receiver's CPU per stream; then the camera wall (bench/montage.py): 16
live senders into a compositor montage.

    bench/run [--runs N] [--quick] [--patterns 1,2] [--senders 1,2,4,16]
              [--payloads bgr640,bgr1080,jpeg20k] [--json FILE]

--quick: one run per case, fewer frames (a smoke test of the tool).
Ports 27500-27599 (cases 27500-27555, idle 27560-27575, paced 27590). Needs the build (bench/run builds it first).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get('NETGEAR_BUILD_DIR', os.path.join(HERE, '..', 'build'))
PROGS = {'zmq': os.path.join(BUILD, 'bench', 'zmqbench'), 'ours': os.path.join(BUILD, 'bench', 'ngbench')}
# The implementations measured: raw libzmq; raw libzmq with the thread
# hand-offs of the elements' previous design (zmqbench --handoff: a sender's
# frames go through an I/O thread that owns the socket, a receiver's through
# a queue to a thread per port), what that structure cost; ours.
IMPLS = {'zmq': ('zmq', []), 'zmqh': ('zmq', ['--handoff']), 'ours': ('ours', [])}
# Frames in all per case (split among the senders): about a second of work
# for the baseline, a few for us at worst.
TOTAL = {'bgr640': 3000, 'bgr1080': 400, 'jpeg20k': 8000}
# Pattern 2 drops by design (latest frame wins): a free-running sender
# offers all its frames in a fraction of a millisecond and one gets through.
# So its senders offer frames at a paced rate, in all, above what the
# baseline delivers, for about two seconds: the receiving rate is then the
# capacity, and deliv says which share of the offer it is.
OFFER = {'bgr640': 8000, 'bgr1080': 1200, 'jpeg20k': 40000}
PATTERN2_SECONDS = 2.0
PAYLOAD_LABEL = {'bgr640': '640x480 BGR', 'bgr1080': '1920x1080 BGR', 'jpeg20k': '~20 KB JPEG'}
BASE_PORT = 27500


class Failed(Exception):
    pass


def result_of(proc, name, timeout):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise Failed('%s did not finish in %d s\n%s\n%s' % (name, timeout, out[-2000:], err[-2000:]))
    for line in out.splitlines():
        if line.startswith('RESULT '):
            return json.loads(line[7:])
    raise Failed('%s gave no RESULT (exit %s)\n%s\n%s' % (name, proc.returncode, out[-2000:], err[-2000:]))


def wait_ready(proc, name, timeout):
    """Reads stdout lines until READY (bounded by the child's own start-up:
    a child that dies ends the read)."""
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        line = proc.stdout.readline()
        if not line:
            raise Failed('%s ended before READY: %s' % (name, proc.stderr.read()[-2000:]))
        if line.startswith('READY'):
            return
        if line.startswith('ERROR'):
            raise Failed('%s: %s' % (name, line.strip()))
    raise Failed('%s not READY in %d s' % (name, timeout))


def run_case(impl, pattern, payload, senders, frames_each, port0, fps=0, timeout=60):
    prog, extra = PROGS[IMPLS[impl][0]], IMPLS[impl][1]
    ports = [port0 + i for i in range(senders)]
    env = dict(os.environ)
    env.setdefault('GST_PLUGIN_PATH', os.path.join(BUILD, 'gst'))
    env['NETGEAR_BENCH_WAIT_GO'] = '1'  # senders start together, on a line
    rx = subprocess.Popen([prog, 'recv', '--pattern', str(pattern), '--ports', ','.join(map(str, ports)), '--frames',
                           str(frames_each), '--timeout', str(timeout)] + extra,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    txs = []
    try:
        wait_ready(rx, '%s recv' % impl, 30)
        for p in ports:
            argv = [prog, 'send', '--pattern', str(pattern), '--port', str(p), '--payload', payload, '--frames',
                    str(frames_each)]
            if fps:
                argv += ['--fps', str(fps)]
            argv += extra
            txs.append(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env))
        for i, t in enumerate(txs):
            wait_ready(t, '%s send %d' % (impl, i), 30)
        for t in txs:
            t.stdin.write('go\n')
            t.stdin.flush()
        sent = [result_of(t, '%s send' % impl, timeout + 30) for t in txs]
        got = result_of(rx, '%s recv' % impl, timeout + 30)
    finally:
        for p in txs + [rx]:
            if p.poll() is None:
                p.kill()
                p.wait()
    if got.get('timeout'):
        raise Failed('%s recv timed out: %s' % (impl, got))
    return got, sent


def thread_switches(pid):
    """Context switches of the process's threads but its main one (the
    harness, which polls the bus 10 times a second)."""
    total = 0
    for tid in os.listdir('/proc/%d/task' % pid):
        if tid == str(pid):
            continue
        try:
            with open('/proc/%d/task/%s/status' % (pid, tid)) as f:
                for line in f:
                    if line.startswith(('voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')):
                        total += int(line.split()[1])
        except OSError:
            pass  # a thread that ended meanwhile
    return total


def idle_receiver(port0, n, seconds):
    """A receiver with n bound ports and nobody sending: its CPU time
    (utime + stime from /proc) and its threads' context switches over
    `seconds`, after it is READY. Returns None if it cannot run."""
    prog = PROGS['ours']
    ports = ','.join(str(port0 + i) for i in range(n))
    env = dict(os.environ)
    env.setdefault('GST_PLUGIN_PATH', os.path.join(BUILD, 'gst'))
    rx = subprocess.Popen([prog, 'recv', '--pattern', '1', '--ports', ports, '--frames', '1', '--timeout',
                           str(int(seconds) + 30)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_ready(rx, 'idle recv', 30)
        hz = os.sysconf('SC_CLK_TCK')

        def ticks():
            with open('/proc/%d/stat' % rx.pid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime, stime
        t0, s0 = ticks(), thread_switches(rx.pid)
        time.sleep(seconds)  # the measurement window itself, not a wait for an event
        t1, s1 = ticks(), thread_switches(rx.pid)
        return seconds, (t1 - t0) / hz / seconds * 100, t1 - t0, hz, s1 - s0
    except (Failed, OSError) as e:
        print('idle case FAILED: %s' % str(e).splitlines()[0])
        return None
    finally:
        rx.kill()
        rx.wait()


def figures(got, sent):
    frames = max(got['frames'], 1)
    if got['frames'] < 2 or got['seconds'] <= 0:
        raise Failed('too few frames arrived to time: %s' % got)
    secs = got['seconds']
    n_sent = max(sum(s['sent'] for s in sent), 1)
    return {
        'fps': got['frames'] / secs,
        'gbps': got['bytes'] / secs / 1e9,
        'p50_us': got['lat_p50_us'],
        'p99_us': got['lat_p99_us'],
        'rx_cpu_us': got['cpu_s'] / frames * 1e6,
        'tx_cpu_us': sum(s['cpu_s'] for s in sent) / n_sent * 1e6,
        'rss_mb': got['rss_kb'] / 1024.0,
        'delivered': got['frames'] / n_sent,
        'rx_cpu_pct': got['cpu_s'] / secs * 100,
    }


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--patterns', default='1,2')
    ap.add_argument('--senders', default='1,2,4,16')
    ap.add_argument('--payloads', default='bgr640,bgr1080,jpeg20k')
    ap.add_argument('--json', help='write every figure to this file too')
    ap.add_argument('--no-montage', action='store_true', help='skip the 16-camera montage case (bench/montage.py)')
    a = ap.parse_args()
    runs = 1 if a.quick else a.runs
    scale = 0.2 if a.quick else 1.0
    for p in PROGS.values():
        if not os.access(p, os.X_OK):
            sys.exit('%s is missing: build first (bench/run does)' % p)

    out = {'cases': [], 'paced': None}
    print('gst-netgear benchmark: %d run(s) per case, medians; ours vs raw libzmq, without and with our old thread '
          'hand-offs (same run)' % runs)
    print('load average at start: %s' % ' '.join(open('/proc/loadavg').read().split()[:3]))
    head = ('%-14s %3s %2s | %7s %7s %7s %5s %5s | %5s | %6s %6s %6s %6s | %6s %6s | %6s %6s | %5s %5s'
            % ('payload', 'N', 'p', 'zmq fps', 'hnd fps', 'our fps', 'o/z', 'o/h', 'oGB/s', 'zp50', 'hp50', 'op50',
               'op99', 'zrx/f', 'orx/f', 'ztx/f', 'otx/f', 'rxMB', 'deliv'))
    print(head)
    print('-' * len(head))
    port = BASE_PORT
    for payload in a.payloads.split(','):
        for n in (int(x) for x in a.senders.split(',')):
            for pattern in (int(x) for x in a.patterns.split(',')):
                fps = 0
                each = max(20, int(TOTAL[payload] * scale) // n)
                if pattern == 2:
                    fps = max(1, OFFER[payload] // n)
                    each = max(20, int(fps * PATTERN2_SECONDS * scale))
                res = {impl: [] for impl in IMPLS}
                try:
                    for _ in range(runs):
                        for impl in IMPLS:
                            got, sent = run_case(impl, pattern, payload, n, each, port, fps=fps)
                            res[impl].append(figures(got, sent))
                            port = BASE_PORT + (port - BASE_PORT + 20) % 60
                except Failed as e:
                    print('%-14s %3d %2d | FAILED: %s' % (PAYLOAD_LABEL[payload], n, pattern, str(e).splitlines()[0]))
                    out['cases'].append({'payload': payload, 'senders': n, 'pattern': pattern, 'error': str(e)})
                    continue
                z, h, o = (median_of(res[impl]) for impl in IMPLS)
                ratio = o['fps'] / z['fps'] if z['fps'] else 0
                ratio_h = o['fps'] / h['fps'] if h['fps'] else 0
                print('%-14s %3d %2d | %7.0f %7.0f %7.0f %5.2f %5.2f | %5.2f | %6.0f %6.0f %6.0f %6.0f | %6.1f %6.1f | '
                      '%6.1f %6.1f | %5.1f %5.2f'
                      % (PAYLOAD_LABEL[payload], n, pattern, z['fps'], h['fps'], o['fps'], ratio, ratio_h, o['gbps'],
                         z['p50_us'], h['p50_us'], o['p50_us'], o['p99_us'], z['rx_cpu_us'], o['rx_cpu_us'],
                         z['tx_cpu_us'], o['tx_cpu_us'], o['rss_mb'], o['delivered']), flush=True)
                out['cases'].append({'payload': payload, 'senders': n, 'pattern': pattern, 'frames_each': each,
                                     'zmq': z, 'zmq_handoff': h, 'ours': o, 'ratio': ratio, 'ratio_handoff': ratio_h,
                                     'runs': res})
    print('columns: frames/s received (median) by raw libzmq (zmq), by raw libzmq with the thread hand-offs of')
    print('our previous design (hnd: zmqbench --handoff) and by our elements (our); o/z and o/h: ours over each, in')
    print('the same run; our payload GB/s; one-way latency p50 of each and p99 of ours (sender clock in the')
    print('header to the frame consumed, us); CPU per frame (us) of the receiver (rx) and of the senders (tx, per')
    print('frame offered), raw and ours; our receiver peak RSS (MiB); deliv = our frames received / offered')
    print('(pattern 2 senders offer %s fps in all, paced, and drop by design: latest frame wins)'
          % '/'.join('%d' % OFFER[p] for p in a.payloads.split(',')))

    # Paced: one camera-like stream, where latency and idle cost show.
    paced = {impl: [] for impl in IMPLS}
    frames = 60 if a.quick else 150
    try:
        for _ in range(runs):
            for impl in IMPLS:
                got, sent = run_case(impl, 1, 'bgr640', 1, frames, BASE_PORT + 90, fps=30)
                paced[impl].append(figures(got, sent))
        z, h, o = (median_of(paced[impl]) for impl in IMPLS)
        print()
        print('paced: 1 sender, 640x480 BGR at 30 fps, pattern 1, %d frames' % frames)
        print('  latency p50/p99: zmq %.0f/%.0f us, zmq with hand-offs %.0f/%.0f us, ours %.0f/%.0f us'
              % (z['p50_us'], z['p99_us'], h['p50_us'], h['p99_us'], o['p50_us'], o['p99_us']))
        print('  receiver CPU: zmq %.2f %%, zmq with hand-offs %.2f %%, ours %.2f %% of one core (%.0f us per frame)'
              % (z['rx_cpu_pct'], h['rx_cpu_pct'], o['rx_cpu_pct'], o['rx_cpu_us']))
        out['paced'] = {'zmq': z, 'zmq_handoff': h, 'ours': o}
    except Failed as e:
        print('paced case FAILED: %s' % str(e).splitlines()[0])
    idle = idle_receiver(BASE_PORT + 60, 16, 4.0 if a.quick else 10.0)
    if idle:
        print()
        print('idle: netgearsrc with 16 bound ports and no sender, %.0f s: %.3f %% of one core (%d ticks of '
              '1/%d s), %d context switches of its threads' % idle)
        out['idle'] = dict(zip(('seconds', 'cpu_pct', 'ticks', 'hz', 'switches'), idle))
    if not a.no_montage:
        print()
        sys.stdout.flush()
        subprocess.call([sys.executable, os.path.join(HERE, 'montage.py'), '--seconds', '8' if a.quick else '20'])
    print('load average at end: %s' % ' '.join(open('/proc/loadavg').read().split()[:3]))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
