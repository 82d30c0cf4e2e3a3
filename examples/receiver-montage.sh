#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# The NetGear receiver: netgearsrc binds one port per sender and gives each
# its own pad, src_<port>; compositor tiles them into one montage (2x2 for
# four ports), shown on screen or written to a file. Senders may be
# netgearsink or Python vidgear NetGear servers, raw or JPEG.
#
#   ADDRESS=0.0.0.0 PORTS=5566,5567,5568,5569 examples/receiver-montage.sh
#   OUTPUT=montage.avi examples/receiver-montage.sh
#
# Environment (default):
#   ADDRESS          local address to bind, "*" for all       (*)
#   PORTS            one port per sender, comma-separated     (5566,5567,5568,5569)
#   NETGEAR_PATTERN  1 = REQ/REP, 2 = PUB/SUB; as the senders (1)
#   TILE_WIDTH TILE_HEIGHT  size of each sender's tile        (640 360)
#   FPS              frame rate of the montage                (30)
#   OUTPUT           empty: autovideosink; a file name ending in .avi or .mkv:
#                    Motion-JPEG in AVI or Matroska           ()
#   OVERLAY          1: each tile shows its port and its sender's message
#                    (netgearoverlay; needs textoverlay, Debian: gstreamer1.0-x) (0)
#   BIDIRECTIONAL    1: bidirectional mode (pattern 1; the senders too) (0)
#   REPLY            with BIDIRECTIONAL=1: the text answering every frame
#                    (netgearsrc's reply; a vidgear server gets a str) (none: null)
#   REPLY_JSON       or any JSON value (netgearsrc's reply-json), e.g.
#                    '{"gain": 2}'                            ()
# Arguments go to gst-launch-1.0 before the pipeline (e.g. -q, -m).
#
# It ends by itself once every sender that connected has terminated (its
# end of stream). Ctrl-C stops it at once; a file is then not finalised.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The plugin of this checkout's build/, unless GST_PLUGIN_PATH is set.
if [[ -z ${GST_PLUGIN_PATH:-} && -d $here/../build/gst ]]; then
  export GST_PLUGIN_PATH=$here/../build/gst
fi

ADDRESS=${ADDRESS:-*}
PORTS=${PORTS:-5566,5567,5568,5569}
NETGEAR_PATTERN=${NETGEAR_PATTERN:-1}
TILE_WIDTH=${TILE_WIDTH:-640}
TILE_HEIGHT=${TILE_HEIGHT:-360}
FPS=${FPS:-30}
OUTPUT=${OUTPUT:-}
OVERLAY=${OVERLAY:-0}
BIDIRECTIONAL=${BIDIRECTIONAL:-0}
REPLY=${REPLY:-}
REPLY_JSON=${REPLY_JSON:-}

IFS=, read -r -a ports <<<"$PORTS"
n=${#ports[@]}
cols=1
while ((cols * cols < n)); do cols=$((cols + 1)); done
rows=$(((n + cols - 1) / cols))
# Fixed output caps: the montage has its final size, format and colorimetry
# from the first frame, even before any sender has connected, and whatever
# mix of colour and grey senders comes (muxers refuse a caps change).
montage_caps="video/x-raw,format=I420,colorimetry=bt601,width=$((cols * TILE_WIDTH)),height=$((rows * TILE_HEIGHT)),pixel-aspect-ratio=1/1,framerate=$FPS/1"

case $OUTPUT in
  '') out=(autovideosink) ;;
  *.avi) out=(jpegenc '!' avimux '!' filesink "location=$OUTPUT") ;;
  *.mkv) out=(jpegenc '!' matroskamux '!' filesink "location=$OUTPUT") ;;
  *) echo "OUTPUT must be empty or end in .avi or .mkv" >&2; exit 2 ;;
esac

# shellcheck source=examples/gst-property.sh
source "$here/gst-property.sh"
options=()
if [[ $BIDIRECTIONAL == 1 ]]; then
  options+=(bidirectional=true)
  [[ -n $REPLY ]] && options+=("$(gst_property reply "$REPLY")")
  [[ -n $REPLY_JSON ]] && options+=("$(gst_property reply-json "$REPLY_JSON")")
fi
overlay=()
[[ $OVERLAY == 1 ]] && overlay=(netgearoverlay '!')

mix=(compositor name=mix background=black)
branches=()
for i in "${!ports[@]}"; do
  mix+=("sink_$i::xpos=$((i % cols * TILE_WIDTH))" "sink_$i::ypos=$(((i / cols) * TILE_HEIGHT))"
    "sink_$i::width=$TILE_WIDTH" "sink_$i::height=$TILE_HEIGHT")
  # decodebin: raw frames pass as they are; JPEG frames (a vidgear server
  # compresses by default when simplejpeg is installed) are decoded.
  branches+=("src.src_${ports[i]}" '!' decodebin '!' queue '!' videoconvert '!' "${overlay[@]}" "mix.sink_$i")
done

exec gst-launch-1.0 "$@" \
  netgearsrc name=src address="$ADDRESS" ports="$PORTS" pattern="$NETGEAR_PATTERN" "${options[@]}" \
  "${mix[@]}" ! "$montage_caps" ! videoconvert ! "${out[@]}" \
  "${branches[@]}"
