#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""pynetgear: a NetGear peer in Python, written from docs/protocol.md and the
vectors captured from vidgear in tests/data/vectors only, without looking at
vidgear's code or ours, to stand in for vidgear 0.3.5's NetGear (multi-server mode) in
the interop tests.

Module API (mirrors NetGear(multiserver_mode=True)):
  Server(address, port, pattern, bidirectional, jpeg, request_timeout, max_retries)
      NetGear(receive_mode=False): REQ (pattern 1) or PUB (pattern 2) that
      connects; send(frame, message) / close().
  Client(address, ports, pattern, bidirectional, request_timeout)
      NetGear(receive_mode=True): ONE REP or SUB socket bound to every port;
      recv(return_data) / close().
The bytes are built by FrameEncoder (sender side), Receiver (receiver side,
no sockets) and decode_frame(); the sockets path and the selftest share them.

Faithful on purpose (the tests need vidgear's behaviour, warts included):
the sender identity is the header's self-declared "port" (5577 and "5577"
are two senders); one sticky bidirectional reply value shared by all
senders; a terminate from a port that never sent a frame gets no reply,
which wedges the REP socket until the receive timeout; a pattern-2
terminate is sent and the PUB closed at once with linger 0 (often lost);
a reply timeout costs a retry for the sender's lifetime and the timed-out
frame is not re-sent.

Deliberate deviations from vidgear:
- Client.recv() is synchronous and polls (no receive thread, no busy loop);
  on a receive timeout it returns None (timed_out) instead of re-binding.
- recv() always returns (port, message, frame); vidgear drops a falsy message.
- A message vidgear's receive thread would die on raises DecodeError.
- JPEG goes through Pillow, not simplejpeg: 4:2:2 for colour, the header's
  dct/ups flags are only carried (Pillow has no fast-DCT/upsample switches).
