# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Copy a venv into a new generation, so that an update never touches the live one.

Private to the venvkit.python collection. The copy is cheap: files that pip
and uv only ever replace by unlink or rename (modules, compiled extensions,
bytecode) are hard links to the live generation's, since an install never
writes through them (pip unlinks a file before it writes a new one, uv
links or renames, Python writes bytecode by rename). Real copies are made of
everything an install may rewrite in place: the venv's own files
(pyvenv.cfg), its scripts in bin/ and .pth files. Where a link cannot be
made (another file system), it copies.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re
import shutil
import stat

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import LEGACY_STATE_FILE

# Scripts and the config that hold the venv's own absolute path; larger files are not scripts.
_REWRITE_LIMIT = 1 << 20
_NO_LINK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP)


def must_copy(relative_dir, name):
    """Whether a file of the venv gets a copy of its own rather than a shared link.

    Scripts are written in place by pip's script maker (distlib opens an
    existing script for writing), the venv's own files hold its path, and a
    .pth file may be appended to. A distribution's metadata is written once,
    in a new .dist-info directory, and removed with it: it is shared.
    """
    first = relative_dir.split(os.sep, 1)[0]
    return relative_dir in ('', '.') or first == 'bin' or name.endswith('.pth')


def clone_venv(source, target, link=True):
    """Fill target (an empty directory) with a copy of the venv at source and point its
    absolute paths there. Returns (files linked, files copied)."""
    linked = copied = 0
    try:
        for top, dirs, files in os.walk(source):
            relative = os.path.relpath(top, source)
            dest_top = os.path.join(target, relative) if relative != '.' else target
            for name in list(dirs):
                src = os.path.join(top, name)
                dst = os.path.join(dest_top, name)
                if os.path.islink(src):
                    os.symlink(os.readlink(src), dst)
                    dirs.remove(name)
                else:
                    os.mkdir(dst, stat.S_IMODE(os.lstat(src).st_mode) | stat.S_IRWXU)
            for name in files:
                src = os.path.join(top, name)
                dst = os.path.join(dest_top, name)
                if os.path.islink(src):
                    os.symlink(os.readlink(src), dst)
                    continue
                if link and not must_copy(relative, name):
                    try:
                        os.link(src, dst)
                        linked += 1
                        continue
                    except OSError as exc:
                        if exc.errno not in _NO_LINK:
                            raise
                shutil.copy2(src, dst, follow_symlinks=False)
                copied += 1
        for top, dirs, files in os.walk(source):
            relative = os.path.relpath(top, source)
            dest_top = os.path.join(target, relative) if relative != '.' else target
            if not os.path.islink(top):
                os.chmod(dest_top, stat.S_IMODE(os.lstat(top).st_mode))
    except OSError as exc:
        raise VenvkitError('copying the venv to %s failed: %s%s'
                           % (target, exc.strerror or exc, ': %s' % exc.filename if exc.filename else ''))
    relocate(target, source, target)
    return linked, copied


def _rewrite(name, old, new):
    """Replace the path old by new in the file name, by rename, never in place; False when it has none."""
    try:
        st = os.lstat(name)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_size > _REWRITE_LIMIT:
        return False
    with open(name, 'rb') as handle:
        data = handle.read()
    if old not in data:
        return False
    # Only whole path components: old followed by '/', a quote, whitespace or the end.
    data = re.sub(re.escape(old) + br'(?=[/\s"\']|$)', new, data)
    tmp = name + '.venvkit-new'
    with open(tmp, 'wb') as handle:
        handle.write(data)
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    os.rename(tmp, name)
    return True


def _scripts(venv):
    bindir = os.path.join(venv, 'bin')
    return [os.path.join(bindir, n) for n in sorted(os.listdir(bindir))] if os.path.isdir(bindir) else []


def relocate(venv, old, new):
    """Point the absolute paths in venv's scripts and pyvenv.cfg from old to new.

    For a copy of a venv, and for a venv built in one place and renamed into
    another.
    """
    for name in [os.path.join(venv, 'pyvenv.cfg')] + _scripts(venv):
        _rewrite(name, old.encode(), new.encode())
    try:
        os.unlink(os.path.join(venv, LEGACY_STATE_FILE))
    except OSError:
        pass


def stabilize_activation(venv, path):
    """Make bin/activate and its siblings name path, the stable link, rather than the
    generation: a shell activated before a swap then follows the swap."""
    if venv == path:
        return
    for name in _scripts(venv):
        if os.path.basename(name).lower().startswith('activate'):
            _rewrite(name, venv.encode(), path.encode())
