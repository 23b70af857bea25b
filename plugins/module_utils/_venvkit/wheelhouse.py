# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wheelhouse option: a flat archive of wheels, unpacked on the target as a directory to install from.

Private to the venvkit.python collection. The role copies the archive the
build host made to the target; the module unpacks it in the same remote call
that installs from it. The directory is replaced whole, never emptied in
place: a new directory is made exclusively (an unguessable name) beside it,
the wheels are written into it with O_NOFOLLOW and O_EXCL, its key last, and
it is renamed into place. The parent passes the trust gate first (root's,
writable by nobody else), and only plain files with plain names are taken
from the archive. The archive is either a regular file of root's, or, with
sha256 (the pip_venv action ships it into the connection's temporary
directory and hashes it on the controller), anyone's: its bytes are copied
into the new directory while hashed, and only a copy that matches is read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import stat
import tarfile

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.archives import open_archive, verified_copy
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import (
    DIR_MODE, FILE_MODE, make_dirs, read_regular, temp_name)

KEY_FILE = '.venvkit-key'
_MEMBER = re.compile(r'[A-Za-z0-9][A-Za-z0-9._+-]*\.(whl|txt)')
_MAX_MEMBERS = 10000


def current_key(directory):
    """The key of the wheels unpacked in directory, or ''."""
    try:
        data = read_regular(os.path.join(directory, KEY_FILE), limit=4096, owners=set([0, os.geteuid()]),
                            what='wheelhouse key')
    except VenvkitError:
        return ''
    return (data or b'').decode('utf-8', 'replace').strip()


class Wheelhouse:
    """Unpack spec['archive'] into spec['dir'] unless spec['key'] is there already."""

    def __init__(self, spec, gate):
        self.archive = spec.get('archive')
        self.sha256 = spec.get('sha256')
        self.dir = spec['dir']
        self.key = spec['key']
        self.gate = gate
        if spec.get('src'):
            raise VenvkitError('wheelhouse.src names a file on the controller, which the venvkit.python.pip_venv '
                               'action ships; it reached the module unshipped. Run the module by its full name, '
                               'or give wheelhouse.archive, a file on the target')

    @property
    def wanted(self):
        return current_key(self.dir) != self.key

    def check(self):
        """Everything that decides whether the unpack may happen, before anything is written."""
        parent = os.path.dirname(self.dir)
        self.gate.write_dir(parent, 'the wheelhouse')
        self.gate.write_dir(self.dir, 'the wheelhouse')
        if os.path.lexists(self.dir):
            st = os.lstat(self.dir)
            if not stat.S_ISDIR(st.st_mode):
                raise VenvkitError('wheelhouse: %s exists and is not a directory; refusing to replace it' % self.dir)

    def _members(self, tar):
        members = []
        for member in tar:
            if len(members) >= _MAX_MEMBERS:
                raise VenvkitError('wheelhouse: %s holds more than %d entries' % (self.archive, _MAX_MEMBERS))
            name = member.name[2:] if member.name.startswith('./') else member.name
            if member.isdir() and name in ('', '.'):
                continue
            if not member.isfile() or not _MEMBER.match(name) or '/' in name:
                raise VenvkitError('wheelhouse: %s holds %r, which is not a wheel with a plain name (only regular '
                                   'files, no directories, links or devices, no "/" or ".."); refusing to unpack it'
                                   % (self.archive, member.name))
            members.append((name, member))
        return members

    def _open_archive(self):
        """The archive, opened without following a final link, and a regular file (root's without sha256)."""
        if not self.archive:
            raise VenvkitError('wheelhouse: %s does not hold the wheels of %s (it holds %s), and no archive was '
                               'given to unpack there' % (self.dir, self.key, current_key(self.dir) or 'none'))
        real = self.archive if self.sha256 else self.gate.read(self.archive, 'the wheelhouse archive')
        handle, st = open_archive(real, 'wheelhouse')
        if not self.sha256 and st.st_uid not in self.gate.admin.uids:
            handle.close()
            raise VenvkitError('wheelhouse: %s is not a regular file of root\'s; refusing to unpack it (give '
                               'wheelhouse.sha256 to take a file of anyone\'s whose bytes match)' % self.archive)
        return handle

    def unpack_into(self, directory):
        """Write the archive's wheels into directory (empty, this run's own)."""
        handle = self._open_archive()
        if self.sha256:
            with handle:
                handle = verified_copy(handle, directory, self.sha256, 'wheelhouse', self.archive)
        with handle:
            try:
                with tarfile.open(fileobj=handle, mode='r:') as tar:
                    for name, member in self._members(tar):
                        source = tar.extractfile(member)
                        out = os.open(os.path.join(directory, name),
                                      os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), FILE_MODE)
                        with os.fdopen(out, 'wb') as dest:
                            shutil.copyfileobj(source, dest)
                            os.fchmod(dest.fileno(), FILE_MODE)
            except tarfile.TarError as exc:
                raise VenvkitError('wheelhouse: %s is not a tar archive of wheels: %s' % (self.archive, exc))
        out = os.open(os.path.join(directory, KEY_FILE), os.O_WRONLY | os.O_CREAT | os.O_EXCL
                      | getattr(os, 'O_NOFOLLOW', 0), FILE_MODE)
        with os.fdopen(out, 'w') as dest:
            dest.write(self.key + '\n')

    def apply(self):
        """Replace the directory with the archive's wheels in one rename; the archive goes."""
        parent = os.path.dirname(self.dir)
        make_dirs(parent, DIR_MODE)
        new = os.path.join(parent, temp_name('.%s.venvkit-new-' % os.path.basename(self.dir)[:64]))
        os.mkdir(new, DIR_MODE)  # exclusive: fails on anything already there
        os.chmod(new, DIR_MODE)
        old = None
        try:
            self.unpack_into(new)
            if os.path.lexists(self.dir):
                old = os.path.join(parent, temp_name('.%s.venvkit-old-' % os.path.basename(self.dir)[:64]))
                os.rename(self.dir, old)
            os.rename(new, self.dir)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            if old is not None and not os.path.lexists(self.dir):
                os.rename(old, self.dir)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        if not self.sha256:
            # An archive of root's, placed for this call; a shipped one goes with the action's directory.
            try:
                os.unlink(self.archive)
            except OSError:
                pass
