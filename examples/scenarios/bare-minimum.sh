#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# vidgear's multi-server "bare-minimum" example, the GStreamer way: two
# cameras (here live test pictures) each send to the receiver on a port of
# their own, and the receiver shows them side by side in one montage.
#
#   examples/scenarios/bare-minimum.sh                        all of it here, in a window
#   examples/scenarios/bare-minimum.sh --output montage.mkv   ... into a file
#   examples/scenarios/bare-minimum.sh receiver               on the receiving host
#   SOURCE=v4l2src examples/scenarios/bare-minimum.sh --address 192.0.2.10 sender 1
#                                                             on camera host 1 (a webcam)
#
# Receiver: examples/receiver-montage.sh (netgearsrc ! compositor); senders:
# examples/sender.sh (videotestsrc or SOURCE ! netgearsink), REQ/REP, raw
# BGR 640x360 at 30 fps. Their environment variables (SOURCE, TEST_PATTERN,
# LABEL, WIDTH, HEIGHT, FPS, TILE_WIDTH, TILE_HEIGHT, ...) pass through.
set -euo pipefail
# shellcheck source=examples/scenarios/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

patterns=(smpte ball pinwheel circular)

scenario_receiver() {
  scenario_exec "$NETGEAR_EXAMPLES/receiver-montage.sh" -e
}

scenario_sender() { # index port
  PORT=$2 NUM_BUFFERS=$FRAMES TEST_PATTERN=${TEST_PATTERN:-${patterns[($1 - 1) % 4]}} \
    scenario_exec "$NETGEAR_EXAMPLES/sender.sh" -e
}

scenario_main 5566,5567 "$@"
