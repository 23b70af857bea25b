#!/bin/sh
# Installs what the test suite needs on a fresh Debian or Ubuntu machine:
# Debian packages (when run as root and missing), then a virtual environment
# with the pinned test tools (nox among them), then the collection tree
# Ansible reads.
set -eu
. "$(dirname "$0")/env.sh"

need_apt=""
for cmd in podman runc mmdebstrap git qemu-img debugfs dash bash shellcheck ssh-keygen; do
    command -v "$cmd" >/dev/null 2>&1 || need_apt=1
done
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt=1
if [ -n "$need_apt" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap: run as root once, or install: podman runc mmdebstrap git python3-venv qemu-utils e2fsprogs dash shellcheck openssh-client" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        podman runc mmdebstrap git python3-venv qemu-utils e2fsprogs dash shellcheck openssh-client >/dev/null
fi

# tests/requirements.txt names the tools; tests/pins.txt pins them and all
# they need, with hashes, so a new release on the index changes nothing here.
lock=$(python3 "$VENVKIT_ROOT/tests/harness/pins.py" requirements dev)
if [ ! -x "$VENVKIT_VENV/bin/python" ] || ! cmp -s "$lock" "$VENVKIT_VENV/.requirements.txt"; then
    python3 -m venv --clear "$VENVKIT_VENV"
    "$VENVKIT_VENV/bin/pip" install -q --disable-pip-version-check --require-hashes --no-deps -r "$lock"
    cp "$lock" "$VENVKIT_VENV/.requirements.txt"
fi

mkdir -p "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/venvkit"
ln -sfn "$VENVKIT_ROOT" "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/venvkit/python"
