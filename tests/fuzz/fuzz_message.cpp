/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear fuzz target: everything a peer's bytes reach before a frame
 * is queued, without sockets.
 *
 * Input layout (so that the fuzzer can also vary what the sockets tell):
 *   byte 0        number of message parts, 1 + (b & 3)
 *   bytes 1..4    size of part 1 (little endian), as the socket reports it
 *   bytes 5..     part 0: the JSON header (or a reply, or a JPEG)
 * Part 0 goes through the header decoder and, for a frame, the caps mapper
 * (with a mapper kept across inputs, as a port's is across frames), the
 * reply and control decoders (what a sender parses), the JSON parser, and the JPEG
 * frame-header reader. The seed corpus is made from tests/data/vectors by
 * make_corpus.py.
 *
 * Built two ways: with libFuzzer (clang, -Dfuzzing=true, see scripts/fuzz)
 * and, always, with a small main() that replays files, so that `meson test`
 * runs the seed corpus through the same code in the normal build. */
#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "netgearformat.h"
#include "netgearwire.h"

namespace {

netgear::ReceiveMapper &mapper() {
  static netgear::ReceiveMapper m;
  return m;
}

void one_input(const uint8_t *data, size_t size) {
  if (size < 5)
    return;
  size_t nparts = 1 + (data[0] & 3);
  uint32_t payload = 0;
  for (int i = 0; i < 4; i++)
    payload |= static_cast<uint32_t>(data[1 + i]) << (8 * i);
  std::string_view part0(reinterpret_cast<const char *>(data + 5), size - 5);

  netgear::DropReason reason = netgear::DropReason::NONE;
  std::string detail;
  auto decoded = netgear::decode_message(part0, nparts, payload, &reason, &detail);
  if (decoded && decoded->kind == netgear::Decoded::Kind::FRAME) {
    if (mapper().map(decoded->frame, payload, &reason, &detail) && mapper().caps() &&
        !gst_caps_is_fixed(mapper().caps()))
      __builtin_trap(); /* the mapper must only ever give fixed caps */
  }
  netgear::decode_reply(part0, nparts);
  netgear::Control control;
  netgear::decode_control(part0, &control);
  netgear::parse_json(part0);
  netgear::jpeg_components(data + 5, size - 5);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  gst_init(nullptr, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one_input(data, size);
  return 0;
}

#ifndef NETGEAR_LIBFUZZER
/* Replays the files given (the seed corpus): exit 0 when every one ran. */
int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  int ran = 0;
  for (int i = 1; i < argc; i++) {
    gchar *contents = nullptr;
    gsize len = 0;
    if (!g_file_get_contents(argv[i], &contents, &len, nullptr)) {
      g_printerr("cannot read %s\n", argv[i]);
      return 1;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(contents), len);
    g_free(contents);
    ran++;
  }
  g_print("replayed %d inputs\n", ran);
  return ran > 0 ? 0 : 1;
}
#endif
