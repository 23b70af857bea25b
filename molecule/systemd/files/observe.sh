#!/bin/sh
# What a systemd unit's running process really has, as one JSON object:
#   state        ActiveState
#   mainpid      MainPID ("0" when nothing runs)
#   environment  `systemctl show -p Environment --value`: what the unit says
#   environ      PATH in /proc/<MainPID>/environ: what the process got
#   seen_<key>   each line of the seen file that the process's last child
#                wrote (tests/files/systemd/semaphore-runner.sh)
#   manager_path PATH of systemd's own environment, which a unit without a
#                PATH of its own gets
# Usage: observe.sh UNIT [fresh]
# Waits up to 15 s until the current process has written its seen file; with
# "fresh", until it has written it again after this script started, so that
# what the child saw is from now, not from before a change.
set -eu
unit=$1
fresh=${2:-}

show() { systemctl show -p "$1" --value "$unit"; }

state=$(show ActiveState)
pid=$(show MainPID)
seen=/run/$(show RuntimeDirectory)/seen
value() { sed -n "s/^$1=//p" "$seen" 2>/dev/null; }

observe() {
    printf 'state=%s\nmainpid=%s\nenvironment=%s\n' "$state" "$pid" "$(show Environment)"
    systemctl show-environment | sed -n 's/^PATH=/manager_path=/p'
    if [ "$state" = active ] && [ "$pid" != 0 ]; then
        # Root may not read another user's environ in a container (no
        # CAP_SYS_PTRACE); the process's own user may.
        user=$(show User)
        # shellcheck disable=SC2016 # expanded by the user's shell
        environ=$(runuser -u "${user:-root}" -- /bin/sh -c 'tr "\0" "\n" <"/proc/$1/environ"' sh "$pid") ||
            return 1
        printf '%s\n' "$environ" | sed -n 's/^PATH=/environ=/p'
        first=""
        i=0
        while :; do
            if [ "$(value runner)" = "$pid" ]; then
                tick=$(value tick)
                [ -n "$first" ] || first=$tick
                if [ -z "$fresh" ] || [ "$tick" -gt "$first" ]; then
                    break
                fi
            fi
            i=$((i + 1))
            if [ "$i" -gt 150 ]; then
                echo "observe: $unit (MainPID $pid) wrote no seen file within 15 s" >&2
                return 1
            fi
            sleep 0.1
        done
        sed 's/^/seen_/' "$seen"
    fi
}

lines=$(observe)
printf '%s\n' "$lines" | python3 -c '
import json, sys
print(json.dumps(dict(line.rstrip("\n").split("=", 1) for line in sys.stdin)))'
