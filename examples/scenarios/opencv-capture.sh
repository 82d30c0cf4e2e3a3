#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# vidgear's multi-server example with OpenCV capture, the GStreamer way: each
# sender reads frames with OpenCV (cv::VideoCapture: a camera, a video file,
# or a generated pattern) and hands them to netgearsink through appsrc; the
# receiver shows every sender in one montage.
#
#   examples/scenarios/opencv-capture.sh                        all of it here, in a window
#   examples/scenarios/opencv-capture.sh --output montage.mkv   ... into a file
#   examples/scenarios/opencv-capture.sh receiver               on the receiving host
#   SOURCE=0 examples/scenarios/opencv-capture.sh --address 192.0.2.10 sender 1
#                                                               on camera host 1 (camera 0)
#   SOURCE=clip.mp4 examples/scenarios/opencv-capture.sh        every sender plays clip.mp4
#
# Senders: build/examples/opencv/netgear-cv-sender (built when OpenCV is
# found, Debian: libopencv-dev), SOURCE as its --source (default synthetic),
# each frame with the text "I'm Server at Port: <port>". Receiver:
# examples/receiver-montage.sh (OVERLAY=1 draws those texts on the tiles).
set -euo pipefail
# shellcheck source=examples/scenarios/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cv_sender=${NETGEAR_CV_EXAMPLES:-$NETGEAR_EXAMPLES/../build/examples/opencv}/netgear-cv-sender

scenario_receiver() {
  scenario_exec "$NETGEAR_EXAMPLES/receiver-montage.sh" -e
}

scenario_sender() { # index port
  [[ -x $cv_sender ]] ||
    scenario_die "$cv_sender is not built: install libopencv-dev and build again (scripts/test or meson)"
  local frames=()
  ((FRAMES > 0)) && frames=(--frames "$FRAMES")
  scenario_exec "$cv_sender" --source "${SOURCE:-synthetic}" --address "$ADDRESS" --port "$2" "${frames[@]}"
}

scenario_main 5566,5567 "$@"
