#!/bin/sh
# Builds the local Debian images the container tests use, from Debian's
# archive, since no registry can be reached (tests/lib/alpine-image.sh builds
# the Alpine one). An image that already exists is kept, so reruns cost
# nothing.
# Usage: sh tests/lib/images.sh [bookworm] [trixie] [bullseye]
#            [bookworm-systemd] [trixie-systemd]
# A Debian suite gives localhost/venvkit-debian:<suite> (bullseye: Debian 11,
# Python 3.9, no EXTERNALLY-MANAGED marker); <suite>-systemd gives
# localhost/venvkit-debian-systemd:<suite>, which boots systemd.
set -eu
. "$(dirname "$0")/env.sh"

build_debian() {
    suite=$1
    image="localhost/venvkit-debian:$suite"
    if podman image exists "$image"; then
        return 0
    fi
    echo "images: building $image with mmdebstrap" >&2
    tmp=$(mktemp -d)
    # PID 1 of the test containers is `sleep infinity`; systemd is not needed.
    mmdebstrap --quiet --variant=minbase \
        --include=python3,python3-venv,ca-certificates \
        "$suite" "$tmp/rootfs.tar"
    podman import --quiet "$tmp/rootfs.tar" "$image" >/dev/null
    rm -rf "$tmp"
}

# For tests that need a running service manager: daemon-reload, restarts and
# the environment a service really gets. The image's command is /sbin/init,
# which puts Podman in systemd mode (`podman run -d IMAGE` boots it). In
# Molecule's podman driver: `command: /sbin/init` (its default command would
# take systemd's place) or `override_command: false`; no privileges needed.
build_debian_systemd() {
    suite=$1
    image="localhost/venvkit-debian-systemd:$suite"
    if podman image exists "$image"; then
        return 0
    fi
    echo "images: building $image with mmdebstrap" >&2
    tmp=$(mktemp -d)
    # apt's daily timers would fetch package lists in the middle of a test.
    # shellcheck disable=SC2016 # "$1" is expanded by mmdebstrap's hook shell
    mmdebstrap --quiet --variant=minbase \
        --include=systemd,systemd-sysv,python3,python3-venv,ca-certificates \
        --customize-hook='chroot "$1" systemctl mask --quiet apt-daily.timer apt-daily-upgrade.timer' \
        "$suite" "$tmp/rootfs.tar"
    podman import --quiet --change 'CMD ["/sbin/init"]' "$tmp/rootfs.tar" "$image" >/dev/null
    rm -rf "$tmp"
}

[ $# -gt 0 ] || set -- bookworm trixie
for name in "$@"; do
    case $name in
        *-systemd) build_debian_systemd "${name%-systemd}" ;;
        *) build_debian "$name" ;;
    esac
done
