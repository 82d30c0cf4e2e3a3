# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the gst-netgear developers; see LICENSE.
# shellcheck shell=bash
# Sourced by the scenario scripts beside it: the command line and the running
# of a receiver and its senders, on one machine or on several. A scenario
# defines two functions, which end by running their process with
# scenario_exec (as exec does):
#   scenario_receiver              the receiver; environment ADDRESS, PORTS,
#                                  OUTPUT and FRAMES set
#   scenario_sender INDEX PORT     sender INDEX (1, 2, ...) to PORT; ADDRESS
#                                  (the receiver's) and FRAMES set
# then calls scenario_main DEFAULT_PORTS "$@" (its ports, comma-separated).
#
# Usage of a scenario:
#   SCRIPT [options]                 the receiver and every sender, here, on 127.0.0.1
#   SCRIPT [options] receiver        only the receiver (binds every port)
#   SCRIPT [options] sender N        only sender N (1, 2, ...), to the receiver at --address
# Options:
#   --address A   receiver: the address to bind (default *, every interface);
#                 sender: the receiver's address (default 127.0.0.1)
#   --ports P,Q   the receiver's ports, one per sender (default: the scenario's)
#   --frames N    frames each sender sends, then it ends (default: 300, 10 s,
#                 when everything runs here; -1, until Ctrl-C, for a sender alone)
#   --output F    write the montage to F (.mkv or .avi, Motion-JPEG) instead
#                 of showing it in a window
# Run here, it ends once every sender has sent its frames and the receiver
# has seen them terminate (a file is then finalised). Ctrl-C (or SIGTERM)
# stops the senders, which tell the receiver they terminated, and the
# receiver then ends; a second Ctrl-C ends the receiver at once, a third
# kills everything. Whatever stays running 5 s after it should have ended is
# stopped the same way, and nothing outlives the script. The exit status is
# 1 if any process failed. (Started with & from another script, it ignores
# SIGINT, as bash has it: use SIGTERM.)

scenario_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NETGEAR_EXAMPLES=$(cd "$scenario_here/.." && pwd)
# The plugin of this checkout's build/, unless GST_PLUGIN_PATH is set.
if [[ -z ${GST_PLUGIN_PATH:-} && -d $NETGEAR_EXAMPLES/../build/gst ]]; then
  export GST_PLUGIN_PATH=$NETGEAR_EXAMPLES/../build/gst
fi

scenario_usage() {
  sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"
  echo
  sed -n '/^# Usage of a scenario:/,/^$/{/^$/d;s/^# \{0,1\}//;p}' "$scenario_here/lib.sh"
}

scenario_die() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

scenario_say() { echo "$*" || true; }

# exec, in a session of its own when everything runs here (scenario_spawn),
# so that a Ctrl-C in the terminal reaches the script alone, which stops
# the processes in order. setsid execs in place: the pid stays the same.
scenario_exec() {
  if [[ -n ${scenario_own_session:-} ]]; then
    exec setsid "$@"
  fi
  exec "$@"
}

# Runs "$@" in the background, its output prefixed with a tag by a sed that
# ignores Ctrl-C, to outlive the command's last words. The pid is the
# command's own (each scenario function execs it), not the sed's.
scenario_spawn() {
  local tag=$1
  shift
  scenario_own_session=1 "$@" > >(trap '' INT TERM; exec sed -u "s/^/[$tag] /") 2>&1 &
  scenario_pids+=($!)
  scenario_tags+=("$tag")
  scenario_stage+=(0)
}

# Process n (0: the receiver) is asked to stop, a step further each time:
# SIGINT (gst-launch-1.0 -e ends its stream: a sender tells the receiver it
# terminated, the receiver finalises its file), then SIGTERM, then SIGKILL.
# Never fails: it runs from traps, under set -e.
scenario_step() {
  local n=$1 signals=(INT TERM KILL)
  [[ -n ${scenario_rc[n]:-} ]] && return 0
  local stage=${scenario_stage[n]}
  ((stage > 2)) && stage=2
  kill "-${signals[stage]}" "${scenario_pids[n]}" 2>/dev/null || true
  scenario_stage[n]=$((stage + 1))
  return 0
}

