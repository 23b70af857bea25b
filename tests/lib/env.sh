# shellcheck shell=sh
# Sourced by the shell helpers here, demo/run and benchmarks/run: where the
# dev venv, the collection tree and the container settings live
# (tests/harness/env.py says the same to the Python side).
if [ -z "${VENVKIT_ROOT:-}" ]; then
    VENVKIT_ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
    while [ ! -f "$VENVKIT_ROOT/galaxy.yml" ] && [ "$VENVKIT_ROOT" != / ]; do
        VENVKIT_ROOT=$(dirname -- "$VENVKIT_ROOT")
    done
fi
export VENVKIT_ROOT
export VENVKIT_BUILD="$VENVKIT_ROOT/build"
export VENVKIT_VENV="$VENVKIT_ROOT/.venv"
PATH="$VENVKIT_VENV/bin:$PATH"
export PATH
# The working tree, seen by Ansible as the installed collection venvkit.python.
export ANSIBLE_COLLECTIONS_PATH="$VENVKIT_BUILD/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
# Podman's default runtime and rlimits do not work on the CI machines.
export CONTAINERS_CONF="$VENVKIT_ROOT/tests/lib/containers.conf"
export ANSIBLE_NOCOLOR=1
export ANSIBLE_FORCE_COLOR=0
