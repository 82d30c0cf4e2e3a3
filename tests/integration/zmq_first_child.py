#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""A receiving process that imports zmq before gi, as many vidgear programs
do (zmq, cv2). Such a process has two C++ unwinders loaded (libgcc_s's, and
libunwind's, which GStreamer links), and a C++ exception thrown in the plugin
may abort it instead of being caught. It sets a reply that is not JSON and
takes messages that are not JSON or nested too deeply, from a REQ peer on
the port given, then prints SURVIVED and exits 0.

    zmq_first_child.py PORT
"""
import sys

import zmq  # first, on purpose

import gi  # noqa: E402

gi.require_version('Gst', '1.0')
from gi.repository import Gst  # noqa: E402


def main():
    port = int(sys.argv[1])
    Gst.init(None)
    p = Gst.parse_launch('netgearsrc name=s address=127.0.0.1 ports=%d bidirectional=true s.src_%d ! '
                         'fakesink async=false' % (port, port))
    s = p.get_by_name('s')
    if p.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        print('ERROR cannot start', flush=True)
        return 1
    s.set_property('reply-json', 'not json')  # refused while playing: a warning, the value stays null
    ctx = zmq.Context()
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, 5000)
    req.connect('tcp://127.0.0.1:%d' % port)
    for part0 in (b'not json', b'[' * 500 + b']' * 500, b'{"a": NaN, NaN: 1}'):
        req.send_multipart([part0, b'xyz'])
        print('REPLY', req.recv().decode(), flush=True)
    p.set_state(Gst.State.NULL)
    req.close()
    ctx.term()
    print('SURVIVED', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
