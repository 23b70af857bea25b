# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lock that serialises runs on one venv.

Private to the venvkit.python collection. The lock file is mode 0600, so
that no other user can open it and hold the lock; it is never followed
through a symlink; and once the lock is held, the file is checked to still
be the one at its path (a failed first run removes it, and a run that was
waiting on the old file must not think it holds the new one).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import os
import time

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import same_file

LOCK_MODE = 0o600


class Lock:
    """An exclusive flock on path, waited for up to timeout seconds.

    With create=False a missing lock file means there is nothing to lock
    (check mode, or removal of a venv that is not there).
    """

    def __init__(self, path, timeout, create=True):
        self.path = path
        self.timeout = timeout
        self.create = create
        self.fd = None
        self.waited = 0.0

    def _open(self):
        flags = os.O_RDWR | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
        if self.create:
            flags |= os.O_CREAT
        try:
            fd = os.open(self.path, flags, LOCK_MODE)
        except OSError as exc:
            if exc.errno == errno.ENOENT and not self.create:
                return None
            if exc.errno == errno.ENOENT:
                raise VenvkitError('the directory of the lock %s was removed while this run waited for it (by '
                                   'state=absent, or a first build that failed); run again' % self.path)
            if exc.errno == errno.ELOOP:
                raise VenvkitError('the lock %s is a symbolic link; refusing to use it' % self.path)
            raise
        st = os.fstat(fd)
        if st.st_uid not in (0, os.geteuid()):
            os.close(fd)
            raise VenvkitError('the lock %s belongs to uid %d; refusing to use it' % (self.path, st.st_uid))
        return fd

    def __enter__(self):
        start = time.monotonic()
        while True:
            fd = self._open()
            if fd is None:
                return self
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except (IOError, OSError) as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        os.close(fd)
                        raise
                    if time.monotonic() - start >= self.timeout:
                        os.close(fd)
                        raise VenvkitError('another run holds the lock %s: waited %d seconds (lock_timeout); '
                                           'nothing was changed' % (self.path, self.timeout))
                    time.sleep(0.1)
            try:
                current = os.lstat(self.path)
            except OSError:
                current = None
            if current is not None and same_file(current, os.fstat(fd)):
                self.fd = fd
                self.waited = time.monotonic() - start
                return self
            # The file was removed or replaced while this run waited: lock the new one.
            os.close(fd)
            if current is None and not self.create:
                return self

    def release(self, remove=False):
        """Unlock; with remove, unlink the lock file first (while still holding it)."""
        if self.fd is None:
            return
        if remove:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None

    def __exit__(self, *exc_info):
        self.release()
