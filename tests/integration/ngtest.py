# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Shared helpers for gst-netgear's multi-process integration tests.

Every test script imports this module. It provides:
  * Tap: TAP output ("ok N - ...", plan printed at the end) for meson.
  * Deadline: bounded waits.
  * Frame helpers: deterministic frame content that encodes (sender index,
    frame number), conversion between numpy's packed rows (NetGear's wire
    layout) and GStreamer's default strides, and a content digest that
    ignores row padding for raw video.
  * Proc: a child process (sender.py, shutdown_child.py) whose stdout lines
    are read on a thread, so a test can wait for a line with a timeout
    instead of sleeping.
  * Receiver: a netgearsrc pipeline in the test process with one appsink per
    pad, recording every buffer's GstNetGearMeta, caps and content digest,
    and every bus message.

Tests run only on 127.0.0.1. Every wait is bounded; every child is killed
in a finally block (ProcGroup).
"""
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstApp', '1.0')
gi.require_version('GstVideo', '1.0')
from gi.repository import GLib, GObject, Gst, GstApp, GstVideo  # noqa: E402,F401

import numpy as np  # noqa: E402

import ngframes  # noqa: E402
from ngframes import digest, marker_of  # noqa: E402,F401

Gst.init(None)

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable or '/usr/bin/python3'
LOOPBACK = '127.0.0.1'
META_NAME = 'GstNetGearMeta'
SENDER = os.path.join(HERE, 'sender.py')
SHUTDOWN_CHILD = os.path.join(HERE, 'shutdown_child.py')


# ---------------------------------------------------------------- TAP

class Tap:
    """TAP producer. The plan ("1..N") is printed by finish()."""

    def __init__(self):
        self.count = 0
        self.failures = 0
        self.lock = threading.Lock()

    def ok(self, cond, desc, diag=None):
        with self.lock:
            self.count += 1
            if not cond:
                self.failures += 1
            print('%s %d - %s' % ('ok' if cond else 'not ok', self.count, desc), flush=True)
            if not cond and diag:
                self.diag(diag)
        return bool(cond)

    def skip(self, desc, why):
        with self.lock:
            self.count += 1
            print('ok %d - %s # SKIP %s' % (self.count, desc, why), flush=True)

    def diag(self, text):
        for line in str(text).splitlines():
            print('# ' + line, flush=True)

    def exception(self, where):
        self.ok(False, 'no exception in %s' % where, traceback.format_exc())

    def finish(self):
        print('1..%d' % self.count, flush=True)
        return 1 if self.failures or self.count == 0 else 0


def start_errors(launch):
    """Takes the pipeline `launch` to PLAYING and back to NULL: the state
    change's result, and every ERROR it posted as (message, debug)."""
    pipeline = Gst.parse_launch(launch)
    bus = pipeline.get_bus()
    try:
        ret = pipeline.set_state(Gst.State.PLAYING)
        if ret == Gst.StateChangeReturn.ASYNC:
            ret, _, _ = pipeline.get_state(5 * Gst.SECOND)
    finally:
        pipeline.set_state(Gst.State.NULL)
    errors = []
    while True:
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        if msg is None:
            return ret, errors
        err, dbg = msg.parse_error()
        errors.append((err.message, dbg))


@contextlib.contextmanager
def quiet_glib_warnings():
    """GObject's warnings, e.g. of a value out of its property's range,
    which a test provokes on purpose, kept out of its log."""
    hid = GLib.log_set_handler('GLib-GObject', GLib.LogLevelFlags.LEVEL_WARNING, lambda *args: None, None)
    try:
        yield
    finally:
        GLib.log_remove_handler('GLib-GObject', hid)


def started(tap, name, rx):
    """Starts the Receiver rx, reporting it; on failure stops it again and
    returns False (the caller gives up on that case)."""
    if tap.ok(rx.start(), '%s: receiver reaches PLAYING' % name, '\n'.join(rx.errors)):
        return True
    rx.stop()
    return False


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(0.0, self.end - time.monotonic())

    def expired(self):
        return time.monotonic() >= self.end


# ---------------------------------------------------------------- frames

_info_cache = {}


def caps_of(caps):
    return caps if isinstance(caps, Gst.Caps) else Gst.Caps.from_string(caps)


