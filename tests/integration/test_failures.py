#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""When the other side goes away, or the application ends the stream:

1. A REQ/REP sender whose receiver stops mid-stream fails, once
   max-retries + 1 attempts (of request-timeout at most) have failed, with
   an error naming the receiver's endpoint, instead of waiting for ever;
   also with on-timeout=skip, where each failed attempt gives its frame up
   (the count is of failures in a row, not per frame).
2. An EOS sent to the receiving pipeline (what gst-launch-1.0 -e does on
   Ctrl-C) ends every netgearsrc pad, also one whose sender never came, and
   the pipeline reaches EOS while a sender is still streaming.
3. A REQ/REP sender paused (PLAYING -> PAUSED -> PLAYING) mid-stream goes on
   where it was: no frame lost, none twice, upstream not stopped.
4. Connections closed in the middle of the ZeroMQ handshake, as a receiver
   that is killed or restarting leaves them, do not fail a sender without
   security: it delivers everything once a receiver is there.
"""
import socket
import sys
import threading
import time

import ngtest as ng

TIMEOUT_MS = 300
RETRIES = 2


def receiver_goes_away(tap, port, on_timeout=None):
    name = 'receiver stops mid-stream' + (', on-timeout=%s' % on_timeout if on_timeout else '')
    rx = ng.Receiver([port])
    with ng.ProcGroup() as group:
        if not ng.started(tap, name, rx):
            return
        tx = group.add(ng.Proc('sender', ng.sender_argv(port, 0, 3000, pattern=1, sync=True,
                                                        request_timeout=TIMEOUT_MS, max_retries=RETRIES,
                                                        extra=('--on-timeout', on_timeout) if on_timeout else ())))
        got_frames = rx.run_until(lambda: len(rx.frames[port]) >= 5, 20)
        tap.ok(got_frames, '%s: frames flow before the receiver stops' % name, rx.summary())
        rx.stop()
        t0 = time.monotonic()
        line = tx.wait_line('ERROR', 20)
        waited = time.monotonic() - t0
        tap.ok(line is not None, '%s: the sender fails with an error' % name, tx.report())
        bound = (RETRIES + 1) * TIMEOUT_MS / 1000.0
        # Not at once, not for ever: the first attempt fails as the
        # connection closes, the others wait request-timeout each for a
        # receiver to connect to.
        tap.ok(line is not None and RETRIES * TIMEOUT_MS / 1000.0 * 0.8 <= waited <= bound + 5,
               '%s: after its %d failed attempts (%.2f s)' % (name, RETRIES + 1, waited))
        tap.ok(line is not None and 'tcp://127.0.0.1:%d' % port in line,
               '%s: the error names the receiver endpoint' % name, line)
        tap.ok(tx.wait_exit(10) == 1, '%s: the sender process ends' % name, tx.report())
        st = tx.stats()
        skipped = RETRIES if on_timeout == 'skip' else 0
        tap.ok(st is not None and st.get_value('lost') + st.get_value('timeouts') == RETRIES + 1 and
               st.get_value('skipped') == skipped,
               '%s: stats count %d failed attempts (lost or timed out), %d frames skipped' % (name, RETRIES + 1, skipped),
               st.to_string() if st else tx.report())


def eos_to_pipeline(tap, port, idle_port):
    name = 'EOS sent to the receiving pipeline'
    rx = ng.Receiver([port, idle_port])
    with ng.ProcGroup() as group:
        if not ng.started(tap, name, rx):
            return
        try:
            tx = group.add(ng.Proc('sender', ng.sender_argv(port, 0, 3000, pattern=1, sync=True)))
            tap.ok(rx.run_until(lambda: len(rx.frames[port]) >= 3, 20), '%s: frames flow' % name, rx.summary())
            tap.ok(rx.pipeline.send_event(ng.Gst.Event.new_eos()), '%s: the event is taken' % name)
            tap.ok(rx.run_until(lambda: rx.eos, 10), '%s: the pipeline reaches EOS' % name, rx.summary())
            with rx.lock:
                eos = dict(rx.pad_eos)
            tap.ok(all(eos.values()), '%s: every pad ended, the idle one too' % name, str(eos))
            tap.ok(tx.running(), '%s: while the sender was still streaming' % name, tx.report())
        finally:
            rx.stop()


def sender_paused(tap, port):
    name = 'sender paused and resumed'
    frames = 60
    # A consumer that stalls after 10 frames and a one-frame queue: the
    # receiver stops acknowledging, so the sender is waiting for an
    # acknowledgement (a frame sent, not acknowledged) when it is paused.
    rx = ng.Receiver([port], max_buffers=1, stall_after=10)
    tx = ng.Gst.parse_launch(
        'videotestsrc num-buffers=%d ! video/x-raw,format=BGR,width=64,height=48,framerate=30/1 ! '
        'netgearsink name=sink address=127.0.0.1 port=%d sync=false' % (frames, port))
    sink = tx.get_by_name('sink')

    def waiting_for_ack():
        st = sink.get_property('stats')
        return rx.stalled.is_set() and st.get_value('sent') > st.get_value('acknowledged')
    try:
        if not tap.ok(rx.start(), '%s: receiver reaches PLAYING' % name, '\n'.join(rx.errors)):
            return
        tx.set_state(ng.Gst.State.PLAYING)
        tap.ok(rx.run_until(waiting_for_ack, 20), '%s: frames flow, then the sender waits for an acknowledgement'
               % name, rx.summary() + '\n' + sink.get_property('stats').to_string())
        tx.set_state(ng.Gst.State.PAUSED)
        tx.get_state(5 * ng.Gst.SECOND)
        tx.set_state(ng.Gst.State.PLAYING)
        rx.release_consumer()
        msg = tx.get_bus().timed_pop_filtered(20 * ng.Gst.SECOND, ng.Gst.MessageType.EOS | ng.Gst.MessageType.ERROR)
        tap.ok(msg is not None and msg.type == ng.Gst.MessageType.EOS, '%s: the sender reaches EOS' % name,
               msg.parse_error()[0].message if msg is not None and msg.type == ng.Gst.MessageType.ERROR else
               'no EOS within 20 s')
        rx.run_until(lambda: rx.eos, 10)
        with rx.lock:
            seqs = [f['seq'] for f in rx.frames[port]]
        tap.ok(seqs == list(range(frames)), '%s: every frame arrived once, in order' % name, 'seq %s' % seqs)
    finally:
        tx.set_state(ng.Gst.State.NULL)
        rx.stop()


def handshakes_cut(tap, port):
    name = 'connections closed mid-handshake'
    frames, cuts = 30, 5
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((ng.LOOPBACK, port))
    listener.listen(8)
    listener.settimeout(0.5)
    closed = []

    def cut():
        # Accepts and closes at once, before the ZeroMQ greeting is answered:
        # the sender sees its handshake fail, as with a receiver killed while
        # it connects. Bounded by count and time.
        deadline = ng.Deadline(15)
        while len(closed) < cuts and not deadline.expired():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            conn.close()
            closed.append(time.monotonic())
    with ng.ProcGroup() as group:
        tx = group.add(ng.Proc('sender', ng.sender_argv(port, 0, frames, pattern=1, sync=True)))
        t = threading.Thread(target=cut)
        t.start()
        t.join(20)
        listener.close()
        tap.ok(len(closed) == cuts, '%s: the sender connected and was cut off %d times' % (name, cuts),
               '%d cuts\n%s' % (len(closed), tx.report()))
        tap.ok(not tx.find('ERROR'), '%s: the sender has not failed' % name, tx.report())
        rx = ng.Receiver([port])
        try:
            if not tap.ok(rx.start(), '%s: a receiver comes' % name, '\n'.join(rx.errors)):
                return
            rx.run_until(lambda: rx.eos, 30)
            with rx.lock:
                seqs = [f['seq'] for f in rx.frames[port]]
            tap.ok(seqs == list(range(frames)), '%s: every frame arrives, once, in order' % name,
                   'seq %s\n%s' % (seqs, tx.report()))
            tap.ok(tx.wait_exit(20) == 0 and not tx.find('ERROR'), '%s: the sender ends cleanly' % name,
                   tx.report())
        finally:
            rx.stop()


def main():
    tap = ng.Tap()
    for fn, args in ((receiver_goes_away, (27190,)), (receiver_goes_away, (27196, "skip")), (eos_to_pipeline, (27192, 27193)),
                     (sender_paused, (27194,)), (handshakes_cut, (27197,))):
        try:
            fn(tap, *args)
        except Exception:
            tap.exception(fn.__name__)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
