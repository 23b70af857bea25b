#!/bin/sh
# Builds localhost/venvkit-alpine-python:3.23, a real Alpine userland for
# tests that need Ansible modules or OpenRC services on Alpine: the Alpine
# 3.23 root filesystem (tests/lib/alpine-rootfs.sh: busybox, musl, OpenRC,
# the apk database) with a musl CPython 3.11 as /usr/bin/python3
# (tests/lib/musl-python.sh), pip included, and Alpine's PEP 668 marker, so
# that pip refuses to install into the system Python as on Alpine.
# Prints the image name. The image is labelled with a hash of its inputs and
# rebuilt only when they change.
#
# OpenRC: the image's command boots the default runlevel, then waits:
#   podman run -d --init --name NAME localhost/venvkit-alpine-python:3.23
# --init is required: podman-init, as PID 1, reaps the supervise-daemon a
# stop leaves behind; without it that process stays a zombie and
# `rc-service X restart` hangs. Services added to the default runlevel
# (rc-update add X default) start at `podman restart NAME`.
# (Busybox /sbin/init as PID 1, with --systemd=false --stop-signal=USR2,
# works too, but respawns the inittab's gettys for ttys a container lacks,
# takes 5 s to stop and restarts services slower.)
# Usage: sh tests/lib/alpine-image.sh
set -eu
. "$(dirname "$0")/env.sh"

image=localhost/venvkit-alpine-python:3.23
lib="$VENVKIT_ROOT/tests/lib"
marker="$VENVKIT_ROOT/tests/files/alpine/EXTERNALLY-MANAGED"
boot='mkdir -p /run/openrc && touch /run/openrc/softlevel && openrc default; exec sleep infinity'

python_root=$(sh "$lib/musl-python.sh")
rootfs=$(sh "$lib/alpine-rootfs.sh")
python_key=${python_root##*/}
key=$({ echo "$python_key"; cat "$rootfs/etc/alpine-release" "$lib/alpine-rootfs.sh" "$marker" "$0"; } |
    sha256sum | cut -c1-16)
if [ "$(podman image inspect --format '{{ index .Labels "venvkit.inputs" }}' "$image" 2>/dev/null)" = "$key" ]; then
    echo "$image"
    exit 0
fi

echo "alpine-image: building $image" >&2
work=$(mktemp -d "$VENVKIT_BUILD/alpine-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
root="$work/root"
cp -a "$rootfs" "$root"
cp -a "$python_root/." "$root/"
install -m 0644 "$marker" "$root/usr/lib/python3.11/EXTERNALLY-MANAGED"
# What only the virtual machine the rootfs was made for uses: its guest agent
# (crashes without the VM), a service that overwrites resolv.conf, which
# Podman provides, and the kernel with its modules.
rm -f "$root/etc/runlevels/boot/quicksand-guest-agent" "$root/etc/runlevels/sysinit/setup-dns"
rm -rf "${root:?}/lost+found" "${root:?}"/boot/* "${root:?}"/lib/modules/*

# Imported under a temporary tag and checked before it takes the real one,
# so that a failed check leaves no image that a rerun would take as good.
candidate="$image-candidate"
tar -C "$root" -c . | podman import --quiet \
    --change "CMD [\"/bin/sh\", \"-c\", \"$boot\"]" \
    --change "LABEL venvkit.inputs=$key" \
    --change "LABEL venvkit.musl-python=$python_key" \
    - "$candidate" >/dev/null
rm -rf "$work"

# The modules Ansible needs on a target, the stdlib where Alpine has it, pip
# refused by the marker, and a venv that gets pip from ensurepip.
image_checks() {
    cat <<'EOF'
set -eu
[ "$(readlink /usr/bin/python3)" = python3.11 ]
python3 - <<'PY'
import sysconfig
import base64, fcntl, grp, hashlib, json, locale, pwd, select, subprocess, zipfile, zlib
assert sysconfig.get_path("stdlib") == "/usr/lib/python3.11", sysconfig.get_path("stdlib")
assert zlib.decompress(zlib.compress(b"venvkit")) == b"venvkit"
hashlib.sha256(b"venvkit").hexdigest()
locale.setlocale(locale.LC_ALL, "")
subprocess.run(["true"], check=True)
PY
if out=$(python3 -m pip install --no-index venvkit-nothing 2>&1); then
    echo "pip installed into the system Python"
    exit 1
fi
case $out in
    *externally-managed-environment*) ;;
    *) echo "$out"; exit 1 ;;
esac
python3 -m venv /tmp/venv
/tmp/venv/bin/pip --version
EOF
}
if ! image_checks | podman run --rm -i --network none "$candidate" /bin/sh -s >&2; then
    podman rmi "$candidate" >/dev/null 2>&1 || true
    echo "alpine-image: $candidate failed its checks" >&2
    exit 1
fi

old=$(podman image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)
podman tag "$candidate" "$image"
podman untag "$candidate" "$candidate"
if [ -n "$old" ] && [ "$old" != "$(podman image inspect --format '{{ .Id }}' "$image")" ]; then
    podman rmi "$old" >/dev/null 2>&1 || true
fi
echo "$image"
