# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The many-senders-to-one-receiver scenario shared by test_reqrep.py,
test_pubsub.py and test_caps.py: the receiver (netgearsrc, one appsink per
pad) runs in this process, every sender is a process of its own
(sender.py)."""
import time

import ngtest as ng


def run(tap, ports, pattern, frames, caps, sync, exact, encoders=None, title=None, timeout=50, min_fraction=0.5,
        rx_args=None, sender_args=None, expect_message=None, check=None):
    """caps: one raw video caps string for every sender, or a list, one per
    sender (the caps of the frames the sender generates; an encoder from
    `encoders`, one per sender or None, may sit between them and
    netgearsink). sender_args: more sender.py arguments, a list per sender.
    expect_message(index, seq): the message value sender `index`'s frame
    `seq` must carry (default: null). check(tap, label, index, sender_proc,
    records): more checks per sender, after the common ones."""
    caps_list = caps if isinstance(caps, list) else [caps] * len(ports)
    encoders = encoders or [None] * len(ports)
    label0 = title or 'pattern %d, %d senders' % (pattern, len(ports))
    rx_args = dict(rx_args or {})
    on_create = rx_args.pop('on_create', None)  # on_create(rx): e.g. to connect signals
    rx = ng.Receiver(ports, pattern=pattern, **rx_args)
    if on_create:
        on_create(rx)
    try:
        if not tap.ok(rx.start(), '%s: receiver reaches PLAYING' % label0, rx.summary()):
            return
        deadline = ng.Deadline(timeout)
        with ng.ProcGroup() as group:
            start = time.monotonic()
            senders = [ng.start_sender(group, port, i, frames, pattern=pattern, caps=c, encoder=e, sync=sync,
                                       hold=True, timeout=timeout - 5,
                                       extra=sender_args[i] if sender_args else ())
                       for i, (port, c, e) in enumerate(zip(ports, caps_list, encoders))]
            # The receiving pipeline ends as soon as every sender *that has
            # connected* terminated, so no sender may end before all are
            # connected: each holds after its last frame until told to go on.
            all_in = rx.run_until(rx.all_connected, deadline.left())
            tap.ok(all_in, '%s: every sender connected (netgear-server-connected)' % label0,
                   rx.summary() + '\n' + '\n'.join(s.report() for s in senders))
            holding = [s.wait_line('HOLDING', deadline.left()) is not None for s in senders]
            tap.ok(all(holding), '%s: every sender pushed all its frames' % label0,
                   '\n'.join(s.report() for s in senders))
            # A stalled consumer (rx_args stall_after) has made the receiver
            # drop while the senders streamed; it consumes again for the end.
            rx.release_consumer()
            for s in senders:
                s.send_line()
            # Every sender now sends EOS -> terminate; once all have
            # terminated the receiving pipeline must reach EOS.
            got_eos = rx.run_until(lambda: rx.eos, deadline.left())
            exits = [s.wait_exit(max(1.0, deadline.left())) for s in senders]
            rx.drain_bus()
            tap.ok(got_eos, '%s: receiving pipeline reaches EOS after every sender terminated' % label0,
                   rx.summary() + '\n' + '\n'.join(s.report() for s in senders))
            tap.ok(not rx.errors, '%s: no error on the receiver bus' % label0, '\n'.join(rx.errors))
            for i, (port, s, rc, c, e) in enumerate(zip(ports, senders, exits, caps_list, encoders)):
                label = '%s, sender %d (port %d)' % (label0, i, port)
                if e:
                    label += ' %s' % e
                elif len(set(caps_list)) > 1:
                    label += ' %s' % c.split(',framerate')[0]
                tap.ok(rc == 0 and s.find('EOS') and not s.find('ERROR'),
                       '%s: sender finished with EOS, no error' % label, s.report())
                if e:
                    sent = s.sent()

                    def expect(n, sent=sent):
                        return sent.get(n)
                else:
                    def expect(n, i=i, c=c):
                        return ng.expected_digest(c, i, n)
                ng.check_stream(tap, rx, port, label, frames, exact, expect, sender_caps=s.caps(),
                                min_fraction=min_fraction,
                                expect_message=(lambda seq, i=i: expect_message(i, seq)) if expect_message else None)
                if check:
                    with rx.lock:
                        recs = list(rx.frames[port])
                    check(tap, label, i, s, recs)
                if not e:
                    with rx.lock:
                        recs = list(rx.frames[port])
                    info = ng.video_info(c)
                    wrong = sorted(set(r['size'] for r in recs if r['size'] != info.size))
                    tap.ok(recs and not wrong,
                           "%s: buffers have GStreamer's default layout (%d bytes)" % (label, info.size),
                           'sizes %s; packed would be %d' % (wrong, ng.packed_size(info)))
                ci, ti = rx.message_index('netgear-server-connected', port), \
                    rx.message_index('netgear-server-terminated', port)
                tap.ok(ci is not None and ti is not None and ci < ti,
                       '%s: netgear-server-connected then netgear-server-terminated on the bus' % label,
                       'messages %s' % rx.messages)
                peer = next((f.get('peer') for _, n, f in rx.messages
                             if n == 'netgear-server-connected' and f.get('port') == port), None)
                tap.ok(isinstance(peer, str) and ng.LOOPBACK in peer,
                       '%s: netgear-server-connected names peer %s' % (label, ng.LOOPBACK), 'peer %r' % peer)
                tap.ok(rx.eos_index is not None and ti is not None and ti < rx.eos_index,
                       '%s: its terminated message comes before the pipeline EOS' % label,
                       'terminated at %s, EOS at %s' % (ti, rx.eos_index))
                if pattern == 1:
                    st = s.stats()
                    tap.ok(st is not None and st.get_value('timeouts') == 0 and
                           st.get_value('acknowledged') >= frames,
                           '%s: sender stats: every frame acknowledged, no timeout' % label,
                           st.to_string() if st else s.report())
            tap.ok(all(rx.pad_eos.values()), '%s: every pad got EOS' % label0, str(rx.pad_eos))
            with rx.lock:
                spans = {p: (len(v), round(v[0]['time'] - start, 3), round(v[-1]['time'] - start, 3))
                         for p, v in rx.frames.items() if v}
            tap.diag('receiver stats: %s' % rx.stats_summary())
            tap.diag('per port: (frames, first and last arrival in s since the senders started): %s' % spans)
    finally:
        t = rx.stop()
        tap.ok(t < 2.0, '%s: receiver stops in under 2 s' % label0, 'took %.2f s' % t)
