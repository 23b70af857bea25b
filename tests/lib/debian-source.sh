# shellcheck shell=sh disable=SC2154 # apt_dir, sources and who: the sourcing script's
# Sourced by the scripts that build from Debian's source packages
# (musl-python.sh, cpython.sh): apt-get and apt-cache with a source list and
# state of their own, so that the machine's apt configuration and package
# lists are left alone. Set before use: apt_dir (apt's state), sources (where
# the source packages go), who (the name messages start with).

apt_src() {
    tool=$1
    shift
    "$tool" -o "Dir::Etc::SourceList=$apt_dir/sources.list" \
        -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d" \
        -o "Dir::State::Lists=$apt_dir/lists" \
        -o "Dir::Cache=$apt_dir/cache" "$@"
}

# write_source_list [SUITE]: deb-src entries with the URIs and suites of the
# machine's Debian entries; with SUITE, the machine's release name in them
# becomes SUITE (bookworm-security: trixie-security).
write_source_list() {
    release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    suite=${1:-$release}
    rm -rf "$apt_dir"
    mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -n 's/^[[:space:]]*deb[[:space:]]\(.*debian.*\)/deb-src \1/p' "$f"
    done | sed "s/\\b$release\\b/$suite/g" >"$apt_dir/sources.list"
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush(i) {
                if (deb && debian && !off) {
                    for (i = 1; i <= n; i++) print lines[i]
                    print ""
                }
                n = 0; deb = 0; debian = 0; off = 0
            }
            /^[[:space:]]*$/ { flush(); next }
            /^Types:/ {
                if ($0 ~ /[[:space:]]deb([[:space:]]|$)/) deb = 1
                lines[++n] = "Types: deb-src"
                next
            }
            /^URIs:/ && /debian/ { debian = 1 }
            /^Enabled:[[:space:]]*[Nn]o/ { off = 1 }
            { lines[++n] = $0 }
            END { flush() }
        ' "$f" | sed "/^Suites:/s/\\b$release\\b/$suite/g" >"$apt_dir/sources.list.d/${f##*/}"
    done
}

# fetch_source PACKAGE: the newest version whose files can be downloaded.
# The security archive lists versions whose source files it does not serve
# (404); the previous version then comes from the main archive.
fetch_source() {
    versions=$(apt_src apt-cache showsrc "$1" | sed -n 's/^Version: //p' | sort -urV)
    [ -n "$versions" ] || { echo "$who: no source package $1 in $apt_dir" >&2; exit 1; }
    for version in $versions; do
        rm -rf "$sources/part"
        mkdir -p "$sources/part"
        if (cd "$sources/part" && apt_src apt-get source -qq --download-only "$1=$version") >/dev/null 2>&1; then
            mv "$sources/part"/* "$sources/"
            rm -rf "$sources/part"
            echo "$who: source $1 $version" >&2
            return 0
        fi
        echo "$who: source $1 $version cannot be downloaded, trying an older one" >&2
    done
    echo "$who: no version of source package $1 could be downloaded" >&2
    exit 1
}

# need_packages TOOL:PACKAGE...: installs the packages whose tool is missing
# (a TOOL of the form dpkg:PACKAGE checks the package itself).
need_packages() {
    missing=""
    for pair in "$@"; do
        tool=${pair%%:*} package=${pair#*:}
        if [ "$tool" = dpkg ]; then
            dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing="$missing $package"
        else
            command -v "$tool" >/dev/null 2>&1 || missing="$missing $package"
        fi
    done
    [ -n "$missing" ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "$who: run as root once, or install:$missing" >&2
        exit 1
    fi
    apt-get update -qq
    # shellcheck disable=SC2086 # one package a word
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# fetch_pip VERSION: pip's wheel into $sources, checked against tests/pins.txt.
fetch_pip() {
    pip download -qq --disable-pip-version-check --no-deps --only-binary=:all: \
        -d "$sources" "pip==$1" >&2
    python3 "$VENVKIT_ROOT/tests/harness/pins.py" check "$sources/pip-$1-py3-none-any.whl" >&2
}

# bundle_pip VERSION: in a CPython source tree (the current directory), the
# pip that ensurepip installs becomes that pinned wheel.
bundle_pip() {
    rm Lib/ensurepip/_bundled/pip-*.whl
    cp "$sources/pip-$1-py3-none-any.whl" Lib/ensurepip/_bundled/
    sed -i "s/^_PIP_VERSION = .*/_PIP_VERSION = \"$1\"/" Lib/ensurepip/__init__.py
    grep -q "^_PIP_VERSION = \"$1\"" Lib/ensurepip/__init__.py
}
