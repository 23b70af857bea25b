#!/bin/sh
# Sanity: ansible-test sanity on the collection, offline.
# ansible-test wants the collection at ansible_collections/<ns>/<name> and
# reads every file under it, so the stage copies what git would ship (tracked
# files plus untracked ones that are not ignored) into a clean tree under
# build/ rather than testing the checkout with its caches and venvs. Each run
# has a tree of its own, removed when it ends, so runs can overlap.
# Usage: tests/stages/sanity.sh [ansible-test sanity options, e.g. --test pep8]
set -eu
. "$(dirname "$0")/../lib/env.sh"
cd "$VENVKIT_ROOT"

mkdir -p "$VENVKIT_BUILD/sanity"
work=$(mktemp -d "$VENVKIT_BUILD/sanity/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
tree="$work/ansible_collections/venvkit/python"

# --- the collection tree ----------------------------------------------------
mkdir -p "$tree"
git ls-files --cached --others --exclude-standard |
    while IFS= read -r f; do
        # Tracked files deleted in the working tree are not part of it.
        if [ -f "$f" ] || [ -L "$f" ]; then printf '%s\n' "$f"; fi
    done |
    tar -cf - --no-recursion -T - | tar -C "$tree" -xf -
# The copy lies inside this checkout, whose .git ansible-test would find by
# walking up, and then see none of the copy's (ignored) files. A repository
# of its own makes ansible-test list exactly the copied files.
git -C "$tree" init -q
git -C "$tree" add .

# --- pip bootstrap ----------------------------------------------------------
# ansible-test bootstraps pip into each virtual environment it makes with a
# script downloaded from ci-files.testing.ansible.com, which CI cannot reach.
# It looks in its cache first, so a stand-in goes there: it installs the pip
# ansible-test asks for, with no index, from a wheel the dev venv's pip
# fetched beforehand from PyPI. The pip version is read from ansible-test's
# source, so an ansible-core upgrade cannot silently bring the download back.
pip_version=$(python - <<'EOF'
import os, re, sys
import ansible_test
src = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
with open(src, encoding='utf-8') as f:
    m = re.search(r"default_packages = dict\(\s*pip='([^']+)'", f.read())
if not m:
    sys.exit('sanity: cannot find the pip version ansible-test bootstraps in ' + src)
print(m.group(1))
EOF
)
wheels="$VENVKIT_BUILD/sanity/wheels"
wheel="$wheels/pip-$pip_version-py3-none-any.whl"
mkdir -p "$wheels"
if [ ! -f "$wheel" ]; then
    python -m pip download -qq --disable-pip-version-check --no-deps \
        --only-binary :all: -d "$wheels" "pip==$pip_version"
fi
get_pip="$HOME/.ansible/test/cache/get_pip_$(echo "$pip_version" | tr . _).py"
mkdir -p "$(dirname "$get_pip")"
cat >"$get_pip.$$" <<EOF
# Stand-in for get-pip.py, written by the venvkit.python sanity stage.
# ansible-test runs it as: python get_pip.py [pip options] pip==X --no-setuptools --no-wheel
# and it installs pip from a local wheel, with no index.
import sys
sys.path.insert(0, '$wheel')
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(main(['install', '--no-index', '--find-links', '$wheels'] + args))
EOF
mv -f "$get_pip.$$" "$get_pip"

# --- tools ansible-test only uses when present -----------------------------
# Without shellcheck the shellcheck test is skipped with a mere warning.
if ! command -v shellcheck >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
    else
        echo "sanity: shellcheck is missing (apt-get install shellcheck)" >&2
        exit 1
    fi
fi

# pyenv's shims exist for every installed Python but fail for those not
# selected, and ansible-test takes any python3.X on PATH as usable (and runs
# it with an environment of its own, so PYENV_VERSION would not reach the
# shim). Links straight to each installed interpreter, first on PATH, let the
# compile and import tests run on every version installed.
if command -v pyenv >/dev/null 2>&1; then
    pythons="$work/pythons"
    mkdir -p "$pythons"
    for version in $(pyenv versions --bare); do
        for exe in "$(pyenv prefix "$version")"/bin/python[0-9].[0-9]*; do
            case "$exe" in *-config|*-gdb.py) continue ;; esac
            if [ -x "$exe" ]; then ln -sf "$exe" "$pythons/${exe##*/}"; fi
        done
    done
    PATH="$pythons:$PATH"
fi

# --- the test ---------------------------------------------------------------
# --venv: ansible-test makes its own controller venv and a venv per test with
# its pinned requirements, so nothing is installed into the shared dev venv.
cd "$tree"
ansible-test sanity --venv --requirements --color no "$@"