- Pattern 2 also gives up after 3 x request_timeout without a message
  (vidgear's SUB waits for ever), so that a test never hangs.
- vidgear's client queues frames on a thread and recv() stops handing them
  out once every sender has terminated, so an application can miss the
  last frames it acknowledged; this one hands out every frame.
- A vidgear client JPEG-compresses an array return_data when simplejpeg is
  installed; this one always sends the array raw.
- In pattern 2 vidgear's close() loses its terminate when a frame is still
  queued (HWM 1): a test closes a --hold server only once its last frame
  has arrived, the idle moment vidgear users give it.

Command line (one line per event on stdout, flushed; see --help):
  server: READY, SENT <n> <digest> <message-json>, REPLY <n> <json> |
          REPLY <n> ndarray <dtype> <shape-json> <digest>, RETRY <n>, HOLDING,
          CLOSED <ack-json|null>, ERROR <text> (exit 1)
  client: LISTENING, FRAME port=.. n=.. seq=.. dtype=.. shape=.. compression=..
          digest=.. decoded=.. mean=.. reply=.. message=..,
          TERMINATED port=.., IGNORED-TERMINATE port=.., ALL-TERMINATED (exit 0),
          MAX-FRAMES (exit 0), TIMEOUT (exit 2), RECV-TIMEOUT (exit 3),
          DECODE-ERROR <text> (exit 4), ERROR <text> (exit 1)
  selftest --vectors DIR: TAP against the captured vectors (no sockets).
SIGINT/SIGTERM: sockets closed with linger 0, exit 128+signal.
"""
import argparse
import ast
import importlib.util
import io
import json
import math
import os
import random
import re
import signal
import string
import sys
import threading
import time

import numpy as np
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngframes  # noqa: E402

TERMINATE_ACK = b'Termination signal successfully received at client!'
JPEG_DEFAULTS = {'colorspace': 'BGR', 'quality': 90, 'fastdct': True, 'fastupsample': False}


class DecodeError(Exception):
    """A message that kills a vidgear receiver's thread."""


def _dumps(obj):
    # Python's json defaults are the wire format: ", " / ": " separators,
    # \uXXXX escapes, bare NaN, dict insertion order as key order.
    return json.dumps(obj).encode()


def _check_mode(pattern, bidirectional):
    # NetGear refuses these in multi-server mode (spec section 1).
    if pattern not in (1, 2):
        raise ValueError('pattern %r is not supported in multi-server mode' % (pattern,))
    if bidirectional and pattern == 2:
        raise ValueError('bidirectional mode needs pattern 1')


# ---- JPEG (Pillow imported only here, so raw frames work without it) ----

def jpeg_encode(frame, colorspace, quality):
    from PIL import Image
    if frame.dtype != np.uint8:
        raise ValueError('JPEG needs uint8 frames, not %s' % frame.dtype)
    if colorspace == 'GRAY':
        if frame.ndim == 3 and frame.shape[2] == 1:
            frame = frame[:, :, 0]
        if frame.ndim != 2:
            raise ValueError('GRAY JPEG needs a [h, w] or [h, w, 1] frame, got %s' % (frame.shape,))
        img, extra = Image.fromarray(np.ascontiguousarray(frame)), {}
    elif colorspace in ('BGR', 'RGB'):
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError('%s JPEG needs a [h, w, 3] frame, got %s' % (colorspace, frame.shape))
        rgb = frame[:, :, ::-1] if colorspace == 'BGR' else frame
        img, extra = Image.fromarray(np.ascontiguousarray(rgb)), {'subsampling': 1}  # 4:2:2
    else:
        raise ValueError('unsupported JPEG colorspace %r' % (colorspace,))
    out = io.BytesIO()
    img.save(out, format='JPEG', quality=quality, **extra)
    return out.getvalue()


def jpeg_decode(data, colorspace):
    from PIL import Image
    img = Image.open(io.BytesIO(data))
    if colorspace == 'GRAY':
        return np.asarray(img.convert('L'))
    rgb = np.asarray(img.convert('RGB'))
    if colorspace == 'BGR':
        return np.ascontiguousarray(rgb[:, :, ::-1])
    if colorspace == 'RGB':
        return rgb
    raise ValueError('unsupported JPEG colorspace %r' % (colorspace,))


# ---- the bytes: sender side ----

class FrameEncoder:
    """The messages a NetGear server writes, without sockets."""

    def __init__(self, port, pattern, jpeg=None):
        self.port, self.pattern = port, pattern
        self.jpeg = None if jpeg is None else {**JPEG_DEFAULTS, **jpeg}

    def header(self, frame, message=None):
        if isinstance(message, np.ndarray):
            message = None  # NetGear refuses an array as message and sends null
        comp = False
        if self.jpeg:
            comp = {'dct': self.jpeg['fastdct'], 'ups': self.jpeg['fastupsample'],
                    'colorspace': self.jpeg['colorspace']}
        return _dumps({'port': self.port, 'terminate_flag': False, 'compression': comp,
                       'message': message, 'pattern': str(self.pattern),
                       'dtype': '' if self.jpeg else str(frame.dtype),
                       'shape': '' if self.jpeg else list(frame.shape)})

    def payload(self, frame):
        if self.jpeg:
            return jpeg_encode(frame, self.jpeg['colorspace'], self.jpeg['quality'])
        return np.ascontiguousarray(frame).tobytes()

    def frame_parts(self, frame, message=None):
        return [self.header(frame, message), self.payload(frame)]

    def terminate(self):
        return [_dumps({'terminate_flag': True, 'port': self.port})]


def parse_reply(parts, bidirectional):
    """What Server.send() returns for a pattern-1 reply."""
    if not bidirectional:
        return None  # plain mode: any reply will do, content ignored
    head = json.loads(parts[0])
    # Keys indexed as vidgear indexes them: a missing one raises.
    if head['return_type'] == 'ndarray':
        if head['compression']:
            return jpeg_decode(parts[1], head['compression']['colorspace'])
        return np.frombuffer(parts[1], dtype=head['array_dtype']).reshape(head['array_shape'])
    return head['data']


# ---- the bytes: receiver side ----

class Incoming:
    def __init__(self, kind, header, port, payload=None, reply=None, reply_value=None, known=False):
        self.kind, self.header, self.port, self.payload = kind, header, port, payload
        self.reply, self.reply_value, self.known = reply, reply_value, known


class Receiver:
    """A NetGear client's handling of one message, without sockets: which
    reply it writes and how it tracks senders."""

    FRAME_KEYS = ('port', 'compression', 'message', 'dtype', 'shape')

    def __init__(self, pattern=1, bidirectional=False, device_id=None):
        self.pattern, self.bidirectional = pattern, bidirectional
        self.device_id = device_id or ''.join(random.choices(string.ascii_uppercase, k=8))
        self.return_data = None  # sticky, shared by every sender (spec 6.6)
        self.ports = []  # header port values, compared with == as vidgear's list does
        # vidgear's client stops on any terminate that leaves no known
        # sender, also one from a port it never saw while it knows none.
        self.all_terminated = False

    def reply_parts(self):
        if not self.bidirectional:
            return [('Data received on device: %s !' % self.device_id).encode()]
        value = self.return_data
        if isinstance(value, np.ndarray):
            head = {'return_type': 'ndarray', 'compression': False, 'array_dtype': str(value.dtype),
                    'array_shape': list(value.shape), 'data': None}
            return [_dumps(head), np.ascontiguousarray(value).tobytes()]
        return [_dumps({'return_type': type(value).__name__, 'data': value})]

    def accept(self, parts):
        try:
            header = json.loads(parts[0])
            terminate = header['terminate_flag']
            port = header['port']
        except (ValueError, KeyError, TypeError, IndexError) as e:
            raise DecodeError('unusable header: %s: %s' % (type(e).__name__, e)) from e
        if terminate:
            # vidgear reads a terminate as one part; more would desync it.
            if len(parts) != 1:
                raise DecodeError('port %s: terminate of %d parts' % (json.dumps(port), len(parts)))
            known = port in self.ports
            if known:
                self.ports.remove(port)
            # An unknown port gets no reply: vidgear's real behaviour (spec 6.2).
            reply = [TERMINATE_ACK] if known and self.pattern == 1 else None
            if not self.ports:
                self.all_terminated = True
            return Incoming('terminate', header, port, reply=reply, known=known)
        missing = [k for k in self.FRAME_KEYS if k not in header]
        if missing or len(parts) != 2:
            raise DecodeError('port %s: frame with %s' % (json.dumps(port), 'no %s' % missing if missing
                                                           else '%d parts, not 2' % len(parts)))
        reply = value = None
        if self.pattern == 1:
            reply = self.reply_parts()  # at once, before decoding, as NetGear does
            value = self.return_data if self.bidirectional else reply[0]
        if port not in self.ports:
            self.ports.append(port)
        return Incoming('frame', header, port, parts[1], reply, value)


def decode_frame(header, payload):
    comp = header['compression']
    try:
        if comp:
            return jpeg_decode(payload, comp['colorspace'])
        return np.frombuffer(payload, dtype=header['dtype']).reshape(header['shape'])
    except ImportError:
        raise
    except Exception as e:
        raise DecodeError('port %s: %d-byte payload does not decode as dtype %s shape %s (%s)'
                          % (json.dumps(header['port']), len(payload), json.dumps(header['dtype']),
                             json.dumps(header['shape']), e)) from e


# ---- sockets ----

def _drop(peer):
    """Close a peer's socket without waiting (linger 0, as NetGear) and its
    context."""
    if peer.sock is not None:
        peer.sock.close(linger=0)
        peer.sock = None
    if not peer.ctx.closed:
        peer.ctx.term()


class Server:
    """vidgear NetGear(receive_mode=False, multiserver_mode=True)."""

    def __init__(self, address, port, pattern=1, bidirectional=False, jpeg=None,
                 request_timeout=4000, max_retries=3):
        _check_mode(pattern, bidirectional)
        self.pattern, self.bidirectional = pattern, bidirectional
        self.request_timeout, self.retries = request_timeout, max_retries
        self.encoder = FrameEncoder(port, pattern, jpeg)
        self.endpoint = 'tcp://%s:%s' % (address, port)
        self.timed_out = False
        self.last_payload = None
        self.ctx = zmq.Context()
        self.sock = self._open()

    def _open(self):
        if self.pattern == 1:
            sock = self.ctx.socket(zmq.REQ)
            sock.setsockopt(zmq.REQ_RELAXED, 1)
            sock.setsockopt(zmq.REQ_CORRELATE, 1)
        else:
            sock = self.ctx.socket(zmq.PUB)
            sock.setsockopt(zmq.SNDHWM, 1)
            sock.setsockopt(zmq.RCVHWM, 1)
        sock.connect(self.endpoint)
        return sock

    def send(self, frame, message=None):
        if self.sock is None:
            raise RuntimeError('Client(s) seems to be offline')
        parts = self.encoder.frame_parts(frame, message)
        self.last_payload, self.timed_out = parts[1], False
        self.sock.send_multipart(parts)
        if self.pattern == 2:
            return None
        if self.sock.poll(self.request_timeout, zmq.POLLIN):
            return parse_reply(self.sock.recv_multipart(), self.bidirectional)
        # As NetGear: drop the socket and its pending request, connect afresh, count
        # a retry for the lifetime of the sender; the frame is not sent again.
        self.timed_out = True
        self.sock.close(linger=0)
        self.sock = None
        self.retries -= 1
        if self.retries <= 0:
            raise RuntimeError('Client(s) seems to be offline')
        self.sock = self._open()
        return None

    def close(self):
        """Send the terminate; return the acknowledgement (bytes) or None."""
        ack = None
        try:
            if self.sock is not None:  # None: retries used up, nothing to say
                self.sock.send_multipart(self.encoder.terminate())
                if self.pattern == 1 and self.sock.poll(self.request_timeout // 5, zmq.POLLIN):
                    ack = self.sock.recv_multipart()[0]
        finally:
            self.abort()
        return ack

    def abort(self):
        _drop(self)


class Client:
    """vidgear NetGear(receive_mode=True, multiserver_mode=True): one socket
    bound to every port."""

    def __init__(self, address, ports, pattern=1, bidirectional=False, request_timeout=4000,
                 on_terminate=None):
        _check_mode(pattern, bidirectional)
        self.pattern, self.request_timeout, self.on_terminate = pattern, request_timeout, on_terminate
        self.core = Receiver(pattern, bidirectional)
        self.timed_out = self.deadline_passed = self.all_terminated = False
        self.last_header = self.last_payload = self.last_reply = self.last_reply_parts = None
        self.last_terminated = None  # (port, was tracked)
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.REP if pattern == 1 else zmq.SUB)
        if pattern == 2:
            self.sock.setsockopt(zmq.RCVHWM, 1)
            self.sock.setsockopt(zmq.SNDHWM, 1)
            self.sock.setsockopt(zmq.SUBSCRIBE, b'')
        try:
            for port in ports:
                self.sock.bind('tcp://%s:%s' % (address, port))
        except BaseException:
            self.close()
            raise

    def recv(self, return_data=None, deadline=None):
        """Next frame as (port, message, frame), or None: timed_out (no message
        for 3*request_timeout), deadline_passed (monotonic `deadline`) or
        all_terminated. Raises DecodeError where vidgear's thread dies."""
        if return_data is not None:
            self.core.return_data = return_data
        self.timed_out = self.deadline_passed = False
        while True:
            wait, limited = 3 * self.request_timeout, False
            if deadline is not None:
                left = max(0.0, (deadline - time.monotonic()) * 1000)
                if left < wait:
                    wait, limited = left, True
            # A REP wedged by an unanswered terminate never polls readable: that
            # is the freeze of spec 6.2, ending here in a timeout.
            if not self.sock.poll(int(math.ceil(wait)), zmq.POLLIN):
                if limited:
                    self.deadline_passed = True
                else:
                    self.timed_out = True
                return None
            inc = self.core.accept(self.sock.recv_multipart())
            if inc.reply is not None:
                self.sock.send_multipart(inc.reply)
            if inc.kind == 'terminate':
                self.last_terminated = (inc.port, inc.known)
                if self.on_terminate:
                    self.on_terminate(inc.port, inc.known)
                if self.core.all_terminated:
                    self.all_terminated = True
                    return None
                continue
            self.last_header, self.last_payload = inc.header, inc.payload
            self.last_reply, self.last_reply_parts = inc.reply_value, inc.reply
            return inc.port, inc.header['message'], decode_frame(inc.header, inc.payload)

    def close(self):
        _drop(self)


# ---- command line ----

_out = threading.Lock()


def say(*parts):
    with _out:
        print(' '.join(str(p) for p in parts), flush=True)


class _Interrupted(BaseException):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, _frame):
    raise _Interrupted(signum)