def is_raw_video(caps):
    caps = caps_of(caps)
    return caps.get_size() > 0 and caps.get_structure(0).get_name() == 'video/x-raw'


def video_info(caps):
    """GstVideoInfo (GStreamer's default strides) for raw video caps, cached."""
    caps = caps_of(caps)
    key = caps.to_string()
    info = _info_cache.get(key)
    if info is None:
        info = GstVideo.VideoInfo.new_from_caps(caps)
        if info is None:
            raise ValueError('not raw video caps: %s' % key)
        _info_cache[key] = info
    return info


def plane_layout(info):
    """[(offset, stride, row_bytes, rows)] per plane, GStreamer's default layout."""
    finfo = info.finfo
    planes = []
    for p in range(finfo.n_planes):
        c = next(c for c in range(finfo.n_components) if finfo.plane[c] == p)
        w = -((-info.width) >> finfo.w_sub[c])
        h = -((-info.height) >> finfo.h_sub[c])
        planes.append((info.offset[p], info.stride[p], w * finfo.pixel_stride[c], h))
    return planes


def packed_size(info):
    return sum(rb * rows for _, _, rb, rows in plane_layout(info))


def pack(info, data):
    """Rows without padding (numpy's / NetGear's layout) from a buffer in
    GStreamer's default layout. Raises ValueError when data is too short."""
    if len(data) < info.size:
        raise ValueError('buffer of %d bytes, default layout needs %d' % (len(data), info.size))
    arr = np.frombuffer(data, dtype=np.uint8)
    parts = []
    for off, stride, rb, rows in plane_layout(info):
        plane = arr[off:off + stride * (rows - 1) + rb]
        if stride == rb:
            parts.append(plane[:rb * rows].tobytes())
        else:
            plane = np.lib.stride_tricks.as_strided(plane, shape=(rows, rb), strides=(stride, 1))
            parts.append(plane.tobytes())
    return b''.join(parts)


def unpack(info, packed, fill=0xA5):
    """GStreamer's default layout from packed rows; padding bytes are `fill`,
    so that a receiver which took padding for pixels is caught."""
    out = np.full(info.size, fill, dtype=np.uint8)
    src = np.frombuffer(packed, dtype=np.uint8)
    pos = 0
    for off, stride, rb, rows in plane_layout(info):
        for r in range(rows):
            out[off + r * stride:off + r * stride + rb] = src[pos:pos + rb]
            pos += rb
    return out.tobytes()


def frame_content(info, index, n):
    """Deterministic packed content of frame n of sender `index`
    (ngframes.content)."""
    return ngframes.content(packed_size(info), index, n)


def content_digest(caps, data):
    """Digest of what a frame shows: packed rows for raw video (row padding
    ignored), every byte otherwise."""
    if is_raw_video(caps):
        return digest(pack(video_info(caps), data))
    return digest(data)


def expected_digest(caps, index, n):
    return digest(frame_content(video_info(caps), index, n))


def buffer_bytes(buf):
    ok, mi = buf.map(Gst.MapFlags.READ)
    if not ok:
        raise RuntimeError('cannot map buffer')
    try:
        return bytes(mi.data)
    finally:
        buf.unmap(mi)


# ---------------------------------------------------------------- children

_say_lock = threading.Lock()


def say(*parts):
    """One whole line on stdout, flushed: child processes report to the
    test this way, from several threads."""
    with _say_lock:
        print(' '.join(str(p) for p in parts), flush=True)


