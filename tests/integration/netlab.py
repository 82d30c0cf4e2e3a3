# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Hosts in network namespaces joined by slow, lossy links, for
test_netns.py and bench/slowlink.py (needs root and iproute2).

    lab = Lab('ngt', '10.213', senders=2)
    why = lab.why_not()          # None, or why namespaces cannot be made
    lab.setup(diag, use_netem)   # PREFIX-rx, PREFIX-s1.. and the links
    emu = lab.start_links(group, delay_ms, jitter_ms, loss, diag)
    ...  lab.in_ns(link['ns'], argv), lab.counters.snapshot() ...
    lab.cleanup()

The receiver's host PREFIX-rx has a link to each sender host PREFIX-sN:

    PREFIX-sN SUBNET.N.2 --link N-- SUBNET.N.1 PREFIX-rx

Each link delays every packet by DELAY +- JITTER ms and drops a fraction
LOSS of them, in each direction independently: `tc netem` on both ends of
the veth pair where the kernel has sch_netem, else linkemu.py (a userspace
emulator) in a fourth namespace, PREFIX-wire, that holds the far ends of
two veth pairs per link and forwards frames between them. Nothing of the
lab ever appears in the initial namespace; cleanup() kills what still runs
in its namespaces (a killed run leaves processes) and removes them."""
import json
import os
import re
import shutil
import signal
import subprocess

import ngtest as ng

LINKEMU = os.path.join(ng.HERE, 'linkemu.py')


def find_tool(name):
    return shutil.which(name) or next((p for p in ('/usr/sbin/' + name, '/sbin/' + name) if os.path.exists(p)), None)


IP = find_tool('ip')
TC = find_tool('tc')


def run(argv, timeout=10):
    """(returncode, stdout, stderr) of a command that ends by itself."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr.strip()
    except subprocess.TimeoutExpired:
        return None, '', '%s: no end after %d s' % (' '.join(argv), timeout)


def must(argv, timeout=10):
    rc, out, err = run(argv, timeout)
    if rc != 0:
        raise RuntimeError('%s: exit %s: %s' % (' '.join(argv), rc, err))
    return out


def in_ns(ns, argv):
    return [IP, 'netns', 'exec', ns] + list(argv)


def ns_exists(ns):
    return os.path.exists(os.path.join('/run/netns', ns)) or os.path.exists(os.path.join('/var/run/netns', ns))


def netem_args(delay_ms, jitter_ms, loss):
    return ['netem', 'delay', '%gms' % delay_ms, '%gms' % jitter_ms, 'loss', '%g%%' % (loss * 100)]


