#!/bin/sh
# Galaxy: build the collection artifact, install it, and run galaxy-importer
# on it the way Galaxy does on upload, minus what needs a network:
# ansible-test in a container (the sanity stage runs it here instead) is off,
# and ansible-lint runs offline.
set -eu
. "$(dirname "$0")/../lib/env.sh"
cd "$VENVKIT_ROOT"

# galaxy-importer pins attrs<24, older than what the dev venv holds, so it
# gets a venv of its own, with ansible-core and ansible-lint held to the dev
# venv's versions by using tests/requirements.txt as constraints.
importer_pin="galaxy-importer==0.4.44"
venv="$VENVKIT_BUILD/galaxy-importer-venv"
stamp="$importer_pin $(grep -E '^(ansible-core|ansible-lint)==' tests/requirements.txt | tr '\n' ' ')"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    # pip's output only when it fails: the host's index settings make it chatty.
    # pip takes no extras in constraints: the pins without them.
    sed 's/\[[^]]*\]//' tests/requirements.txt >"$venv.constraints"
    "$venv/bin/pip" install -q --disable-pip-version-check \
        -c "$venv.constraints" "$importer_pin" >"$venv.log" 2>&1 ||
        { cat "$venv.log"; exit 1; }
    printf '%s\n' "$stamp" >"$venv/.stamp"
fi

sh tests/lib/artifact.sh >/dev/null
version=$(sed -n 's/^version:[[:space:]]*\([^[:space:]#]*\).*/\1/p' galaxy.yml | tr -d "\"'")
tarball="$VENVKIT_BUILD/dist/venvkit-python-$version.tar.gz"

cfg="$VENVKIT_BUILD/galaxy-importer.cfg"
cat >"$cfg" <<'EOF'
[galaxy-importer]
log_level_main = INFO
run_ansible_doc = True
run_ansible_lint = True
offline_ansible_lint = True
run_ansible_test = False
ansible_test_local_image = False
check_changelog = True
check_required_tags = True
run_flake8 = False
EOF

log="$VENVKIT_BUILD/galaxy-importer.log"
# The importer's own tools (ansible-doc, ansible-lint) come from its venv; it
# writes importer_result.json into its working directory, hence build/.
(cd "$VENVKIT_BUILD" && PATH="$venv/bin:$PATH" GALAXY_IMPORTER_CONFIG="$cfg" \
    "$venv/bin/python" -m galaxy_importer.main "$tarball") >"$log" 2>&1 || {
    cat "$log"
    echo "galaxy: galaxy-importer rejected $tarball" >&2
    exit 1
}
cat "$log"
# The importer reports lint findings as warnings and still succeeds; Galaxy
# shows them on the collection's page, so they fail this gate.
if grep -E '^(WARNING|ERROR)' "$log" >/dev/null; then
    echo "galaxy: galaxy-importer reported warnings (above)" >&2
    exit 1
fi
echo "galaxy: $tarball accepted"
