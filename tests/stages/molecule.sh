#!/bin/sh
# Molecule: the syntax of the Alpine scenario (which needs a registry), then
# the offline scenario on locally built Debian 11, 12 and 13 images
# (Python 3.9, 3.11, 3.13), installing from a package index served here on
# 127.0.0.1. Uses the built collection.
# Usage: sh tests/stages/molecule.sh [molecule action [options]]
#   (default: test of the offline scenario; e.g. `converge`, `verify`)
set -eu
. "$(dirname "$0")/../lib/env.sh"
. "$VENVKIT_ROOT/tests/lib/index.sh"
. "$VENVKIT_ROOT/tests/lib/collection.sh"
cd "$VENVKIT_ROOT"

sh tests/lib/images.sh bookworm trixie bullseye
collection_use_artifact
# pip: Debian 11's venvs start with pip 20.3.4, which the module upgrades
# from the index.
wheels=$(index_wheels httpx "3.9 3.11 3.13" 'httpx[cli]' pip)
trap index_stop EXIT
trap 'exit 1' INT TERM
index_start "$wheels"

if [ $# -gt 0 ]; then
    action=$1
    shift
    molecule "$action" -s offline "$@"
    exit
fi
molecule syntax -s default
molecule test -s offline