def make_frame(fmt, width, height, index, n):
    if fmt == 'jpeg-bgr':
        return np.full((height, width, 3), ngframes.solid_bgr(index, n), np.uint8)
    if fmt == 'jpeg-gray':
        return np.full((height, width), ngframes.solid_gray(index, n), np.uint8)
    shape, dtype = {'bgr': ((height, width, 3), np.uint8), 'gray': ((height, width), np.uint8),
                    'gray3': ((height, width, 1), np.uint8), 'uint16': ((height, width), np.uint16)}[fmt]
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    return np.frombuffer(ngframes.content(nbytes, index, n), dtype).reshape(shape)


def run_server(a):
    messages = json.loads(a.messages) if a.messages is not None else None
    if messages is not None and (not isinstance(messages, list) or not messages):
        raise ValueError('--messages must be a non-empty JSON list')
    jpeg = None
    if a.format.startswith('jpeg-'):
        jpeg = {'colorspace': 'BGR' if a.format == 'jpeg-bgr' else 'GRAY'}
    server = Server(a.address, str(a.port) if a.port_as_string else a.port, a.pattern,
                    a.bidirectional, jpeg, a.request_timeout, a.max_retries)
    try:
        say('READY')
        start = time.monotonic()
        for n in range(a.frames):
            if a.fps > 0:
                # A camera's clock: the rate asked for is the point of the
                # wait, no other process is waited on.
                delay = start + n / a.fps - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            message = messages[n % len(messages)] if messages is not None else None
            try:
                data = server.send(make_frame(a.format, a.width, a.height, a.index, n), message)
            except RuntimeError:
                if server.timed_out:
                    say('RETRY', n)
                raise
            say('SENT', n, ngframes.digest(server.last_payload), json.dumps(message))
            if server.timed_out:
                say('RETRY', n)
            elif a.bidirectional and isinstance(data, np.ndarray):
                say('REPLY', n, 'ndarray', data.dtype, json.dumps(list(data.shape)),
                    ngframes.digest(np.ascontiguousarray(data).tobytes()))
            elif a.bidirectional:
                say('REPLY', n, json.dumps(data))
        if a.hold:
            say('HOLDING')
            sys.stdin.readline()
        ack = server.close()
        say('CLOSED', 'null' if ack is None else json.dumps(ack.decode('utf-8', 'replace')))
        return 0
    finally:
        server.abort()


