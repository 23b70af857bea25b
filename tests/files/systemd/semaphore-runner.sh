#!/bin/sh
# A stand-in for Semaphore's runner, which semaphore-runner.service runs: a
# long-running process that, as Semaphore does for each task, starts a child
# with its own environment. About once a second the child looks up and runs a
# command and the result goes to $RUNTIME_DIRECTORY/seen, so that a test can
# read which PATH the running service really has, not what its unit says.
# Usage: semaphore-runner.sh [COMMAND [ARG...]]   (default: httpx --help)
# `seen` is replaced whole on each tick, one key=value a line:
#   runner   PID of this loop (the service's MainPID)
#   tick     1, 2, ... since this process started
#   user     whom the child runs as
#   path     the child's PATH
#   found    `command -v COMMAND`, empty when it is not found
#   rc       COMMAND's exit status (127: not found)
#   out      the first line of its output or error that is not blank,
#            without the blanks around it
# The loop's own tools are named by absolute path, so that a broken PATH
# under test is recorded rather than breaking the recorder.
set -u
dir=${RUNTIME_DIRECTORY:-/run/semaphore-runner}
[ $# -gt 0 ] || set -- httpx --help
tick=0
while :; do
    tick=$((tick + 1))
    # shellcheck disable=SC2016 # expanded by the child's shell
    /bin/sh -c '
        printf "runner=%s\ntick=%s\nuser=%s\npath=%s\n" "$1" "$2" "$(/usr/bin/id -un)" "$PATH"
        shift 2
        printf "found=%s\n" "$(command -v "$1")"
        out=$("$@" 2>&1)
        rc=$?
        printf "rc=%s\nout=%s\n" "$rc" \
            "$(printf "%s\n" "$out" | /bin/sed -n "/[^[:space:]]/{s/^[[:space:]]*//;s/[[:space:]]*\$//;p;q;}")"
    ' child "$$" "$tick" "$@" >"$dir/seen.tmp" 2>&1
    # Readers see a whole file, the last tick's or this one's.
    /bin/mv -f "$dir/seen.tmp" "$dir/seen"
    /bin/sleep 1
done
