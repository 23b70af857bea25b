#!/bin/sh
# A controller on Python 3.13 for ansible-core releases that the host's
# Python cannot run (2.20 and later need 3.12): a Debian trixie container
# built from Debian's archive, with a venv per ansible-core release.
#
# Usage: sh tests/lib/controller.sh VERSION [-e NAME[=VALUE]]... [--] COMMAND [ARG...]
#   e.g. sh tests/lib/controller.sh 2.21.5 -- sh tests/stages/unit.sh
#
# COMMAND runs in the checkout, mounted at its own path, where the venv of
# ansible-core==VERSION takes the place of the dev venv (.venv) and build/ is
# a tree of the container's own: the stages run unchanged inside it, with
# Ansible from that release. -e passes an environment variable in, with its
# value here when none is given.
#
# The container has no network. Everything it installs comes from a wheel
# directory the host's pip fills, for Python 3.13, and which the image's
# /etc/pip.conf names with no index: the venv's pins (tests/requirements.txt
# but the Ansible tools, whose versions are the dev venv's), every package
# ansible-test of that release installs (its sanity requirements, the pip it
# bootstraps), and the specs in VENVKIT_CONTROLLER_PACKAGES, which a stage
# that installs more sets.
#
# Cached under build/controller/ and build/wheels/controller-cp313/: the
# image is rebuilt when its inputs below change, a venv when its pins or the
# image change, and the wheels are fetched once per set of specs.
set -eu
. "$(dirname "$0")/env.sh"

usage="usage: controller.sh VERSION [-e NAME[=VALUE]]... [--] COMMAND [ARG...]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
version=$1
shift
envs=""
while [ $# -gt 0 ]; do
    case $1 in
        -e) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
            # Exported here and passed by name: a value may hold spaces.
            case $2 in *=*) export "${2?}" ;; esac
            envs="$envs --env=${2%%=*}"
            shift 2 ;;
        --) shift; break ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }

# --- the image --------------------------------------------------------------
suite=trixie
python_version=3.13
image="localhost/venvkit-controller:$suite"
# git: sanity.sh lists the files to test and ansible-test lists the
# collection's; shellcheck: ansible-test skips its shellcheck test without it.
packages="python3,python3-venv,ca-certificates,git,shellcheck"
# In the container pip installs from the wheel directory alone; ansible-test
# strips PIP_* from pip's environment, but its pip still reads /etc/pip.conf.
pip_conf="[global]
no-index = true
find-links = /srv/wheels
disable-pip-version-check = true"
image_key=$(printf '%s\n' "$suite" "$packages" "$pip_conf" | cksum | cut -d ' ' -f 1)

label() {
    podman image inspect --format '{{ index .Config.Labels "venvkit.inputs" }}' "$image" 2>/dev/null || true
}

if [ "$(label)" != "$image_key" ]; then
    old=$(podman image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)
    echo "controller: building $image with mmdebstrap" >&2
    tmp=$(mktemp -d)
    printf '%s\n' "$pip_conf" >"$tmp/pip.conf"
    mmdebstrap --quiet --variant=minbase --include="$packages" \
        --customize-hook="upload $tmp/pip.conf /etc/pip.conf" \
        "$suite" "$tmp/rootfs.tar"
    # ansible refuses to start without a UTF-8 locale.
    podman import --quiet --change "ENV LANG=C.UTF-8" \
        --change "LABEL venvkit.inputs=$image_key" "$tmp/rootfs.tar" "$image" >/dev/null
    rm -rf "$tmp"
    # The image this one replaces, unless a running container still uses it.
    if [ -n "$old" ]; then podman rmi "$old" >/dev/null 2>&1 || true; fi
fi

# --- the wheels -------------------------------------------------------------
base="$VENVKIT_BUILD/controller"
wheels="$VENVKIT_BUILD/wheels/controller-cp${python_version%.*}${python_version#*.}"
mkdir -p "$base" "$wheels"
requirements="$base/requirements.txt"
grep -v -E '^(ansible-core|ansible-lint|molecule)' "$VENVKIT_ROOT/tests/requirements.txt" >"$requirements.$$"
mv -f "$requirements.$$" "$requirements"

pins="ansible-core==$version $(cksum <"$requirements" | cut -d ' ' -f 1)"
extra=${VENVKIT_CONTROLLER_PACKAGES:-}
stamp="$wheels/.stamp-$(printf '%s\n' "$pins" "$extra" | cksum | cut -d ' ' -f 1)"

# download SPEC...: wheels for the container's Python. pip evaluates
# environment markers for the host's Python (3.11); nothing pinned here
# depends on a marker that differs between 3.11 and 3.13.
download() {
    pip download -qq --disable-pip-version-check -d "$wheels" \
        --only-binary=:all: --python-version "$python_version" --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 "$@"
}

