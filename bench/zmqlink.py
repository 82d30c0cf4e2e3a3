#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Raw libzmq (pyzmq) over a slow link, bench/slowlink.py's baseline: a
paced camera's frames acknowledged one by one, with what ZeroMQ alone
offers and nothing of NetGear's protocol.

    zmqlink.py recv --port P [--timeout S]
    zmqlink.py send --address A --port P --window N --fps F --frames K --size BYTES

recv binds a REP socket and answers every message; send paces K messages
of BYTES bytes at F per second: with --window 1 over a REQ socket (one in
flight, NetGear's way), with more over a DEALER that keeps up to N
unanswered (empty delimiter first, as a REQ would), waiting only when N
are out. Each message starts with its number (8 bytes, little-endian);
number 2**64-1 is the end.

recv prints "READY", then "FRAME <seq> <time.monotonic()>" per message and
"END" at the end; send prints "SENT <k> ACKED <k>" at the end."""
import argparse
import collections
import struct
import sys
import time

import zmq

END = 2 ** 64 - 1


def say(*parts):
    print(' '.join(str(p) for p in parts), flush=True)


def recv(a):
    ctx = zmq.Context()
    s = ctx.socket(zmq.REP)
    s.setsockopt(zmq.LINGER, 0)
    s.bind('tcp://0.0.0.0:%d' % a.port)
    say('READY')
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        if not poller.poll(200):
            continue
        parts = s.recv_multipart()
        s.send(b'ok')
        (seq,) = struct.unpack('<Q', parts[0][:8])
        if seq == END:
            say('END')
            break
        say('FRAME', seq, '%.6f' % time.monotonic())
    s.close()
    ctx.term()


def send(a):
    ctx = zmq.Context()
    window = a.window
    s = ctx.socket(zmq.REQ if window == 1 else zmq.DEALER)
    s.setsockopt(zmq.LINGER, 1000)
    s.connect('tcp://%s:%d' % (a.address, a.port))
    payload = bytes(a.size)
    out = collections.deque()
    sent = acked = 0

    def take(timeout_ms):
        nonlocal acked
        if s.poll(timeout_ms, zmq.POLLIN):
            s.recv_multipart()
            out.popleft()
            acked += 1
            return True
        return False

    def put(seq):
        nonlocal sent
        head = [struct.pack('<Q', seq)]
        body = head + ([payload] if seq != END else [])
        s.send_multipart(body if window == 1 else [b''] + body)
        out.append(seq)
        sent += 1

    t0 = time.monotonic()
    for k in range(a.frames):
        due = t0 + k / a.fps
        while True:
            now = time.monotonic()
            if now >= due and len(out) < window:
                break
            # Replies as they come; the next frame when it is due.
            wait = max(0.0, due - now) if len(out) < window else 10.0
            if out:
                take(int(wait * 1000) + 1)
            else:
                time.sleep(wait)
        put(k)
    while out:
        if not take(10000):
            break
    put(END)
    take(10000)
    say('SENT', sent, 'ACKED', acked)
    s.close()
    ctx.term()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='mode', required=True)
    r = sub.add_parser('recv')
    r.add_argument('--port', type=int, required=True)
    r.add_argument('--timeout', type=float, default=120)
    s = sub.add_parser('send')
    s.add_argument('--address', required=True)
    s.add_argument('--port', type=int, required=True)
    s.add_argument('--window', type=int, default=1)
    s.add_argument('--fps', type=float, default=30)
    s.add_argument('--frames', type=int, required=True)
    s.add_argument('--size', type=int, required=True)
    a = ap.parse_args()
    return recv(a) if a.mode == 'recv' else send(a)


if __name__ == '__main__':
    sys.exit(main())
