#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# vidgear's multi-server "custom data transfer" example, the GStreamer way:
# each sender sends a text with every frame ("I'm Server-1 at Port: 5577"),
# and the receiver draws each sender's text on its tile of the montage
# (netgearoverlay), as vidgear's client puts it on the frame with
# cv2.putText.
#
#   examples/scenarios/custom-data.sh                        all of it here, in a window
#   examples/scenarios/custom-data.sh --output montage.mkv   ... into a file
#   examples/scenarios/custom-data.sh receiver               on the receiving host
#   examples/scenarios/custom-data.sh --address 192.0.2.10 sender 2
#                                                            on camera host 2
#
# Receiver: examples/receiver-montage.sh with OVERLAY=1; senders:
# examples/sender.sh with MESSAGE set (netgearsink's message property, a
# text), or MESSAGE_JSON for any other JSON value (message-json, e.g.
# MESSAGE_JSON='{"camera": "porch", "gain": 2.5}').
# Their environment variables pass through.
set -euo pipefail
# shellcheck source=examples/scenarios/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

patterns=(smpte ball pinwheel circular)

scenario_receiver() {
  OVERLAY=1 scenario_exec "$NETGEAR_EXAMPLES/receiver-montage.sh" -e
}

scenario_sender() { # index port
  # The receiver draws the text; the sender's own label would repeat it.
  PORT=$2 NUM_BUFFERS=$FRAMES TEST_PATTERN=${TEST_PATTERN:-${patterns[($1 - 1) % 4]}} LABEL=${LABEL-} \
    MESSAGE=${MESSAGE:-"I'm Server-$1 at Port: $2"} scenario_exec "$NETGEAR_EXAMPLES/sender.sh" -e
}

scenario_main 5577,5578 "$@"
