#!/bin/sh
# Builds CPython 3.11 for musl, the C library of Alpine Linux, whose package
# repositories cannot be reached: Debian's source packages of CPython and
# zlib, compiled with Debian's musl-gcc. Installs it under /usr of a staged
# root and prints that root's path (and nothing else on stdout). The root is
# cached under the build directory, named by a hash of the inputs: the source
# packages, the pip wheel venvs get, and this script.
# Run as root when it builds: it installs the Debian packages it builds with
# when they are missing.
# No _ssl (no OpenSSL for musl here): containers install from a local index
# over plain http. _ctypes is built, with libffi's sources from Debian
# compiled statically, since Alpine's python3 has it and Ansible's user
# module cannot load without it.
# Usage: sh tests/lib/musl-python.sh
set -eu
. "$(dirname "$0")/env.sh"

# The pip that ensurepip installs, so venvs get a current one rather than the
# 22.3.1 CPython 3.11.2 was released with.
pip_version=26.3
cache="$VENVKIT_BUILD/musl-python"
sources="$cache/sources"
log="$cache/build.log"

apt_dir="$cache/apt"
who=musl-python
# shellcheck source=tests/lib/debian-source.sh
. "$(dirname "$0")/debian-source.sh"

# What the sources directory holds once complete; a change fetches again.
source_set="python3.11 zlib libffi pip-$pip_version"

fetch_sources() {
    [ "$(cat "$sources/.complete" 2>/dev/null)" != "$source_set" ] || return 0
    rm -rf "$sources"
    mkdir -p "$sources"
    write_source_list ""
    apt_src apt-get update -qq >&2 || echo "musl-python: apt-get update reported errors" >&2
    fetch_source python3.11
    fetch_source zlib
    fetch_source libffi
    fetch_pip "$pip_version"
    echo "$source_set" >"$sources/.complete"
    # The package lists (20 MB) are only needed to fetch again.
    rm -rf "$apt_dir"
}

# build WORK ROOT: CPython into ROOT/usr, building in WORK.
build() {
    work=$1 root=$2
    # musl-gcc with one answer changed: CPython's configure and setup.py ask
    # the compiler for its multiarch triplet, get Debian's x86_64-linux-gnu
    # from gcc, then stop (configure) or search glibc's headers (setup.py).
    mkdir -p "$work/bin"
    cat >"$work/bin/cc" <<'EOF'
#!/bin/sh
case "$*" in
    -print-multiarch | --print-multiarch) echo x86_64-linux-musl; exit 0 ;;
esac
exec musl-gcc "$@"
EOF
    chmod 0755 "$work/bin/cc"
    cc="$work/bin/cc"
    # Upstream sources as released: Debian's patches move CPython to Debian's
    # layout (dist-packages, install schemes), which Alpine does not have.
    (cd "$work" &&
        dpkg-source --skip-patches -x "$sources"/python3.11_*.dsc python &&
        dpkg-source --skip-patches -x "$sources"/zlib_*.dsc zlib &&
        dpkg-source --skip-patches -x "$sources"/libffi_*.dsc libffi)

    # zlib, static, so the image needs no libz of its own.
    (cd "$work/zlib" &&
        CC="$cc" CFLAGS="-O2 -fPIC" ./configure --static --prefix="$work/zlib-root" &&
        make -j"$(nproc)" libz.a && make install)

    # libffi, static and position-independent, linked into _ctypes. Plain
    # -O2: by default it tunes for the CPU it is built on (-march=...).
    # Static trampolines need the kernel's headers, which musl-gcc does not
    # search; libffi then uses its other kind of closure.
    (cd "$work/libffi" &&
        CC="$cc" CFLAGS="-O2" ./configure --disable-shared --enable-static --with-pic \
            --enable-portable-binary --disable-exec-static-tramp --disable-docs \
            --disable-multi-os-directory --prefix="$work/ffi-root" &&
        make -j"$(nproc)" && make install)

    cd "$work/python"
    bundle_pip "$pip_version"
    # PKG_CONFIG_LIBDIR keeps pkg-config from offering the host's glibc
    # libraries. pip is installed system-wide too, as Alpine's py3-pip does,
    # so that PEP 668's marker has something to refuse.
    ./configure --prefix=/usr --with-ensurepip=install --disable-test-modules \
        CC="$cc" CPPFLAGS="-I$work/zlib-root/include -I$work/ffi-root/include" \
        LDFLAGS="-L$work/zlib-root/lib -L$work/ffi-root/lib" \
        PKG_CONFIG_LIBDIR="$work/zlib-root/lib/pkgconfig:$work/ffi-root/lib/pkgconfig"
    make -j"$(nproc)"
    make install DESTDIR="$root"
    cd "$work"

    # No compiler in the image: drop the static libpython (2 x 46 MB) and
    # debug symbols.
    rm -f "$root"/usr/lib/libpython3.11.a "$root"/usr/lib/python3.11/config-3.11-*/libpython3.11.a
    strip --strip-unneeded "$root/usr/bin/python3.11" "$root"/usr/lib/python3.11/lib-dynload/*.so
    chmod -R u+rwX,go+rX,go-w "$root"
    # Debian's musl package provides the loader here, so the result runs on
    # the host: a first check before any image is built.
    "$root/usr/bin/python3.11" -c 'import json, zlib, hashlib, subprocess, select, fcntl, pwd, grp, zipfile, base64, locale, venv, ensurepip, ctypes; ctypes.CDLL(None).getpid()'
}

fetch_sources
key=$(cat "$0" "$sources"/*.dsc "$sources/pip-$pip_version-py3-none-any.whl" | sha256sum | cut -c1-16)
root="$cache/$key"
if [ -x "$root/usr/bin/python3.11" ]; then
    echo "$root"
    exit 0
fi

need_packages musl-gcc:musl-tools x86_64-linux-gnu-gcc:gcc make:make dpkg-source:dpkg-dev
echo "musl-python: building CPython for musl into $root (about 3 min on 2 cores; log: $log)" >&2
work=$(mktemp -d "$cache/work.XXXXXX")
building=1
on_exit() {
    status=$?
    if [ "$status" -ne 0 ] && [ -n "$building" ]; then
        tail -n 30 "$log" >&2
        echo "musl-python: the build failed; the whole log is $log" >&2
    fi
    rm -rf "$work"
}
trap on_exit EXIT
trap 'exit 1' INT TERM
# Not in an `if`: there, set -e would not stop the build at its first error.
(build "$work" "$work/root") >"$log" 2>&1
building=""
rm -rf "$root"
mv "$work/root" "$root"
# Builds of earlier inputs are of no further use.
for old in "$cache"/????????????????; do
    if [ "$old" != "$root" ] && [ -x "$old/usr/bin/python3.11" ]; then
        rm -rf "$old"
    fi
done
echo "$root"
