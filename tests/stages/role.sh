#!/bin/sh
# The venv role on this host, in scratch directories:
#   - as root, with profile.d, systemd, OpenRC and link directories redirected
#     under a scratch root that already holds other files: apply (changed),
#     apply again (not changed), check mode (not changed), switch from OpenRC
#     to systemd, then venv_state=absent leaves the scratch root exactly as
#     it was;
#   - mistakes are caught before anything is written: a misspelled variable,
#     a controller file that is not there;
#   - accounts: an existing one is left byte for byte as it was, one the role
#     creates goes with its home on venv_service_user_remove;
#   - as an unprivileged user with system-wide exposure off: the same cycle.
# Packages come from a local wheel directory (no index, no network).
set -eu
. "$(dirname "$0")/../lib/env.sh"
. "$VENVKIT_ROOT/tests/lib/index.sh"
cd "$VENVKIT_ROOT"

# pip too: with uv on PATH the module seeds the venv with pip from here.
wheels=$(index_wheels httpx-pip "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" 'httpx[cli]' pip)
work=$(mktemp -d)
chmod 0755 "$work"
accounts="vkexisting vkcreated"
cleanup() {
    for account in $accounts; do
        userdel -r "$account" >/dev/null 2>&1 || userdel "$account" >/dev/null 2>&1 || true
        groupdel "$account" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# fails VARSFILE [ansible-playbook options]: the play's output, which must be a failure
fails() {
    vars=$1
    shift
    if ansible-playbook tests/role/apply.yml -e "@$vars" "$@" >"$work/fail.log" 2>&1; then
        cat "$work/fail.log" >&2
        echo "FAIL: ansible-playbook $* should have failed" >&2
        exit 1
    fi
    cat "$work/fail.log"
}

# play VARSFILE [ansible-playbook options]: prints the number of changed tasks
play() {
    vars=$1
    shift
    log="$work/play.log"
    if ! $as_user ansible-playbook tests/role/apply.yml -e "@$vars" "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "FAIL: ansible-playbook $* failed" >&2
        exit 1
    fi
    sed -n 's/^localhost *: .*changed=\([0-9]*\).*/\1/p' "$log"
}

expect() {
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected $2, got $3" >&2; exit 1; fi
}

# Every path, type, mode, owner and content hash under a directory.
snapshot() {
    (cd "$1" && find . -printf '%p %y %m %u %l\n' | sort &&
        find . -type f -exec sha256sum {} + | sort)
}

# --- the package managers' commands, for the families no test can boot --------
if ansible-playbook tests/role/prerequisites.yml >"$work/prerequisites.log" 2>&1; then
    echo "ok: the commands that install Python on Alpine, RHEL/Fedora, SUSE and Arch"
else
    cat "$work/prerequisites.log" >&2
    echo "FAIL: a package manager's command is not the one expected" >&2
    exit 1
fi

# --- as root, system directories redirected ---------------------------------
as_user=""
root="$work/root"
mkdir -p "$root/etc/profile.d" "$root/etc/conf.d" "$root/etc/systemd/system/semaphore-runner.service.d" \
    "$root/usr/local/bin" "$root/opt"
# What others made, which must survive.
printf 'command_args="--config /etc/semaphore/config.json"\n' >"$root/etc/conf.d/semaphore-runner"
printf '[Service]\nUser=semaphore\n' >"$root/etc/systemd/system/semaphore-runner.service.d/user.conf"
printf '#!/bin/sh\n' >"$root/usr/local/bin/other-tool"
# shellcheck disable=SC2016 # the file's own shell code
printf 'PATH="$PATH:/opt/other/bin"\n' >"$root/etc/profile.d/other.sh"
before=$(snapshot "$root")

cat >"$work/root.json" <<JSON
{
  "venv_name": "semaphore",
  "venv_path": "$root/opt/semaphore/venv",
  "venv_requirements_files": ["$VENVKIT_ROOT/molecule/shared/requirements.txt"],
  "venv_find_links": ["$wheels"],
  "venv_no_index": true,
  "venv_profile_dir": "$root/etc/profile.d",
  "venv_systemd_dir": "$root/etc/systemd/system",
  "venv_openrc_conf_dir": "$root/etc/conf.d",
  "venv_service_units": ["semaphore-runner"],
  "venv_service_manager": "openrc",
  "venv_link_scripts": ["httpx"],
  "venv_link_dir": "$root/usr/local/bin"
}
JSON
expect "root: first run changes" yes "$([ "$(play "$work/root.json")" -gt 0 ] && echo yes)"
expect "root: second run changes nothing" 0 "$(play "$work/root.json")"
# The playbook's own task is one of them; the rest are the role's.
expect "root: an unchanged run prints at most 8 task headers" yes \
    "$([ "$(grep -c '^TASK \[' "$work/play.log")" -le 8 ] && echo yes)"
expect "root: check mode changes nothing" 0 "$(play "$work/root.json" --check --diff)"
expect "root: the link runs httpx" ok "$("$root/usr/local/bin/httpx" --help >/dev/null && echo ok)"
expect "root: conf.d keeps its own line" 1 "$(grep -c '^command_args=' "$root/etc/conf.d/semaphore-runner")"
expect "root: conf.d block present" 1 "$(grep -c 'BEGIN semaphore venv PATH' "$root/etc/conf.d/semaphore-runner")"
expect "root: profile.d script mode" 644 "$(stat -c %a "$root/etc/profile.d/semaphore.sh")"

sed 's/"openrc"/"systemd"/' "$work/root.json" >"$work/root-systemd.json"
expect "root: switching to systemd changes" yes "$([ "$(play "$work/root-systemd.json")" -gt 0 ] && echo yes)"
expect "root: the OpenRC block is gone" 0 "$(grep -c 'semaphore venv PATH' "$root/etc/conf.d/semaphore-runner" || true)"
expect "root: the drop-in is there" 1 \
    "$(grep -c '^Environment="PATH=' "$root/etc/systemd/system/semaphore-runner.service.d/semaphore-path.conf")"
expect "root: again, nothing changes" 0 "$(play "$work/root-systemd.json")"

expect "root: absent in check mode changes" yes \
    "$([ "$(play "$work/root-systemd.json" -e venv_state=absent --check)" -gt 0 ] && echo yes)"
play "$work/root-systemd.json" -e venv_state=absent >/dev/null
expect "root: absent restores the scratch root exactly" "$before" "$(snapshot "$root")"
expect "root: absent again changes nothing" 0 "$(play "$work/root-systemd.json" -e venv_state=absent)"

# --- mistakes are caught before anything is written ------------------------------
before=$(snapshot "$root")
out=$(fails "$work/root.json" -e '{"venv_pakages": ["httpx"]}')
expect "a misspelled variable is named, with the right one" yes \
    "$(printf '%s' "$out" | grep -q 'unknown variable venv_pakages; did you mean venv_packages?' && echo yes)"
out=$(fails "$work/root.json" -e "{\"venv_requirements_files\": [\"$work/no-such-requirements.txt\"]}")
expect "a missing controller file is named" yes \
    "$(printf '%s' "$out" | grep -q "Not a file on the controller.*$work/no-such-requirements.txt" && echo yes)"
out=$(fails "$work/root.json" -e '{"venv_path": "/opt/my tools/venv"}')
expect "the module's own rules run on the controller first" yes \
    "$(printf '%s' "$out" | grep -q "would corrupt a PATH entry" && echo yes)"
expect "none of them wrote anything" "$before" "$(snapshot "$root")"
# The runner playbook with no requirements.txt beside its inventory: check
# mode, so that nothing could be written even if the check were missing.
mkdir -p "$work/inventory"
printf '[semaphore_runners]\nlocalhost ansible_connection=local\n' >"$work/inventory/hosts.ini"
if ansible-playbook -i "$work/inventory/hosts.ini" playbooks/semaphore_runner.yml --check >"$work/runner.log" 2>&1; then
    cat "$work/runner.log" >&2
    echo "FAIL: the runner playbook went on without its requirements file" >&2
    exit 1
fi
expect "the runner playbook stops when requirements.txt is missing" yes \
    "$(grep -q "The requirements file $work/inventory/requirements.txt is not there" "$work/runner.log" && echo yes)"

# --- accounts -----------------------------------------------------------------
useradd --system --home-dir /var/lib/vkexisting --shell /usr/sbin/nologin --no-create-home vkexisting
passwd_before=$(getent passwd vkexisting)
sed -e 's|"venv_service_units"|"venv_service_user": "vkexisting", "venv_service_user_create": true, "venv_service_units"|' \
    "$work/root-systemd.json" >"$work/existing.json"
expect "existing account: the role runs" yes "$([ "$(play "$work/existing.json")" -ge 0 ] && echo yes)"
expect "existing account: its passwd line is byte for byte the same" "$passwd_before" "$(getent passwd vkexisting)"
expect "existing account: no home was made for it" no "$([ -e /home/vkexisting ] && echo yes || echo no)"
out=$(ansible-playbook tests/role/apply.yml -e "@$work/existing.json" -e venv_service_user_update=true --check 2>&1)
expect "existing account: check mode says what an update would change" yes \
    "$(printf '%s' "$out" | grep -q 'would change the account vkexisting: home /var/lib/vkexisting -> /home/vkexisting' && echo yes)"
expect "existing account: and changes nothing" "$passwd_before" "$(getent passwd vkexisting)"
play "$work/existing.json" -e venv_state=absent -e venv_service_user_remove=true >/dev/null
expect "existing account: removed, and a home it had is not touched" no "$(getent passwd vkexisting >/dev/null && echo yes || echo no)"

sed -e 's|"venv_service_units"|"venv_service_user": "vkcreated", "venv_service_user_create": true, "venv_service_user_home": "/var/lib/vkcreated", "venv_service_units"|' \
    "$work/root-systemd.json" >"$work/created.json"
play "$work/created.json" >/dev/null
expect "created account: it exists, marked as the role's" yes \
    "$(getent passwd vkcreated | cut -d: -f5 | grep -q '^venvkit.python created this account' && echo yes)"
expect "created account: its home was made" yes "$([ -d /var/lib/vkcreated ] && echo yes)"
play "$work/created.json" -e venv_state=absent -e venv_service_user_remove=true >/dev/null
expect "created account: removed with the home the role made" "no no" \
    "$(getent passwd vkcreated >/dev/null && echo yes || echo no) $([ -e /var/lib/vkcreated ] && echo yes || echo no)"

# --- as an unprivileged user, nothing system-wide -----------------------------
# The controller stays root (its Python may live where others cannot read);
# the role runs as `nobody` through su, with the system Python, and pip,
# since nobody's home (/nonexistent) has no room for uv's cache.
user=nobody
home="$work/user"
mkdir -p "$home"
chown "$user" "$home"
as_user=""
# nobody's login shell is nologin: su needs one that runs commands.
cat >"$work/unprivileged.json" <<JSON
{
  "ansible_become": true,
  "ansible_become_method": "su",
  "ansible_become_user": "$user",
  "ansible_become_flags": "-s /bin/sh",
  "ansible_python_interpreter": "/usr/bin/python3"
}
JSON
unprivileged="-e @$work/unprivileged.json"
before=$(snapshot "$home")
cat >"$work/user.json" <<JSON
{
  "venv_path": "$home/tools/venv",
  "venv_python": "/usr/bin/python3",
  "venv_installer": "pip",
  "venv_packages": ["httpx[cli]"],
  "venv_find_links": ["$wheels"],
  "venv_no_index": true,
  "venv_profile_enabled": false,
  "venv_profile_dir": "$home/no-profile.d"
}
JSON
# shellcheck disable=SC2086 # $unprivileged is two words
{
expect "user: first run changes" yes "$([ "$(play "$work/user.json" $unprivileged)" -gt 0 ] && echo yes)"
expect "user: second run changes nothing" 0 "$(play "$work/user.json" $unprivileged)"
expect "user: check mode changes nothing" 0 "$(play "$work/user.json" $unprivileged --check)"
expect "user: the venv is the user's" "$user" "$(stat -c %U "$home/tools/venv/bin/httpx")"
expect "user: httpx runs as the user" ok "$(runuser -u "$user" -- "$home/tools/venv/bin/httpx" --help >/dev/null && echo ok)"
play "$work/user.json" $unprivileged -e venv_state=absent >/dev/null
}
expect "user: absent leaves nothing behind" "$before" "$(snapshot "$home")"
echo "role: all checks passed"
