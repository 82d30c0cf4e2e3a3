#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Messages with frames, across processes: every JSON kind arrives intact,
attached to the frame and the port it was sent with; the message property,
its change while playing, a per-frame message (netgear-message event) and
its precedence over the property; a message that is not JSON text is
refused and the frame still goes; a relay (netgearsrc ! netgearsink in a
gst-launch-1.0 process) passes its senders' messages on. Ports 27200-27209.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multisender  # noqa: E402
import ngtest as ng  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=64,height=48,framerate=30/1'

# Every kind of JSON value NetGear's message can be, and the edges of each:
# null here means "no message of its own", and the property's value goes.
KINDS = [
    'porch', '', 'ünïcode ✓ 😀 "quoted" \\ back\\slash\n\t', 0, 7, -3, 2 ** 63 - 1, -2 ** 63,
    2.5, 0.1, -1e-300, 1.7976931348623157e308, float('nan'), float('inf'), True, False, None,
    [], {}, [1, 'a', None], {'k': [1, 2.5], 'u': 'ünïcode ✓'},
    {'camera': 'porch', 'gain': 2.5, 'roi': [[0, 0], [64, 48]], 'tags': {'night': True, 'ir': None}},
    [[[[[['deep']]]]]],
]


def per_sender(i):
    """Sender i's list: the kinds, with sender i named in the strings, so a
    message delivered on the wrong port shows."""
    return [('%s/s%d' % (k, i)) if isinstance(k, str) and k else k for k in KINDS]


def prop_message(i):
    return {'from': 'property', 'sender': i}


def expected(i, seq, raw=()):
    if seq in raw:
        return None  # refused: the frame goes without a message
    v = per_sender(i)[seq % len(KINDS)]
    return prop_message(i) if v is None else v


def every_kind(tap):
    frames = 2 * len(KINDS)
    raw = {1: (5, 9)}  # sender -> frames whose message is bytes

    def args(i):
        a = ['--message', json.dumps(prop_message(i)), '--frame-messages', json.dumps(per_sender(i))]
        if raw.get(i):
            a += ['--raw-message-frames', ','.join(map(str, raw[i]))]
        return a

    def check(tap, label, i, proc, recs):
        st = proc.stats()
        want = len(raw.get(i, ()))
        tap.ok(st is not None and st.get_value('messages-refused') == want,
               '%s: sender counts %d refused message(s) (bytes, not JSON)' % (label, want),
               st.to_string() if st else proc.report())
        warned = [l for l in proc.find('WARNING ') if 'message was refused' in l]
        tap.ok(bool(warned) == bool(want), '%s: %s' % (label, 'a warning names the refusal' if want else
                                                      'no refusal warning'), proc.report())

    ports = [27200, 27201, 27202, 27203]
    multisender.run(tap, ports, pattern=1, frames=frames, caps=CAPS, sync=False, exact=True,
                    title='every JSON kind, pattern 1', sender_args=[args(i) for i in range(len(ports))],
                    expect_message=lambda i, seq: expected(i, seq, raw.get(i, ())), check=check)


def pubsub(tap):
    # PUB/SUB may drop frames; each frame that arrives has its own message.
    frames = 3 * len(KINDS)
    multisender.run(tap, [27204, 27205], pattern=2, frames=frames, caps=CAPS, sync=True, exact=False,
                    title='every JSON kind, pattern 2', min_fraction=0.3,
                    sender_args=[['--message', json.dumps(prop_message(i)), '--frame-messages',
                                  json.dumps(per_sender(i))] for i in range(2)],
                    expect_message=lambda i, seq: expected(i, seq))


def property_change(tap):
    # The property changes before frame 20 is pushed; appsrc holds at most 3
    # frames and netgearsink one, so frames up to 15 go with the old value.
    frames, at = 40, 20

    def check(tap, label, i, proc, recs):
        msgs = [(r['seq'], json.loads(r['message'])) for r in recs]
        vals = [m for _, m in msgs]
        switch = next((k for k, v in enumerate(vals) if v == 'after'), None)
        tap.ok(switch is not None and all(v == 'before' for v in vals[:switch]) and
               all(v == 'after' for v in vals[switch:]),
               '%s: the messages switch once, from the old value to the new' % label, str(msgs))
        tap.ok(switch is not None and at - 4 <= msgs[switch][0] <= at,
               '%s: the new value goes from a frame within appsrc\'s queue of the change (frame %d)' %
               (label, at), str(msgs))

    multisender.run(tap, [27206], pattern=1, frames=frames, caps=CAPS, sync=False, exact=True,
                    title='message property changed while playing',
                    sender_args=[['--message', '"before"', '--message-at', '%d:"after"' % at]],
                    expect_message=lambda i, seq: 'before' if seq < at - 4 else ('after' if seq >= at else ng.ANY),
                    check=check)


def relay(tap):
    """sender -> relay (netgearsrc ! netgearsink, another process) ->
    receiver: the senders' own messages pass through the relay, and frames
    without one get the relay's message property."""
    frames = 12
    items = ['first', None, {'n': 2}, None]
    rx = ng.Receiver([27209], pattern=1)
    try:
        if not tap.ok(rx.start(), 'relay: receiver reaches PLAYING', rx.summary()):
            return
        d = ng.Deadline(40)
        with ng.ProcGroup() as group:
            relay_proc = group.add(ng.Proc('relay', [
                'gst-launch-1.0', '-q', 'netgearsrc', 'address=127.0.0.1', 'ports=27208', '!',
                'netgearsink', 'address=127.0.0.1', 'port=27209', 'message=via relay']))
            sender = ng.start_sender(group, 27208, 0, frames, pattern=1, caps=CAPS, hold=True, timeout=35,
                                     extra=['--frame-messages', json.dumps(items)])
            tap.ok(sender.wait_line('HOLDING', d.left()) is not None, 'relay: the sender pushed every frame',
                   sender.report())
            got = rx.run_until(lambda: rx.count(27209) >= frames, d.left())
            tap.ok(got, 'relay: every frame reached the receiver through the relay',
                   rx.summary() + '\n' + relay_proc.report() + '\n' + sender.report())
            sender.send_line()
            tap.ok(rx.run_until(lambda: rx.eos, d.left()),
                   'relay: the sender\'s end reaches the receiver through the relay (EOS)',
                   rx.summary() + '\n' + relay_proc.report())
            tap.ok(relay_proc.wait_exit(d.left()) == 0, 'relay: gst-launch-1.0 relay exits 0 at EOS',
                   relay_proc.report())
            sender.wait_exit(d.left())
        with rx.lock:
            recs = list(rx.frames[27209])
        want = [items[n % len(items)] if items[n % len(items)] is not None else 'via relay' for n in range(frames)]
        got = [json.loads(r['message']) for r in recs]
        tap.ok(got == want, 'relay: each frame keeps its sender\'s message; the others get the relay\'s',
               'got %s\nwant %s' % (got, want))
        tap.ok([r['seq'] for r in recs] == list(range(frames)) and
               all(r['digest'] == ng.expected_digest(CAPS, 0, n) for n, r in enumerate(recs)),
               'relay: frames arrive in order, byte for byte', str([(r['seq'], r['marker']) for r in recs]))
    finally:
        rx.stop()


def body(tap):
    every_kind(tap)
    pubsub(tap)
    property_change(tap)
    relay(tap)


ng.run_main(body)
