#!/bin/sh
# Unit tests: pytest drives the module's engine with real venvs and real pip.
set -eu
. "$(dirname "$0")/../lib/env.sh"
cd "$VENVKIT_ROOT"
exec python -m pytest -q -n 2 -p no:cacheprovider tests/unit "$@"
