#!/bin/sh
# docs/semaphore.md, run as a reader would: the repository of its section 1
# built from the guide's own code blocks, provisioned with its playbook,
# checked with its section 7, and its drift check of section 8, against
# containers that boot systemd and run the stand-in semaphore-runner service
# (tests/files/systemd/), standing in for runners.
#
# A code block takes part when an HTML comment right above its fence says
# how (a marked block that is missing or not followed by a fence fails):
#   <!-- test: file PATH -->        a file of the repository, at PATH
#   <!-- test: vault PATH -->       the same, then encrypted with ansible-vault
#                                   (the guide's `ansible-vault create`)
#   <!-- test: on-runner NAME -->   a shell block, run as root on the runner
#   <!-- test: on-runner file PATH -->
#                                   the exact content of PATH on the runner
#
# What differs from a real setup, and why:
#   - hosts.yml stays as written; host_vars files, added here, reach
#     runner-1.example.net and runner-2.example.net as Podman containers
#     (ansible_host is the container's name), as root without sudo.
#   - the vault's index URL https://deploy:s3cret@pypi.example.net/simple
#     becomes http://deploy:s3cret@127.0.0.1:<port>/simple, a simple index
#     served here of the wheels the guide's requirements need, since
#     containers cannot reach PyPI; the credentials stay, and must never
#     show in the log.
#   - collections/requirements.yml is checked against galaxy.yml's version,
#     then installed with its name replaced by the built artifact, since
#     Galaxy cannot be reached.
#   - the containers get CAP_SYS_PTRACE, which root has on a real host, so
#     that root can read the service's /proc/<pid>/environ as section 7 does.
# Usage: sh tests/docs/semaphore_guide.sh
set -eu
. "$(dirname "$0")/../lib/env.sh"
. "$VENVKIT_ROOT/tests/lib/index.sh"
. "$VENVKIT_ROOT/tests/lib/collection.sh"
. "$VENVKIT_ROOT/tests/lib/systemd.sh"
cd "$VENVKIT_ROOT"

