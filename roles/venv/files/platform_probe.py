# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The venv role's look at a target for the wheelhouse, run in the role's one raw call.

Prints, as JSON, what decides which wheels fit the target's interpreter (its
Python version and implementation, libc with version, machine, and the
platform tags pip accepts there, most specific first), and, given the
wheelhouse directory as its argument, whether its parent exists and why that
directory may not be written (None when it may): every existing component of it must belong to root and
be writable by nobody else, as pip_venv's trust gate demands, so that the
role refuses before it copies anything there.
"""

import glob
import json
import os
import platform
import re
import stat
import subprocess
import sys


def platform_tags():
    """(libc, tags) of this interpreter's platform."""
    arch = platform.machine()
    tags, libc = [], 'unknown libc'
    try:
        glibc = os.confstr('CS_GNU_LIBC_VERSION') or ''
    except (AttributeError, ValueError, OSError):
        glibc = ''
    found = re.match(r'glibc (\d+)\.(\d+)', glibc)
    musl = sorted(glob.glob('/lib/ld-musl-*.so.1'))
    if found:
        major, minor = int(found.group(1)), int(found.group(2))
        libc = 'glibc %d.%d' % (major, minor)
        tags = ['manylinux_%d_%d_%s' % (major, x, arch) for x in range(minor, 4, -1)]
        tags += ['%s_%s' % (n, arch) for x, n in ((17, 'manylinux2014'), (12, 'manylinux2010'), (5, 'manylinux1'))
                 if minor >= x]
    elif musl:
        proc = subprocess.run([musl[0]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        version = re.search(r'Version (\d+)\.(\d+)', proc.stderr.decode('utf-8', 'replace'))
        major, minor = (int(version.group(1)), int(version.group(2))) if version else (1, 1)
        libc = 'musl %d.%d' % (major, minor)
        tags = ['musllinux_%d_%d_%s' % (major, x, arch) for x in range(minor, 0, -1)]
    tags.append('linux_' + arch)
    return libc, tags


def untrusted(path):
    """Why root may not write into path (a component that is not root's, or that others can write), or None."""
    current = '/'
    pending = [part for part in path.split('/') if part]
    hops = 0
    while True:
        st = os.lstat(current)
        if st.st_uid != 0:
            return '%s belongs to uid %d, not root' % (current, st.st_uid)
        if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o022:
            return '%s is writable by others than root (mode %04o)' % (current, stat.S_IMODE(st.st_mode))
        if not pending:
            return None
        candidate = os.path.join(current, pending.pop(0))
        if not os.path.lexists(candidate):
            return None
        if os.path.islink(candidate):
            hops += 1
            if hops > 40 or os.lstat(candidate).st_uid != 0:
                return '%s is a symbolic link that is not root\'s' % candidate
            target = os.readlink(candidate)
            pending = [part for part in target.split('/') if part] + pending
            current = '/' if target.startswith('/') else current
            continue
        current = candidate


def main(argv):
    libc, tags = platform_tags()
    report = {'python': '%d.%d' % sys.version_info[:2],
              'implementation': {'cpython': 'cp', 'pypy': 'pp'}.get(sys.implementation.name, sys.implementation.name),
              'libc': libc, 'machine': platform.machine(), 'platforms': tags}
    if len(argv) > 1:
        report['untrusted'] = untrusted(argv[1])
    print(json.dumps(report))


if __name__ == '__main__':
    main(sys.argv)
