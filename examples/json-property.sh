# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# shellcheck shell=bash
# Sourced by the shell examples: json_property NAME JSON prints NAME=VALUE,
# one gst-launch-1.0 argument that sets the string property NAME to the JSON
# text as given (netgearsink's message, netgearsrc's reply).
#
# gst-launch-1.0 reads a property value twice: its parser takes a quoted
# value with \" and \\ escaped, then a string property unquotes once more
# whatever still starts with a quote, as a JSON string does; such a value
# is quoted twice.
gst_quote() {
  local v=${1//\\/\\\\}
  v=${v//\"/\\\"}
  printf '"%s"' "$v"
}
json_property() {
  local value
  value=$(gst_quote "$2")
  [[ $2 == \"* ]] && value=$(gst_quote "$value")
  printf '%s=%s' "$1" "$value"
}
