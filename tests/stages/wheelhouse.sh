#!/bin/sh
# The venv role's wheelhouse and uv, on Debian 12 and 13 containers that have
# no network at all (podman --network none; Ansible reaches them through
# podman exec):
#   - the controller builds the wheels of httpx[cli] once per target Python
#     (3.11, 3.13) from a package index served here on 127.0.0.1, ships them
#     and the role installs them with no index: first run changes, a second
#     run and check mode with the index server stopped change nothing;
#   - on the Debian 13 host venv_install_uv puts uv there from the
#     wheelhouse, the venv is then built by uv and still has pip, while the
#     Debian 12 host builds with pip;
#   - a package with no wheel for the targets' platform (a musllinux-only
#     wheel against glibc targets) fails the build with a message naming the
#     package, the Python and the platform;
#   - venv_wheelhouse with target-side requirements files is refused;
#   - venv_state=absent removes the venv, uv's venv and the wheelhouse.
set -eu
. "$(dirname "$0")/../lib/env.sh"
. "$VENVKIT_ROOT/tests/lib/index.sh"
. "$VENVKIT_ROOT/tests/lib/collection.sh"
cd "$VENVKIT_ROOT"

sh tests/lib/images.sh bookworm trixie
ANSIBLE_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH:$(collection_bundle)"
export ANSIBLE_COLLECTIONS_PATH
uv_spec=$(sed -n 's/^venv_uv_version: *//p' roles/venv/defaults/main.yml)
wheels=$(index_wheels wheelhouse "3.11 3.13" 'httpx[cli]' pip "$uv_spec")

