#!/bin/sh
# Builds the local container images the container tests use, from Debian's
# archive or the Alpine rootfs, since no registry can be reached. An image
# that already exists is kept, so reruns cost nothing.
# Usage: sh tests/lib/images.sh [bookworm] [trixie] [alpine]
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

build_alpine() {
    image="localhost/venvkit-alpine:3.23"
    if podman image exists "$image"; then
        return 0
    fi
    root=$(sh "$VENVKIT_ROOT/tests/lib/alpine-rootfs.sh")
    echo "images: importing $image from $root" >&2
    tar -C "$root" -c . | podman import --quiet - "$image" >/dev/null
}

[ $# -gt 0 ] || set -- bookworm trixie
for name in "$@"; do
    case $name in
        alpine) build_alpine ;;
        *) build_debian "$name" ;;
    esac
done
