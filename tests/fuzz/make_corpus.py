#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
"""Writes the fuzz target's seed corpus from the captured vidgear messages:
one file per vector, in fuzz_message.cpp's input layout (parts count, part 1
size, part 0), plus the JPEG payloads as part 0, so that the fuzzer starts
from real headers, replies, terminates and JPEG frame headers.

    make_corpus.py VECTORS_DIR OUT_DIR [REPLAY_PROGRAM]

With REPLAY_PROGRAM (fuzz_message_replay), it then runs every seed input
through it and exits with its status: the `meson test` form.
"""
import os
import struct
import subprocess
import sys


def first_sof(jpeg):
    """Offset of the first SOFn marker of a JPEG, or None."""
    i = 2
    while i + 4 <= len(jpeg) and jpeg[i] == 0xFF:
        marker = jpeg[i + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return i
        i += 2 + (jpeg[i + 2] << 8 | jpeg[i + 3])
    return None


def main():
    vectors, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    n = 0
    for name in sorted(os.listdir(vectors)):
        path = os.path.join(vectors, name)
        parts = []
        while os.path.exists(os.path.join(path, 'part%d.bin' % len(parts))):
            with open(os.path.join(path, 'part%d.bin' % len(parts)), 'rb') as f:
                parts.append(f.read())
        if not parts:
            continue
        if name.startswith('ms-p1-req-envelope'):
            parts = parts[2:]  # the REQ envelope, as a REP socket strips it
        size1 = len(parts[1]) if len(parts) > 1 else 0
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes([len(parts) - 1]) + struct.pack('<I', size1) + parts[0])
        n += 1
        if 'jpeg' in name and len(parts) > 1:
            jpeg = parts[1]
            # The whole JPEG, and its start up to the end of its frame
            # header: the fuzzer reaches cut and bent headers from there.
            seeds = {'-jpeg': jpeg}
            sof = first_sof(jpeg)
            if sof is not None:
                seeds['-jpeg-head'] = jpeg[:sof + 10]
            for suffix, data in seeds.items():
                with open(os.path.join(out, name + suffix), 'wb') as f:
                    f.write(bytes([0]) + struct.pack('<I', 0) + data)
                n += 1
    if n == 0:
        sys.exit('no vectors in %s' % vectors)
    print('%d seed inputs in %s' % (n, out))
    if len(sys.argv) > 3:
        files = [os.path.join(out, f) for f in sorted(os.listdir(out))]
        sys.exit(subprocess.run([sys.argv[3]] + files, timeout=300).returncode)


if __name__ == '__main__':
    main()
