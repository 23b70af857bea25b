#!/bin/sh
# The modules through ansible-playbook on localhost, from a local wheelhouse:
# each target under tests/integration/targets/, as ansible-test lays them out.
set -eu
. "$(dirname "$0")/../lib/env.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python "$VENVKIT_ROOT/tests/unit/wheels.py" "$work/wheels"
# The host's pip configuration (indexes, find-links) stays out of the test.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL || true
mkdir -p "$work/pip_venv" "$work/venv_info" "$work/path_exposure"
VENVKIT_IT_ROOT="$work" VENVKIT_IT_WHEELS="$work/wheels" ANSIBLE_ROLES_PATH="$VENVKIT_ROOT/tests/integration/targets" \
    ansible-playbook -i localhost, -c local -e ansible_python_interpreter="$VENVKIT_VENV/bin/python" \
    "$VENVKIT_ROOT/tests/integration/run.yml"