class Proc:
    """A child process; stdout is read line by line on a thread."""

    def __init__(self, name, argv, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self.err = tempfile.TemporaryFile(mode='w+b')
        self.cond = threading.Condition()
        self.lines = []
        self.closed = False
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                  env=env if env is not None else os.environ.copy(), text=True, bufsize=1,
                                  cwd=cwd)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            with self.cond:
                self.lines.append(line.rstrip('\n'))
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait_until(self, pred, timeout):
        """Waits at most timeout seconds until pred(stdout lines so far)
        holds; returns whether it does."""
        d = Deadline(timeout)
        with self.cond:
            while not pred(self.lines):
                if self.closed or d.expired():
                    return pred(self.lines)
                self.cond.wait(min(0.2, d.left()) or 0.01)
            return True

    def wait_line(self, prefix, timeout):
        """The first stdout line starting with prefix, waiting at most
        timeout seconds; None when it did not come (or the child ended)."""
        d = Deadline(timeout)
        with self.cond:
            i = 0
            while True:
                while i < len(self.lines):
                    if self.lines[i].startswith(prefix):
                        return self.lines[i]
                    i += 1
                if self.closed or d.expired():
                    return None
                self.cond.wait(min(0.2, d.left()) or 0.01)

    def find(self, prefix):
        with self.cond:
            return [l for l in self.lines if l.startswith(prefix)]

    def send_line(self, text='go'):
        try:
            self.p.stdin.write(text + '\n')
            self.p.stdin.flush()
            return True
        except OSError:
            return False

    def wait_exit(self, timeout):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.reader.join(timeout=5)
        return rc

    def running(self):
        return self.p.poll() is None

    def signal(self, sig):
        """Sends sig (signal.SIGKILL, SIGSTOP, SIGCONT...); returns
        time.monotonic() just before."""
        t = time.monotonic()
        if self.p.poll() is None:
            self.p.send_signal(sig)
        return t

    def descendants(self):
        """Pids of every process below this one (a script's children, even
        those in sessions of their own), read from /proc."""
        children = {}
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/stat' % entry) as f:
                    ppid = int(f.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.p.pid]
        while todo:
            for c in children.get(todo.pop(), []):
                out.append(c)
                todo.append(c)
        return out

    def kill(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        if self.p.poll() is None:
            # What a script started would outlive it, holding ports.
            for pid in self.descendants():
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            self.p.kill()
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def stdout_text(self, last=40):
        with self.cond:
            return '\n'.join(self.lines[-last:])

    def stderr_text(self, last=40):
        try:
            self.err.flush()
            self.err.seek(0)
            lines = self.err.read().decode('utf-8', 'replace').splitlines()
            return '\n'.join(lines[-last:])
        except Exception as e:  # pragma: no cover - diagnostics only
            return '(cannot read stderr: %s)' % e

    def report(self):
        return ('%s: %s\nrc=%s\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s' %
                (self.name, ' '.join(self.argv), self.p.poll(), self.stdout_text(), self.stderr_text()))

    # sender.py output
    def sent(self):
        """{n: digest} from SENT lines."""
        out = {}
        for l in self.find('SENT '):
            _, n, d = l.split()
            out[int(n)] = d
        return out

    def caps(self):
        c = self.find('CAPS ')
        return c[-1][5:] if c else None

    def stats(self):
        s = self.find('STATS ')
        if not s:
            return None
        st = Gst.Structure.from_string(s[-1][6:])
        return st[0] if isinstance(st, tuple) else st


class ProcGroup:
    """Kills every child on exit, whatever happened."""

    def __init__(self):
        self.procs = []

    def add(self, proc):
        self.procs.append(proc)
        return proc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
        return False


def doc_commands(path, prefix='gst-launch-1.0 '):
    """The commands of a Markdown page's ```sh blocks that start with
    prefix, continuation lines joined and spaces collapsed, as a user
    pastes them."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    out = []
    for block in re.findall(r'```sh\n(.*?)```', text, re.S):
        for cmd in block.replace('\\\n', ' ').splitlines():
            cmd = re.sub(r'\s+', ' ', cmd).strip()
            if cmd.startswith(prefix):
                out.append(cmd)
    return out


def sender_argv(port, index, frames, pattern=1, caps='video/x-raw,format=BGR,width=318,height=200,framerate=30/1',
                encoder=None, sync=False, request_timeout=None, max_retries=None, eos=True, hold=False, timeout=45,
                extra=()):
    """extra: more sender.py arguments (messages, --bidirectional)."""
    argv = [PYTHON, SENDER, '--port', str(port), '--index', str(index), '--frames', str(frames),
            '--pattern', str(pattern), '--caps', caps, '--sync', '1' if sync else '0', '--timeout', str(timeout)]
    if encoder:
        argv += ['--encoder', encoder]
    if request_timeout is not None:
        argv += ['--request-timeout', str(request_timeout)]
    if max_retries is not None:
        argv += ['--max-retries', str(max_retries)]
    if not eos:
        argv += ['--no-eos']
    if hold:
        argv += ['--hold']
    return argv + list(extra)


def start_sender(group, port, index, frames, **kw):
    return group.add(Proc('sender%d(port %d)' % (index, port), sender_argv(port, index, frames, **kw)))


# ---------------------------------------------------------------- receiver

class Receiver:
    """netgearsrc with one appsink per pad, in this process."""

    def __init__(self, ports, pattern=1, max_buffers=None, address=LOOPBACK, stall_after=None,
                 sink_props='sync=false async=false', src_props='', on_record=None, keep_data=False):
        """stall_after: a stalled consumer. Each pad's appsink callback
        blocks after that many frames of its port until release_consumer()
        (at most 30 s), so that the port's task blocks in its push: a
        pattern-2 receiver then drops, a pattern-1 one stops acknowledging. `stalled` is set
        once a callback blocks. sink_props: the
        appsinks' properties; by default they do not take part in the
        pipeline's preroll (async=false), as suits a live source whose
        ports may never all see a sender. src_props: more netgearsrc
        properties. on_record(port, rec): called on the streaming thread
        with each buffer's record, after it is stored. keep_data: records
        keep the buffer's bytes ('data'), for small frames."""
        self.ports = list(ports)
        self.keep_data = keep_data
        self.stall_after = stall_after
        self.stalled = threading.Event()
        self.released = threading.Event()
        self.on_record = on_record
        props = 'address=%s ports="%s" pattern=%d %s' % (address, ','.join(str(p) for p in self.ports), pattern,
                                                        src_props)
        if max_buffers is not None:
            props += ' max-buffers=%d' % max_buffers
        branches = ' '.join('src.src_%d ! appsink name=sink_%d emit-signals=true %s' % (p, p, sink_props)
                            for p in self.ports)
        self.pipeline = Gst.parse_launch('netgearsrc name=src %s %s' % (props, branches))
        self.src = self.pipeline.get_by_name('src')
        self.bus = self.pipeline.get_bus()
        self.lock = threading.Lock()
        self.frames = {p: [] for p in self.ports}
        self.caps = {p: None for p in self.ports}
        self.pad_eos = {p: False for p in self.ports}
        self.callback_errors = []
        self.messages = []  # (index, name, fields)
        self.message_times = []  # time.monotonic() when each was read from the bus
        self.errors = []
        self.warnings = []
        self.eos = False
        self.eos_index = None
        for p in self.ports:
            sink = self.pipeline.get_by_name('sink_%d' % p)
            sink.connect('new-sample', self._on_sample, p)
            sink.connect('eos', self._on_eos, p)

    # streaming threads
    def _on_sample(self, sink, port):
        sample = sink.emit('pull-sample')
        if sample is None:
            return Gst.FlowReturn.EOS
        try:
            buf = sample.get_buffer()
            caps = sample.get_caps()
            data = buffer_bytes(buf)
            rec = {'size': len(data), 'caps': caps.to_string() if caps else None, 'time': time.monotonic(),
                   'delta': buf.has_flags(Gst.BufferFlags.DELTA_UNIT),
                   'discont': buf.has_flags(Gst.BufferFlags.DISCONT)}
            if self.keep_data:
                rec['data'] = data
            meta = buf.get_custom_meta(META_NAME)
            if meta is not None:
                s = meta.get_structure()
                for f in ('port', 'message', 'seq', 'peer'):
                    rec[f] = s.get_value(f) if s.has_field(f) else None
                rec['types'] = {f: GObject.type_name(s.get_field_type(f)) if s.has_field(f) else None
                                for f in ('port', 'message', 'seq', 'peer')}
                rec['has_meta'] = True
            else:
                rec['has_meta'] = False
            rec['video_meta'] = GstVideo.buffer_get_video_meta(buf) is not None
            try:
                if caps is not None and is_raw_video(caps):
                    packed = pack(video_info(caps), data)
                    rec['digest'] = digest(packed)
                    rec['marker'] = marker_of(packed)
                else:
                    rec['digest'] = digest(data)
                    rec['marker'] = None
            except ValueError as e:
                rec['digest'] = None
                rec['marker'] = None
                rec['error'] = str(e)
            with self.lock:
                self.frames[port].append(rec)
                self.caps[port] = caps
            if self.on_record:
                self.on_record(port, rec)
            if self.stall_after is not None and not self.released.is_set():
                with self.lock:
                    n = len(self.frames[port])
                if n > self.stall_after:
                    self.stalled.set()
                    self.released.wait(30)
        except Exception:
            with self.lock:
                self.callback_errors.append(traceback.format_exc())
        return Gst.FlowReturn.OK

    def release_consumer(self):
        self.released.set()

    def _on_eos(self, sink, port):
        with self.lock:
            self.pad_eos[port] = True

    # control thread
    def start(self, timeout=10, wait=True):
        """Sets PLAYING; with wait, waits until the pipeline is PLAYING."""
        ret = self.pipeline.set_state(Gst.State.PLAYING)
        if ret == Gst.StateChangeReturn.FAILURE:
            self.poll_bus(0.2)
            return False
        if not wait:
            return True
        ret, state, _ = self.pipeline.get_state(int(timeout * Gst.SECOND))
        return ret != Gst.StateChangeReturn.FAILURE and state == Gst.State.PLAYING

    def stop(self):
        self.released.set()  # a stalled consumer would hold up the state change
        t0 = time.monotonic()
        self.pipeline.set_state(Gst.State.NULL)
        return time.monotonic() - t0

    def _record(self, msg):
        t = msg.type
        if t == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s is None:
                return
            fields = {}
            for f in ('port', 'peer', 'connection-open', 'streaming', 'timeout', 'reason', 'count'):
                if s.has_field(f):
                    fields[f] = s.get_value(f)
            self.messages.append((len(self.messages), s.get_name(), fields))
            self.message_times.append(time.monotonic())
        elif t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.errors.append('%s: %s (%s)' % (msg.src.get_name() if msg.src else '?', err.message, dbg))
        elif t == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            self.warnings.append('%s: %s (%s)' % (msg.src.get_name() if msg.src else '?', err.message, dbg))
        elif t == Gst.MessageType.EOS:
            if not self.eos:
                self.eos = True
                self.eos_index = len(self.messages)

    def poll_bus(self, timeout):
        msg = self.bus.timed_pop_filtered(
            int(timeout * Gst.SECOND),
            Gst.MessageType.ELEMENT | Gst.MessageType.ERROR | Gst.MessageType.WARNING | Gst.MessageType.EOS)
        if msg is not None:
            self._record(msg)
        return msg

    def drain_bus(self):
        while self.poll_bus(0) is not None:
            pass

    def run_until(self, pred, timeout):
        """Processes bus messages until pred() holds, an error is posted, or
        timeout seconds pass. Returns pred()."""
        d = Deadline(timeout)
        while True:
            if pred():
                return True
            if self.errors or d.expired():
                return pred()
            self.poll_bus(min(0.1, d.left()))

    def all_connected(self, ports=None):
        return all(self.got('netgear-server-connected', p) for p in (ports or self.ports))

    def got(self, name, port):
        return any(n == name and f.get('port') == port for _, n, f in self.messages)

    def message_index(self, name, port):
        for i, n, f in self.messages:
            if n == name and f.get('port') == port:
                return i
        return None

    def count(self, port):
        with self.lock:
            return len(self.frames[port])

    def stats_summary(self):
        """{port: {frames, dropped, dropped-queue-full, terminates}} from
        netgearsrc's stats."""
        st = self.src.get_property('stats')
        out = {}
        for i in range(st.n_fields()):
            name = st.nth_field_name(i)
            sub = st.get_value(name)
            if isinstance(sub, Gst.Structure):
                out[name] = {f: sub.get_value(f) for f in ('frames', 'dropped', 'dropped-queue-full', 'terminates')
                             if sub.has_field(f)}
        return out

    def summary(self):
        with self.lock:
            counts = {p: len(v) for p, v in self.frames.items()}
        return ('frames per port %s; pad EOS %s; pipeline EOS %s\nbus element messages %s\nerrors %s\nwarnings %s\n'
                'callback errors %s\nstats %s' %
                (counts, self.pad_eos, self.eos, self.messages, self.errors, self.warnings[:5],
                 self.callback_errors[:2], self.stats_summary()))


# An expected message that may be anything.
ANY = object()


def json_equal(a, b):
    """Equality of decoded JSON values, with NaN equal to NaN and 1 not
    equal to True."""
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float)) and
                                       not isinstance(a, bool) and not isinstance(b, bool)):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(json_equal(a[k], b[k]) for k in a)
    return a == b


