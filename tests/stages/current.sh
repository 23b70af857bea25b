#!/bin/sh
# Current ansible-core: the releases the host's Python cannot run (2.20 and
# later need Python 3.12 on the controller), on a Python 3.13 controller in
# a container (tests/lib/controller.sh), running the other stages unchanged:
#   - newest release: ansible-test sanity, the unit tests, the integration
#     playbook and the role stage; then the collection's plays must have
#     printed no deprecation warning and no "does not support Ansible
#     version" warning;
#   - newest 2.20 release: the unit tests of what depends on ansible-core
#     (tests/unit/plugins/modules: the modules through AnsibleModule, the
#     filters, ansible-doc), as the matrix stage does between the ends.
# Every part runs even when one before it failed; the stage fails if any did.
# Usage: tests/stages/current.sh
set -eu
. "$(dirname "$0")/../lib/env.sh"
cd "$VENVKIT_ROOT"

# The latest patch releases; bump them with meta/runtime.yml.
newest=2.21.5
previous=2.20.10

# The role stage installs httpx[cli] and seeds venvs with pip.
VENVKIT_CONTROLLER_PACKAGES="httpx[cli] pip"
export VENVKIT_CONTROLLER_PACKAGES

logs="$VENVKIT_BUILD/current"
mkdir -p "$logs"
status=0 timings=""

# part NAME VERSION COMMAND...: COMMAND in the controller of that release,
# timed, its output shown and kept in $logs/NAME-VERSION.log.
part() {
    name=$1 version=$2
    shift 2
    log="$logs/$name-$version.log"
    echo "--- ansible-core $version: $name"
    start=$(date +%s)
    # A pipeline's status is its last command's: keep the part's aside.
    { rc=0; sh tests/lib/controller.sh "$version" "$@" 2>&1 || rc=$?; echo "$rc" >"$log.rc"; } | tee "$log"
    rc=$(cat "$log.rc")
    rm -f "$log.rc"
    seconds=$(( $(date +%s) - start ))
    if [ "$rc" -eq 0 ]; then result=ok; else result=FAILED; status=1; fi
    timings="$timings$(printf '%-8s %-12s %-7s %4s s' "$version" "$name" "$result" "$seconds")
"
}

# --- the newest release ------------------------------------------------------
# -v: ansible-test says "No tests applicable." for a test with nothing to
# check, which the summary below needs.
part sanity "$newest" -- sh tests/stages/sanity.sh -v
part unit "$newest" -- sh tests/stages/unit.sh

# Every message of the plays below goes to this log, the role stage's too,
# which shows a play's output only when it fails. The container's build/
# is build/controller/build/ here.
plays_log="current/plays-$newest.log"
mkdir -p "$VENVKIT_BUILD/controller/build/current"
rm -f "$VENVKIT_BUILD/controller/build/$plays_log"
play_env="-e ANSIBLE_LOG_PATH=$VENVKIT_ROOT/build/$plays_log -e ANSIBLE_DEPRECATION_WARNINGS=true"
# shellcheck disable=SC2086 # -e NAME=VALUE pairs, one a word
{
part integration "$newest" $play_env -- sh tests/stages/integration.sh
part role "$newest" $play_env -- sh tests/stages/role.sh
}

# --- the previous minor release ----------------------------------------------
part unit "$previous" -- python -m pytest -q -n 2 -p no:cacheprovider tests/unit/plugins/modules

# --- what the newest release said --------------------------------------------
echo "--- ansible-core $newest: sanity tests"
awk '
    function close_test() { if (test != "") { print state ": " test; test = "" } }
    /^Running sanity test "/ {
        close_test()
        test = $0; sub(/^Running sanity test "/, "", test); sub(/"/, "", test); state = "ran"
    }
    /^No tests applicable\./ { state = "no tests applicable" }
    /^WARNING: Skipping sanity test "/ {
        close_test()
        line = $0; sub(/^WARNING: Skipping sanity test "/, "", line); sub(/"/, "", line)
        print "skipped: " line
    }
    /^FATAL: The [0-9]+ sanity test/ { close_test(); failing = 1; next }
    /^FATAL:/ { failing = 0 }
    failing { print "failed: " $0 }
    END { close_test() }
' "$logs/sanity-$newest.log"

echo "--- ansible-core $newest: warnings of the collection's plays"
log="$VENVKIT_BUILD/controller/build/$plays_log"
if [ -f "$log" ]; then
    # Each distinct message once, with how often it came.
    sed -n 's/^.* WARNING| //p' "$log" | sort | uniq -c | sort -rn
    if grep -q -E '\[DEPRECATION WARNING\]|does not support Ansible version' "$log"; then
        echo "current: the plays printed a deprecation or unsupported-version warning (above)" >&2
        result=FAILED status=1
    else
        echo "no deprecation warning, no unsupported-version warning"
        result=ok
    fi
else
    echo "current: no play wrote $log" >&2
    result=FAILED status=1
fi
timings="$timings$(printf '%-8s %-12s %-7s' "$newest" warnings "$result")
"

echo "--- parts"
printf '%s' "$timings"
exit "$status"
