# shellcheck shell=sh
# For tests in containers that boot systemd (localhost/venvkit-debian-systemd,
# tests/lib/images.sh) and run the semaphore-runner stand-in
# (tests/files/systemd/). Source it after env.sh, then:
#   systemd_wait CONTAINER      wait until systemd has booted; fails, naming
#                               the failed units, unless the state is running
#   runner_install CONTAINER    copy the stand-in in and load it; not started
#   runner_wait CONTAINER       wait until the service's current process has
#                               written `seen` at least once
#   runner_seen CONTAINER [KEY] that file, or the value of one of its keys

systemd_wait() {
    # Right after `podman run -d` systemctl may find no bus yet and fail at
    # once (or say offline); --wait then covers the rest of the boot.
    i=0
    while :; do
        state=$(podman exec "$1" systemctl is-system-running --wait 2>/dev/null) || true
        case $state in
            '' | offline) ;;
            running) return 0 ;;
            *)
                echo "systemd: $1 is $state" >&2
                podman exec "$1" systemctl --failed --no-pager >&2 || true
                return 1
                ;;
        esac
        i=$((i + 1))
        if [ "$i" -gt 100 ]; then
            echo "systemd: $1 did not boot within 10 s" >&2
            return 1
        fi
        sleep 0.1
    done
}

runner_install() {
    podman exec "$1" mkdir -p /usr/local/libexec &&
        podman cp "$VENVKIT_ROOT/tests/files/systemd/semaphore-runner.sh" \
        "$1:/usr/local/libexec/semaphore-runner" &&
        podman cp "$VENVKIT_ROOT/tests/files/systemd/semaphore-runner.service" \
            "$1:/etc/systemd/system/semaphore-runner.service" &&
        podman exec "$1" systemctl daemon-reload
}

runner_seen() {
    if [ $# -gt 1 ]; then
        podman exec "$1" sed -n "s/^$2=//p" /run/semaphore-runner/seen
    else
        podman exec "$1" cat /run/semaphore-runner/seen
    fi
}

runner_wait() {
    i=0
    while :; do
        pid=$(podman exec "$1" systemctl show -p MainPID --value semaphore-runner)
        if [ "$pid" != 0 ] && [ "$(runner_seen "$1" runner 2>/dev/null)" = "$pid" ]; then
            return 0
        fi
        i=$((i + 1))
        if [ "$i" -gt 100 ]; then
            echo "systemd: semaphore-runner in $1 wrote nothing within 10 s" >&2
            podman exec "$1" systemctl status --no-pager semaphore-runner >&2 || true
            return 1
        fi
        sleep 0.1
    done
}