# A timer after which scenario_escalate runs; a newer one replaces it (the
# older ones run out unheeded: killing them would have the shell report
# each).
scenario_timer_start() {
  sleep "$1" &
  scenario_timer=$!
  scenario_timers+=("$scenario_timer")
}

# Whatever still runs when it should have ended gets the next step (one
# not yet asked gets its SIGINT), and a new timer.
scenario_escalate() {
  local n
  for n in "${!scenario_pids[@]}"; do
    [[ -n ${scenario_rc[n]:-} ]] && continue
    scenario_say "${scenario_tags[n]} still runs: stopping it."
    scenario_step "$n"
  done
  scenario_timer_start 5
}

# Ctrl-C, or SIGTERM to this script. The first stops the senders: each
# tells the receiver it terminated, and the receiver ends its stream once
# all that sent frames have. A second ends the receiver's stream too, a
# third kills everything.
scenario_interrupt() {
  scenario_interrupts=$((scenario_interrupts + 1))
  local n
  case $scenario_interrupts in
    1)
      for n in "${!scenario_pids[@]}"; do ((n > 0)) && scenario_step "$n"; done
      scenario_say "Stopping the senders; the receiver ends after them (Ctrl-C again: now)."
      scenario_timer_start 10
      ;;
    2) scenario_escalate ;;
    *) for n in "${!scenario_pids[@]}"; do scenario_stage[n]=2; scenario_step "$n"; done ;;
  esac
  return 0
}

