#!/bin/sh
# Molecule's alpine scenario: the role on the real Alpine userland of
# tests/lib/alpine-image.sh (busybox ash, OpenRC booted by busybox init, a
# musl python3 with PEP 668's marker), from a package index of musllinux
# wheels for CPython 3.11 served here on 127.0.0.1. Uses the built collection.
#   converge, idempotence, a requirement with a manylinux wheel only, the
#   wheelhouse, verify (login shells, the running service, restarts, a
#   reboot, markupsafe's extension, PEP 668), then venv_state=absent.
# Usage: sh tests/stages/alpine-molecule.sh [molecule action [options]]
#   (default: test; e.g. `converge`, then `verify`, `login`, `destroy`)
set -eu
. "$(dirname "$0")/../lib/env.sh"
. "$VENVKIT_ROOT/tests/lib/index.sh"
. "$VENVKIT_ROOT/tests/lib/collection.sh"
cd "$VENVKIT_ROOT"

sh tests/lib/alpine-image.sh >/dev/null
collection_use_artifact
wheels=$(VENVKIT_INDEX_PLATFORMS="musllinux_1_2_x86_64 musllinux_1_1_x86_64" \
    index_wheels alpine 3.11 'httpx[cli]' markupsafe pip)
# The fault step's requirement: a wheel for glibc only, which pip on musl
# must pass over.
fake="$wheels/vkglibc-1.0-py3-none-manylinux_2_17_x86_64.whl"
if [ ! -f "$fake" ]; then
    python3 - "$fake" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as whl:
    whl.writestr('vkglibc-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\nName: vkglibc\nVersion: 1.0\n')
PY
fi
# The wheelhouse step downloads from the directory itself, which only the
# controller can read.
VENVKIT_INDEX_DIR=$wheels
export VENVKIT_INDEX_DIR
trap index_stop EXIT
trap 'exit 1' INT TERM
index_start "$wheels"

[ $# -gt 0 ] || set -- test
action=$1
shift
molecule "$action" -s alpine "$@"
