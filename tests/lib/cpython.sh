#!/bin/sh
# Builds a relocatable CPython 3.13 for glibc x86_64 from Debian trixie's
# source package, and packs it as python-build-standalone packs the
# `install_only` archives that uv installs: one top directory `python/`, the
# interpreter in python/bin, named
#   cpython-<version>+venvkit-x86_64-unknown-linux-gnu-install_only.tar.gz
# It stands in for python-build-standalone's own archives, which cannot be
# downloaded here, in the tests of managed interpreters (a Debian 12 host,
# whose Python is 3.11, gets 3.13 from it). Prints the archive's path (and
# nothing else on stdout); the archive is cached under the build directory,
# named by a hash of the inputs.
#
# Relocatable as python-build-standalone's builds are: libpython is linked
# into the executable (no --enable-shared, so no rpath to a build prefix),
# and CPython finds its standard library next to wherever the executable is.
# Unlike them, OpenSSL, libffi, zlib, bzip2, xz and SQLite are the host
# system's shared libraries, which every Debian 12 with python3 has.
# Run as root when it builds: it installs the Debian packages it builds with.
# Usage: sh tests/lib/cpython.sh
set -eu
. "$(dirname "$0")/env.sh"

# The pip that ensurepip installs into a venv, so that every test input is pinned.
pip_version=26.3
cache="$VENVKIT_BUILD/cpython"
sources="$cache/sources"
log="$cache/build.log"
apt_dir="$cache/apt"
who=cpython
# shellcheck source=tests/lib/debian-source.sh
. "$(dirname "$0")/debian-source.sh"

source_set="python3.13 trixie pip-$pip_version"

fetch_sources() {
    [ "$(cat "$sources/.complete" 2>/dev/null)" != "$source_set" ] || return 0
    rm -rf "$sources"
    mkdir -p "$sources"
    write_source_list trixie
    apt_src apt-get update -qq >&2 || echo "cpython: apt-get update reported errors" >&2
    fetch_source python3.13
    fetch_pip "$pip_version"
    echo "$source_set" >"$sources/.complete"
    rm -rf "$apt_dir"
}

# build WORK: CPython into WORK/stage/python.
build() {
    work=$1
    # Upstream sources as released: Debian's patches move CPython to Debian's layout.
    (cd "$work" && dpkg-source --skip-patches -x "$sources"/python3.13_*.dsc python)
    cd "$work/python"
    bundle_pip "$pip_version"
    # /python is the prefix the build records (sysconfig); nothing reads it to find the library.
    ./configure --prefix=/python --with-ensurepip=no --disable-test-modules \
        --without-system-libmpdec --without-system-expat CFLAGS="-O2"
    make -j"$(nproc)"
    make install DESTDIR="$work/stage"
    cd "$work"
    root="$work/stage/python"
    # The tests, the static libpython and the scripts with /python in their #! line are not needed.
    rm -rf "$root"/lib/python3.13/test "$root"/lib/python3.13/idlelib/idle_test "$root"/lib/libpython3.13.a \
        "$root"/lib/python3.13/config-3.13-*/libpython3.13.a
    rm -f "$root"/bin/idle3* "$root"/bin/pydoc3* "$root"/bin/python3*-config
    # Bytecode for -O and -OO too would double what every host is sent.
    find "$root" -name '*.opt-[12].pyc' -delete
    ln -s python3.13 "$root/bin/python"
    strip --strip-unneeded "$root/bin/python3.13" "$root"/lib/python3.13/lib-dynload/*.so
    chmod -R u+rwX,go+rX,go-w "$root"
    # Relocated before it is packed: it must run from a directory its build never named.
    mv "$root" "$work/moved"
    "$work/moved/bin/python3" -c 'import ssl, json, zlib, bz2, lzma, sqlite3, ctypes, hashlib, venv, ensurepip, sys; assert sys.prefix.endswith("/moved"), sys.prefix'
    mv "$work/moved" "$root"
}

fetch_sources
key=$(cat "$0" "$sources"/*.dsc "$sources/pip-$pip_version-py3-none-any.whl" | sha256sum | cut -c1-16)
out="$cache/$key"
for archive in "$out"/cpython-*-install_only.tar.gz; do
    if [ -f "$archive" ]; then
        echo "$archive"
        exit 0
    fi
done

need_packages gcc:gcc make:make dpkg-source:dpkg-dev dpkg:libssl-dev dpkg:zlib1g-dev dpkg:libffi-dev \
    dpkg:libbz2-dev dpkg:liblzma-dev dpkg:libsqlite3-dev dpkg:uuid-dev
echo "cpython: building a relocatable CPython 3.13 into $out (about 4 min on 2 cores; log: $log)" >&2
mkdir -p "$cache"
work=$(mktemp -d "$cache/work.XXXXXX")
building=1
on_exit() {
    status=$?
    if [ "$status" -ne 0 ] && [ -n "$building" ]; then
        tail -n 30 "$log" >&2
        echo "cpython: the build failed; the whole log is $log" >&2
    fi
    rm -rf "$work"
}
trap on_exit EXIT
trap 'exit 1' INT TERM
(build "$work") >"$log" 2>&1
building=""
version=$("$work/stage/python/bin/python3" -c 'import platform; print(platform.python_version())')
name="cpython-$version+venvkit-x86_64-unknown-linux-gnu-install_only.tar.gz"
# As python-build-standalone packs it: owned by root, numeric ids, sorted, one top directory.
tar -C "$work/stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$work/$name" python
rm -rf "$out"
mkdir -p "$out"
mv "$work/$name" "$out/$name"
for old in "$cache"/????????????????; do
    [ "$old" = "$out" ] || rm -rf "$old"
done
echo "$out/$name"
