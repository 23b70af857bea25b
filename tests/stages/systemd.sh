#!/bin/sh
# The PATH a running service really has, under systemd: Molecule's systemd
# scenario on Debian 12 and 13 containers that boot systemd, installing the
# built collection artifact from a package index served here on 127.0.0.1;
# then docs/semaphore.md, run against such a container
# (tests/docs/semaphore_guide.sh).
set -eu
. "$(dirname "$0")/../lib/env.sh"
. "$VENVKIT_ROOT/tests/lib/index.sh"
. "$VENVKIT_ROOT/tests/lib/collection.sh"
cd "$VENVKIT_ROOT"

sh tests/lib/images.sh bookworm-systemd trixie-systemd
collection_use_artifact
# jmespath: a package to add, for a change of the package set alone.
wheels=$(index_wheels systemd "3.11 3.13" 'httpx[cli]' jmespath)
trap index_stop EXIT
trap 'exit 1' INT TERM
index_start "$wheels"

molecule test -s systemd
index_stop
sh tests/docs/semaphore_guide.sh
