#!/usr/bin/env bash
# One NetGear sender: a videotestsrc picture with a label, sent by netgearsink
# to the receiver at ADDRESS:PORT (the receiver binds, every sender connects
# to a port of its own).
#
#   ADDRESS=192.0.2.10 PORT=5567 LABEL="camera garage" examples/sender.sh
#   PORT=5567 MESSAGE='{"camera": "garage", "gain": 2.5}' examples/sender.sh
#
# Environment (default):
#   ADDRESS          the receiver's address                    (127.0.0.1)
#   PORT             the receiver port, unique per sender      (5566)
#   NETGEAR_PATTERN  1 = REQ/REP, 2 = PUB/SUB; as the receiver (1)
#   TEST_PATTERN     videotestsrc pattern (smpte, ball, snow, pinwheel, ...) (smpte)
#   LABEL            text drawn on the picture, empty for none ("port $PORT");
#                    needs textoverlay (Debian: gstreamer1.0-x)
#   MESSAGE          JSON value sent with every frame (netgearsink's message
#                    property), e.g. '{"camera": "garage"}' or '"garage"';
#                    empty for none                                      ()
#   NUM_BUFFERS      frames to send, then end of stream, which tells the
#                    receiver this sender terminated; -1: send for ever (-1)
#   WIDTH HEIGHT FPS picture size and rate                     (640 360 30)
# Arguments go to gst-launch-1.0 before the pipeline (e.g. -q).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The plugin of this checkout's build/, unless GST_PLUGIN_PATH is set.
if [[ -z ${GST_PLUGIN_PATH:-} && -d $here/../build/gst ]]; then
  export GST_PLUGIN_PATH=$here/../build/gst
fi

ADDRESS=${ADDRESS:-127.0.0.1}
PORT=${PORT:-5566}
NETGEAR_PATTERN=${NETGEAR_PATTERN:-1}
TEST_PATTERN=${TEST_PATTERN:-smpte}
LABEL=${LABEL-port $PORT}
NUM_BUFFERS=${NUM_BUFFERS:--1}
MESSAGE=${MESSAGE:-}
WIDTH=${WIDTH:-640}
HEIGHT=${HEIGHT:-360}
FPS=${FPS:-30}

overlay=()
if [[ -n $LABEL ]]; then
  overlay=(textoverlay "text=$LABEL" "font-desc=Sans 20" valignment=top halignment=left
    shaded-background=true '!')
fi

# gst-launch-1.0 reads a property value twice: its parser takes a quoted
# value with \" and \\ escaped, then a string property unquotes once more
# whatever still starts with a quote (a JSON string does).
gst_quote() {
  local v=${1//\\/\\\\}
  v=${v//\"/\\\"}
  printf '"%s"' "$v"
}
message=()
if [[ -n $MESSAGE ]]; then
  value=$(gst_quote "$MESSAGE")
  [[ $MESSAGE == \"* ]] && value=$(gst_quote "$value")
  message=("message=$value")
fi

exec gst-launch-1.0 "$@" \
  videotestsrc pattern="$TEST_PATTERN" num-buffers="$NUM_BUFFERS" \
  ! "video/x-raw,width=$WIDTH,height=$HEIGHT,framerate=$FPS/1" \
  ! "${overlay[@]}" videoconvert ! video/x-raw,format=BGR \
  ! netgearsink address="$ADDRESS" port="$PORT" pattern="$NETGEAR_PATTERN" "${message[@]}"
