#!/bin/sh
# A real Alpine userland as a target: a container of the image that
# tests/lib/alpine-image.sh builds (Alpine 3.23, busybox init, OpenRC, a musl
# python3), booted as a machine boots.
#   - pip: httpx[cli] and markupsafe, which has a compiled extension, install
#     from musllinux wheels, with no index, into a venv;
#   - OpenRC: the stand-in semaphore-runner service (tests/files/openrc/)
#     starts its children with the PATH its conf.d file sets, which puts the
#     venv's bin first: after `rc-service semaphore-runner restart`, twice in
#     a row, and at boot from the default runlevel;
#   - Ansible: ping, command, stat, copy and setup run on it through the
#     containers.podman.podman connection, with /usr/bin/python3.
set -eu
. "$(dirname "$0")/../lib/env.sh"
. "$VENVKIT_ROOT/tests/lib/index.sh"
. "$VENVKIT_ROOT/tests/lib/collection.sh"
cd "$VENVKIT_ROOT"

name="venvkit-userland-$$"
venv=/opt/semaphore/venv
seen=/run/semaphore-runner/seen
work=$(mktemp -d)
cleanup() {
    podman rm -f "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failures=0

# check WHAT EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1: expected [$2], got [$3]" >&2
        failures=$((failures + 1))
    fi
}

in_container() {
    podman exec "$name" "$@"
}

# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds in the container.
wait_for() {
    what=$1 tries=$(($2 * 5))
    shift 2
    while ! in_container "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        if [ "$tries" -le 0 ]; then
            echo "FAIL: $what: timed out" >&2
            podman logs "$name" 2>&1 | tail -n 20 >&2
            exit 1
        fi
        sleep 0.2
    done
}

# Booted: the default runlevel is reached and `openrc default` is done.
# (busybox pgrep matches -x against the whole argv[0], /sbin/openrc.)
wait_booted() {
    # shellcheck disable=SC2016 # expanded by the container's shell
    wait_for "boot" 60 sh -c '[ "$(cat /run/openrc/softlevel)" = default ] && ! pgrep -f "^/sbin/openrc "'
}

# seen KEY: what the service's last child saw (see semaphore-runner-loop).
seen() {
    in_container sed -n "s/^$1=//p" "$seen"
}

# A child started after a new runner started: its runner_pid differs from
# $1 (empty: any runner).
wait_for_runner() {
    wait_for "a child of a new semaphore-runner" 15 \
        sh -c "[ -s $seen ] && ! grep -qx 'runner_pid=$1' $seen"
}

image=$(sh tests/lib/alpine-image.sh)
wheels=$(VENVKIT_INDEX_PLATFORMS="musllinux_1_2_x86_64 musllinux_1_1_x86_64" \
    index_wheels alpine-httpx 3.11 'httpx[cli]' markupsafe)
bundle=$(collection_bundle)

# The flags tests/lib/alpine-image.sh explains. No network: the wheels come
# in through a read-only mount.
podman run -d --systemd=false --stop-signal=USR2 --tmpfs /run --network none \
    -v "$wheels:/wheels:ro" --name "$name" "$image" >/dev/null
wait_booted
check "OpenRC knows it runs under Podman" PODMAN "$(in_container openrc --sys)"

# --- pip: musllinux wheels, no index -----------------------------------------
in_container python3 -m venv "$venv"
in_container "$venv/bin/pip" install -q --no-index --find-links /wheels 'httpx[cli]' markupsafe
check "markupsafe installed from a musllinux wheel" "Tag: cp311-cp311-musllinux_1_2_x86_64" \
    "$(in_container sh -c "cat $venv/lib/python3.11/site-packages/markupsafe-*.dist-info/WHEEL" | grep '^Tag:')"
check "markupsafe's compiled extension imports" markupsafe._speedups \
    "$(in_container "$venv/bin/python" -c 'import markupsafe, markupsafe._speedups as s; print(s.__name__)')"
check "httpx's command runs" HTTPX "$(in_container "$venv/bin/httpx" --help | awk 'NF { print $1; exit }')"

