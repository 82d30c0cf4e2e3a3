#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# One NetGear sender: a videotestsrc picture (or a camera) with a label, sent
# by netgearsink to the receiver at ADDRESS:PORT (the receiver binds, every
# sender connects to a port of its own).
#
#   ADDRESS=192.0.2.10 PORT=5567 LABEL="camera garage" examples/sender.sh
#   ADDRESS=192.0.2.10 SOURCE="v4l2src device=/dev/video0" examples/sender.sh -e
#   PORT=5567 MESSAGE="I'm Server-1 at Port: 5567" examples/sender.sh
#   PORT=5567 MESSAGE_JSON='{"camera": "garage", "gain": 2.5}' examples/sender.sh
#
# Environment (default):
#   ADDRESS          the receiver's address                    (127.0.0.1)
#   PORT             the receiver port, unique per sender      (5566)
#   NETGEAR_PATTERN  1 = REQ/REP, 2 = PUB/SUB; as the receiver (1)
#   SOURCE           the source element and its properties, e.g. "v4l2src" or
#                    "libcamerasrc" (split at spaces: no value may hold one);
#                    it runs until Ctrl-C; empty: a live videotestsrc  ()
#   TEST_PATTERN     videotestsrc pattern (smpte, ball, snow, pinwheel, ...) (smpte)
#   LABEL            text drawn on the picture, empty for none ("port $PORT");
#                    needs textoverlay (Debian: gstreamer1.0-x)
#   MESSAGE          text sent with every frame (netgearsink's message
#                    property; a vidgear client gets a str); empty: none ()
#   MESSAGE_JSON     or any JSON value (netgearsink's message-json), e.g.
#                    '{"camera": "garage", "gain": 2.5}'                 ()
#   BIDIRECTIONAL    1: bidirectional mode (pattern 1; the receiver too): each
#                    reply is printed, as gst-launch -m prints a netgear-reply
#                    message; nothing else is printed then         (0)
#   NUM_BUFFERS      videotestsrc: frames to send, then end of stream, which
#                    tells the receiver this sender terminated; -1: send for
#                    ever (-1)
#   WIDTH HEIGHT FPS picture size and rate                     (640 360 30)
#   WAIT_FOR_CONNECTION  1: hold the first frame until the receiver is
#                    there, so that none is lost; 0: drop frames until then,
#                    as a live camera would lose them anyway      (0)
# Arguments go to gst-launch-1.0 before the pipeline (e.g. -q; -e, so that
# Ctrl-C ends the stream and the receiver hears this sender terminate).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The plugin of this checkout's build/, unless GST_PLUGIN_PATH is set.
if [[ -z ${GST_PLUGIN_PATH:-} && -d $here/../build/gst ]]; then
  export GST_PLUGIN_PATH=$here/../build/gst
fi

ADDRESS=${ADDRESS:-127.0.0.1}
PORT=${PORT:-5566}
NETGEAR_PATTERN=${NETGEAR_PATTERN:-1}
SOURCE=${SOURCE:-}
TEST_PATTERN=${TEST_PATTERN:-smpte}
LABEL=${LABEL-port $PORT}
NUM_BUFFERS=${NUM_BUFFERS:--1}
MESSAGE=${MESSAGE:-}
MESSAGE_JSON=${MESSAGE_JSON:-}
WIDTH=${WIDTH:-640}
HEIGHT=${HEIGHT:-360}
FPS=${FPS:-30}
BIDIRECTIONAL=${BIDIRECTIONAL:-0}
WAIT_FOR_CONNECTION=${WAIT_FOR_CONNECTION:-0}

overlay=()
if [[ -n $LABEL ]]; then
  overlay=(textoverlay "text=$LABEL" "font-desc=Sans 20" valignment=top halignment=left
    shaded-background=true '!')
fi

# shellcheck source=examples/gst-property.sh
source "$here/gst-property.sh"
options=()
[[ -n $MESSAGE ]] && options+=("$(gst_property message "$MESSAGE")")
[[ -n $MESSAGE_JSON ]] && options+=("$(gst_property message-json "$MESSAGE_JSON")")
[[ $WAIT_FOR_CONNECTION == 1 ]] && options+=(wait-for-connection=true)

if [[ -n $SOURCE ]]; then
  # A camera gives what it gives: the size and rate asked for are made.
  read -r -a source <<<"$SOURCE"
  source+=('!' videoconvert '!' videoscale '!' videorate)
else
  # Live, as a camera is: FPS frames a second.
  source=(videotestsrc is-live=true pattern="$TEST_PATTERN" num-buffers="$NUM_BUFFERS")
fi

pipeline=("${source[@]}"
  ! "video/x-raw,width=$WIDTH,height=$HEIGHT,framerate=$FPS/1"
  ! "${overlay[@]}" videoconvert ! "video/x-raw,format=BGR"
  ! netgearsink address="$ADDRESS" port="$PORT" pattern="$NETGEAR_PATTERN" "${options[@]}")

if [[ $BIDIRECTIONAL == 1 ]]; then
  # -m prints every bus message; the replies are the netgear-reply ones.
  # exec: signals reach gst-launch-1.0 itself; the sed ignores the
  # terminal's Ctrl-C, to print the last replies and not leave
  # gst-launch-1.0 writing to a closed pipe.
  exec gst-launch-1.0 -m "$@" "${pipeline[@]}" bidirectional=true > >(trap '' INT TERM; exec sed -un '/netgear-reply/p')
else
  exec gst-launch-1.0 "$@" "${pipeline[@]}"
fi
