#!/usr/bin/python3
"""Pattern 2 (PUB/SUB): 2 and then 4 sender processes to one netgearsrc.
Latest-frame semantics: frames may be dropped, but whatever arrives must be
in order per sender (strictly increasing meta seq) and intact, and most
frames must arrive when the senders pace themselves (sync=true, 30 fps).
A third run makes the receiver drop: senders at 100 fps, and a consumer
that stalls after 3 frames of each port until every sender has pushed all
its frames, with max-buffers=1; what arrives must still be in order and
intact. Ports 27120-27129."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multisender  # noqa: E402
import ngtest as ng  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=158,height=120,framerate=30/1'
FRAMES = 45


def body(tap):
    multisender.run(tap, [27120, 27121], pattern=2, frames=FRAMES, caps=CAPS, sync=True, exact=False)
    multisender.run(tap, [27122, 27123, 27124, 27125], pattern=2, frames=FRAMES, caps=CAPS, sync=True,
                    exact=False)
    multisender.run(tap, [27126, 27127], pattern=2, frames=60,
                    caps='video/x-raw,format=BGR,width=158,height=120,framerate=100/1', sync=True, exact=False,
                    min_fraction=0.05, rx_args={'max_buffers': 1, 'stall_after': 3},
                    title='pattern 2, 2 senders, slow consumer')


ng.run_main(body)
