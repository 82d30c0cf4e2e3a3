# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# shellcheck shell=bash
# Sourced by the shell examples: gst_property NAME VALUE prints NAME=VALUE,
# one gst-launch-1.0 argument that sets the string property NAME to VALUE
# exactly, whatever it holds (the examples' MESSAGE, REPLY, ... come from
# users).
#
# gst-launch-1.0 reads a value twice: its parser takes a quoted value with
# \" and \\ escaped, and a string property then unquotes once more a value
# that is wrapped in double quotes. Typed by hand, a text needs none of it
# (message="I'm Server-1 at Port: 5577"); a backslash, or a text that is
# itself in quotes, does.
gst_quote() {
  local v=${1//\\/\\\\}
  v=${v//\"/\\\"}
  printf '"%s"' "$v"
}
gst_property() {
  local value
  value=$(gst_quote "$2")
  [[ $2 == \"*\" ]] && value=$(gst_quote "$value")
  printf '%s=%s' "$1" "$value"
}
