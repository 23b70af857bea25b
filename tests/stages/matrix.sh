#!/bin/sh
# Version matrix: the unit tests, and ansible-doc rendering of the module, on
# every ansible-core minor release meta/runtime.yml supports below the dev
# venv's (2.19, which the unit stage covers). One venv per release under
# build/matrix/, reused until its pins change.
# Usage: tests/stages/matrix.sh [ansible-core version...]
set -eu
. "$(dirname "$0")/../lib/env.sh"
cd "$VENVKIT_ROOT"

# The latest patch release of each minor version; bump them together with
# meta/runtime.yml.
versions=${*:-2.16.19 2.17.14 2.18.19}

# Everything tests/requirements.txt pins except the Ansible tools, whose
# versions belong to the dev venv, is installed here too (pytest, uv).
mkdir -p "$VENVKIT_BUILD/matrix"
requirements="$VENVKIT_BUILD/matrix/requirements.txt"
grep -v -E '^(ansible-core|ansible-lint|molecule)' tests/requirements.txt >"$requirements.new"
mv -f "$requirements.new" "$requirements"

status=0
for version in $versions; do
    venv="$VENVKIT_BUILD/matrix/ansible-core-$version"
    stamp="ansible-core==$version $(cksum <"$requirements")"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
        echo "--- ansible-core $version: creating $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        # pip's output only when it fails: the host's index settings make it chatty.
        "$venv/bin/pip" install -q --disable-pip-version-check \
            "ansible-core==$version" -r "$requirements" >"$venv.log" 2>&1 ||
            { cat "$venv.log"; exit 1; }
        printf '%s\n' "$stamp" >"$venv/.stamp"
    fi
    # The whole suite on the lowest release, as the unit stage does on the
    # dev venv's and the current stage on the newest; on the releases between,
    # what depends on ansible-core: the modules as Ansible runs them, the
    # filters, ansible-doc (the engine itself uses nothing of ansible-core's).
    # shellcheck disable=SC2086 # one version a word, split on purpose
    if [ "$version" = "$(printf '%s\n' $versions | sort -V | head -n 1)" ]; then
        suite=tests/unit
    else
        suite=tests/unit/plugins/modules
    fi
    echo "--- ansible-core $version: unit tests ($suite)"
    # The matrix venv first on PATH: tests that start ansible or
    # ansible-doc get this release, not the dev venv's.
    # A temporary directory per release keeps concurrent pytest runs apart.
    PATH="$venv/bin:$PATH" "$venv/bin/python" -m pytest -q -n 2 -p no:cacheprovider \
        --basetemp "$VENVKIT_BUILD/matrix/tmp-$version" "$suite" ||
        { echo "matrix: unit tests failed on ansible-core $version" >&2; status=1; }
    echo "--- ansible-core $version: ansible-doc venvkit.python.pip_venv"
    out="$VENVKIT_BUILD/matrix/ansible-doc-$version.txt"
    if PATH="$venv/bin:$PATH" ansible-doc venvkit.python.pip_venv >"$out" 2>&1 &&
        grep -q 'pip_venv' "$out" && ! grep -q -E '^(\[ERROR\]|ERROR!)' "$out"; then
        echo "ansible-doc rendered $(wc -l <"$out") lines"
    else
        cat "$out"
        echo "matrix: ansible-doc failed on ansible-core $version" >&2
        status=1
    fi
done

# The offline Molecule scenario on the lowest supported release too; the
# molecule stage covers the highest (the dev venv's).
# shellcheck disable=SC2086 # one version a word, split on purpose
lowest=$(printf '%s\n' $versions | sort -V | head -n 1)
case $lowest in
    2.16.*)
        echo "--- ansible-core $lowest: molecule offline scenario"
        VENVKIT_ANSIBLE_VENV="$VENVKIT_BUILD/matrix/ansible-core-$lowest" sh tests/stages/molecule.sh ||
            { echo "matrix: molecule failed on ansible-core $lowest" >&2; status=1; }
        ;;
esac
exit "$status"
