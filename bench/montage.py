#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The camera-wall case of the benchmark: 16 live senders at 640x480, 30 fps
(raw BGR, then ~20 KB JPEG), one process each (build/bench/ngbench send
--fps 30), into one netgearsrc whose 16 pads go through a compositor (4x4
tiles of 160x120) to `fakesink sync=true`, in a receiver process of its own.
Prints the output frame rate held, frames the sink dropped as late,
frames netgearsrc dropped, and the receiver's CPU and peak RSS.

    bench/montage.py [--seconds S] [--kinds raw,jpeg] [--port P]

(bench/run runs it after the table unless --no-montage.)
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get('NETGEAR_BUILD_DIR', os.path.join(HERE, '..', 'build'))
NGBENCH = os.path.join(BUILD, 'bench', 'ngbench')
N = 16
TILE_W, TILE_H = 160, 120


def receiver(ports, kind, seconds):
    """Runs in the receiver process: prints READY, then RESULT after
    `seconds` of output once every sender is there."""
    import gi
    gi.require_version('Gst', '1.0')
    from gi.repository import Gst
    Gst.init(None)
    decode = 'jpegdec ! ' if kind == 'jpeg' else ''
    branches = []
    for i, p in enumerate(ports):
        branches.append('s.src_%d ! queue max-size-buffers=2 leaky=downstream ! %svideoconvert ! videoscale ! '
                        'video/x-raw,width=%d,height=%d ! mix.sink_%d' % (p, decode, TILE_W, TILE_H, i))
    pads = ' '.join('sink_%d::xpos=%d sink_%d::ypos=%d' % (i, (i % 4) * TILE_W, i, (i // 4) * TILE_H)
                    for i in range(len(ports)))
    desc = ('netgearsrc name=s address=127.0.0.1 ports=%s timeout=0 compositor name=mix background=black %s ! '
            'video/x-raw,width=%d,height=%d,framerate=30/1 ! fakesink name=out sync=true qos=true %s'
            % (','.join(map(str, ports)), pads, 4 * TILE_W, 4 * TILE_H, ' '.join(branches)))
    pipe = Gst.parse_launch(desc)
    src, out = pipe.get_by_name('s'), pipe.get_by_name('out')
    bus = pipe.get_bus()
    pipe.set_state(Gst.State.PLAYING)
    print('READY', flush=True)

    def connected():
        st = src.get_property('stats')
        return sum(1 for p in ports if st.get_value('port-%d' % p).get_value('frames') > 0)

    def watch(until):
        """Runs the bus until until() holds; False on an error."""
        while not until():
            msg = bus.timed_pop_filtered(100 * Gst.MSECOND, Gst.MessageType.ERROR)
            if msg:
                print('ERROR', msg.parse_error()[0].message, flush=True)
                return False
        return True

    deadline = time.monotonic() + 60
    if not watch(lambda: connected() == len(ports) or time.monotonic() > deadline):
        return 1
    # Warm-up over: measure the next `seconds`.
    s0 = out.get_property('stats')
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    if not watch(lambda: time.monotonic() - t0 >= seconds):
        return 1
    s1 = out.get_property('stats')
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    dt = time.monotonic() - t0
    st = src.get_property('stats')
    src_dropped = sum(st.get_value('port-%d' % p).get_value('dropped') for p in ports)
    res = {'connected': connected(), 'seconds': dt,
           'out_fps': (s1.get_value('rendered') - s0.get_value('rendered')) / dt,
           'late_dropped': s1.get_value('dropped') - s0.get_value('dropped'),
           'src_dropped': src_dropped,
           'cpu_pct': ((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)) / dt * 100,
           'rss_mb': r1.ru_maxrss / 1024.0}
    pipe.set_state(Gst.State.NULL)
    print('RESULT', json.dumps(res), flush=True)
    return 0


def run(kind, seconds, port0):
    ports = [port0 + i for i in range(N)]
    env = dict(os.environ)
    env.setdefault('GST_PLUGIN_PATH', os.path.join(BUILD, 'gst'))
    rx = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--receiver', kind, '--ports',
                           ','.join(map(str, ports)), '--seconds', str(seconds)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    txs = []
    try:
        line = rx.stdout.readline()
        if not line.startswith('READY'):
            raise RuntimeError('receiver: %s %s' % (line, rx.stderr.read()[-1000:]))
        frames = int(30 * (seconds + 30))  # outlasts warm-up and measurement; killed after
        payload = 'jpeg20k' if kind == 'jpeg' else 'bgr640'
        for p in ports:
            txs.append(subprocess.Popen([NGBENCH, 'send', '--pattern', '1', '--port', str(p), '--payload', payload,
                                         '--frames', str(frames), '--fps', '30'],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        out, err = rx.communicate(timeout=seconds + 90)
        for line in out.splitlines():
            if line.startswith('RESULT '):
                return json.loads(line[7:])
        raise RuntimeError('receiver gave no result: %s %s' % (out[-1000:], err[-1000:]))
    finally:
        for p in txs + [rx]:
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--seconds', type=float, default=20)
    ap.add_argument('--kinds', default='raw,jpeg')
    ap.add_argument('--port', type=int, default=27600)
    ap.add_argument('--receiver')
    ap.add_argument('--ports')
    a = ap.parse_args()
    if a.receiver:
        return receiver([int(p) for p in a.ports.split(',')], a.receiver, a.seconds)
    print('montage: %d senders, 640x480 at 30 fps, pattern 1 -> netgearsrc -> compositor 4x4 (%dx%d tiles) -> '
          'fakesink sync=true, measured for %.0f s after every sender is in' % (N, TILE_W, TILE_H, a.seconds))
    for kind in a.kinds.split(','):
        try:
            r = run(kind, a.seconds, a.port)
        except Exception as e:  # report and go on with the next kind
            print('  %-4s FAILED: %s' % (kind, e))
            continue
        print('  %-4s output %.1f fps, %d late frames dropped by the sink, %d dropped by netgearsrc, receiver CPU '
              '%.0f %% of one core, peak RSS %.0f MiB (%d/%d senders in)'
              % (kind, r['out_fps'], r['late_dropped'], r['src_dropped'], r['cpu_pct'], r['rss_mb'], r['connected'],
                 N), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
