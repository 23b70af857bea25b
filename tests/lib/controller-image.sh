#!/bin/sh
# Builds localhost/venvkit-controller:trixie, a controller on Python 3.13 for
# the ansible-core releases the host's Python cannot run (2.20 and later need
# 3.12): Debian trixie from Debian's archive, with git (the sessions list the
# collection's files with it) and shellcheck, without which ansible-test skips
# that sanity test. tests/harness/controller.py makes a venv per release in it
# and runs commands there.
# pip in the container installs from /srv/wheels alone; ansible-test strips
# PIP_* from pip's environment, but its pip still reads /etc/pip.conf.
# Prints the image's name. The image is labelled with a key of its inputs
# (venvkit.inputs) and rebuilt only when they change.
set -eu
. "$(dirname "$0")/env.sh"

suite=trixie
image="localhost/venvkit-controller:$suite"
# openssh-client: ansible-test integration makes a key with ssh-keygen, even with --local.
packages="python3,python3-venv,ca-certificates,git,shellcheck,openssh-client"
pip_conf="[global]
no-index = true
find-links = /srv/wheels
disable-pip-version-check = true"
key=$(printf '%s\n' "$suite" "$packages" "$pip_conf" | cksum | cut -d ' ' -f 1)

label=$(podman image inspect --format '{{ index .Config.Labels "venvkit.inputs" }}' "$image" 2>/dev/null || true)
if [ "$label" != "$key" ]; then
    old=$(podman image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)
    echo "controller: building $image with mmdebstrap" >&2
    tmp=$(mktemp -d)
    printf '%s\n' "$pip_conf" >"$tmp/pip.conf"
    mmdebstrap --quiet --variant=minbase --include="$packages" \
        --customize-hook="upload $tmp/pip.conf /etc/pip.conf" \
        "$suite" "$tmp/rootfs.tar"
    # ansible refuses to start without a UTF-8 locale.
    podman import --quiet --change "ENV LANG=C.UTF-8" \
        --change "LABEL venvkit.inputs=$key" "$tmp/rootfs.tar" "$image" >/dev/null
    rm -rf "$tmp"
    # The image this one replaces, unless a running container still uses it.
    if [ -n "$old" ]; then podman rmi "$old" >/dev/null 2>&1 || true; fi
fi
echo "$image"