class Lab:
    def __init__(self, prefix, subnet, senders):
        self.prefix = prefix
        self.rx = prefix + '-rx'
        self.wire = prefix + '-wire'
        # rx_if/tx_if: the receiver's and the sender's interface; w_rx/w_tx:
        # with linkemu.py, the wire's ends of the two veth pairs.
        self.links = [{'ns': '%s-s%d' % (prefix, n), 'index': n - 1,
                       'rx_if': '%s-rx-s%d' % (prefix, n), 'tx_if': '%s-s%d-rx' % (prefix, n),
                       'w_rx': '%s-w%d-rx' % (prefix, n), 'w_tx': '%s-w%d-s%d' % (prefix, n, n),
                       'rx_ip': '%s.%d.1' % (subnet, n), 'tx_ip': '%s.%d.2' % (subnet, n)}
                      for n in range(1, senders + 1)]
        self.namespaces = [self.rx] + [L['ns'] for L in self.links] + [self.wire]
        self.use_netem = False
        self.counters = None
        self.emu = None

    in_ns = staticmethod(in_ns)

    def cleanup(self):
        """Removes the lab's namespaces, after killing whatever still runs
        in them. Returns what it had to remove."""
        removed = []
        for ns in self.namespaces:
            if not ns_exists(ns):
                continue
            rc, out, _ = run([IP, 'netns', 'pids', ns])
            pids = [int(p) for p in out.split()] if rc == 0 else []
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            run([IP, 'netns', 'del', ns])
            removed.append('%s (%d processes)' % (ns, len(pids)) if pids else ns)
        return removed

    def left(self):
        return [ns for ns in self.namespaces if ns_exists(ns)]

    def why_not(self):
        """None if this machine can create network namespaces (then the
        receiver's exists, and nothing else of the lab's), else why not."""
        if os.geteuid() != 0:
            return 'needs root to create network namespaces (euid %d)' % os.geteuid()
        if IP is None:
            return 'no ip command (iproute2) to create network namespaces'
        removed = self.cleanup()
        if removed:
            print('# removed leftovers of an earlier run: %s' % ', '.join(removed), flush=True)
        rc, _, err = run([IP, 'netns', 'add', self.rx])
        if rc != 0:
            return 'cannot create a network namespace: ip netns add: %s' % (err or 'exit %s' % rc)
        return None

    def has_netem(self):
        """(True, '') if netem can be set up (tried on the receiver's
        loopback, then removed), else (False, tc's answer)."""
        if TC is None:
            return False, 'no tc command'
        rc, _, err = run([TC, '-n', self.rx, 'qdisc', 'add', 'dev', 'lo', 'root'] + netem_args(1, 0, 0))
        if rc != 0:
            return False, err or 'exit %s' % rc
        must([TC, '-n', self.rx, 'qdisc', 'del', 'dev', 'lo', 'root'])
        return True, ''

    def choose_emulation(self):
        """(use_netem, why not): netem where the kernel has it, unless
        NETGEAR_TEST_LINK=userspace."""
        if os.environ.get('NETGEAR_TEST_LINK', '') == 'userspace':
            return False, 'NETGEAR_TEST_LINK=userspace'
        return self.has_netem()

    @staticmethod
    def _veth(a_name, a_ns, b_name, b_ns):
        # Both ends are created right in their namespaces.
        must([IP, 'link', 'add', a_name, 'netns', a_ns, 'type', 'veth', 'peer', 'name', b_name, 'netns', b_ns])

    @staticmethod
    def _link_up(ns, ifname, diag, extra=()):
        # gso_max_segs 1: TCP hands the device MTU-sized packets, not 64 KB
        # super-packets, so that netem or linkemu drop single packets, as a
        # real link does. Best effort (older iproute2 cannot set it).
        rc, _, err = run([IP, '-n', ns, 'link', 'set', 'dev', ifname, 'gso_max_segs', '1'])
        if rc != 0:
            diag('%s/%s: cannot set gso_max_segs 1 (%s): loss may hit whole TSO bursts' % (ns, ifname, err))
        must([IP, '-n', ns, 'link', 'set', 'dev', ifname] + list(extra) + ['up'])

    def setup(self, diag, use_netem):
        """Namespaces, veths and addresses (netem's qdiscs come with
        start_links())."""
        self.use_netem = use_netem
        for ns in self.namespaces:
            if ns == self.wire and use_netem:
                continue
            if not ns_exists(ns):
                must([IP, 'netns', 'add', ns])
            must([IP, '-n', ns, 'link', 'set', 'dev', 'lo', 'up'])
        for L in self.links:
            if use_netem:
                self._veth(L['rx_if'], self.rx, L['tx_if'], L['ns'])
            else:
                self._veth(L['rx_if'], self.rx, L['w_rx'], self.wire)
                self._veth(L['tx_if'], L['ns'], L['w_tx'], self.wire)
                for w in (L['w_rx'], L['w_tx']):
                    # No address of its own (addrgenmode none: not even IPv6
                    # link-local), takes every frame (promisc).
                    run([IP, '-n', self.wire, 'link', 'set', 'dev', w, 'addrgenmode', 'none'])
                    self._link_up(self.wire, w, diag, ['promisc', 'on'])
            must([IP, '-n', self.rx, 'addr', 'add', '%s/24' % L['rx_ip'], 'dev', L['rx_if']])
            must([IP, '-n', L['ns'], 'addr', 'add', '%s/24' % L['tx_ip'], 'dev', L['tx_if']])
            self._link_up(self.rx, L['rx_if'], diag)
            self._link_up(L['ns'], L['tx_if'], diag)

    def start_links(self, group, delay_ms, jitter_ms, loss, diag, seed=None):
        """Gives every link its delay, jitter and loss: netem's qdiscs
        (added, or changed), or a linkemu.py process (started in `group`,
        replacing the one before). Returns False if linkemu.py did not
        start. self.counters then counts the links' packets."""
        if self.use_netem:
            verb = 'change' if self.counters else 'add'
            for L in self.links:
                for ns, ifname in ((self.rx, L['rx_if']), (L['ns'], L['tx_if'])):
                    must([TC, '-n', ns, 'qdisc', verb, 'dev', ifname, 'root'] + netem_args(delay_ms, jitter_ms, loss))
            diag('link emulation: tc netem %s on both ends of each veth pair' %
                 ' '.join(netem_args(delay_ms, jitter_ms, loss)[1:]))
            self.counters = NetemCounters(self)
            return True
        self.stop_links()
        seed = int.from_bytes(os.urandom(4), 'little') if seed is None else seed
        diag('link emulation: userspace, linkemu.py in %s: delay %g ms +- %g ms, loss %g %% each direction, seed %d'
             % (self.wire, delay_ms, jitter_ms, loss * 100, seed))
        pairs = []
        for L in self.links:
            pairs += ['--pair', '%s:%s' % (L['w_rx'], L['w_tx'])]
        self.emu = group.add(ng.Proc('linkemu.py (%s)' % self.wire, in_ns(self.wire, [
            ng.PYTHON, LINKEMU, 'forward'] + pairs + ['--delay', str(delay_ms), '--jitter', str(jitter_ms),
                                                     '--loss', str(loss), '--seed', str(seed)])))
        if self.emu.wait_line('READY', 15) is None:
            return False
        self.counters = LinkemuCounters(self, self.emu)
        return True

    def stop_links(self):
        """Ends linkemu.py, if it runs: (its exit status, its last STATS
        line or None)."""
        if not self.emu:
            return None, None
        self.emu.send_line('stop')
        self.emu.wait_line('DONE', 5)
        st = self.emu.find('STATS ')
        rc = self.emu.wait_exit(5)
        self.emu = None
        return rc, (st[-1][6:] if st else None)

    def link_delta(self, a, b):
        return {d: {k: (b[d][k] - a[d][k]) if k != 'max_frame' and b[d][k] is not None else b[d][k] for k in b[d]}
                for d in b}


