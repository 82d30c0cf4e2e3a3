#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Secure mode (CURVE), sender processes into one netgearsrc, patterns 1
and 2:
- StoneHouse and IronHouse with a key set written in vidgear's layout
  (<dir>/.vidgear/keys/{public_keys,private_keys}, by pyzmq's
  zmq.auth.create_certificates, as vidgear's generate_auth_certificates
  does), given as keys-dir on both ends: every frame arrives (pattern 1),
  frames flow (pattern 2);
- IronHouse with keys as Z85 properties (public-key, secret-key,
  server-key, allowed-keys);
- refused, next to an authorised sender that keeps flowing: a sender whose
  key is not allowed (IronHouse), one with a wrong receiver key
  (StoneHouse), one with no security: none of their frames arrives,
  netgearsrc posts netgear-auth-failed naming the port and the peer, and
  the sender fails with an error instead of waiting for ever;
- the payload is not plaintext on the wire: the loopback traffic of a
  secure run, captured with a raw socket, does not hold a known run of
  frame bytes that the same capture finds in a run without security (when
  the test can open a raw socket, i.e. runs as root; skipped otherwise).
Ports 27310-27329."""
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ngtest as ng  # noqa: E402
import ngframes  # noqa: E402

import zmq  # noqa: E402
import zmq.auth  # noqa: E402

CAPS = 'video/x-raw,format=BGR,width=160,height=120,framerate=30/1'
FRAMES = 30


def vidgear_key_set(root):
    """Writes keys as vidgear does: <root>/.vidgear/keys/public_keys/{server,client}.key
    and private_keys/{server,client}.key_secret. Returns the keys dir."""
    keys = os.path.join(root, '.vidgear', 'keys')
    pub_dir, sec_dir = os.path.join(keys, 'public_keys'), os.path.join(keys, 'private_keys')
    os.makedirs(pub_dir)
    os.makedirs(sec_dir)
    for name in ('server', 'client'):
        pub, sec = zmq.auth.create_certificates(keys, name)
        shutil.move(pub, pub_dir)
        shutil.move(sec, sec_dir)
    return keys


def props(**kw):
    return ' '.join('%s=%s' % (k.replace('_', '-'), v) for k, v in kw.items())


def frames_from(rx, port):
    with rx.lock:
        return list(rx.frames[port])


def authorised_run(tap, name, pattern, ports, src_props, sink_props):
    rx = ng.Receiver(ports, pattern=pattern, src_props=src_props)
    if not ng.started(tap, name, rx):
        return
    try:
        with ng.ProcGroup() as group:
            senders = [ng.start_sender(group, p, i, FRAMES, pattern=pattern, caps=CAPS, sync=True, hold=True,
                                       timeout=40, extra=('--props', sink_props))
                       for i, p in enumerate(ports)]
            tap.ok(rx.run_until(rx.all_connected, 20), '%s: every sender connects' % name, rx.summary())
            for s in senders:
                tap.ok(s.wait_line('HOLDING', 30) is not None, '%s: %s pushed its frames' % (name, s.name), s.report())
                s.send_line()
            tap.ok(rx.run_until(lambda: rx.eos, 20), '%s: EOS after every sender terminated' % name, rx.summary())
            for i, (p, s) in enumerate(zip(ports, senders)):
                sent = s.sent()
                got = frames_from(rx, p)
                seqs = [r['seq'] for r in got]
                intact = all(sent.get(r['seq']) == r['digest'] for r in got)
                if pattern == 1:
                    tap.ok(seqs == list(range(FRAMES)) and intact,
                           '%s: port %d: every frame arrived, intact' % (name, p), 'seqs %s' % seqs)
                else:
                    tap.ok(len(got) >= FRAMES // 2 and seqs == sorted(set(seqs)) and intact,
                           '%s: port %d: frames flow, in order, intact (%d of %d)' % (name, p, len(got), FRAMES),
                           'seqs %s' % seqs)
                tap.ok(s.wait_exit(10) == 0 and not s.find('ERROR'), '%s: %s ends cleanly' % (name, s.name),
                       s.report())
            tap.ok(not rx.errors and not rx.got('netgear-auth-failed', ports[0]),
                   '%s: no error, no refusal' % name, rx.summary())
    finally:
        rx.stop()


def refused_run(tap, name, pattern, good_port, bad_port, src_props, good_props, bad_props, zap_refusal=False):
    """An authorised sender on good_port and a refused one on bad_port."""
    rx = ng.Receiver([good_port, bad_port], pattern=pattern, src_props=src_props)
    if not ng.started(tap, name, rx):
        return
    try:
        with ng.ProcGroup() as group:
            good = ng.start_sender(group, good_port, 0, FRAMES, pattern=pattern, caps=CAPS, sync=True, hold=True,
                                   timeout=40, extra=('--props', good_props))
            bad = ng.start_sender(group, bad_port, 1, FRAMES, pattern=pattern, caps=CAPS, sync=True, timeout=40,
                                  extra=('--props', bad_props))
            err = bad.wait_line('ERROR', 20)
            tap.ok(err is not None and 'refused' in err,
                   '%s: the refused sender fails with an error saying so' % name, bad.report())
            tap.ok(bad.wait_exit(10) == 1, '%s: ... and its process ends' % name, bad.report())
            tap.ok(rx.run_until(lambda: rx.got('netgear-auth-failed', bad_port), 10),
                   '%s: netgearsrc posts netgear-auth-failed for its port' % name, rx.summary())
            fields = next((f for _, n, f in rx.messages if n == 'netgear-auth-failed'), {})
            if zap_refusal:
                # ZAP saw the address; a handshake that fails before ZAP
                # may close before its peer can be named.
                tap.ok(fields.get('peer') == '127.0.0.1' and fields.get('reason'),
                       '%s: ... naming the peer and the reason' % name, str(fields))
            else:
                tap.ok(fields.get('reason'), '%s: ... giving the reason' % name, str(fields))
            tap.diag('%s: reason: %s' % (name, fields.get('reason')))
            tap.ok(good.wait_line('HOLDING', 30) is not None, '%s: the authorised sender pushed its frames' % name,
                   good.report())
            good.send_line()
            tap.ok(rx.run_until(lambda: rx.eos, 20), '%s: EOS once the authorised sender terminated' % name,
                   rx.summary())
            n_good = len(frames_from(rx, good_port))
            tap.ok(n_good == FRAMES if pattern == 1 else n_good >= FRAMES // 2,
                   '%s: the authorised sender\'s frames arrive (%d)' % (name, n_good), rx.summary())
            tap.ok(not frames_from(rx, bad_port) and not rx.got('netgear-server-connected', bad_port),
                   '%s: nothing of the refused sender gets through' % name, rx.summary())
            stats = rx.src.get_property('stats')
            st = stats.get_value('port-%d' % bad_port)
            tap.ok(st.get_value('auth-failures') >= 1 and st.get_value('frames') == 0,
                   '%s: stats count the refusal, no frame' % name, st.to_string())
    finally:
        rx.stop()


class Capture:
    """Every TCP payload on the loopback interface, from a raw socket
    (needs CAP_NET_RAW), read on a thread until stop()."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        # Room for the whole run: this thread shares the interpreter with
        # the receiver's callbacks and may be late to read.
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 33, 64 * 1024 * 1024)  # SO_RCVBUFFORCE
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024 * 1024)
        self.sock.bind(('lo', 0))
        self.sock.settimeout(0.2)
        self.data = bytearray()
        self.packets = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                pkt = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.packets += 1
            self.data += pkt
            if len(self.data) > 64 * 1024 * 1024:
                return

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


