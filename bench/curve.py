#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""What CURVE costs: 1080p BGR frames (6.2 MB) over REQ/REP on 127.0.0.1,
without and with CURVE, through netgearsink -> netgearsrc (two gst-launch-1.0
processes) and through raw libzmq (pyzmq, two contexts, so each end has an
I/O thread of its own, a fresh frame written per send, as a camera gives).
Prints frames per second for each and the ratios: ours / raw libzmq with the
same security says what the elements cost beyond ZeroMQ and CURVE.

    bench/curve.py [--frames N] [--port P]      (default 300 frames, port 27450)

Needs the build (GST_PLUGIN_PATH is set to ../build/gst when unset) and
python3-zmq. Figures depend on the machine and what else runs.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

import zmq
import zmq.auth

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault('GST_PLUGIN_PATH', os.path.join(HERE, '..', 'build', 'gst'))
import gi  # noqa: E402

gi.require_version('Gst', '1.0')
from gi.repository import Gst  # noqa: E402

W, H = 1920, 1080
SIZE = W * H * 3


def ours(port, frames, keys, secure):
    sec = ['secure-mode=stonehouse', 'keys-dir=' + keys] if secure else []
    rx = subprocess.Popen(['gst-launch-1.0', '-q', 'netgearsrc', 'address=127.0.0.1', 'ports=%d' % port] + sec +
                          ['!', 'fakesink'])
    try:
        # Timed from the first frame reaching netgearsink to the end of
        # stream, so neither pipeline's start-up is counted.
        tx = Gst.parse_launch('videotestsrc pattern=black num-buffers=%d ! video/x-raw,format=BGR,width=%d,height=%d '
                              '! netgearsink name=sink address=127.0.0.1 port=%d sync=false wait-for-connection=true %s'
                              % (frames, W, H, port, ' '.join(sec)))
        first = []
        tx.get_by_name('sink').get_static_pad('sink').add_probe(
            Gst.PadProbeType.BUFFER, lambda pad, info: (first or first.append(time.monotonic()),
                                                        Gst.PadProbeReturn.OK)[1])
        tx.set_state(Gst.State.PLAYING)
        msg = tx.get_bus().timed_pop_filtered(300 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        end = time.monotonic()
        tx.set_state(Gst.State.NULL)
        if msg is None or msg.type != Gst.MessageType.EOS or not first:
            sys.exit('the sending pipeline failed')
        dt = end - first[0]
        rx.wait(timeout=30)
    finally:
        if rx.poll() is None:
            rx.kill()
    return frames / dt


def raw(port, frames, secure):
    ctx_rx, ctx_tx = zmq.Context(), zmq.Context()
    spub, ssec = zmq.curve_keypair()
    cpub, csec = zmq.curve_keypair()
    rep = ctx_rx.socket(zmq.REP)
    if secure:
        rep.curve_server = True
        rep.curve_secretkey, rep.curve_publickey = ssec, spub
    rep.bind('tcp://127.0.0.1:%d' % port)

    def serve():
        for _ in range(frames):
            rep.recv(copy=False)
            rep.send(b'ok')
    th = threading.Thread(target=serve)
    th.start()
    req = ctx_tx.socket(zmq.REQ)
    if secure:
        req.curve_secretkey, req.curve_publickey, req.curve_serverkey = csec, cpub, spub
    req.connect('tcp://127.0.0.1:%d' % port)
    t0 = time.monotonic()
    for _ in range(frames):
        req.send(bytearray(SIZE), copy=False)  # a fresh frame, as a source gives
        req.recv()
    dt = time.monotonic() - t0
    th.join()
    req.close(0)
    rep.close(0)
    ctx_rx.term()
    ctx_tx.term()
    return frames / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--frames', type=int, default=300)
    ap.add_argument('--port', type=int, default=27450)
    a = ap.parse_args()
    Gst.init(None)
    with tempfile.TemporaryDirectory() as keys:
        for d in ('public_keys', 'private_keys'):
            os.mkdir(os.path.join(keys, d))
        for n in ('server', 'client'):
            pub, sec = zmq.auth.create_certificates(keys, n)
            os.rename(pub, os.path.join(keys, 'public_keys', n + '.key'))
            os.rename(sec, os.path.join(keys, 'private_keys', n + '.key_secret'))
        r = {}
        for secure in (False, True):
            r['raw', secure] = raw(a.port, a.frames, secure)
            r['ours', secure] = ours(a.port + 1, a.frames, keys, secure)
    print('1080p BGR (6.2 MB) frames over REQ/REP on 127.0.0.1, %d frames each' % a.frames)
    print('%-28s %10s %10s %8s' % ('', 'plain', 'CURVE', 'CURVE/plain'))
    for who, label in (('raw', 'raw libzmq (pyzmq)'), ('ours', 'netgearsink -> netgearsrc')):
        p, c = r[who, False], r[who, True]
        print('%-28s %7.1f fps %7.1f fps %8.2f' % (label, p, c, c / p))
    print('ours / raw libzmq: plain %.2f, CURVE %.2f' % (r['ours', False] / r['raw', False],
                                                          r['ours', True] / r['raw', True]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
