#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A userspace link emulator for test_netns.py, standing in for `tc netem`
on kernels built without sch_netem. Two modes:

    linkemu.py forward --pair A:B [--pair C:D ...] --delay MS --jitter MS
                       --loss FRACTION [--seed N]

Run in a namespace of its own (the "wire") that holds the far ends of the
test's veth pairs: every Ethernet frame arriving on A is sent out of B
after a delay, and every frame arriving on B out of A, unless it is lost.
Each direction of each pair is a link of its own: a frame is dropped with
probability FRACTION (independently), otherwise held for DELAY plus a
uniform jitter in [-JITTER, +JITTER] ms, but never released before the
frame ahead of it in the same direction, so a link delays and drops but
does not reorder. One select() loop, sleeping until the next frame is due
or one arrives; no busy wait.

Frames are read and written with AF_PACKET raw sockets with PACKET_VNET_HDR:
each frame comes with its virtio-net header (checksum and segmentation
offload state: TCP over veth leaves the checksum to be completed, and may
hand over frames larger than the MTU), which goes out with it, so the
kernel finishes the frame on the way out as it would have. The test sets
gso_max_segs 1 on the endpoints so that frames are MTU-sized and loss hits
single packets; `max_frame` in the statistics shows whether it did.
Frames this process sent show up again on the sending socket as
PACKET_OUTGOING; they are ignored (PACKET_IGNORE_OUTGOING where the kernel
has it, and by packet type in any case).

Prints on stdout, one line each, flushed:
  READY                every socket is bound; frames are being forwarded
  STATS <json>         on a line "stats" on stdin, and once more at the end:
                       {"A>B": {"frames", "forwarded", "dropped", "send_errors",
                       "bytes", "max_frame"}, ...}, counted since the start
  DONE                 the end: a line "stop" on stdin, stdin closing, SIGTERM

    linkemu.py rtt --host H --port P [--count N] [--timeout S]

Measures round trips as the time a TCP connect to a closed port takes to be
refused (SYN out, RST back). Prints "RTT <ms>" per answered attempt, "LOST"
per attempt that timed out, then "DONE". Used before the elements start, to
show that the links carry packets and that the delay is in effect.
"""
import argparse
import collections
import errno
import json
import os
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
SO_SNDBUFFORCE = 32
VNET_HDR_LEN = 10


def say(*parts):
    print(' '.join(str(p) for p in parts), flush=True)


def open_if(name):
    # Protocol 0 at creation: no frame is queued until bind() names the
    # interface (ETH_P_ALL at creation would take every interface's frames
    # until then).
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    try:
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    except OSError:
        pass  # before Linux 4.20: filtered by packet type below
    for opt, std in ((SO_RCVBUFFORCE, socket.SO_RCVBUF), (SO_SNDBUFFORCE, socket.SO_SNDBUF)):
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, 4 << 20)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, std, 4 << 20)
    s.bind((name, ETH_P_ALL))
    s.setblocking(False)
    return s


class Direction:
    def __init__(self, name, out):
        self.name = name
        self.out = out
        self.queue = collections.deque()  # (due, frame), due non-decreasing
        self.last_due = 0.0
        self.stats = {'frames': 0, 'forwarded': 0, 'dropped': 0, 'send_errors': 0, 'bytes': 0, 'max_frame': 0}


def forward(a):
    rng = random.Random(a.seed)
    delay = a.delay / 1000.0
    jitter = a.jitter / 1000.0
    socks = {}
    directions = {}  # receiving socket fd -> Direction
    order = []
    for pair in a.pair:
        x, y = pair.split(':')
        for n in (x, y):
            if n not in socks:
                socks[n] = open_if(n)
        dx = Direction('%s>%s' % (x, y), socks[y])
        dy = Direction('%s>%s' % (y, x), socks[x])
        directions[socks[x].fileno()] = dx
        directions[socks[y].fileno()] = dy
        order += [dx, dy]
    by_fd = {s.fileno(): s for s in socks.values()}

    stop = [False]
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)

    def on_term(*_):
        stop[0] = True
        try:
            os.write(wake_w, b'x')
        except OSError:
            pass
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    def stats():
        say('STATS', json.dumps({d.name: d.stats for d in order}, sort_keys=True))

    say('READY')
    stdin_fd = sys.stdin.fileno()
    watch = list(by_fd) + [stdin_fd, wake_r]
    stdin_buf = b''
    while not stop[0]:
        now = time.monotonic()
        # Release every frame that is due.
        next_due = None
        for d in order:
            q = d.queue
            while q and q[0][0] <= now:
                _, frame = q.popleft()
                try:
                    d.out.send(frame)
                    d.stats['forwarded'] += 1
                except OSError:
                    d.stats['send_errors'] += 1
            if q and (next_due is None or q[0][0] < next_due):
                next_due = q[0][0]
        timeout = None if next_due is None else max(0.0, next_due - time.monotonic())
        try:
            readable, _, _ = select.select(watch, [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd in readable:
            if fd == wake_r:
                os.read(wake_r, 64)
                continue
            if fd == stdin_fd:
                chunk = os.read(stdin_fd, 4096)
                if not chunk:
                    stop[0] = True
                    break
                stdin_buf += chunk
                while b'\n' in stdin_buf:
                    line, stdin_buf = stdin_buf.split(b'\n', 1)
                    cmd = line.strip()
                    if cmd == b'stats':
                        stats()
                    elif cmd == b'stop':
                        stop[0] = True
                continue
            s = by_fd[fd]
            d = directions[fd]
            # Every frame queued on this socket now, then back to select().
            while True:
                try:
                    frame, addr = s.recvfrom(65536 + VNET_HDR_LEN)
                except BlockingIOError:
                    break
                except OSError as e:
                    if e.errno in (errno.ENETDOWN, errno.ENXIO):
                        break
                    raise
                if addr[2] == PACKET_OUTGOING:
                    continue
                st = d.stats
                st['frames'] += 1
                size = len(frame) - VNET_HDR_LEN
                st['bytes'] += size
                if size > st['max_frame']:
                    st['max_frame'] = size
                if rng.random() < a.loss:
                    st['dropped'] += 1
                    continue
                due = max(now + delay + rng.uniform(-jitter, jitter), d.last_due)
                d.last_due = due
                d.queue.append((due, frame))
    stats()
    say('DONE')
    return 0


def rtt(a):
    for _ in range(a.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(a.timeout)
        t0 = time.monotonic()
        try:
            s.connect((a.host, a.port))
            say('CONNECTED')  # something listens there: not a closed port
        except ConnectionRefusedError:
            say('RTT', '%.1f' % ((time.monotonic() - t0) * 1000))
        except (socket.timeout, OSError):
            say('LOST')
        finally:
            s.close()
    say('DONE')
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='mode', required=True)
    f = sub.add_parser('forward')
    f.add_argument('--pair', action='append', required=True, help='IF_A:IF_B, both directions')
    f.add_argument('--delay', type=float, default=25.0, help='ms, each direction')
    f.add_argument('--jitter', type=float, default=5.0, help='ms, uniform +-')
    f.add_argument('--loss', type=float, default=0.01, help='fraction of frames dropped, each direction')
    f.add_argument('--seed', type=int)
    r = sub.add_parser('rtt')
    r.add_argument('--host', required=True)
    r.add_argument('--port', type=int, required=True)
    r.add_argument('--count', type=int, default=5)
    r.add_argument('--timeout', type=float, default=3.0)
    a = ap.parse_args()
    return forward(a) if a.mode == 'forward' else rtt(a)


if __name__ == '__main__':
    sys.exit(main())