def _means(frame):
    f = np.asarray(frame, dtype=np.float64)
    values = f.reshape(-1, f.shape[2]).mean(axis=0) if f.ndim == 3 else [f.mean()]
    return ','.join('%.1f' % v for v in values)


def run_client(a):
    compact = {'separators': (',', ':')}

    def on_terminate(port, known):
        say('TERMINATED' if known else 'IGNORED-TERMINATE', 'port=%s' % json.dumps(port))

    ports = [int(p) for p in a.ports.split(',') if p]
    client = Client(a.address, ports, a.pattern, a.bidirectional, a.request_timeout, on_terminate)
    try:
        say('LISTENING')
        deadline = time.monotonic() + a.exit_after_seconds
        return_data = json.loads(a.reply) if a.reply_mode == 'fixed' else None
        counts, total = [], 0  # [port, frames] pairs: == comparison, as the tracking
        while True:
            try:
                got = client.recv(return_data, deadline=deadline)
            except DecodeError as e:
                say('DECODE-ERROR', str(e).replace('\n', ' '))
                return 4
            return_data = None
            if got is None:
                if client.all_terminated:
                    say('ALL-TERMINATED')
                    return 0
                say('TIMEOUT' if client.deadline_passed else 'RECV-TIMEOUT')
                return 2 if client.deadline_passed else 3
            port, message, frame = got
            entry = next((e for e in counts if e[0] == port), None)
            if entry is None:
                entry = [port, 0]
                counts.append(entry)
            n, entry[1] = entry[1], entry[1] + 1
            h = client.last_header
            gst = h.get('gst')
            seq = gst.get('seq') if isinstance(gst, dict) else None
            seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else -1
            if a.pattern != 1 or not a.bidirectional:
                reply = '-'
            elif isinstance(client.last_reply, np.ndarray):
                reply = 'ndarray:' + ngframes.digest(client.last_reply_parts[1])
            else:
                reply = json.dumps(client.last_reply, **compact)
            say('FRAME port=%s n=%d seq=%d dtype=%s shape=%s compression=%s digest=%s decoded=%s '
                'mean=%s reply=%s message=%s'
                % (json.dumps(port), n, seq, h['dtype'] or '-',
                   '-' if h['shape'] == '' else json.dumps(h['shape'], **compact),
                   json.dumps(h['compression'], **compact), ngframes.digest(client.last_payload),
                   ','.join(str(d) for d in frame.shape), _means(frame), reply, json.dumps(message)))
            total += 1
            if a.reply_mode == 'echo':
                return_data = {'after': [port, n], 'message': message}
            elif a.reply_mode == 'ndarray':
                return_data = np.frombuffer(ngframes.content(10, 200 + int(port) % 50, n),
                                            np.uint8).reshape(2, 5)
            if a.max_frames and total >= a.max_frames:
                say('MAX-FRAMES')
                return 0
    finally:
        client.close()


