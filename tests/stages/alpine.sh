#!/bin/sh
# PATH exposure in real shells. The role's profile.d script and OpenRC
# conf.d block, written by the engine the role uses (tests/path-exposure/render.yml),
# must put the venv's bin on PATH exactly once:
#   - in busybox ash login shells under Alpine 3.23's own /etc/profile, in a
#     container of the real Alpine root filesystem (no python3 there);
#   - with the conf.d file parsed and sourced by ash, as openrc-run does;
#   - sourced by dash and bash on this host, once or twice, with PATH set,
#     empty or unset.
set -eu
. "$(dirname "$0")/../lib/env.sh"
cd "$VENVKIT_ROOT"

bin=/opt/semaphore/venv/bin
image=localhost/venvkit-alpine:3.23
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
failures=0

# check WHAT EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1: expected [$2], got [$3]" >&2
        failures=$((failures + 1))
    fi
}

# count_bin PATHVALUE: how often the venv's bin appears in it
count_bin() {
    printf '%s\n' "$1" | tr ':' '\n' | grep -cx "$bin" || true
}

# position PATHVALUE: first, last, middle or missing
position() {
    case ":$1:" in
        ":$bin:") echo only ;;
        ":$bin:"*) echo first ;;
        *":$bin:") echo last ;;
        *":$bin:"*) echo middle ;;
        *) echo missing ;;
    esac
}

sh tests/lib/images.sh alpine

for mode in prepend append; do
    out="$work/$mode"
    ansible-playbook tests/path-exposure/render.yml \
        -e render_dir="$out" -e render_position="$mode" >"$work/render-$mode.log" 2>&1 ||
        { cat "$work/render-$mode.log" >&2; echo "FAIL: rendering ($mode)" >&2; exit 1; }
    profile="$out/etc/profile.d/semaphore.sh"
    confd="$out/etc/conf.d/semaphore-runner"
    want=first
    [ "$mode" = prepend ] || want=last
    check "$mode: profile.d script is mode 0644" 644 "$(stat -c %a "$profile")"

    # A stub httpx in the venv's bin, to see what `command -v` resolves to.
    mkdir -p "$work/venv-bin-$mode"
    printf '#!/bin/sh\necho stub-httpx\n' >"$work/venv-bin-$mode/httpx"
    chmod 0755 "$work/venv-bin-$mode/httpx"
    run() {
        podman run --rm --network none \
            -v "$profile:/etc/profile.d/semaphore.sh:ro" \
            -v "$confd:/etc/conf.d/semaphore-runner:ro" \
            -v "$work/venv-bin-$mode:$bin:ro" \
            "$image" "$@"
    }

    p=$(run /bin/sh -l -c 'echo "$PATH"')
    check "$mode: ash login shell under Alpine's /etc/profile: venv bin once" 1 "$(count_bin "$p")"
    check "$mode: ash login shell: venv bin $want" "$want" "$(position "$p")"
    p=$(run /bin/sh -l -c '. /etc/profile.d/semaphore.sh; . /etc/profile; . /etc/profile.d/semaphore.sh; echo "$PATH"')
    check "$mode: ash login shell, sourced again: venv bin once" 1 "$(count_bin "$p")"
    check "$mode: ash login shell: httpx resolves into the venv" "$bin/httpx" \
        "$(run /bin/sh -l -c 'command -v httpx')"
    check "$mode: ash: the profile.d script parses" ok \
        "$(run /bin/sh -n /etc/profile.d/semaphore.sh && echo ok)"
    check "$mode: ash: the conf.d file parses" ok \
        "$(run /bin/sh -n /etc/conf.d/semaphore-runner && echo ok)"
    # openrc-run sources conf.d into the service's environment; Semaphore
    # then starts tasks with an empty environment and that PATH.
    # shellcheck disable=SC2016 # expanded by the container's shell
    p=$(run env -i /bin/sh -c '. /etc/conf.d/semaphore-runner; . /etc/conf.d/semaphore-runner; echo "$PATH"')
    check "$mode: ash: sourcing conf.d (twice) with no PATH: venv bin once" 1 "$(count_bin "$p")"
    check "$mode: ash: conf.d keeps a usable default PATH" yes \
        "$(case ":$p:" in *:/usr/bin:*) echo yes ;; *) echo no ;; esac)"
    check "$mode: a task started like Semaphore's finds httpx" stub-httpx \
        "$(run env -i PATH="$p" HOME=/tmp/elsewhere /bin/sh -c 'httpx')"
    # shellcheck disable=SC2016 # expanded by the container's shell
    p=$(run env -i PATH=/usr/bin:/bin /bin/sh -c '. /etc/conf.d/semaphore-runner; echo "$PATH"')
    check "$mode: ash: conf.d with a PATH: venv bin $want" "$want" "$(position "$p")"

    # The same profile script on this host's shells.
    # $shell is split on purpose: "bash --posix" is a shell and its option.
    # shellcheck disable=SC2086
    for shell in dash bash "bash --posix"; do
        exe=$(command -v "${shell%% *}") || { echo "skip: $shell is not installed"; continue; }
        # Absolute, since some runs below have no PATH to find it with.
        shell="$exe${shell#"${shell%% *}"}"
        p=$(env -i PATH=/usr/bin:/bin $shell -c ". '$profile'; . '$profile'; echo \"\$PATH\"")
        check "$mode: $shell, sourced twice: venv bin once" 1 "$(count_bin "$p")"
        check "$mode: $shell: venv bin $want" "$want" "$(position "$p")"
        p=$(env -i PATH= $shell -c ". '$profile'; echo \"\$PATH\"")
        check "$mode: $shell, empty PATH: only the venv bin" "$bin" "$p"
        p=$(env -i $shell -c "unset PATH; . '$profile'; . '$profile'; echo \"\$PATH\"")
        check "$mode: $shell, unset PATH: only the venv bin" "$bin" "$p"
        check "$mode: $shell: the conf.d file parses" ok "$($shell -n "$confd" && echo ok)"
    done
done

if [ "$failures" -ne 0 ]; then
    echo "alpine: $failures check(s) failed" >&2
    exit 1
fi
echo "alpine: all checks passed"
