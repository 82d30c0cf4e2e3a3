#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""The gst-launch-1.0 lines of docs/modes/*.md work as written.

For each page, its receiver lines (netgearsrc) and sender lines
(netgearsink) are run by bash as a user pastes them, on 127.0.0.1, with
each port of the page mapped to a test port and autovideosink replaced by a
fakesink: the receivers start first (until gst-launch says PLAYING), then
the senders, which end after their num-buffers frames; every process must
exit 0 and each receiver reach EOS (its senders' terminate messages). A
sender line with bidirectional=true and -m must print netgear-reply bus
messages. Ports 27340-27359.
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402

PAGES = sorted(glob.glob(os.path.join(ng.HERE, '..', '..', 'docs', 'modes', '*.md')))
PORT0 = 27340


def run_page(tap, path, port0):
    page = os.path.relpath(path, os.path.join(ng.HERE, '..', '..'))
    cmds = ng.doc_commands(path)
    ports = sorted({int(p) for c in cmds for p in re.findall(r'(?:port=|src_|ports=[\d,]*?)(\d{4,5})', c)})
    mapping = {p: port0 + i for i, p in enumerate(ports)}

    def adapt(cmd):
        cmd = re.sub(r'\d{4,5}', lambda m: str(mapping.get(int(m.group(0)), m.group(0))), cmd)
        return cmd.replace('autovideosink', 'fakesink sync=false').replace('address=0.0.0.0', 'address=127.0.0.1')
    receivers = [adapt(c) for c in cmds if 'netgearsrc' in c]
    senders = [adapt(c) for c in cmds if 'netgearsink' in c]
    if not tap.ok(receivers and senders, '%s: has receiver and sender lines' % page, '\n'.join(cmds)):
        return
    d = ng.Deadline(60)
    with ng.ProcGroup() as group:
        rxs = [group.add(ng.Proc('receiver %d' % i, ['bash', '-c', 'exec ' + c])) for i, c in enumerate(receivers)]
        for rx, c in zip(rxs, receivers):
            tap.ok(rx.wait_line('Setting pipeline to PLAYING', d.left()) is not None,
                   '%s: receiver plays: %s' % (page, c[:70]), rx.report())
        txs = [group.add(ng.Proc('sender %d' % i, ['bash', '-c', 'exec ' + c])) for i, c in enumerate(senders)]
        for tx, c in zip(txs, senders):
            tap.ok(tx.wait_exit(d.left()) == 0, '%s: sender ends by itself: %s' % (page, c[:70]), tx.report())
            if 'bidirectional=true' in c and ' -m ' in c:
                tap.ok(tx.find('Got message') and any('netgear-reply' in l for l in tx.find('Got message')),
                       '%s: the sender prints the receiver\'s replies' % page, tx.report())
        for rx in rxs:
            tap.ok(rx.wait_exit(d.left()) == 0 and rx.find('Got EOS from element'),
                   '%s: receiver reaches EOS once its senders ended, exits 0' % page, rx.report())


def body(tap):
    tap.ok(len(PAGES) >= 4, 'docs/modes has its pages', ' '.join(PAGES))
    for i, path in enumerate(PAGES):
        run_page(tap, path, PORT0 + 5 * i)


ng.run_main(body)
