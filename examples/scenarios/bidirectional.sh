#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# vidgear's multi-server "bidirectional mode" example, the GStreamer way:
# each sender sends a text with every frame, the receiver draws it on the
# sender's tile and answers every frame ("Hi, I am a Client here."), and
# each sender prints the answers it gets.
#
#   examples/scenarios/bidirectional.sh                        all of it here, in a window
#   examples/scenarios/bidirectional.sh --output montage.mkv   ... into a file
#   REPLY_JSON='{"gain": 2}' examples/scenarios/bidirectional.sh receiver
#                                                              on the receiving host
#   examples/scenarios/bidirectional.sh --address 192.0.2.10 sender 1
#                                                              on camera host 1
#
# Receiver: examples/receiver-montage.sh with OVERLAY=1 BIDIRECTIONAL=1 and
# REPLY (netgearsrc's reply property: one text for every frame; REPLY_JSON
# for any other JSON value; a program can answer each frame on its own with
# the compute-reply signal, see examples/appsink-receiver.py). Senders:
# examples/sender.sh with BIDIRECTIONAL=1 and MESSAGE (or MESSAGE_JSON);
# each reply is printed as a netgear-reply bus message. REQ/REP only
# (pattern 1), on both ends.
set -euo pipefail
# shellcheck source=examples/scenarios/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

patterns=(smpte ball pinwheel circular)

scenario_receiver() {
  OVERLAY=1 BIDIRECTIONAL=1 REPLY=${REPLY:-"Hi, I am a Client here."} \
    scenario_exec "$NETGEAR_EXAMPLES/receiver-montage.sh" -e
}

scenario_sender() { # index port
  PORT=$2 NUM_BUFFERS=$FRAMES TEST_PATTERN=${TEST_PATTERN:-${patterns[($1 - 1) % 4]}} LABEL=${LABEL-} \
    MESSAGE=${MESSAGE:-"I'm Server-$1 at Port: $2"} BIDIRECTIONAL=1 scenario_exec "$NETGEAR_EXAMPLES/sender.sh" -e
}

scenario_main 5577,5578 "$@"
