# shellcheck shell=sh
# Sourced by tests/run and every stage: one place that says where the test
# tools, the collection tree and the container settings live.
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
# VENVKIT_ANSIBLE_VENV=<venv>: Ansible from that venv instead of the dev
# venv's, for the lowest supported ansible-core (see tests/stages/matrix.sh).
if [ -n "${VENVKIT_ANSIBLE_VENV:-}" ]; then
    PATH="$VENVKIT_ANSIBLE_VENV/bin:$PATH"
    ansible --version | sed -n 1p >&2
fi