# ---- selftest against the captured vectors ----

_GENERATION = re.compile(r'\(np\.arange\((\d+)\)(?: \* (\d+))?(?: \+ (\d+))?(?: % (\d+))?\)'
                         r'\.astype\(np\.(\w+)\)\.reshape\(([\d, ]+)\)')


def _vector(vdir, name):
    path = os.path.join(vdir, name)
    with open(os.path.join(path, 'vector.json'), encoding='utf-8') as f:
        meta = json.load(f)
    parts = []
    while os.path.exists(os.path.join(path, 'part%d.bin' % len(parts))):
        with open(os.path.join(path, 'part%d.bin' % len(parts)), 'rb') as f:
            parts.append(f.read())
    return meta, parts


def _vector_frame(desc):
    # The generation text is read as data (a known expression shape), not eval'd.
    m = _GENERATION.match(desc['generation'])
    if not m:
        raise ValueError('unknown frame generation %r' % desc['generation'])
    count, mul, add, mod, dtype, shape = m.groups()
    values = np.arange(int(count)) * int(mul or 1) + int(add or 0)
    if mod:
        values = values % int(mod)
    frame = values.astype(dtype).reshape([int(x) for x in shape.split(',')])
    if str(frame.dtype) != desc['dtype'] or list(frame.shape) != desc['shape']:
        raise ValueError('generation disagrees with dtype/shape in %r' % desc)
    return frame


