#!/bin/sh
# Installs the gate tools (antsibull-changelog, antsibull-docs) into the dev
# venv, once per change of their pins in tests/requirements-gates.txt.
set -eu
. "$(dirname "$0")/env.sh"
gates="$VENVKIT_ROOT/tests/requirements-gates.txt"
mkdir -p "$VENVKIT_BUILD"
if ! cmp -s "$gates" "$VENVKIT_VENV/.requirements-gates.txt"; then
    python -m pip install -q --disable-pip-version-check -r "$gates" \
        >"$VENVKIT_BUILD/gates-install.log" 2>&1 ||
        { cat "$VENVKIT_BUILD/gates-install.log"; exit 1; }
    cp "$gates" "$VENVKIT_VENV/.requirements-gates.txt"
fi