def plaintext_check(tap, port, keys):
    """The same frames with and without security, captured on lo."""
    name = 'payload on the wire'
    # Frame n of sender 0 with --content solid: one BGR triple repeated; 96
    # pixels of it in a row cannot come from encrypted bytes by chance.
    needles = [bytes(ngframes.solid_bgr(0, n)) * 96 for n in range(FRAMES)]
    found = {}
    for secure in (False, True):
        label = 'secure' if secure else 'plain'
        sec = props(secure_mode='stonehouse', keys_dir=keys) if secure else ''
        try:
            cap = Capture()
        except (PermissionError, OSError) as e:
            tap.skip('%s: a raw socket on lo captures the traffic' % name, 'cannot open a raw socket: %s' % e)
            return
        rx = ng.Receiver([port], pattern=1, src_props=sec)
        try:
            if not tap.ok(rx.start(), '%s, %s: receiver reaches PLAYING' % (name, label), '\n'.join(rx.errors)):
                return
            with ng.ProcGroup() as group:
                s = ng.start_sender(group, port, 0, FRAMES, pattern=1, caps=CAPS, sync=True, timeout=40,
                                    extra=('--content', 'solid', '--props', sec))
                tap.ok(rx.run_until(lambda: rx.eos, 30) and rx.count(port) == FRAMES,
                       '%s, %s: every frame arrives' % (name, label), rx.summary() + s.report())
                s.wait_exit(10)
        finally:
            rx.stop()
            cap.stop()
        data = bytes(cap.data)
        # Each frame crosses lo once (a packet is seen once, as sent); the
        # capture must have seen at least that much to judge.
        tap.ok(len(data) >= FRAMES * 160 * 120 * 3, '%s, %s: the capture saw the traffic' % (name, label),
               '%d bytes in %d packets' % (len(data), cap.packets))
        found[secure] = sum(1 for nd in needles if nd in data)
        tap.diag('%s, %s: %d packets, %d bytes captured; %d of %d frame patterns seen' %
                 (name, label, cap.packets, len(data), found[secure], FRAMES))
    tap.ok(found[False] >= FRAMES // 2, '%s: without security the frames are seen in the capture (control)' % name,
           'seen %d' % found[False])
    tap.ok(found[True] == 0, '%s: with CURVE no frame pattern is seen' % name, 'seen %d' % found[True])


