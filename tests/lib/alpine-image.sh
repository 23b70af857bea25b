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
# OpenRC: the image's command is busybox init, which boots OpenRC from
# Alpine's /etc/inittab (sysinit, boot, default) as on a real machine:
#   podman run -d --systemd=false --stop-signal=USR2 --tmpfs /run --name NAME localhost/venvkit-alpine-python:3.23
# --systemd=false: Podman takes any /sbin/init for systemd and would stop it
# with SIGRTMIN+3, which busybox ignores (10 s, then SIGKILL). USR2 is
# busybox's poweroff, which runs `openrc shutdown` (also the image's
# STOPSIGNAL). --tmpfs /run: OpenRC cannot mount it itself in a container,
# and each boot must start from an empty /run, as on a machine. Services in
# the default runlevel (rc-update add X default) start at `podman restart
# NAME`; after adding an init script, run `rc-update --update`, or a script
# added in the second OpenRC cached its dependencies stays unknown to it.
# Init reaps the supervise-daemon a stop leaves behind, so `rc-service X
# restart` works time after time (0.2 to 1 s each), and Ansible's facts say
# service_mgr=openrc.
# (`sh -c 'openrc default; exec sleep infinity'` with --init works too, but
# Ansible then takes podman-init for the service manager.)
# Usage: sh tests/lib/alpine-image.sh
set -eu
. "$(dirname "$0")/env.sh"

image=localhost/venvkit-alpine-python:3.23
lib="$VENVKIT_ROOT/tests/lib"
marker="$VENVKIT_ROOT/tests/files/alpine/EXTERNALLY-MANAGED"

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
# The rootfs comes from a virtual machine's disk. What only that machine
# needs goes: its guest agent (it crashes without the VM), a service that
# overwrites resolv.conf, the kernel and its modules. Podman owns the network,
# so the networking service, which would configure eth0 (the host's, under
# --network host), is not started either.
rm -f "$root/etc/runlevels/boot/quicksand-guest-agent" \
    "$root/etc/runlevels/sysinit/setup-dns" "$root/etc/runlevels/boot/networking"
rm -rf "${root:?}/lost+found" "${root:?}"/boot/* "${root:?}"/lib/modules/*
# The VM's rc.conf says rc_sys="lxc", and an empty /.dockerenv is left from
# how its disk was made. OpenRC would detect Podman by /run/.containerenv,
# which the tmpfs on /run hides: say "podman", so that OpenRC skips the
# services that do not belong in a container (devfs, hwclock, hostname...).
rm -f "$root/.dockerenv"
sed -i 's/^rc_sys=.*/rc_sys="podman"/' "$root/etc/rc.conf"
# A container has no ttys: init would respawn their gettys, failing, forever.
sed -i '/^tty[0-9]*::respawn:/d' "$root/etc/inittab"

# Imported under a temporary tag and checked before it takes the real one,
# so that a failed check leaves no image that a rerun would take as good.
candidate="$image-candidate"
tar -C "$root" -c . | podman import --quiet \
    --change 'CMD ["/sbin/init"]' \
    --change "STOPSIGNAL SIGUSR2" \
    --change "LABEL venvkit.inputs=$key" \
    --change "LABEL venvkit.musl-python=$python_key" \
    - "$candidate" >/dev/null
rm -rf "$work"

# OpenRC's idea of the system, the modules Ansible needs on a target
# (ctypes: the user module), the stdlib where Alpine has it, pip refused by
# the marker, and a venv that gets pip from ensurepip.
image_checks() {
    cat <<'EOF'
set -eu
[ "$(readlink /usr/bin/python3)" = python3.11 ]
# OpenRC leaves out what does not belong in a container (see rc_sys above).
[ "$(openrc --sys)" = PODMAN ]
python3 - <<'PY'
import sysconfig
import base64, ctypes, fcntl, grp, hashlib, json, locale, pwd, select, subprocess, zipfile, zlib
assert ctypes.CDLL(None).getpid() > 0
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

podman tag "$candidate" "$image"
podman untag "$candidate" "$candidate"
# Earlier builds, untagged now, unless a container still uses one.
podman images --quiet --filter dangling=true --filter label=venvkit.musl-python |
    while read -r old; do
        podman rmi "$old" >/dev/null 2>&1 || true
    done
echo "$image"