def _vector_ctor(meta):
    m = re.search(r'NetGear\(([^()]*)\)', meta['produced_by'])
    call = ast.parse('f(%s)' % m.group(1), mode='eval').body
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords}


def _vector_jpeg(meta, ctor):
    # JPEG is NetGear's default whenever simplejpeg imports; only those runs had it.
    setting = ctor.get('jpeg_compression', 'simplejpeg' in meta['produced_by'])
    if setting is False:
        return None
    return {'colorspace': setting if isinstance(setting, str) else 'BGR',
            'quality': ctor.get('jpeg_compression_quality', 90),
            'fastdct': ctor.get('jpeg_compression_fastdct', True),
            'fastupsample': ctor.get('jpeg_compression_fastupsample', False)}


def _vector_message(meta):
    m = re.search(r'message=(.*)\)\s*$', meta.get('message_arg', ''))
    if not m:
        return None  # "omitted"
    return float('nan') if m.group(1) == "float('nan')" else ast.literal_eval(m.group(1))


def selftest(a):
    results = []

    def check(ok, text):
        results.append(bool(ok))
        say('%s %d - %s' % ('ok' if ok else 'not ok', len(results), text))

    def attempt(text, fn, needs_pil=False):
        if needs_pil and importlib.util.find_spec('PIL') is None:
            check(True, '%s # SKIP Pillow is not installed' % text)
            return
        try:
            check(fn(), text)
        except Exception as e:
            check(False, '%s (%s: %s)' % (text, type(e).__name__, e))

    names = sorted(d for d in os.listdir(a.vectors) if os.path.isfile(os.path.join(a.vectors, d, 'vector.json')))
    vectors = {name: _vector(a.vectors, name) for name in names}
    for name in names:
        meta, parts = vectors[name]
        if meta['direction'] == 'sender->receiver':
            ctor = _vector_ctor(meta)
            jpeg = _vector_jpeg(meta, ctor)
            enc = FrameEncoder(ctor['port'], meta['pattern'], jpeg)
            if meta['frame'] is None:
                attempt('%s: terminate bytes' % name, lambda: enc.terminate() == parts)
                continue
            frame, message = _vector_frame(meta['frame']), _vector_message(meta)
            wire = parts[-2:]  # the ROUTER capture leads with the REQ envelope
            attempt('%s: header bytes' % name, lambda: enc.header(frame, message) == wire[0])
            if jpeg:
                # Part 1 came from a cv2 stand-in: not comparable, but it must decode.
                def decodes_jpeg():
                    inc = Receiver(meta['pattern']).accept(wire)
                    got = decode_frame(inc.header, inc.payload)
                    return got.shape == frame.shape and np.abs(got.astype(int) - frame).max() <= 6
                attempt('%s: receiver decodes the JPEG close to the frame' % name, decodes_jpeg, True)
                continue
            attempt('%s: payload bytes' % name, lambda: enc.payload(frame) == wire[1])

            def decodes():
                inc = Receiver(meta['pattern']).accept(wire)
                got = decode_frame(inc.header, inc.payload)
                same_msg = json.dumps(inc.header['message']) == json.dumps(message)
                return (inc.port == ctor['port'] and type(inc.port) is type(ctor['port']) and same_msg
                        and got.dtype == frame.dtype and got.shape == frame.shape and np.array_equal(got, frame))
            attempt('%s: receiver decodes port, message and frame' % name, decodes)
        elif meta['direction'].startswith('receiver->sender'):
            req_meta, req_parts = vectors[meta['answers']['request_vector']]
            core = Receiver(1, meta['bidirectional'])
            if req_meta['frame'] is None:
                # A terminate is only acknowledged from a port that sent a frame.
                port = _vector_ctor(req_meta)['port']
                core.accept(FrameEncoder(port, 1).frame_parts(np.zeros((4, 6, 3), np.uint8)))
                attempt('%s: terminate reply bytes' % name, lambda: core.accept(req_parts).reply == parts)
                continue
            m = re.search(r'return_data=(.*)$', meta['summary'])
            if m:
                core.return_data = (_vector_frame(meta['frame']) if m.group(1).startswith('ndarray')
                                    else ast.literal_eval(m.group(1)))
            reply = core.accept(req_parts).reply
            if not meta['bidirectional']:
                # The 8-character id is random per client: both must fit the pattern.
                plain = re.compile(rb'Data received on device: [A-Z0-9]{8} !')
                attempt('%s: plain reply pattern' % name, lambda: len(reply) == len(parts) == 1
                        and plain.fullmatch(reply[0]) and plain.fullmatch(parts[0]))
                continue
            attempt('%s: reply bytes' % name, lambda: reply == parts)

            def round_trip():
                back = parse_reply(parts, True)
                if isinstance(core.return_data, np.ndarray):
                    return np.array_equal(back, core.return_data) and back.dtype == core.return_data.dtype
                return back == core.return_data
            attempt('%s: sender parses the reply back' % name, round_trip)

    base = 'ms-p1-bgr-msg-omitted'
    meta, parts = vectors[base]
    head = json.loads(parts[0])

    def refuses(header, payload):
        try:
            decode_frame(header, payload)
        except DecodeError:
            return True
        return False
    attempt('%s with shape [4, 6, 4]: refused' % base, lambda: refuses({**head, 'shape': [4, 6, 4]}, parts[1]))
    attempt('%s with a 71-byte payload: refused' % base, lambda: refuses(head, parts[1][:71]))

    def untracked_terminate():
        core = Receiver(1)
        inc = core.accept(vectors['ms-p1-terminate'][1])
        return inc.kind == 'terminate' and not inc.known and inc.reply is None and core.all_terminated
    attempt('terminate from an untracked port: no reply; knowing no sender, the client ends (as vidgear)',
            untracked_terminate)

    def str_and_int_ports():
        core, states = Receiver(1), []
        for v in ('ms-p1-port-str-bgr-msg-omitted', 'ms-p1-port-int-bgr-msg-omitted',
                  'ms-p1-port-str-terminate', 'ms-p1-port-int-terminate'):
            inc = core.accept(vectors[v][1])
            states.append((inc.kind, inc.known if inc.kind == 'terminate' else None, core.all_terminated))
        return states == [('frame', None, False), ('frame', None, False),
                          ('terminate', True, False), ('terminate', True, True)]
    attempt('port "5577" and 5577 are two senders; all terminated after both', str_and_int_ports)

    def jpeg_round_trip():
        frame = np.full((4, 6, 3), (30, 100, 220), np.uint8)
        enc = FrameEncoder(5571, 1, {'colorspace': 'BGR'})
        inc = Receiver(1).accept(enc.frame_parts(frame))
        got = decode_frame(inc.header, inc.payload)
        return got.shape == frame.shape and np.abs(got.astype(int) - frame).max() <= 4
    attempt('JPEG BGR round trip keeps the channel order', jpeg_round_trip, True)

    say('1..%d' % len(results))
    return 0 if all(results) else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('server', help='a NetGear sender')
    s.add_argument('--address', required=True)
    s.add_argument('--port', type=int, required=True)
    s.add_argument('--port-as-string', action='store_true', help='"port" written as a JSON string')
    s.add_argument('--pattern', type=int, choices=(1, 2), default=1)
    s.add_argument('--bidirectional', action='store_true')
    s.add_argument('--format', required=True, choices=('bgr', 'gray', 'gray3', 'uint16', 'jpeg-bgr', 'jpeg-gray'))
    s.add_argument('--width', type=int, required=True)
    s.add_argument('--height', type=int, required=True)
    s.add_argument('--frames', type=int, required=True)
    s.add_argument('--index', type=int, required=True)
    s.add_argument('--messages', help='JSON list: frame n carries item n %% len')
    s.add_argument('--fps', type=float, default=0)
    s.add_argument('--request-timeout', type=int, default=4000)
    s.add_argument('--max-retries', type=int, default=3)
    s.add_argument('--hold', action='store_true', help='after the last frame, wait for a line on stdin')
    s.set_defaults(func=run_server)
    c = sub.add_parser('client', help='a NetGear receiver')
    c.add_argument('--address', required=True)
    c.add_argument('--ports', required=True, help='P1,P2,...')
    c.add_argument('--pattern', type=int, choices=(1, 2), default=1)
    c.add_argument('--bidirectional', action='store_true')
    c.add_argument('--reply-mode', choices=('none', 'echo', 'ndarray', 'fixed'), default='none')
    c.add_argument('--reply', default='null', help='JSON, for --reply-mode fixed')
    c.add_argument('--max-frames', type=int, default=0)
    c.add_argument('--request-timeout', type=int, default=4000)
    c.add_argument('--exit-after-seconds', type=float, default=60)
    c.set_defaults(func=run_client)
    t = sub.add_parser('selftest', help='check against the captured vectors')
    t.add_argument('--vectors', required=True)
    t.set_defaults(func=selftest)
    a = ap.parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_signal)
    try:
        return a.func(a)
    except _Interrupted as e:
        return 128 + e.signum
    except Exception as e:
        say('ERROR', ('%s: %s' % (type(e).__name__, e)).replace('\n', ' '))
        return 1


if __name__ == '__main__':
    sys.exit(main())