def body(tap):
    tmp = tempfile.mkdtemp(prefix='netgear-keys-')
    try:
        keys = vidgear_key_set(tmp)
        # A vidgear user points at custom_cert_location; the keys are below.
        vid = props(keys_dir=tmp)
        intruder_dir = os.path.join(tmp, 'intruder')
        os.makedirs(intruder_dir)
        _, intruder_secret = zmq.auth.create_certificates(intruder_dir, 'intruder')
        stranger_pub, _ = zmq.auth.create_certificates(intruder_dir, 'stranger')
        rx_pub, rx_sec = (k.decode() for k in zmq.curve_keypair())
        tx_pub, tx_sec = (k.decode() for k in zmq.curve_keypair())

        port = 27310
        for pattern in (1, 2):
            for mode in ('stonehouse', 'ironhouse'):
                authorised_run(tap, 'pattern %d, %s, vidgear key set' % (pattern, mode), pattern, [port, port + 1],
                               'secure-mode=%s %s' % (mode, vid), 'secure-mode=%s %s' % (mode, vid))
                port += 2
        authorised_run(tap, 'pattern 1, ironhouse, Z85 properties', 1, [port, port + 1],
                       props(secure_mode='ironhouse', public_key='"%s"' % rx_pub, secret_key='"%s"' % rx_sec,
                             allowed_keys='"%s"' % tx_pub),
                       props(secure_mode='ironhouse', public_key='"%s"' % tx_pub, secret_key='"%s"' % tx_sec,
                             server_key='"%s"' % rx_pub))
        port += 2
        for pattern in (1, 2):
            refused_run(tap, 'pattern %d, ironhouse, unlisted sender key' % pattern, pattern, port, port + 1,
                        'secure-mode=ironhouse ' + vid, 'secure-mode=ironhouse ' + vid,
                        'secure-mode=ironhouse %s certificate=%s' % (vid, intruder_secret), zap_refusal=True)
            port += 2
        refused_run(tap, 'pattern 1, stonehouse, wrong receiver key', 1, port, port + 1,
                    'secure-mode=stonehouse ' + vid, 'secure-mode=stonehouse ' + vid,
                    'secure-mode=stonehouse %s server-certificate=%s' % (vid, stranger_pub))
        port += 2
        refused_run(tap, 'pattern 2, stonehouse, sender without security', 2, port, port + 1,
                    'secure-mode=stonehouse ' + vid, 'secure-mode=stonehouse ' + vid, '')
        port += 2
        plaintext_check(tap, port, keys)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


ng.run_main(body)
