#!/usr/bin/python3
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
            with open(os.path.join(out, name + '-jpeg'), 'wb') as f:
                f.write(bytes([0]) + struct.pack('<I', 0) + parts[1])
            n += 1
    if n == 0:
        sys.exit('no vectors in %s' % vectors)
    print('%d seed inputs in %s' % (n, out))
    if len(sys.argv) > 3:
        files = [os.path.join(out, f) for f in sorted(os.listdir(out))]
        sys.exit(subprocess.run([sys.argv[3]] + files, timeout=300).returncode)


if __name__ == '__main__':
    main()
