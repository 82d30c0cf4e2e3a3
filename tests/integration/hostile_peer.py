#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A hostile (or broken) NetGear sender, for test_bad_input.py.

Connects a REQ (pattern 1) or XPUB (pattern 2) socket to 127.0.0.1:PORT and
sends a terminate before any frame (NetGear wedges on it), then, in turn, a
good vidgear-style BGR frame and one malformed message, through every case
in CASES, then a well-formed frame larger than the receiver's
max-message-size (OVERSIZE: ZeroMQ drops the connection, which the peer
sees on its socket monitor, prints as "dropped oversize" and reconnects
from), then a last good frame and the terminate. The good frames named in
ODD_GOOD are delivered but odd: one claims another port in its header
(PORT + 1, the other sender's), one carries our extension at a version from
the future with keys nobody knows.
Prints one line per message sent ("sent <label>") and, in pattern 1, one per
reply ("reply <label> <first bytes>"), then "done". In pattern 1 a missing
reply is printed as "noreply <label>" and ends the run: no REP state machine
may wedge on bad input.
"""
import json
import sys

import zmq

PORT = int(sys.argv[1]) if __name__ == '__main__' else 5571
PATTERN = int(sys.argv[2]) if __name__ == '__main__' else 1
REPLY_TIMEOUT_MS = 3000


def header(**over):
    h = {'port': PORT, 'terminate_flag': False, 'compression': False, 'message': None,
         'pattern': str(PATTERN), 'dtype': 'uint8', 'shape': [4, 6, 3]}
    h.update(over)
    return json.dumps(h).encode()


# good frame index -> what is odd about it, and the stats field counting it
ODD_GOOD = {3: ('claims-other-port', 'port-mismatch'), 5: ('future-extension', 'newer-extension')}


def good(i):
    """Frame i: 72 bytes, byte k = (i * 7 + k) % 251."""
    payload = bytes((i * 7 + k) % 251 for k in range(72))
    odd = ODD_GOOD.get(i, (None,))[0]
    if odd == 'claims-other-port':
        return [header(message={'good': i}, port=PORT + 1), payload]
    if odd == 'future-extension':
        ext = {'v': 99, 'caps': 'video/x-raw,format=BGR,width=6,height=4,framerate=0/1', 'layout': 'packed',
               'seq': i, 'stream': 12345, 'hologram': {'depth': [1, 2]}, 'sent': 1}
        return [header(message={'good': i}, gst=ext), payload]
    return [header(message={'good': i}), payload]


PAYLOAD = bytes(72)
# Over test_bad_input.py's max-message-size, which the well-behaved sender's
# frames (318x200 BGR, 191 kB) are under.
OVERSIZE = [header(shape=[600, 600, 3]), bytes(600 * 600 * 3)]
MAX_MESSAGE_SIZE = 512 * 1024
# label, parts, drop reason netgearsrc must count
CASES = [
    ('not-json', [b'not json{', PAYLOAD], 'not-json'),
    ('empty-header', [b'', PAYLOAD], 'not-json'),
    ('json-array', [b'[1, 2, 3]', PAYLOAD], 'not-object'),
    ('no-terminate-flag', [json.dumps({'port': PORT, 'compression': False, 'dtype': 'uint8',
                                       'shape': [4, 6, 3]}).encode(), PAYLOAD], 'bad-header'),
    ('shape-string', [header(shape=[4, 'six', 3]), PAYLOAD], 'bad-header'),
    ('one-part-frame', [header()], 'bad-parts'),
    ('three-parts', [header(), PAYLOAD, b'extra'], 'bad-parts'),
    ('terminate-two-parts', [json.dumps({'terminate_flag': True, 'port': PORT}).encode(), b'x'], 'bad-parts'),
    ('shape-mismatch', [header(shape=[4, 6, 4]), PAYLOAD], 'size-mismatch'),
    ('2GB-shape', [header(shape=[50000, 50000, 3]), PAYLOAD], 'size-mismatch'),
    ('uint16', [header(dtype='uint16', shape=[4, 9]), PAYLOAD], 'unsupported'),
    ('complex-dtype', [header(dtype='complex128', shape=[9]), PAYLOAD], 'unsupported'),
    ('gst-not-object', [header(gst=5), PAYLOAD], 'bad-extension'),
    ('gst-unfixed-caps', [header(gst={'v': 1, 'caps': 'video/x-raw'}), PAYLOAD], 'bad-extension'),
    ('gst-version-text', [header(gst={'v': 'one', 'caps': 'video/x-raw,format=BGR,width=6,height=4'}), PAYLOAD],
     'bad-extension'),
    ('100-parts', [header()] + [b'x'] * 99, 'bad-parts'),
    ('no-dtype', [json.dumps({'port': PORT, 'terminate_flag': False, 'compression': False, 'message': None,
                              'pattern': str(PATTERN), 'shape': [4, 6, 3]}).encode(), PAYLOAD], 'bad-header'),
    ('no-shape', [json.dumps({'port': PORT, 'terminate_flag': False, 'compression': False, 'message': None,
                              'pattern': str(PATTERN), 'dtype': 'uint8'}).encode(), PAYLOAD], 'bad-header'),
    ('shape-number', [header(shape=72), PAYLOAD], 'bad-header'),
    ('flag-text', [header(terminate_flag='no'), PAYLOAD], 'bad-header'),
    ('negative-shape', [header(shape=[-4, 6, 3]), PAYLOAD], 'bad-header'),
    # compression says JPEG: the payload must be one
    ('not-jpeg', [header(compression={'dct': False, 'ups': False, 'colorspace': 'BGR'}, dtype='', shape=''),
                  b'\xff\xd8 this is no JPEG' + PAYLOAD], 'not-jpeg'),
]


def main():
    ctx = zmq.Context()
    # XPUB: PUB on the wire, and it shows when the receiver has subscribed.
    # Its default queue (1000 messages) holds the whole run, so none is lost
    # before netgearsrc judges it.
    sock = ctx.socket(zmq.REQ if PATTERN == 1 else zmq.XPUB)
    sock.setsockopt(zmq.LINGER, 1000)
    if PATTERN == 1:
        sock.setsockopt(zmq.REQ_RELAXED, 1)
        sock.setsockopt(zmq.REQ_CORRELATE, 1)
    else:
        # A connecting socket keeps its subscriptions across reconnections:
        # without VERBOSE the receiver's subscribing again would not show.
        sock.setsockopt(zmq.XPUB_VERBOSE, 1)
    monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
    sock.connect('tcp://127.0.0.1:%d' % PORT)
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)

    def send(label, parts):
        sock.send_multipart(parts)
        print('sent', label, flush=True)
        if PATTERN != 1:
            return True
        if not poller.poll(REPLY_TIMEOUT_MS):
            print('noreply', label, flush=True)
            return False
        reply = sock.recv_multipart()
        print('reply', label, reply[0][:40].decode('ascii', 'replace').replace(' ', '_'), flush=True)
        return True

    if PATTERN != 1:
        if not poller.poll(REPLY_TIMEOUT_MS) or sock.recv()[:1] != b'\x01':
            print('nosubscriber', flush=True)
            return
    # Before any frame: NetGear leaves it unanswered and wedges.
    ok = send('early-terminate', [json.dumps({'terminate_flag': True, 'port': PORT}).encode()])
    i = 0
    ok = ok and send('good-%d' % i, good(i))
    for label, parts, _ in CASES:
        if not ok:
            break
        ok = send(label, parts)
        i += 1
        ok = ok and send('good-%d' % i, good(i))
    if ok:
        # No answer can come: the receiver drops the connection instead.
        sock.send_multipart(OVERSIZE)
        print('sent oversize', flush=True)
        if not monitor.poll(REPLY_TIMEOUT_MS):
            print('notdropped oversize', flush=True)
            ok = False
        else:
            monitor.recv_multipart()
            print('dropped oversize', flush=True)
            if PATTERN != 1:
                # The receiver subscribes again on the new connection.
                ok = False
                while poller.poll(REPLY_TIMEOUT_MS):
                    if sock.recv()[:1] == b'\x01':
                        ok = True
                        break
        i += 1
        ok = ok and send('good-%d' % i, good(i))
    if ok:
        send('terminate', [json.dumps({'terminate_flag': True, 'port': PORT}).encode()])
    print('done', flush=True)
    sock.disable_monitor()
    monitor.close(linger=0)
    sock.close()
    ctx.term()


if __name__ == '__main__':
    main()
