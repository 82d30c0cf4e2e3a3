#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A vidgear NetGear client (multi-server mode) receiving from gst-netgear
senders: the Python side of "GStreamer cameras, vidgear receiver".

Needs vidgear (`pip install vidgear`; not packaged by Debian). Start it
first (it binds the ports), then one netgearsink per port, e.g.

    ./vidgear-client.py --ports 5566,5567
    gst-launch-1.0 videotestsrc ! video/x-raw,format=BGR,width=640,height=480 ! \\
        netgearsink address=127.0.0.1 port=5566 message="I'm Server-1 at Port: 5566"

For every frame it prints where it came from, its message and the array it
became; it ends, as vidgear's client does, once every sender it has seen
has terminated (netgearsink terminates on EOS). --bidirectional answers each
frame, with --reply's text (vidgear's example: --reply "Hi, I am a Client
here.") or a counter (netgearsink bidirectional=true hands the answer to
its application as the `reply` signal and the netgear-reply bus message).

Secure mode (pattern 1; vidgear's secure PUB/SUB receives nothing): e.g.
--secure-mode 2 --keys DIR, which makes vidgear's key set in
DIR/.vidgear/keys when there is none, then netgearsink
secure-mode=ironhouse keys-dir=DIR. vidgear admits only senders whose
address is the one it binds (--address; 127.0.0.1 for senders on this
host)."""
import argparse
import hashlib
import json
import sys

from vidgear.gears import NetGear


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--address', default='127.0.0.1', help='the address to bind (this host\'s)')
    ap.add_argument('--ports', default='5566,5567', help='one port per sender, comma-separated')
    ap.add_argument('--pattern', type=int, default=1, choices=(1, 2), help='1 = REQ/REP, 2 = PUB/SUB')
    ap.add_argument('--bidirectional', action='store_true', help='answer every frame (pattern 1)')
    ap.add_argument('--reply', metavar='TEXT', help='with --bidirectional, answer every frame with this text, as the '
                    'multi-server bidirectional example\'s client does ("Hi, I am a Client here."); default: '
                    '{"received": <frames so far>}')
    ap.add_argument('--secure-mode', type=int, default=0, choices=(0, 1, 2),
                    help='vidgear\'s secure_mode: 0 none, 1 StoneHouse, 2 IronHouse (netgearsink secure-mode)')
    ap.add_argument('--keys', metavar='DIR', help='vidgear\'s custom_cert_location: keys in DIR/.vidgear/keys, '
                    'made there if missing (default ~/.vidgear); netgearsink keys-dir=DIR')
    a = ap.parse_args()

    options = {'multiserver_mode': True}
    if a.bidirectional:
        # vidgear refuses the key with pattern 2 even when it is False.
        options['bidirectional_mode'] = True
    if a.secure_mode:
        options['secure_mode'] = a.secure_mode
    if a.keys:
        options['custom_cert_location'] = a.keys
    client = NetGear(address=a.address, port=[int(p) for p in a.ports.split(',')], protocol='tcp',
                     pattern=a.pattern, receive_mode=True, logging=False, **options)
    print('listening on %s ports %s' % (a.address, a.ports), flush=True)
    count = 0
    try:
        while True:
            # vidgear sends this answer with the frames that arrive from now
            # on, from whichever sender: one shared reply.
            reply = (a.reply if a.reply is not None else {'received': count}) if a.bidirectional else None
            data = client.recv(return_data=reply)
            if data is None:
                break
            # (port, message, frame), or (port, frame) when the message is
            # empty (None, "", 0, False...): vidgear leaves those out.
            port, message, frame = data if len(data) == 3 else (data[0], None, data[1])
            print('port=%s message=%s dtype=%s shape=%s sha256=%s' % (
                json.dumps(port), json.dumps(message), frame.dtype, list(frame.shape),
                hashlib.sha256(frame.tobytes()).hexdigest()[:32]), flush=True)
            count += 1
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
    print('all senders terminated after %d frames' % count, flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
