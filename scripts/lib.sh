# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# shellcheck shell=bash disable=SC2034  # variables used by the scripts sourcing this
# Shared set-up for scripts/demo and scripts/test: sourced, not run.
#
#   netgear_install_packages PKG...   apt-get install whatever is missing
#   netgear_build                     meson setup (or reconfigure) + ninja
#
# Environment (all optional):
#   NETGEAR_BUILD_DIR      build directory (default: <repo>/build)
#   NETGEAR_APT_DRY_RUN=1  print the apt-get commands instead of running them
#   NETGEAR_PRETEND_MISSING="pkg ..."
#                          treat these packages as missing (to exercise the
#                          install path; combine with NETGEAR_APT_DRY_RUN=1)

NETGEAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NETGEAR_BUILD_DIR=${NETGEAR_BUILD_DIR:-$NETGEAR_ROOT/build}
# Debian's interpreter, the one python3-gi/-gst-1.0/-zmq/-numpy belong to
# (a python3 found first on PATH, e.g. from pyenv, may lack them).
NETGEAR_PYTHON=/usr/bin/python3

# Debian 12 packages: building, the examples, the test suite and its Python
# peers.
NETGEAR_PACKAGES=(
  meson ninja-build pkg-config g++
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libzmq3-dev nlohmann-json3-dev libsimdjson-dev
  python3 python3-gi python3-gst-1.0
  gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  python3-zmq python3-numpy
  # JPEG for the Python NetGear peer of the interop tests (vidgear uses
  # simplejpeg, which Debian does not package).
  python3-pil
  # The OpenCV example pair (examples/opencv): only the modules it uses, not
  # libopencv-dev, which pulls in every module (VTK, GDAL, ...).
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libopencv-highgui-dev libopencv-videoio-dev
  # docs/raspberry-pi.md's lines, run by test_raspberry_pi.py: x264enc for
  # its software H.264, and libcamerasrc to inspect (no camera needed).
  gstreamer1.0-plugins-ugly gstreamer1.0-libcamera
  # textoverlay (Debian ships GStreamer's pango plugin here), inside
  # netgearoverlay and behind sender.sh's labels: the demo, the scenarios
  # and their tests.
  gstreamer1.0-x
  # gst-play-1.0, which shows a camera from its netgear:// URI (test_uri.py).
  gstreamer1.0-plugins-base-apps
  # ip and tc: the multi-host test (test_netns.py) puts its hosts in network
  # namespaces joined by veth pairs, with netem delay and loss on the links.
  iproute2
)
# scripts/fuzz (run by scripts/test too): clang and its libFuzzer and
# sanitizer runtimes, for the sanitized build and the fuzzer.
NETGEAR_FUZZ_PACKAGES=(
  clang libclang-rt-14-dev
)

netgear_log() { printf '==> %s\n' "$*" >&2; }
netgear_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints, one a line, those of the given packages that are not installed.
netgear_missing_packages() {
  local p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) || status=
    if [[ $status != ii* ]] || [[ " ${NETGEAR_PRETEND_MISSING:-} " == *" $p "* ]]; then
      printf '%s\n' "$p"
    fi
  done
}

netgear_install_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    netgear_log "no dpkg-query: not a Debian system, not checking packages ($*)"
    return 0
  fi
  local missing
  mapfile -t missing < <(netgear_missing_packages "$@")
  if ((${#missing[@]} == 0)); then
    netgear_log "all $# packages are installed"
    return 0
  fi
  netgear_log "missing packages: ${missing[*]}"
  local -a sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      netgear_die "not root and no sudo: install these packages first: ${missing[*]}"
    sudo=(sudo)
  fi
  local -a update=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q)
  local -a install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}")
  if [[ ${NETGEAR_APT_DRY_RUN:-} == 1 ]]; then
    netgear_log "dry run, would run: ${update[*]}"
    netgear_log "dry run, would run: ${install[*]}"
    return 0
  fi
  "${update[@]}" || netgear_die "apt-get update failed"
  "${install[@]}" </dev/null || netgear_die "apt-get install failed"
}

# Configures (or reconfigures, when the build directory already holds a
# configured tree) and builds.
netgear_build() {
  if [[ -f $NETGEAR_BUILD_DIR/meson-private/coredata.dat ]]; then
    netgear_log "reconfiguring $NETGEAR_BUILD_DIR"
    if ! meson setup --reconfigure "$NETGEAR_BUILD_DIR" "$NETGEAR_ROOT"; then
      netgear_log "reconfigure failed; configuring $NETGEAR_BUILD_DIR afresh"
      meson setup --wipe "$NETGEAR_BUILD_DIR" "$NETGEAR_ROOT" || netgear_die "meson setup failed"
    fi
  else
    netgear_log "configuring $NETGEAR_BUILD_DIR"
    meson setup "$NETGEAR_BUILD_DIR" "$NETGEAR_ROOT" || netgear_die "meson setup failed"
  fi
  netgear_log "building"
  ninja -C "$NETGEAR_BUILD_DIR" || netgear_die "build failed"
}
