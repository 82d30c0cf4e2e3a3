# shellcheck shell=bash
# Sourced by the scenario scripts beside it: the command line and the running
# of a receiver and its senders, on one machine or on several. A scenario
# defines two functions, which run in the foreground and exit with their
# process:
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
# Ctrl-C ends the senders' streams (each tells the receiver it terminated)
# and the receiver's, so a file is finalised. Everything run here ends once
# every sender has sent its frames; the exit status is 1 if any process failed.

scenario_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NETGEAR_EXAMPLES=$(cd "$scenario_here/.." && pwd)
# The plugin of this checkout's build/, unless GST_PLUGIN_PATH is set.
if [[ -z ${GST_PLUGIN_PATH:-} && -d $NETGEAR_EXAMPLES/../build/gst ]]; then
  export GST_PLUGIN_PATH=$NETGEAR_EXAMPLES/../build/gst
fi

scenario_usage() {
  sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"
  sed -n '/^# Usage of a scenario:/,/^$/{/^$/d;s/^# \{0,1\}//;p}' "$scenario_here/lib.sh"
}

scenario_die() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

# Runs "$@" in the background, its output prefixed with a tag by a sed that
# ignores Ctrl-C, to outlive the command's last words. The pid is the
# command's own (each scenario function execs it), not the sed's.
scenario_spawn() {
  local tag=$1
  shift
  "$@" > >(trap '' INT TERM; exec sed -u "s/^/[$tag] /") 2>&1 &
  scenario_pids+=($!)
  scenario_tags+=("$tag")
}

# The first Ctrl-C ends the senders' streams: each tells the receiver it
# terminated, and the receiver ends its own (finalising a file) once all
# have. A second one ends the receiver's at once (for senders that never
# came). Each gst-launch-1.0 gets one SIGINT: a second would kill it.
scenario_interrupt() {
  scenario_interrupts=$((scenario_interrupts + 1))
  if ((scenario_interrupts == 1)); then
    echo "Stopping the senders; the receiver ends once they have (Ctrl-C again: now)."
    kill -INT "${scenario_pids[@]:1}" 2>/dev/null
  elif ((scenario_interrupts == 2)); then
    kill -INT "${scenario_pids[0]}" 2>/dev/null
  fi
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
      sender) role=sender; index=${2:?sender needs its number, 1 to the number of ports}; shift ;;
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
      echo "On several hosts: '$0 receiver' on the receiving one, and on camera host N"
      echo "'$0 --address <the receiver's IP> sender N' (N = 1 to ${#ports[@]})."
      scenario_pids=()
      scenario_tags=()
      scenario_interrupts=0
      trap scenario_interrupt INT TERM
      # Job control: every process started here gets a process group of its
      # own, so a Ctrl-C in the terminal reaches this script alone, which
      # passes it on in order.
      set -m
      # The receiver first: scenario_interrupt counts on it.
      scenario_spawn receiver scenario_receiver
      local i
      for i in "${!ports[@]}"; do
        scenario_spawn "sender $((i + 1))" scenario_sender $((i + 1)) "${ports[i]}"
      done
      local failed=0 n
      # The senders first, then the receiver, which ends by itself once
      # every sender that sent frames has terminated.
      for n in $(seq 1 $((${#scenario_pids[@]} - 1))) 0; do
        if ((n == 0)) && kill -0 "${scenario_pids[0]}" 2>/dev/null; then
          echo "The senders have ended; waiting for the receiver (Ctrl-C: end it now)."
          scenario_interrupts=1
        fi
        # wait returns early (above 128) when a trapped signal arrives.
        local rc=129
        while ((rc > 128)) && kill -0 "${scenario_pids[n]}" 2>/dev/null; do
          rc=0
          wait "${scenario_pids[n]}" || rc=$?
        done
        if ((rc > 128)); then
          rc=0
          wait "${scenario_pids[n]}" || rc=$?
        fi
        if ((rc != 0)); then
          echo "${scenario_tags[n]} failed (exit $rc)" >&2
          failed=1
        fi
      done
      [[ -n $OUTPUT && $failed == 0 ]] && echo "montage: $OUTPUT"
      return $failed
      ;;
  esac
}
