#!/bin/sh
# Molecule: the syntax of the Alpine scenario (which needs a registry), then
# the offline scenario on locally built Debian 12 and 13 images, installing
# from a package index served here on 127.0.0.1. Uses the built collection.
set -eu
. "$(dirname "$0")/../lib/env.sh"
. "$VENVKIT_ROOT/tests/lib/index.sh"
. "$VENVKIT_ROOT/tests/lib/collection.sh"
cd "$VENVKIT_ROOT"

sh tests/lib/images.sh bookworm trixie
collection_use_artifact
wheels=$(index_wheels httpx "3.11 3.13" 'httpx[cli]')
trap index_stop EXIT
trap 'exit 1' INT TERM
index_start "$wheels"

molecule syntax -s default
molecule test -s offline
