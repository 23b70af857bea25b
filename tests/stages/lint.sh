#!/bin/sh
# Lint: ansible-lint (production profile, offline) over the whole collection,
# then the changelog: fragments, changelog.yaml, and CHANGELOG.md as
# antsibull-changelog would generate it.
# Usage: tests/stages/lint.sh [ansible-lint options or paths]
set -eu
. "$(dirname "$0")/../lib/env.sh"
cd "$VENVKIT_ROOT"

sh "$VENVKIT_ROOT/tests/lib/gates.sh"

status=0

echo "--- ansible-lint"
# Settings (profile, offline, excluded paths) are in .ansible-lint.
ansible-lint --nocolor "$@" || status=1

echo "--- antsibull-changelog"
antsibull-changelog lint || status=1
if [ -f changelogs/changelog.yaml ]; then
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml || status=1
    # CHANGELOG.md is generated: it must be what changelog.yaml gives today.
    expected="$VENVKIT_BUILD/lint/CHANGELOG.md"
    mkdir -p "$(dirname "$expected")"
    if antsibull-changelog generate --output "$expected" --output-format md &&
        ! diff -u CHANGELOG.md "$expected"; then
        echo "lint: CHANGELOG.md is stale; run antsibull-changelog generate" >&2
        status=1
    fi
else
    echo "lint: changelogs/changelog.yaml is missing; run antsibull-changelog release" >&2
    status=1
fi

exit "$status"