def check_stream(tap, rx, port, label, frames, exact, expect, sender_caps=None, min_fraction=0.5,
                 expect_message=None):
    """Checks what arrived on `port`.
    expect(seq) -> expected content digest.
    expect_message(seq) -> the message value (decoded JSON) the frame must
    carry; None: every frame's message is null.
    exact: all frames 0..frames-1 in order; else strictly increasing seq and
    at least min_fraction of frames."""
    with rx.lock:
        recs = list(rx.frames[port])
        caps = rx.caps[port]
    seqs = [r.get('seq') for r in recs]
    tap.ok(recs and all(r['has_meta'] for r in recs), '%s: every buffer has a %s' % (label, META_NAME),
           'buffers without meta: %d of %d' % (sum(1 for r in recs if not r['has_meta']), len(recs)))
    if exact:
        tap.ok(len(recs) == frames, '%s: %d frames arrived' % (label, frames), 'got %d' % len(recs))
        tap.ok(seqs == list(range(frames)), '%s: meta seq is 0..%d in order' % (label, frames - 1),
               'seqs: %s' % seqs[:80])
    else:
        inc = all(isinstance(a, int) and isinstance(b, int) and a < b for a, b in zip(seqs, seqs[1:]))
        tap.ok(inc and all(isinstance(s, int) and 0 <= s < frames for s in seqs),
               '%s: meta seq strictly increasing, within 0..%d' % (label, frames - 1), 'seqs: %s' % seqs[:80])
        tap.ok(len(recs) >= min_fraction * frames,
               '%s: at least %d%% of %d frames arrived' % (label, int(min_fraction * 100), frames),
               'got %d: seqs %s' % (len(recs), seqs))
    want_types = {'port': 'guint', 'message': 'gchararray', 'seq': 'guint64', 'peer': 'gchararray'}
    bad_types = sorted(set(str(r.get('types')) for r in recs if r.get('types') != want_types))
    tap.ok(recs and not bad_types, '%s: meta fields port (uint), message, seq (uint64), peer (string)' % label,
           'field types seen: %s' % bad_types[:3])
    bad_port = [(r.get('seq'), r.get('port')) for r in recs if r.get('port') != port]
    tap.ok(not bad_port, '%s: meta port is %d on every buffer' % (label, port), 'mismatches: %s' % bad_port[:10])
    bad = []
    for r in recs:
        s = r.get('seq')
        want = expect(s) if isinstance(s, int) and 0 <= s < frames else None
        if r.get('digest') is None or r['digest'] != want:
            bad.append('seq %s: digest %s want %s marker %s size %s video-meta %s %s' %
                       (s, r.get('digest'), want, r.get('marker'), r['size'], r['video_meta'], r.get('error', '')))
    tap.ok(recs and not bad, '%s: every frame byte-for-byte as sent' % label,
           '%d bad of %d\n%s' % (len(bad), len(recs), '\n'.join(bad[:8])))
    if expect_message is None:
        tap.ok(recs and all(r.get('message') == 'null' for r in recs), '%s: meta message is "null"' % label,
               'messages: %s' % sorted(set(str(r.get('message')) for r in recs))[:5])
    else:
        bad = []
        for r in recs:
            try:
                got = json.loads(r.get('message'))
            except (TypeError, ValueError) as e:
                got = 'undecodable: %s' % e
            want = expect_message(r.get('seq'))
            if want is not ANY and not json_equal(got, want):
                bad.append('seq %s: %r, want %r' % (r.get('seq'), r.get('message'), want))
        tap.ok(recs and not bad, '%s: every frame carries its own message' % label,
               '%d wrong of %d\n%s' % (len(bad), len(recs), '\n'.join(bad[:8])))
    tap.ok(recs and all(isinstance(r.get('peer'), str) and LOOPBACK in r['peer'] for r in recs),
           '%s: meta peer names %s' % (label, LOOPBACK), 'peers: %s' % sorted(set(str(r.get('peer')) for r in recs)))
    if sender_caps is not None:
        ok = caps is not None and Gst.Caps.from_string(sender_caps).is_equal(caps)
        tap.ok(ok, '%s: caps equal on both ends' % label,
               'sent:     %s\nreceived: %s' % (sender_caps, caps.to_string() if caps else None))


def run_main(body):
    """Runs body(tap), turning an exception into a failed test point."""
    tap = Tap()
    try:
        body(tap)
    except Exception:
        tap.exception(body.__name__)
    sys.exit(tap.finish())
