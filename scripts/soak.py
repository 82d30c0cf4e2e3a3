#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The soak run of scripts/soak: one receiver, four live senders, for minutes.

Starts, on 127.0.0.1, one receiver process (this file with --receiver:
netgearsrc bound to PORT..PORT+3, each pad to queue ! videoconvert ! I420 !
fakesink) and four sender processes (gst-launch-1.0 -e: a live videotestsrc,
BGR 320x240 at 30 fps, each its own pattern, ! netgearsink, with a JSON
message naming the camera). Every INTERVAL seconds it prints one line: the
elapsed time, the receiver's RSS, and per sender the frames received in the
interval (as fps) and the latency from netgearsrc's stats: the last frame's,
the mean over the interval and the largest since the start ("n/a" while the
stats carry none). At the end it stops every process (the senders send their
terminate message, the receiver ends), prints a verdict and exits non-zero
if the receiver's RSS grew by --rss-threshold MiB or more from the end of the
warm-up (the first 10% of the run) to the last sample, if any process died or
failed, if the receiver posted a warning or an error, or if any sender's
mean rate fell below --min-rate percent of 30 fps.

The controller (this process) drives the sampling: it writes "sample" on the
receiver's stdin, the receiver answers one line "SAMPLE <json>" with
netgearsrc's and the fakesinks' stats; the controller reads the receiver's
VmRSS, Threads and open fds itself from /proc/<pid>. The receiver also
prints "EVENT ..." lines (bus messages: connected, terminated, warnings,
errors, EOS), echoed by the controller. The receiver ends its stream when
its stdin closes, so it does not outlive the controller; the senders get
SIGTERM if the controller dies (PR_SET_PDEATHSIG).