# --- OpenRC: the service's children see conf.d's PATH ------------------------
{ echo '#!/sbin/openrc-run'; cat tests/files/openrc/semaphore-runner.initd; } >"$work/semaphore-runner"
podman cp "$work/semaphore-runner" "$name:/etc/init.d/semaphore-runner"
podman cp tests/files/openrc/semaphore-runner-loop "$name:/usr/local/bin/semaphore-runner-loop"
in_container chmod 0755 /etc/init.d/semaphore-runner /usr/local/bin/semaphore-runner-loop
# OpenRC rebuilds its dependency cache when /etc/init.d is newer than it, to
# the second; a script added in the second the cache was built at boot would
# stay out of it, and out of the default runlevel's start at the next boot.
in_container rc-update --update >/dev/null 2>&1
in_container rc-service semaphore-runner start >/dev/null 2>&1
wait_for_runner ""
check "without conf.d: the child does not find httpx" none "$(seen httpx)"

# openrc-run sources conf.d with a PATH of OpenRC's own, whose directories
# openrc-run needs (ebegin...): prepend, keep the rest.
# shellcheck disable=SC2016 # written as shell code
printf '%s\n' 'export PATH="/opt/semaphore/venv/bin:${PATH:-/usr/libexec/rc/bin:/usr/libexec/rc/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"' >"$work/conf.d"
podman cp "$work/conf.d" "$name:/etc/conf.d/semaphore-runner"
for n in 1 2; do
    pid=$(seen runner_pid)
    in_container rc-service semaphore-runner restart >/dev/null 2>&1
    wait_for_runner "$pid"
    check "restart $n: the service runs" started "$(in_container rc-service semaphore-runner status 2>/dev/null | sed -n 's/.*status: //p')"
    check "restart $n: the venv's bin is first on the child's PATH" "$venv/bin" "$(seen path | cut -d: -f1)"
    check "restart $n: the child finds the venv's httpx" "$venv/bin/httpx" "$(seen httpx)"
    check "restart $n: the child runs it" HTTPX "$(seen ran | cut -d' ' -f1)"
done
path=$(seen path)
check "supervise-daemon strips OpenRC's own directories from the child's PATH" none \
    "$(case ":$path:" in *:/usr/libexec/rc/*) echo "$path" ;; *) echo none ;; esac)"

in_container rc-update add semaphore-runner default >/dev/null
podman restart "$name" >/dev/null
wait_booted
wait_for_runner ""
check "boot: the service started from the default runlevel" started \
    "$(in_container rc-service semaphore-runner status 2>/dev/null | sed -n 's/.*status: //p')"
check "boot: the venv's bin is first on the child's PATH" "$venv/bin" "$(seen path | cut -d: -f1)"

# --- Ansible ------------------------------------------------------------------
export ANSIBLE_COLLECTIONS_PATH="$bundle:$ANSIBLE_COLLECTIONS_PATH"
printf '%s ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3\n' \
    "$name" >"$work/inventory"
# adhoc MODULE ARGS: run one module; its result is read with `result`.
adhoc() {
    rm -rf "$work/tree"
    if ! ansible -i "$work/inventory" all -t "$work/tree" -m "$1" -a "$2" >"$work/adhoc.log" 2>&1; then
        cat "$work/adhoc.log" >&2
        echo "FAIL: ansible -m $1 -a '$2'" >&2
        failures=$((failures + 1))
    fi
}
# result EXPR: a Python expression over the last result, r.
result() {
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$work/tree/$name" "$1" 2>/dev/null || echo "(no result)"
}
adhoc ansible.builtin.ping ""
check "ansible: ping" pong "$(result 'r["ping"]')"
adhoc ansible.builtin.command id
check "ansible: command" "uid=0(root) gid=0(root)" "$(result 'r["stdout"].split(" groups=")[0]')"
adhoc ansible.builtin.stat path=/etc/alpine-release
check "ansible: stat" True "$(result 'r["stat"]["exists"]')"
for want in True False; do
    adhoc ansible.builtin.copy 'content="from ansible\n" dest=/tmp/copied mode=0644'
    check "ansible: copy: changed=$want" "$want" "$(result 'r["changed"]')"
done
check "ansible: copy wrote the file" "from ansible" "$(in_container cat /tmp/copied)"
adhoc ansible.builtin.setup gather_subset=min
check "ansible: setup, distribution" "Alpine 3.23" \
    "$(result 'r["ansible_facts"]["ansible_distribution"] + " " + r["ansible_facts"]["ansible_distribution_version"][:4]')"
check "ansible: setup, service manager" openrc "$(result 'r["ansible_facts"]["ansible_service_mgr"]')"
check "ansible: setup, python" /usr/bin/python3 "$(result 'r["ansible_facts"]["ansible_python"]["executable"]')"

if [ "$failures" -ne 0 ]; then
    echo "alpine-userland: $failures check(s) failed" >&2
    exit 1
fi
echo "alpine-userland: all checks passed"
