# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Archives the module unpacks (the wheelhouse, managed interpreters): opened without following links, and
read only from a private copy whose bytes matched the expected SHA-256.

Private to the venvkit.python collection. Hashing the file and then opening
it again would let whoever can replace it between the two swap the bytes;
the copy is made while hashing, into a file of this run's that is unlinked
at once, and only that copy is read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import stat

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError


def open_archive(path, what):
    """path opened for reading, without following a final link, and a regular file: (handle, stat)."""
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_NONBLOCK', 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise VenvkitError('%s: the archive %s cannot be read (%s)' % (what, path, exc.strerror))
    handle = os.fdopen(fd, 'rb')
    st = os.fstat(handle.fileno())
    if not stat.S_ISREG(st.st_mode):
        handle.close()
        raise VenvkitError('%s: %s is not a regular file; refusing to unpack it' % (what, path))
    return handle, st


def verified_copy(source, directory, sha256, what, name):
    """source's bytes in a new, unlinked file of ours in directory, opened for reading, if they match sha256."""
    scratch = os.path.join(directory, '.venvkit-archive')
    out = os.open(scratch, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), 0o600)
    copy = os.fdopen(out, 'w+b')
    try:
        os.unlink(scratch)
        digest = hashlib.sha256()
        for block in iter(lambda: source.read(1 << 20), b''):
            digest.update(block)
            copy.write(block)
        if digest.hexdigest() != sha256:
            raise VenvkitError('%s: %s does not match its sha256 (expected %s, got %s); refusing to unpack it, '
                               'nothing was written' % (what, name, sha256, digest.hexdigest()))
        copy.seek(0)
    except BaseException:
        copy.close()
        raise
    return copy