class NetemCounters:
    """Packets sent and dropped by the netem qdiscs (tc -s)."""
    name = 'tc netem'

    def __init__(self, lab):
        self.lab = lab

    def snapshot(self):
        out = {}
        for L in self.lab.links:
            for ns, ifname, d in ((self.lab.rx, L['rx_if'], 'rx>s%d' % (L['index'] + 1)),
                                  (L['ns'], L['tx_if'], 's%d>rx' % (L['index'] + 1))):
                text = must([TC, '-n', ns, '-s', 'qdisc', 'show', 'dev', ifname])
                m = re.search(r'qdisc netem .*?Sent (\d+) bytes (\d+) pkt \(dropped (\d+)', text, re.S)
                if not m:
                    raise RuntimeError('no netem counters in: %s' % text)
                out[d] = {'forwarded': int(m.group(2)), 'dropped': int(m.group(3)), 'send_errors': 0,
                          'max_frame': None}
        return out


class LinkemuCounters:
    """Frames forwarded and dropped by linkemu.py (its STATS lines)."""
    name = 'linkemu.py'

    def __init__(self, lab, proc):
        self.proc = proc
        names = {}
        for L in lab.links:
            n = L['index'] + 1
            names['%s>%s' % (L['w_rx'], L['w_tx'])] = 'rx>s%d' % n
            names['%s>%s' % (L['w_tx'], L['w_rx'])] = 's%d>rx' % n
        self.names = names

    def snapshot(self):
        before = len(self.proc.find('STATS '))
        self.proc.send_line('stats')
        if not self.proc.wait_until(lambda lines: sum(1 for l in lines if l.startswith('STATS ')) > before, 10):
            raise RuntimeError('linkemu.py gave no STATS\n' + self.proc.report())
        st = json.loads(self.proc.find('STATS ')[-1][6:])
        return {self.names[k]: v for k, v in st.items()}