Run through scripts/soak (it builds first and sets GST_PLUGIN_PATH).
"""
import argparse
import ctypes
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time

FPS = 30
NSENDERS = 4
WIDTH, HEIGHT = 320, 240
TEST_PATTERNS = ["smpte", "ball", "pinwheel", "circular"]
MIB = 1024 * 1024


# ------------------------------------------------------------------ receiver

def receiver_main(args):
    """The receiver process: a netgearsrc pipeline answering 'sample' on stdin."""
    import gi

    gi.require_version("Gst", "1.0")
    from gi.repository import GLib, Gst

    Gst.init(None)

    def say(*words):
        # One line each: the controller reads lines (debug texts hold newlines).
        text = " ".join(str(w) for w in words).replace("\r", " ").replace("\n", " ")
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    if not Gst.ElementFactory.find("netgearsrc"):
        say("EVENT ERROR netgearsrc not found: set GST_PLUGIN_PATH to the build's gst/ directory")
        return 1
    ports = [int(p) for p in args.ports.split(",")]
    branches = " ".join(
        f"src.src_{p} ! queue max-size-buffers=4 max-size-bytes=0 max-size-time=0 "
        f"! videoconvert ! video/x-raw,format=I420 ! fakesink name=sink_{p} sync=false"
        for p in ports)
    desc = (f"netgearsrc name=src address=127.0.0.1 ports={args.ports} pattern={args.pattern} "
            + branches)
    pipeline = Gst.parse_launch(desc)
    src = pipeline.get_by_name("src")
    sinks = {p: pipeline.get_by_name(f"sink_{p}") for p in ports}
    loop = GLib.MainLoop()
    state = {"rc": 0, "eos": False, "ending": False, "ready": False}

    def plain(value):
        # Stats fields are numbers, booleans and strings; anything else as text.
        return value if isinstance(value, (bool, int, float, str)) or value is None else str(value)

    def sample():
        st = src.get_property("stats")
        out = {"mono": time.monotonic(), "eos": state["eos"], "ports": {}}
        for p in ports:
            sub = st.get_value(f"port-{p}") if st is not None and st.has_field(f"port-{p}") else None
            d = {}
            if sub is not None:
                for i in range(sub.n_fields()):
                    name = sub.nth_field_name(i)
                    d[name] = plain(sub.get_value(name))
            sk = sinks[p].get_property("stats")
            if sk is not None and sk.has_field("rendered"):
                d["sink-rendered"] = sk.get_value("rendered")
                d["sink-dropped"] = sk.get_value("dropped")
            out["ports"][str(p)] = d
        say("SAMPLE", json.dumps(out, separators=(",", ":")))

    def end_stream():
        # An EOS to the pipeline ends every netgearsrc pad after what it queued.
        if state["eos"]:
            loop.quit()
        elif not state["ending"]:
            state["ending"] = True
            pipeline.send_event(Gst.Event.new_eos())
            # Bounded: quit even if the EOS never comes out.
            GLib.timeout_add_seconds(5, lambda: (loop.quit(), False)[1])

    def on_stdin(fd, _cond):
        data = os.read(fd, 4096)
        if not data:
            end_stream()
            return False
        for line in data.decode(errors="replace").split("\n"):
            cmd = line.strip()
            if cmd == "sample":
                sample()
            elif cmd == "quit":
                end_stream()
        return True

    def on_message(_bus, msg):
        t = msg.type
        if t == Gst.MessageType.STATE_CHANGED and msg.src == pipeline:
            _old, new, _pending = msg.parse_state_changed()
            # Once: the pipeline goes to PLAYING again after each pad's
            # first-frame flush (netgearsrc's re-preroll), nothing to report.
            if new == Gst.State.PLAYING and not state["ready"]:
                state["ready"] = True
                say("READY")
        elif t == Gst.MessageType.ELEMENT and msg.src == src:
            s = msg.get_structure()
            say("EVENT", s.to_string())
        elif t == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            say(f"EVENT WARNING from {msg.src.get_name()}: {err.message} ({dbg})")
        elif t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            say(f"EVENT ERROR from {msg.src.get_name()}: {err.message} ({dbg})")
            state["rc"] = 1
            loop.quit()
        elif t == Gst.MessageType.EOS:
            state["eos"] = True
            say("EVENT EOS")
            if state["ending"]:
                loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, on_stdin)
    # The controller stops this process with "quit" or by closing stdin;
    # a terminal Ctrl-C does not reach it (a session of its own).
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, lambda: (end_stream(), True)[1])
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        msg = bus.timed_pop_filtered(0, Gst.MessageType.ERROR)
        if msg:
            err, dbg = msg.parse_error()
            say(f"EVENT ERROR {err.message} ({dbg})")
        else:
            say("EVENT ERROR the pipeline does not start")
        pipeline.set_state(Gst.State.NULL)
        return 1
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    say("EXIT", state["rc"])
    return state["rc"]


# ---------------------------------------------------------------- controller

def set_pdeathsig():
    # Runs in the child between fork and exec: SIGTERM when the controller dies.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def proc_status(pid):
    """{'rss': bytes, 'threads': n, 'fds': n} of a live process, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None
    out = {"fds": fds}
    for line in text.splitlines():
        key, _, val = line.partition(":")
        if key == "VmRSS":
            out["rss"] = int(val.split()[0]) * 1024
        elif key == "Threads":
            out["threads"] = int(val)
    return out if "rss" in out else None


