# shellcheck shell=sh
# A package index on 127.0.0.1 for containers, which cannot reach PyPI: a
# directory of wheels, resolved by uv and downloaded with the host's pip,
# served over HTTP. pip reads the directory listing through --find-links.
# Source it, then:
#   index_wheels NAME PYVERSIONS SPEC...   download (cached) into $VENVKIT_BUILD/wheels/NAME
#       the wheels of each SPEC (a requirement) and of all it needs on each
#       Python of PYVERSIONS ("3.9 3.13"); NAME/.pins-<version> says which.
#       manylinux (glibc) wheels, or those of the platform tags in
#       VENVKIT_INDEX_PLATFORMS, e.g. "musllinux_1_2_x86_64 musllinux_1_1_x86_64"
#       for the musl python3 of the Alpine image (tests/lib/alpine-image.sh);
#       from the directory VENVKIT_OFFLINE_WHEELS alone, where it is set (the
#       controller of tests/lib/controller.sh has no network)
#   index_start DIR                        serve DIR; sets VENVKIT_INDEX_URL
#   index_stop                             stop the server (put it in a trap)

index_wheels() {
    name=$1 pyversions=$2
    shift 2
    dir="$VENVKIT_BUILD/wheels/$name"
    stamp="$dir/.specs"
    # "uv": sets from before uv resolved them may lack dependencies.
    want="uv $pyversions $*"
    platforms="manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 linux_x86_64"
    uv_platform=x86_64-manylinux_2_28
    if [ -n "${VENVKIT_INDEX_PLATFORMS:-}" ]; then
        platforms=$VENVKIT_INDEX_PLATFORMS
        want="$want [$platforms]"
        case $platforms in
            *musllinux*) uv_platform=x86_64-unknown-linux-musl ;;
        esac
    fi
    platform_opts=""
    source_opts=""
    if [ -n "${VENVKIT_OFFLINE_WHEELS:-}" ]; then
        source_opts="--no-index --find-links $VENVKIT_OFFLINE_WHEELS"
    fi
    for platform in $platforms; do
        platform_opts="$platform_opts --platform $platform"
    done
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        echo "$dir"
        return 0
    fi
    mkdir -p "$dir"
    for pyversion in $pyversions; do
        # Wheels for the containers' Python, which may differ from the host's.
        # pip download evaluates environment markers for the Python it runs
        # on, so for another Python it misses conditional dependencies
        # (anyio needs exceptiongroup below 3.11). uv resolves for the
        # Python and platform it is given; pip fetches exactly those pins.
        pins="$dir/.pins-$pyversion"
        # shellcheck disable=SC2086 # options, one a word
        printf '%s\n' "$@" |
            uv pip compile $source_opts --quiet --no-header --no-annotate --system-certs \
                --cache-dir "$VENVKIT_BUILD/uv-cache" --only-binary :all: \
                --python-version "$pyversion" --python-platform "$uv_platform" \
                -o "$pins" - >&2 || return 1
        # shellcheck disable=SC2086 # $platform_opts is one option a word
        pip download -qq --disable-pip-version-check -d "$dir" --no-deps $source_opts \
            --only-binary=:all: --python-version "$pyversion" $platform_opts \
            -r "$pins" >&2 || return 1
    done
    echo "$want" >"$stamp"
    echo "$dir"
}

index_start() {
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -m http.server --bind 127.0.0.1 --directory "$1" "$port" >/dev/null 2>&1 &
    VENVKIT_INDEX_PID=$!
    VENVKIT_INDEX_URL="http://127.0.0.1:$port/"
    export VENVKIT_INDEX_URL
    i=0
    until python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$VENVKIT_INDEX_URL" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt 50 ]; then
            echo "index: the server on port $port did not start" >&2
            return 1
        fi
        sleep 0.1
    done
}

index_stop() {
    if [ -n "${VENVKIT_INDEX_PID:-}" ]; then
        kill "$VENVKIT_INDEX_PID" 2>/dev/null || true
        wait "$VENVKIT_INDEX_PID" 2>/dev/null || true
        VENVKIT_INDEX_PID=""
    fi
}