if [ ! -f "$stamp" ]; then
    echo "controller: fetching wheels for ansible-core $version into $wheels" >&2
    # shellcheck disable=SC2086 # specs, one a word
    download "ansible-core==$version" -r "$requirements" $extra
    # What ansible-test installs into the venvs it makes, read from its own
    # files.
    tmp=$(mktemp -d)
    python - "$wheels/ansible_core-$version-py3-none-any.whl" "$tmp" <<'EOF'
import os, re, sys, zipfile
wheel, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        base = os.path.basename(name)
        if name.startswith('ansible_test/_data/requirements/') and \
                (base == 'ansible.txt' or (base.startswith('sanity.') and base.endswith('.txt'))):
            with open(os.path.join(dest, base), 'wb') as out:
                out.write(archive.read(name))
    source = archive.read('ansible_test/_internal/python_requirements.py').decode()
m = re.search(r"default_packages = dict\(\s*pip='([^']+)'", source)
if not m:
    sys.exit('controller: cannot find the pip version ansible-test bootstraps in ' + wheel)
with open(os.path.join(dest, 'pip.txt'), 'w') as out:
    out.write('pip==%s\n' % m.group(1))
EOF
    # One resolution for all of them is four times faster than one per
    # file; ansible-test resolves each on its own, so should their pins
    # ever disagree, fall back to that.
    # shellcheck disable=SC2046 # one -r FILE a pair of words; no spaces in FILE
    download $(for file in "$tmp"/*.txt; do printf -- '-r %s ' "$file"; done) 2>/dev/null ||
        for file in "$tmp"/*.txt; do
            download -r "$file"
        done
    rm -rf "$tmp"
    printf '%s\n' "$pins" "$extra" >"$stamp"
fi

# --- the venv ---------------------------------------------------------------
# It lives here and is mounted as the checkout's .venv, so it is made inside
# the container, at the path it is used from.
venv="$base/ansible-core-$version"
venv_stamp="$pins $image_key"
# The container's build/ and home: caches that outlive one run (the
# collection tree link, ansible-test's venvs, uv's cache).
build="$base/build"
home="$base/home"
mkdir -p "$build/collections/ansible_collections/venvkit" "$home"
ln -sfn "$VENVKIT_ROOT" "$build/collections/ansible_collections/venvkit/python"

# A worktree's .git is a file that names a directory elsewhere: git in the
# container needs that directory too, read-only.
git_mount=""
git_dir=$(git -C "$VENVKIT_ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
case $git_dir in
    "" | "$VENVKIT_ROOT"/*) ;;
    *) git_mount="--volume=$git_dir:$git_dir:ro" ;;
esac

# run [podman run option...] -- COMMAND...: in a container of the image.
run() {
    opts=""
    while [ "$1" != -- ]; do opts="$opts $1"; shift; done
    shift
    # --network=none: nothing in the container may reach an index.
    # --init: a reaper as PID 1, for the processes tests leave behind.
    # The checkout at its own path, so the links under build/collections
    # and the venv's scripts resolve the same inside and out; the venv
    # first on PATH, as env.sh puts the dev venv.
    # shellcheck disable=SC2086 # options, one a word
    # uv reads no pip.conf, and uv pip compile ignores UV_NO_INDEX:
    # tests/lib/index.sh passes the wheel directory to uv and pip itself.
    podman run --rm --network=none --init \
        --name "venvkit-controller-$version-$$" \
        --volume="$VENVKIT_ROOT:$VENVKIT_ROOT" \
        --volume="$venv:$VENVKIT_ROOT/.venv" \
        --volume="$build:$VENVKIT_ROOT/build" \
        --volume="$home:/root" \
        --volume="$wheels:/srv/wheels:ro" \
        --env=PATH="$VENVKIT_ROOT/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        --env=VENVKIT_OFFLINE_WHEELS=/srv/wheels \
        $git_mount --workdir="$VENVKIT_ROOT" $opts "$image" "$@"
}

if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$venv_stamp" ]; then
    echo "controller: creating the venv of ansible-core $version" >&2
    rm -rf "$venv"
    mkdir -p "$venv"
    cp "$requirements" "$venv/.requirements.txt"
    # shellcheck disable=SC2016 # expanded by the container's shell
    run -- sh -c 'python3 -m venv .venv && .venv/bin/pip install -q "$1" -r .venv/.requirements.txt' sh \
        "ansible-core==$version" >"$venv.log" 2>&1 ||
        { cat "$venv.log" >&2; exit 1; }
    printf '%s\n' "$venv_stamp" >"$venv/.stamp"
fi

# shellcheck disable=SC2086 # --env=NAME, one a word
run $envs -- "$@"