class LineReader:
    """Whole lines from a pipe, with a timeout, in a single thread."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b""
        self.eof = False

    def readline(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            if self.eof:
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line.decode(errors="replace")
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                return None
            data = os.read(self.fd, 65536)
            if not data:
                self.eof = True
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")


def interval_latency(prev, cur):
    """Mean latency (ns) of the frames of one interval, from two samples of
    netgearsrc's running mean (latency-mean: the mean since the start over
    every frame carrying its send time, which is every frame of a netgearsink
    sender, so frames counts them): (mean1 * n1 - mean0 * n0) / (n1 - n0).
    None without latency fields or without frames in the interval."""
    if cur.get("latency-mean") is None:
        return None
    n1 = cur.get("frames", 0)
    if prev is None or prev.get("latency-mean") is None:
        m0 = n0 = 0
    else:
        m0, n0 = prev["latency-mean"], prev.get("frames", 0)
    if n1 <= n0:
        return None
    return (cur["latency-mean"] * n1 - m0 * n0) / (n1 - n0)


def ms(ns):
    return "n/a" if ns is None else f"{ns / 1e6:.1f}"


class Soak:
    def __init__(self, args):
        self.args = args
        self.ports = [args.port + i for i in range(NSENDERS)]
        self.receiver = None
        self.reader = None
        self.senders = {}      # port -> Popen
        self.sender_rc = {}    # port -> exit status, once it ended
        self.samples = []      # dicts: t, rss, threads, fds, ports{port: stats}
        self.events = []
        self.problems = []
        self.stop_requested = False
        self.interrupts = 0
        self.t0 = None
        self.final = None      # the receiver's stats after the senders ended
        self.receiver_rc = None
        self.csv = None

    # -- output
    def log(self, text):
        print(text, flush=True)

    def problem(self, text):
        self.problems.append(text)
        self.log(f"!! {text}")

    def on_event(self, line):
        self.events.append(line)
        self.log(f"   [receiver] {line}")
        if line.startswith("EVENT WARNING") or line.startswith("EVENT ERROR"):
            self.problem(f"receiver: {line[6:]}")

    # -- signals: the first Ctrl-C (or SIGTERM) ends the run early, cleanly;
    # a second one stops waiting and kills what is left.
    def on_signal(self, signum, _frame):
        self.interrupts += 1
        if self.interrupts == 1:
            self.stop_requested = True
            self.log(f"\n-- {signal.Signals(signum).name}: ending the run early (again to kill at once)")
        else:
            raise KeyboardInterrupt

    # -- processes
    def start_receiver(self):
        cmd = [sys.executable, "-u", os.path.abspath(__file__), "--receiver",
               "--ports", ",".join(map(str, self.ports)), "--pattern", str(self.args.pattern)]
        self.receiver_log = open(os.path.join(self.args.logs, "receiver.stderr.log"), "w")
        self.receiver = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.receiver_log, start_new_session=True)
        self.reader = LineReader(self.receiver.stdout.fileno())
        deadline = time.monotonic() + 30
        while True:
            line = self.reader.readline(max(0.0, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError("the receiver was not ready within 30 s (see %s)" % self.receiver_log.name)
            if line == "READY":
                return
            self.on_event(line)
            if line.startswith("EVENT ERROR"):
                raise RuntimeError("the receiver did not start")

    def start_senders(self):
        for i, port in enumerate(self.ports):
            cmd = ["gst-launch-1.0", "-e",
                   "videotestsrc", "is-live=true", f"pattern={TEST_PATTERNS[i % len(TEST_PATTERNS)]}", "!",
                   f"video/x-raw,format=BGR,width={WIDTH},height={HEIGHT},framerate={FPS}/1", "!",
                   "netgearsink", "address=127.0.0.1", f"port={port}", f"pattern={self.args.pattern}",
                   f'message-json={{"camera":"soak-{i + 1}"}}']
            log = open(os.path.join(self.args.logs, f"sender-{port}.log"), "w")
            self.senders[port] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                                  stderr=subprocess.STDOUT, start_new_session=True,
                                                  preexec_fn=set_pdeathsig)
            log.close()

    def check_senders(self):
        for port, p in self.senders.items():
            if port not in self.sender_rc and p.poll() is not None:
                self.sender_rc[port] = p.returncode
                self.problem(f"sender on port {port} exited during the run (status {p.returncode}); "
                             f"see {self.args.logs}/sender-{port}.log")

    def sender_memory(self):
        """{port: proc_status} of the senders still running."""
        out = {}
        for port, p in self.senders.items():
            if port not in self.sender_rc:
                st = proc_status(p.pid)
                if st:
                    out[port] = st
        return out

    def request_sample(self, timeout=5.0):
        """The receiver's stats (dict) or None; echoes the events in between."""
        if self.receiver.poll() is not None:
            return None
        try:
            self.receiver.stdin.write(b"sample\n")
            self.receiver.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        deadline = time.monotonic() + timeout
        while True:
            line = self.reader.readline(max(0.0, deadline - time.monotonic()))
            if line is None:
                return None
            if line.startswith("SAMPLE "):
                return json.loads(line[7:])
            self.on_event(line)

    def drain_events(self, timeout):
        line = self.reader.readline(timeout)
        while line is not None:
            self.on_event(line)
            line = self.reader.readline(0)
        if self.reader.eof and self.receiver.poll() is None:
            # stdout closed yet still running: do not spin.
            time.sleep(min(timeout, 0.2))

    # -- the run
    def header(self):
        a = self.args
        self.log(f"soak: {NSENDERS} senders x {WIDTH}x{HEIGHT} BGR at {FPS} fps -> 1 receiver, "
                 f"pattern {a.pattern} ({'REQ/REP' if a.pattern == 1 else 'PUB/SUB'}), "
                 f"ports {self.ports[0]}-{self.ports[-1]} on 127.0.0.1, {a.seconds:g} s, sample every {a.interval:g} s")
        self.log(f"receiver pid {self.receiver.pid}; senders " +
                 ", ".join(f"{port}: pid {p.pid}" for port, p in self.senders.items()))
        self.log(f"logs: {a.logs}")
        load = os.getloadavg()
        self.log(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
        self.log("each line: elapsed s, receiver RSS MiB, then per sender port: frames received in the "
                 "interval as fps, latency ms (netgearsrc stats) last/mean/max: the last frame's, "
                 "the mean over the interval, the largest since the start")

    def record(self, t, stats):
        mem = proc_status(self.receiver.pid) or {}
        s = {"t": t, "rss": mem.get("rss"), "threads": mem.get("threads"), "fds": mem.get("fds"),
             "mono": stats["mono"], "ports": {int(k): v for k, v in stats["ports"].items()},
             "senders": self.sender_memory()}
        prev = self.samples[-1] if self.samples else None
        self.samples.append(s)
        parts = [f"{t:7.1f}s", f"RSS {s['rss'] / MIB:7.2f} MiB" if s["rss"] else "RSS     n/a"]
        row = [f"{t:.1f}", f"{s['rss'] / MIB:.3f}" if s["rss"] else "", s["threads"] or "", s["fds"] or ""]
        for port in self.ports:
            d = s["ports"].get(port, {})
            if prev is not None:
                dt = s["mono"] - prev["mono"]
                df = d.get("frames", 0) - prev["ports"].get(port, {}).get("frames", 0)
                fps = df / dt if dt > 0 else 0.0
                fps_s = f"{fps:5.1f}"
            else:
                fps = None
                fps_s = "  -  "   # no interval yet
            imean = interval_latency(prev["ports"].get(port, {}) if prev else None, d)
            d["latency-interval-mean"] = imean
            lat = [d.get("latency-last"), imean, d.get("latency-max")]
            lat_s = "n/a" if lat[0] is None else "/".join(ms(v) for v in lat)
            parts.append(f"| {port} {fps_s} fps {lat_s}")
            row += ["" if fps is None else f"{fps:.2f}", d.get("frames", ""), d.get("dropped", ""),
                    *("" if v is None else v for v in lat), d.get("latency-mean", "")]
        self.log(" ".join(parts))
        if self.csv:
            self.csv.write(",".join(map(str, row)) + "\n")
            self.csv.flush()

    def run(self):
        a = self.args
        os.makedirs(a.logs, exist_ok=True)
        if a.csv:
            self.csv = open(a.csv, "w")
            cols = ["t_s", "rss_mib", "threads", "fds"]
            for port in self.ports:
                cols += [f"fps_{port}", f"frames_{port}", f"dropped_{port}",
                         f"latency_last_ns_{port}", f"latency_interval_mean_ns_{port}",
                         f"latency_max_ns_{port}", f"latency_run_mean_ns_{port}"]
            self.csv.write(",".join(cols) + "\n")
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGTERM, self.on_signal)
        try:
            try:
                self.start_receiver()
                self.start_senders()
                self.t0 = time.monotonic()
                self.header()
                stats = self.request_sample()
                if stats is None:
                    raise RuntimeError("the receiver does not answer")
                self.record(0.0, stats)
                n = 1
                while not self.stop_requested:
                    next_t = self.t0 + min(n * a.interval, a.seconds)
                    while not self.stop_requested and time.monotonic() < next_t:
                        self.drain_events(min(0.5, max(0.0, next_t - time.monotonic())))
                        self.check_senders()
                        if self.receiver.poll() is not None:
                            break
                    if self.receiver.poll() is not None:
                        self.problem(f"the receiver exited during the run (status {self.receiver.returncode}); "
                                     f"see {self.receiver_log.name}")
                        break
                    if self.stop_requested:
                        break
                    stats = self.request_sample()
                    if stats is None:
                        self.problem("the receiver did not answer a sample request within 5 s")
                        break
                    self.record(time.monotonic() - self.t0, stats)
                    if next_t >= self.t0 + a.seconds:
                        break
                    n += 1
            except RuntimeError as e:
                self.problem(str(e))
            self.stop()
        except KeyboardInterrupt:
            self.log("-- killing every process")
            self.kill_all()
        finally:
            if self.csv:
                self.csv.close()
        return self.verdict()

    def stop(self):
        """Senders first (EOS: each sends its terminate), then the receiver;
        every wait bounded, whatever is left is killed."""
        self.log("-- stopping: senders (SIGINT: EOS, terminate message), then the receiver")
        for port, p in self.senders.items():
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for port, p in self.senders.items():
            try:
                rc = p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.problem(f"sender on port {port} did not end within 10 s of SIGINT; killed")
                p.kill()
                rc = p.wait()
            if port not in self.sender_rc:
                self.sender_rc[port] = rc
                if rc != 0:
                    self.problem(f"sender on port {port} ended with status {rc}; "
                                 f"see {self.args.logs}/sender-{port}.log")
        if self.receiver is None:
            return
        # Every sender terminated: netgearsrc ends its pads, the pipeline EOS.
        deadline = time.monotonic() + 10
        while (self.receiver.poll() is None and not any(e == "EVENT EOS" for e in self.events)
               and time.monotonic() < deadline):
            self.drain_events(0.2)
        if self.receiver.poll() is None:
            if not any(e == "EVENT EOS" for e in self.events) and self.senders:
                self.problem("the receiver did not reach EOS within 10 s of its senders' terminate")
            self.final = self.request_sample()
            try:
                self.receiver.stdin.write(b"quit\n")
                self.receiver.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        deadline = time.monotonic() + 10
        while self.receiver.poll() is None and time.monotonic() < deadline:
            self.drain_events(0.2)
        if self.receiver.poll() is None:
            self.problem("the receiver did not exit within 10 s; killed")
            self.receiver.kill()
        self.receiver_rc = self.receiver.wait()
        self.drain_events(0)
        if self.receiver_rc != 0:
            self.problem(f"the receiver exited with status {self.receiver_rc}; see {self.receiver_log.name}")

    def kill_all(self):
        procs = list(self.senders.values()) + ([self.receiver] if self.receiver else [])
        for p in procs:
            if p.poll() is None:
                p.kill()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.problem("killed (second interrupt)")

    # -- the verdict
    def verdict(self):
        a = self.args
        s = self.samples
        self.log("")
        self.log("== verdict")
        failed = bool(self.problems)
        if len(s) < 2:
            for p in self.problems:
                self.log(f"  - {p}")
            if self.stop_requested:
                self.log("soak INTERRUPTED before the first interval: no verdict")
                return 130
            self.log("soak FAILED: too few samples for a verdict")
            return 1
        dur = s[-1]["t"]
        # Warm-up: the first 10% of the run (60 s of the default 10 minutes),
        # at least one interval; the baseline is the first sample after it.
        warm = max(0.1 * a.seconds, a.interval)
        base = next((x for x in s if x["t"] >= warm - 1e-6 and x["rss"]), None)
        end = s[-1]
        if base is None or base is end or not end["rss"]:
            self.log(f"RSS: run too short for a warm-up of {warm:g} s, no RSS verdict")
            rss_ok = None
        else:
            growth = end["rss"] - base["rss"]
            pct = 100.0 * growth / base["rss"]
            rss_ok = growth < a.rss_threshold * MIB
            post = [x for x in s if x["t"] >= base["t"] and x["rss"]]
            # Least-squares slope after the warm-up: a leak shows as a steady rise.
            tm = statistics.fmean(x["t"] for x in post)
            rm = statistics.fmean(x["rss"] for x in post)
            var = sum((x["t"] - tm) ** 2 for x in post)
            slope = (sum((x["t"] - tm) * (x["rss"] - rm) for x in post) / var) if var else 0.0
            peak = max(x["rss"] for x in post)
            first = s[0]["rss"] or 0
            self.log(f"receiver RSS: {first / MIB:.2f} MiB at start, {base['rss'] / MIB:.2f} MiB after the "
                     f"{base['t']:.0f} s warm-up, {end['rss'] / MIB:.2f} MiB at {end['t']:.0f} s "
                     f"(peak after warm-up {peak / MIB:.2f} MiB)")
            self.log(f"  growth after warm-up: {growth / MIB:+.2f} MiB ({pct:+.1f}%), trend "
                     f"{slope * 60 / MIB:+.3f} MiB/min; threshold {a.rss_threshold:g} MiB -> "
                     + ("RSS flat" if rss_ok else "RSS GREW"))
            if s[0]["threads"] is not None and end["threads"] is not None:
                self.log(f"  receiver threads {s[0]['threads']} -> {end['threads']}, "
                         f"open fds {s[0]['fds']} -> {end['fds']}")
            failed |= not rss_ok
        if base is not None and base is not end:
            # The senders' memory, for information (not part of the verdict).
            for port in self.ports:
                m0, m1 = base["senders"].get(port), end["senders"].get(port)
                if m0 and m1:
                    self.log(f"  sender {port} RSS {m0['rss'] / MIB:.2f} -> {m1['rss'] / MIB:.2f} MiB "
                             f"({(m1['rss'] - m0['rss']) / MIB:+.2f}) over the same span, "
                             f"threads {m0['threads']} -> {m1['threads']} (informative)")
        self.log(f"senders (mean rate from the first to the last sample, {dur:.0f} s; "
                 f"minimum {a.min_rate:g}% of {FPS} fps = {FPS * a.min_rate / 100:.1f} fps):")
        min_fps = FPS * a.min_rate / 100
        for port in self.ports:
            d0, d1 = s[0]["ports"].get(port, {}), s[-1]["ports"].get(port, {})
            frames = d1.get("frames", 0)
            span = s[-1]["mono"] - s[0]["mono"]
            mean = (frames - d0.get("frames", 0)) / span if span > 0 else 0.0
            per = []
            for x, y in zip(s, s[1:]):
                dt = y["mono"] - x["mono"]
                if dt > 0:
                    per.append((y["ports"].get(port, {}).get("frames", 0)
                                - x["ports"].get(port, {}).get("frames", 0)) / dt)
            fin = (self.final or {}).get("ports", {}).get(str(port), {}) if self.final else {}
            total = fin.get("frames", frames)
            rendered = fin.get("sink-rendered", d1.get("sink-rendered"))
            dropped = fin.get("dropped", d1.get("dropped", 0))
            drops = {k[8:]: v for k, v in (fin or d1).items() if k.startswith("dropped-") and v}
            ok = mean >= min_fps and self.sender_rc.get(port, 0) == 0
            failed |= not ok
            self.log(f"  {port}: {total} frames received in all ({rendered} rendered by its fakesink), "
                     f"mean {mean:.2f} fps, slowest interval {(f'{min(per):.1f}' if per else 'n/a')} fps, "
                     f"dropped {dropped}{' ' + json.dumps(drops) if drops else ''}, "
                     f"terminates {fin.get('terminates', d1.get('terminates', '?'))}, "
                     f"timeouts {fin.get('timeouts', d1.get('timeouts', 'n/a'))}, "
                     f"reconnects {fin.get('reconnects', d1.get('reconnects', 'n/a'))}, "
                     f"sender exit {self.sender_rc.get(port, '?')} -> {'ok' if ok else 'FAIL'}")
            src = fin if fin.get("latency-mean") is not None else d1
            lm, lx = src.get("latency-mean"), src.get("latency-max")
            ivl = [v for v in (x["ports"].get(port, {}).get("latency-interval-mean") for x in s[1:]) if v is not None]
            lasts = [v for v in (x["ports"].get(port, {}).get("latency-last") for x in s) if v is not None]
            if lm is not None:
                self.log(f"      latency: mean {ms(lm)} ms, max {ms(lx)} ms over the run; interval means "
                         f"{ms(min(ivl)) if ivl else 'n/a'}..{ms(max(ivl)) if ivl else 'n/a'} ms "
                         f"(first {ms(ivl[0]) if ivl else 'n/a'}, last {ms(ivl[-1]) if ivl else 'n/a'}); "
                         f"sampled last-frame values median {ms(statistics.median(lasts)) if lasts else 'n/a'} ms")
            else:
                self.log("      latency: n/a (netgearsrc's stats carry no latency fields)")
        load = os.getloadavg()
        self.log(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        if self.problems:
            self.log("problems:")
            for p in self.problems:
                self.log(f"  - {p}")
        if self.stop_requested:
            self.log(f"soak INTERRUPTED after {dur:.0f} s" + (" (problems above)" if failed else ""))
            return 130
        self.log("soak FAILED" if failed else "soak OK")
        return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Environment: SOAK_SECONDS, SOAK_PATTERN, SOAK_INTERVAL, SOAK_PORT "
                                        "set the defaults of the options.")
    env = os.environ.get
    ap.add_argument("--seconds", type=float, default=float(env("SOAK_SECONDS", 600)),
                    help="length of the run (default 600)")
    ap.add_argument("--pattern", type=int, choices=(1, 2), default=int(env("SOAK_PATTERN", 1)),
                    help="NetGear pattern: 1 REQ/REP (default), 2 PUB/SUB")
    ap.add_argument("--interval", type=float, default=float(env("SOAK_INTERVAL", 10)),
                    help="seconds between samples (default 10)")
    ap.add_argument("--port", type=int, default=int(env("SOAK_PORT", 27400)),
                    help="first of the 4 consecutive ports on 127.0.0.1 (default 27400: 27400-27403)")
    ap.add_argument("--rss-threshold", type=float, default=5.0, metavar="MIB",
                    help="receiver RSS growth after the warm-up from which it counts as grown (default 5 MiB)")
    ap.add_argument("--min-rate", type=float, default=90.0, metavar="PERCENT",
                    help="lowest mean rate per sender, in percent of 30 fps (default 90)")
    ap.add_argument("--logs", help="directory for the processes' logs (default: a new one in /tmp)")
    ap.add_argument("--csv", help="also write every sample to this CSV file")
    ap.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--ports", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.receiver:
        return receiver_main(args)
    if args.seconds <= 0 or args.interval <= 0:
        ap.error("--seconds and --interval must be positive")
    if not 1 <= args.port <= 65535 - NSENDERS + 1:
        ap.error("--port out of range")
    if args.logs is None:
        args.logs = tempfile.mkdtemp(prefix="netgear-soak-")
    return Soak(args).run()


if __name__ == "__main__":
    sys.exit(main())
