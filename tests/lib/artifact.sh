#!/bin/sh
# Builds the collection artifact and installs it, so that tests can run
# against what would be published rather than against the working tree: a
# file the package misses then fails those tests.
# The artifact is built from what a clean clone holds (tracked files plus
# untracked ones that are not ignored), filtered by galaxy.yml's build_ignore,
# into build/dist/; it is installed with no index and no dependencies (CI
# cannot reach Galaxy; the harness provides other collections) into
# build/artifact/.
# Prints the collections path to use, on stdout and nothing else:
#   ANSIBLE_COLLECTIONS_PATH=$(sh tests/lib/artifact.sh)
set -eu
. "$(dirname "$0")/env.sh"
cd "$VENVKIT_ROOT"

src="$VENVKIT_BUILD/artifact-src/ansible_collections/venvkit/python"
dist="$VENVKIT_BUILD/dist"
dest="$VENVKIT_BUILD/artifact"

rm -rf "$VENVKIT_BUILD/artifact-src"
mkdir -p "$src" "$dist"
git ls-files --cached --others --exclude-standard |
    while IFS= read -r f; do
        # Tracked files deleted in the working tree are not part of it.
        if [ -f "$f" ] || [ -L "$f" ]; then printf '%s\n' "$f"; fi
    done |
    tar -cf - --no-recursion -T - | tar -C "$src" -xf -

version=$(sed -n 's/^version:[[:space:]]*\([^[:space:]#]*\).*/\1/p' galaxy.yml | tr -d "\"'")
tarball="$dist/venvkit-python-$version.tar.gz"
rm -f "$tarball"
ansible-galaxy collection build --force --output-path "$dist" "$src" >&2
[ -f "$tarball" ] || { echo "artifact: $tarball was not built" >&2; exit 1; }

rm -rf "$dest"
ANSIBLE_COLLECTIONS_PATH="$dest" ansible-galaxy collection install --offline --no-deps --force \
    -p "$dest" "$tarball" >&2
printf '%s\n' "$dest"