# Whatever way this script ends, nothing it started outlives it.
scenario_cleanup() {
  local n
  for n in "${!scenario_pids[@]}"; do
    [[ -z ${scenario_rc[n]:-} ]] && { kill -TERM "${scenario_pids[n]}" 2>/dev/null || true; }
  done
  ((${#scenario_timers[@]})) && { kill "${scenario_timers[@]}" 2>/dev/null || true; }
  return 0
}

# Process n ended with status rc.
scenario_ended() {
  local n=$1 rc=$2 i
  scenario_rc[n]=$rc
  scenario_running=$((scenario_running - 1))
  ((rc != 0)) && scenario_say "${scenario_tags[n]} failed (exit $rc)"
  ((scenario_running > 0)) || return 0
  if ((n == 0)); then
    # The senders still waiting for a failed receiver wait in vain; after
    # one that ended well they are about to end (it ends once they have
    # terminated), unless one came too late: it is stopped if it does not.
    if ((rc != 0)); then
      scenario_say "The receiver failed: stopping the senders."
      for i in "${!scenario_pids[@]}"; do
        ((i > 0 && scenario_stage[i] == 0)) && scenario_step "$i"
      done
    fi
    scenario_timer_start 5
  elif ((scenario_running == 1)) && [[ -z ${scenario_rc[0]:-} ]]; then
    # Every sender has ended. The receiver ends by itself once it has seen
    # those that sent frames terminate, at once; one that never had a frame
    # would wait for ever.
    scenario_timer_start 5
  fi
  return 0
}

# Runs the receiver and every sender here; returns 1 if any of them failed.
scenario_run_all() {
  local ports=("$@")
  scenario_pids=()
  scenario_tags=()
  scenario_stage=()
  scenario_rc=()
  scenario_timer=''
  scenario_timers=()
  scenario_interrupts=0
  trap scenario_interrupt INT TERM
  trap 'scenario_cleanup; exit 129' HUP
  trap scenario_cleanup EXIT
  # A closed output (a pipe to a pager, tee) must not kill the script
  # before it has stopped what it started.
  trap '' PIPE
  # The receiver first: it is process 0. The senders, started with it,
  # hold their first frame until it listens, rather than lose the frames
  # sent while it starts.
  scenario_spawn receiver scenario_receiver
  export WAIT_FOR_CONNECTION=${WAIT_FOR_CONNECTION:-1}
  local i
  for i in "${!ports[@]}"; do
    scenario_spawn "sender $((i + 1))" scenario_sender $((i + 1)) "${ports[i]}"
  done

  scenario_running=${#scenario_pids[@]}
  local n rc waiting ended
  while ((scenario_running > 0)); do
    # bash forgets a job that ended while it was not waiting for it, and
    # wait -n then says "no such job": those gone are found with kill -0,
    # and their status read with a plain wait, which remembers it.
    for n in "${!scenario_pids[@]}"; do
      if [[ -z ${scenario_rc[n]:-} ]] && ! kill -0 "${scenario_pids[n]}" 2>/dev/null; then
        rc=0
        wait "${scenario_pids[n]}" 2>/dev/null || rc=$?
        scenario_ended "$n" "$rc"
      fi
    done
    if [[ -n $scenario_timer ]] && ! kill -0 "$scenario_timer" 2>/dev/null; then
      scenario_timer=''
      scenario_escalate
    fi
    ((scenario_running > 0)) || break
    waiting=()
    for n in "${!scenario_pids[@]}"; do
      [[ -z ${scenario_rc[n]:-} ]] && waiting+=("${scenario_pids[n]}")
    done
    # Until one of them or the timer ends, or a trapped signal comes.
    ended=''
    rc=0
    wait -n -p ended "${waiting[@]}" ${scenario_timer:+"$scenario_timer"} 2>/dev/null || rc=$?
    [[ -z ${ended:-} ]] && continue
    if [[ $ended == "$scenario_timer" ]]; then
      scenario_timer=''
      scenario_escalate
      continue
    fi
    for n in "${!scenario_pids[@]}"; do
      [[ ${scenario_pids[n]} == "$ended" ]] && scenario_ended "$n" "$rc"
    done
  done
  for n in "${!scenario_rc[@]}"; do
    ((scenario_rc[n] != 0)) && return 1
  done
  [[ -n $OUTPUT ]] && scenario_say "montage: $OUTPUT"
  return 0
}

scenario_main() {
  local address='' frames='' role=all index=0
  OUTPUT=''
  PORTS=$1
  shift
  while (($#)); do
    case $1 in
      --address) address=${2:?--address needs an address}; shift ;;
      --ports) PORTS=${2:?--ports needs ports}; shift ;;
      --frames) frames=${2:?--frames needs a number}; shift ;;
      --output) OUTPUT=${2:?--output needs a file name}; shift ;;
      -h | --help) scenario_usage; exit 0 ;;
      receiver) role=receiver ;;
      sender) role=sender; index=${2:-}; (($# > 1)) && shift ;;
      *) scenario_die "unknown argument $1 (try --help)" ;;
    esac
    shift
  done
  [[ -z $frames || $frames =~ ^(-1|[1-9][0-9]*)$ ]] || scenario_die "--frames needs a positive number or -1"
  [[ $PORTS =~ ^[0-9]+(,[0-9]+)*$ ]] || scenario_die "--ports needs ports separated by commas"
  local ports
  IFS=, read -r -a ports <<<"$PORTS"
  export OUTPUT PORTS

  case $role in
    receiver)
      ADDRESS=${address:-*} FRAMES=${frames:--1} scenario_receiver
      ;;
    sender)
      [[ $index =~ ^[1-9][0-9]*$ && $index -le ${#ports[@]} ]] ||
        scenario_die "sender needs a number from 1 to ${#ports[@]} (one per port of --ports)"
      ADDRESS=${address:-127.0.0.1} FRAMES=${frames:--1} scenario_sender "$index" "${ports[index - 1]}"
      ;;
    all)
      export ADDRESS=${address:-127.0.0.1} FRAMES=${frames:-300}
      scenario_say "On several hosts: '$0 receiver' on the receiving one, and on camera host N"
      scenario_say "'$0 --address <the receiver's IP> sender N' (N = 1 to ${#ports[@]})."
      scenario_run_all "${ports[@]}"
      ;;
  esac
}
