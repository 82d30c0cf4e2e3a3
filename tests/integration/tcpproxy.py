# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A TCP relay on loopback for tests: a slow link (every byte held for a
delay in each direction, so a round trip takes twice the delay) that the
test can cut (every connection through it closed at once, whatever it
still held lost with it, as a link that drops does).

    proxy = TcpProxy(listen_port, target_port, delay_s=0.05)
    proxy.start()    # listening on 127.0.0.1:listen_port
    ...
    proxy.cut()      # returns how many connections it closed
    proxy.stop()

One thread, one selector loop: it sleeps until a socket is ready, a held
chunk is due, or cut()/stop() wakes it; no busy wait. A connection's
bytes go out in order. Nothing here is about ZeroMQ: the elements see a
TCP peer that is slow, or gone."""
import collections
import os
import selectors
import socket
import threading
import time

CHUNK = 65536


class _Side:
    """One socket, and what is held for it: [(due, bytes)], in order."""

    def __init__(self, sock):
        self.sock = sock
        self.held = collections.deque()
        self.peer = None
        self.closed = False
        self.blocked = False  # its send buffer is full: wait until writable


class TcpProxy:
    def __init__(self, listen_port, target_port, delay_s=0.0, host='127.0.0.1'):
        self.listen_port, self.target_port, self.delay, self.host = listen_port, target_port, delay_s, host
        self.lock = threading.Lock()
        self.accepted = 0
        self.cuts = 0
        self._cut_requests = 0
        self._cut_done = threading.Condition(self.lock)
        self._cut_counts = []
        self._stop = False
        self._sides = []
        self._rd, self._wr = os.pipe()
        self._thread = None
        self._listener = None

    def start(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((self.host, self.listen_port))
        self._listener.listen(16)
        self._listener.setblocking(False)
        self._thread = threading.Thread(target=self._run, name='tcpproxy', daemon=True)
        self._thread.start()
        return self

    def cut(self, timeout=5):
        """Closes every connection now through the relay; returns how many
        pairs it closed (None if the relay did not answer in time)."""
        with self.lock:
            self._cut_requests += 1
            want = self._cut_requests
        os.write(self._wr, b'c')
        with self.lock:
            if not self._cut_done.wait_for(lambda: len(self._cut_counts) >= want, timeout):
                return None
            return self._cut_counts[want - 1]

    def stop(self):
        with self.lock:
            self._stop = True
        os.write(self._wr, b's')
        if self._thread:
            self._thread.join(5)
        for s in self._sides:
            s.sock.close()
        if self._listener:
            self._listener.close()
        os.close(self._rd)
        os.close(self._wr)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # the relay's thread
    def _pair(self, sel):
        try:
            a, _ = self._listener.accept()
        except BlockingIOError:
            return
        b = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            b.connect((self.host, self.target_port))
        except OSError:
            a.close()
            b.close()
            return
        for s in (a, b):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sa, sb = _Side(a), _Side(b)
        sa.peer, sb.peer = sb, sa
        self._sides += [sa, sb]
        sel.register(a, selectors.EVENT_READ, sa)
        sel.register(b, selectors.EVENT_READ, sb)
        self.accepted += 1

    def _close_pair(self, sel, side):
        for s in (side, side.peer):
            if s.closed:
                continue
            s.closed = True
            try:
                sel.unregister(s.sock)
            except (KeyError, ValueError):
                pass
            s.sock.close()
            self._sides.remove(s)

    def _run(self):
        sel = selectors.DefaultSelector()
        sel.register(self._listener, selectors.EVENT_READ, 'listen')
        sel.register(self._rd, selectors.EVENT_READ, 'wake')
        while True:
            now = time.monotonic()
            due = [s.held[0][0] for s in self._sides if s.held and not s.blocked]
            timeout = max(0.0, min(due) - now) if due else None
            for key, events in sel.select(timeout):
                if key.data == 'listen':
                    self._pair(sel)
                elif key.data == 'wake':
                    os.read(self._rd, 64)
                    with self.lock:
                        if self._stop:
                            sel.close()
                            return
                        while len(self._cut_counts) < self._cut_requests:
                            n = len(self._sides) // 2
                            for s in list(self._sides):
                                self._close_pair(sel, s)
                            self.cuts += 1
                            self._cut_counts.append(n)
                        self._cut_done.notify_all()
                else:
                    side = key.data
                    if side.closed:
                        continue
                    if events & selectors.EVENT_WRITE:
                        side.blocked = False
                        sel.modify(side.sock, selectors.EVENT_READ, side)
                    if not events & selectors.EVENT_READ:
                        continue
                    try:
                        data = side.sock.recv(CHUNK)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b''
                    if not data:
                        self._close_pair(sel, side)
                        continue
                    side.peer.held.append((time.monotonic() + self.delay, data))
            now = time.monotonic()
            for s in list(self._sides):
                while s.held and s.held[0][0] <= now and not s.closed and not s.blocked:
                    due_at, data = s.held[0]
                    try:
                        n = s.sock.send(data)
                    except (BlockingIOError, InterruptedError):
                        n = 0
                    except OSError:
                        self._close_pair(sel, s)
                        break
                    if n == 0:
                        s.blocked = True
                        sel.modify(s.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, s)
                        break
                    if n < len(data):
                        s.held[0] = (due_at, data[n:])
                        break
                    s.held.popleft()