guide=docs/semaphore.md
work=$(mktemp -d)
# The logs of the playbooks, kept for a look after a failure.
logs="$VENVKIT_BUILD/guide"
rm -rf "$logs"
mkdir -p "$logs"
repo="$work/infra"
blocks="$work/blocks"
runner1="venvkit-guide-runner-1-$$"
runner2="venvkit-guide-runner-2-$$"
trixie="venvkit-guide-trixie-$$"
cleanup() {
    index_stop
    podman rm -f -t 0 "$runner1" "$runner2" "$trixie" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failures=0
check() { # DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        printf 'FAILED: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"
        failures=$((failures + 1))
    fi
}
contains() { # DESCRIPTION NEEDLE FILE
    if grep -qF -- "$2" "$3"; then
        echo "ok: $1"
    else
        printf 'FAILED: %s\n  %s not in:\n' "$1" "$2"
        sed 's/^/    /' "$3"
        failures=$((failures + 1))
    fi
}
lacks() { # DESCRIPTION NEEDLE FILE
    if grep -qF -- "$2" "$3"; then
        printf 'FAILED: %s\n  %s found in %s\n' "$1" "$2" "$3"
        failures=$((failures + 1))
    else
        echo "ok: $1"
    fi
}

echo "--- the guide's marked code blocks"
mkdir -p "$blocks"
# Each marked block goes to $blocks/<marker, with / and blanks as _>; the
# list of markers to $blocks/.markers.
awk -v out="$blocks" '
    function fail(msg) { print "semaphore_guide: " FILENAME ":" NR ": " msg > "/dev/stderr"; bad = 1; exit 1 }
    /^<!-- test: .* -->$/ {
        if (marker != "") fail("two markers without a code block between them")
        marker = $0
        sub(/^<!-- test: /, "", marker)
        sub(/ -->$/, "", marker)
        next
    }
    marker != "" && !inblock {
        if ($0 !~ /^```/) fail("the marker \"" marker "\" is not right above a fence")
        file = marker
        gsub(/[ \/]/, "_", file)
        file = out "/" file
        if (file in seen) fail("the marker \"" marker "\" is used twice")
        seen[file] = 1
        print marker > (out "/.markers")
        printf "" > file
        inblock = 1
        next
    }
    inblock && /^```$/ { close(file); inblock = 0; marker = ""; next }
    inblock { print > file }
    END { if (!bad && inblock) fail("a marked code block is not closed") }
' "$guide"
block() { # MARKER: the path of that block, which must exist
    f="$blocks/$(printf '%s' "$1" | tr ' /' '__')"
    [ -f "$f" ] || { echo "semaphore_guide: $guide has no block marked <!-- test: $1 -->" >&2; exit 1; }
    printf '%s\n' "$f"
}
sed 's/^/  /' "$blocks/.markers"

echo "--- the repository of section 1"
while IFS= read -r marker; do
    case $marker in
        "file "* | "vault "*)
            path=${marker#* }
            mkdir -p "$repo/$(dirname "$path")"
            cp "$(block "$marker")" "$repo/$path"
            ;;
    esac
done <"$blocks/.markers"
for path in semaphore_runner.yml runner_drift.yml runner_venvs.yml runner_rollback.yml task_path.yml \
    collections/requirements.yml \
    inventory/hosts.yml inventory/requirements.txt inventory/group_vars/semaphore_runners/main.yml \
    inventory/group_vars/semaphore_runners/vault.yml; do
    [ -f "$repo/$path" ] || { echo "semaphore_guide: the guide gives no $path" >&2; exit 1; }
done
(cd "$repo" && find . -type f | sort | sed 's/^/  /')

# The package index: the guide's requirements and ansible-core specifier.
core=$(sed -n 's/^semaphore_runner_ansible_core: "\(.*\)"$/\1/p' "$repo/inventory/group_vars/semaphore_runners/main.yml")
[ -n "$core" ] || { echo "semaphore_guide: no semaphore_runner_ansible_core in section 4" >&2; exit 1; }
# shellcheck disable=SC2046 # one requirement a word
wheels=$(index_wheels guide "3.11" "$core" $(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$repo/inventory/requirements.txt"))
simple="$VENVKIT_BUILD/wheels/guide-simple"
rm -rf "$simple"
for whl in "$wheels"/*.whl; do
    name=$(basename "$whl")
    # PEP 503: the project's name, lower case, runs of - _ . as one -.
    project=$(printf '%s\n' "${name%%-*}" | tr '[:upper:]' '[:lower:]' | sed 's/[-_.][-_.]*/-/g')
    mkdir -p "$simple/simple/$project"
    ln -s "$whl" "$simple/simple/$project/$name"
done
index_start "$simple"
port=${VENVKIT_INDEX_URL#http://127.0.0.1:}
port=${port%/}

echo "--- the substitutions for this test"
vault="$repo/inventory/group_vars/semaphore_runners/vault.yml"
grep -qF 'https://deploy:s3cret@pypi.example.net/simple' "$vault" ||
    { echo "semaphore_guide: the vault block no longer holds the URL this test replaces" >&2; exit 1; }
sed -i "s|https://deploy:s3cret@pypi.example.net/simple|http://deploy:s3cret@127.0.0.1:$port/simple|" "$vault"
printf 'test-vault-password\n' >"$work/vault-pass"
ansible-vault encrypt --vault-password-file "$work/vault-pass" "$vault" >/dev/null
mkdir -p "$repo/inventory/host_vars"
for pair in "runner-1.example.net $runner1" "runner-2.example.net $runner2"; do
    printf 'ansible_host: %s\nansible_connection: containers.podman.podman\nansible_become: false\n' \
        "${pair#* }" >"$repo/inventory/host_vars/${pair% *}.yml"
done
version=$(sed -n 's/^version:[[:space:]]*\([^[:space:]#]*\).*/\1/p' galaxy.yml | tr -d "\"'")
check "collections/requirements.yml pins the version galaxy.yml builds" "\"$version\"" \
    "$(sed -n 's/^[[:space:]]*version:[[:space:]]*//p' "$repo/collections/requirements.yml")"
bundle=$(collection_bundle)
sh tests/lib/artifact.sh >/dev/null 2>&1
tarball="$VENVKIT_BUILD/dist/venvkit-python-$version.tar.gz"
sed -e "s|name: venvkit.python|name: $tarball|" -e "s|^\([[:space:]]*\)version: .*|\1type: file|" \
    "$repo/collections/requirements.yml" >"$work/collections-requirements.yml"
(cd "$repo" && ANSIBLE_COLLECTIONS_PATH="$repo/collections" ansible-galaxy collection install --offline \
    -r "$work/collections-requirements.yml" -p collections >/dev/null)
# The repository's collections (beside the playbooks), and containers.podman
# for the connection to the containers.
ANSIBLE_COLLECTIONS_PATH="$repo/collections:$bundle"
export ANSIBLE_COLLECTIONS_PATH

echo "--- two runners: runner-1 to provision, runner-2 never provisioned"
sh tests/lib/images.sh bookworm-systemd
for ct in "$runner1" "$runner2"; do
    podman run -d --name "$ct" --network host --cap-add SYS_PTRACE \
        localhost/venvkit-debian-systemd:bookworm >/dev/null
done
for ct in "$runner1" "$runner2"; do
    systemd_wait "$ct"
    runner_install "$ct"
done

playbook() { # LOG ARGS...: ansible-playbook from the repository, as Semaphore runs it
    log=$1
    shift
    (cd "$repo" && ansible-playbook -i inventory/hosts.yml --vault-password-file "$work/vault-pass" "$@") \
        >"$log" 2>&1
}
changed() { # HOST LOG: the changed= count of HOST in the play recap of LOG
    sed -n "s/^$1 *: .*changed=\([0-9]*\).*/\1/p" "$2"
}

echo "--- section 5: the provisioning template, twice"
playbook "$logs/provision-1.log" semaphore_runner.yml --limit runner-1.example.net ||
    { cat "$logs/provision-1.log"; exit 1; }
check "the first run changes runner-1" yes \
    "$([ "$(changed runner-1.example.net "$logs/provision-1.log")" -gt 0 ] && echo yes)"
playbook "$logs/provision-2.log" semaphore_runner.yml --limit runner-1.example.net --diff ||
    { cat "$logs/provision-2.log"; exit 1; }
check "a second run reports no change" 0 "$(changed runner-1.example.net "$logs/provision-2.log")"
lacks "the index password never shows in the log" s3cret "$logs/provision-1.log"
lacks "the index password never shows in the log of --diff" s3cret "$logs/provision-2.log"
check "the playbook did not start the runner (venv_service_restart is off)" inactive \
    "$(podman exec "$runner1" systemctl is-active semaphore-runner || true)"
podman exec "$runner1" sh -e -c "$(cat "$(block "on-runner restart")")"
runner_wait "$runner1"

echo "--- section 6: the drop-in"
dropin=$(sed -n 's/^on-runner file //p' "$blocks/.markers")
podman exec "$runner1" cat "$dropin" >"$work/dropin"
check "the drop-in is what section 6 shows" "" \
    "$(diff "$(block "on-runner file $dropin")" "$work/dropin" || true)"
# systemd's own PATH, as section 6 gives it for Debian 12 and 13, against
# what systemd says on each (a Debian 13 container only for this).
sh tests/lib/images.sh trixie-systemd
podman run -d --name "$trixie" --network none localhost/venvkit-debian-systemd:trixie >/dev/null
systemd_wait "$trixie"
prose=$(tr -s '\n ' '  ' <"$guide")
for pair in "$runner1 12" "$trixie 13"; do
    ct=${pair% *}
    systemd=$(podman exec "$ct" systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
    default=$(podman exec "$ct" systemctl show-environment | sed -n 's/^PATH=//p')
    case $prose in
        *"\`$default\` on Debian ${pair#* } (systemd $systemd)"*) said=yes ;;
        *) said="no \`$default\` on Debian ${pair#* } (systemd $systemd)" ;;
    esac
    check "section 6 names systemd's own PATH on Debian ${pair#* }" yes "$said"
done

echo "--- section 7: checking the runner"
podman exec "$runner1" sh -e -c "$(cat "$(block "on-runner checks")")" >"$logs/checks.log" 2>&1 ||
    { cat "$logs/checks.log"; exit 1; }
sed 's/^/  /' "$logs/checks.log"
bin=/opt/semaphore/venv/bin
contains "systemd gives the unit the venv's PATH" "Environment=PATH=$bin:" "$logs/checks.log"
contains "the running process has it" "PATH=$bin:" "$logs/checks.log"
check "a task's view finds ansible-playbook and httpx in the venv, and httpx runs" \
    "$bin/ansible-playbook $bin/httpx ok" \
    "$(grep -x -A2 "$bin/ansible-playbook" "$logs/checks.log" | tr '\n' ' ' | sed 's/ $//')"
contains "a login shell finds httpx in the venv" "$bin/httpx" "$logs/checks.log"
contains "nothing under ~/.local" "nothing under ~/.local" "$logs/checks.log"
contains "the venv holds the pinned httpx" "httpx==0.28.1" "$logs/checks.log"
check "the running service's child finds httpx in the venv" "$bin/httpx" "$(runner_seen "$runner1" found)"

# task_path.yml as a Semaphore task on the runner: the semaphore user, an
# empty environment but the service's PATH, another HOME, ansible-playbook
# found on that PATH.
podman cp "$repo/task_path.yml" "$runner1:/tmp/task_path.yml"
podman exec "$runner1" chmod 0644 /tmp/task_path.yml
svc_path=$(podman exec "$runner1" sh -c \
    'tr "\0" "\n" <"/proc/$(systemctl show -p MainPID --value semaphore-runner)/environ" | sed -n "s/^PATH=//p"')
podman exec -u semaphore "$runner1" env -i PATH="$svc_path" HOME=/tmp/task-home \
    ansible-playbook /tmp/task_path.yml >"$logs/task_path.log" 2>&1 ||
    { cat "$logs/task_path.log"; exit 1; }
contains "task_path.yml shows the task's PATH" "\"PATH=$bin:" "$logs/task_path.log"
contains "task_path.yml shows ansible-playbook in the venv" "\"$bin/ansible-playbook\"" "$logs/task_path.log"
contains "task_path.yml shows httpx in the venv" "\"$bin/httpx\"" "$logs/task_path.log"

echo "--- section 8: the drift check"
playbook "$logs/drift-1.log" runner_drift.yml --check --diff --limit runner-1.example.net &&
    rc=0 || rc=$?
check "the drift check passes on the freshly provisioned runner" 0 "$rc"
[ "$rc" = 0 ] || cat "$logs/drift-1.log"

cp "$repo/inventory/requirements.txt" "$work/requirements.txt"
grep -v '^jmespath' "$work/requirements.txt" >"$repo/inventory/requirements.txt"
playbook "$logs/drift-2.log" runner_drift.yml --check --diff --limit runner-1.example.net &&
    rc=0 || rc=$?
check "the drift check fails after requirements.txt lost a package" 2 "$rc"
contains "it names the package a real run would remove" "would remove jmespath==1.0.1" "$logs/drift-2.log"
cp "$work/requirements.txt" "$repo/inventory/requirements.txt"

playbook "$logs/drift-3.log" runner_drift.yml --check --diff --limit runner-2.example.net &&
    rc=0 || rc=$?
check "the drift check fails on a runner never provisioned" 2 "$rc"
contains "it says runner-2 drifted" "runner-2.example.net drifted from what venvkit.python.semaphore_runner would make" \
    "$logs/drift-3.log"
contains "it names a package a real run would install" "httpx==0.28.1" "$logs/drift-3.log"
check "check mode left runner-2 untouched" "absent" \
    "$(podman exec "$runner2" sh -c 'test -e /opt/semaphore || getent passwd semaphore || echo absent')"
lacks "the index password never shows in the drift logs" s3cret "$logs/drift-2.log"

echo "--- section 9: what a runner holds, and a rollback"
grep -v '^jmespath' "$work/requirements.txt" >"$repo/inventory/requirements.txt"
playbook "$logs/provision-2.log" semaphore_runner.yml --limit runner-1.example.net ||
    { cat "$logs/provision-2.log"; exit 1; }
playbook "$logs/venvs-1.log" runner_venvs.yml --limit runner-1.example.net ||
    { cat "$logs/venvs-1.log"; exit 1; }
contains "runner_venvs.yml shows the new generation live, the first kept" "live g2, kept g1, g2" "$logs/venvs-1.log"
contains "and that it matches requirements.txt" "matches requirements.txt: True" "$logs/venvs-1.log"
playbook "$logs/rollback-check.log" runner_rollback.yml --check --diff --limit runner-1.example.net ||
    { cat "$logs/rollback-check.log"; exit 1; }
contains "a rollback in check mode shows jmespath coming back" "+jmespath==1.0.1" "$logs/rollback-check.log"
playbook "$logs/rollback.log" runner_rollback.yml --limit runner-1.example.net ||
    { cat "$logs/rollback.log"; exit 1; }
check "after the rollback the first generation is live" /opt/semaphore/.venv.venvkit/g1 \
    "$(podman exec "$runner1" readlink -f /opt/semaphore/venv)"
check "and jmespath is back" ok "$(podman exec "$runner1" /opt/semaphore/venv/bin/python -c 'import jmespath' && echo ok)"
playbook "$logs/venvs-2.log" runner_venvs.yml --limit runner-1.example.net ||
    { cat "$logs/venvs-2.log"; exit 1; }
contains "runner_venvs.yml says the live one no longer matches requirements.txt" "matches requirements.txt: False" \
    "$logs/venvs-2.log"
cp "$work/requirements.txt" "$repo/inventory/requirements.txt"

if [ "$failures" -gt 0 ]; then
    echo "semaphore_guide: $failures check(s) failed"
    exit 1
fi
echo "semaphore_guide: every check passed"