work=$(mktemp -d)
prefix="venvkit-wheelhouse-$$"
containers=""
cleanup() {
    index_stop
    for c in $containers; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for suite in bookworm trixie; do
    podman run -d --network none --name "$prefix-$suite" "localhost/venvkit-debian:$suite" sleep infinity >/dev/null
    containers="$containers $prefix-$suite"
done
cat >"$work/hosts.yml" <<YAML
targets:
  vars:
    ansible_connection: containers.podman.podman
    ansible_python_interpreter: /usr/bin/python3
  hosts:
    $prefix-bookworm: {}
    $prefix-trixie:
      venv_install_uv: true
YAML

expect() {
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected [$2], got [$3]" >&2; exit 1; fi
}

# play LOG VARSFILE [ansible-playbook options]: the summed changed count;
# exits when the play fails.
play() {
    log=$1 vars=$2
    shift 2
    start=$(date +%s)
    if ! ansible-playbook -i "$work/hosts.yml" tests/role/fleet.yml -e "@$vars" "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "FAIL: ansible-playbook $* failed" >&2
        exit 1
    fi
    echo "  ($(basename "$log" .log): $(($(date +%s) - start)) s)" >&2
    sed -n 's/^[^ ]* *: .*changed=\([0-9]*\).*/\1/p' "$log" | awk '{ n += $1 } END { print n + 0 }'
}

# A wheel for musl only: the glibc targets have no wheel of it.
mkdir -p "$work/musl"
python3 - "$work/musl/venvkit_musl_only-1.0-py3-none-musllinux_1_2_x86_64.whl" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as whl:
    whl.writestr('venvkit_musl_only-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\nName: venvkit-musl-only\nVersion: 1.0\n')
PY

index_start "$wheels"
expect "targets cannot reach the index" unreachable \
    "$(podman exec "$prefix-bookworm" python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "$VENVKIT_INDEX_URL" >/dev/null 2>&1 && echo reachable || echo unreachable)"

cat >"$work/fleet.json" <<JSON
{
  "venv_name": "tools",
  "venv_path": "/opt/tools/venv",
  "venv_packages": ["httpx[cli]"],
  "venv_find_links": ["$VENVKIT_INDEX_URL"],
  "venv_no_index": true,
  "venv_wheelhouse": true,
  "venv_wheelhouse_dir": "$work/wheelhouse",
  "venv_profile_enabled": false
}
JSON

expect "first run changes" yes "$([ "$(play "$work/run1.log" "$work/fleet.json")" -gt 0 ] && echo yes)"
expect "one build per target Python" 2 "$(find "$work/wheelhouse" -name '*.tar' | wc -l)"
for c in $containers; do
    expect "$c: httpx runs" ok "$(podman exec "$c" /opt/tools/venv/bin/httpx --help >/dev/null && echo ok)"
    expect "$c: only wheels in its wheelhouse, and their key" .venvkit-key \
        "$(podman exec "$c" find /var/cache/venvkit/tools-wheels -type f ! -name '*.whl' -printf '%f\n')"
    expect "$c: wheels in its wheelhouse" yes \
        "$([ "$(podman exec "$c" find /var/cache/venvkit/tools-wheels -name '*.whl' | wc -l)" -gt 5 ] && echo yes)"
done
# installer_of HOST LOG: what the last task of tests/role/fleet.yml printed
installer_of() {
    sed -n "/^ok: \[$1\] => {/{n;s/.*\"msg\": \"installer=\([a-z]*\)\".*/\1/p;}" "$2"
}
expect "the Debian 12 venv built by pip" pip "$(installer_of "$prefix-bookworm" "$work/run1.log")"
expect "the Debian 13 venv built by uv" uv "$(installer_of "$prefix-trixie" "$work/run1.log")"
expect "uv is on the Debian 13 host" ok "$(podman exec "$prefix-trixie" /opt/tools/venv-uv/bin/uv --version >/dev/null && echo ok)"
expect "the uv-built venv has pip" ok "$(podman exec "$prefix-trixie" /opt/tools/venv/bin/pip --version >/dev/null && echo ok)"

# A package without a wheel for the targets' platform.
python3 - "$work/fleet.json" "$work/mismatch.json" "$work/musl" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
v['venv_packages'].append('venvkit-musl-only')
v['venv_find_links'].append(sys.argv[3])
json.dump(v, open(sys.argv[2], 'w'))
PY
if ansible-playbook -i "$work/hosts.yml" tests/role/fleet.yml -e "@$work/mismatch.json" >"$work/mismatch.log" 2>&1; then
    echo "FAIL: a package without a wheel for the platform did not fail" >&2
    exit 1
fi
for want in 'venvkit-musl-only for Python 3.11 on manylinux_2_36_x86_64 (glibc 2.36, x86_64), needed by '"$prefix-bookworm" \
    'venvkit-musl-only for Python 3.13 on manylinux_2_41_x86_64 (glibc 2.41, x86_64), needed by '"$prefix-trixie"; do
    expect "mismatch: each host fails naming the package, its Python and platform" yes \
        "$(grep -q "^fatal: .*no wheel of $want" "$work/mismatch.log" && echo yes)"
done
sed -n 's/.*"msg": "\(venv wheelhouse: no wheel of .*, needed by [^.]*\)\..*/  \1/p' "$work/mismatch.log" | sort -u
expect "mismatch: the venv is untouched" ok \
    "$(podman exec "$prefix-trixie" /opt/tools/venv/bin/httpx --help >/dev/null && echo ok)"

# Files on the target cannot go into a wheelhouse built elsewhere.
if ansible-playbook -i "$work/hosts.yml" tests/role/fleet.yml -e "@$work/fleet.json" \
    -e '{"venv_requirements": ["/srv/requirements.txt"]}' >"$work/refused.log" 2>&1; then
    echo "FAIL: venv_wheelhouse with venv_requirements was not refused" >&2
    exit 1
fi
expect "venv_requirements with the wheelhouse is refused" yes \
    "$(grep -q 'can only use venv_packages' "$work/refused.log" && echo yes)"

# From here on no index exists at all: nothing may need one.
index_stop
expect "second run, no index anywhere, changes nothing" 0 "$(play "$work/run2.log" "$work/fleet.json")"
# The raw probe reported the key of the wheels on each host: nothing is copied or unpacked.
expect "second run: no wheelhouse task ran on a host" 0 \
    "$(awk '/^TASK \[/ { on = ($0 ~ /(Empty the wheelhouse|Copy the archive|Unpack the wheels)/) }
            on && /^(ok|changed|fatal):/ { n++ } END { print n + 0 }' "$work/run2.log")"
expect "check mode changes nothing" 0 "$(play "$work/check.log" "$work/fleet.json" --check)"

play "$work/absent.log" "$work/fleet.json" -e venv_state=absent >/dev/null
for c in $containers; do
    expect "$c: absent removes the venv, uv and the wheelhouse" "" \
        "$(podman exec "$c" sh -c 'ls -d /opt/tools/venv* /var/cache/venvkit 2>/dev/null' || true)"
done
echo "wheelhouse: all checks passed"
