# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""pip_venv's controller side: ships the archives named on the controller (wheelhouse.src, python_archive.src).

With wheelhouse.src (a tar on the controller) the archive goes into the
remote temporary directory with one file transfer, and the module gets its
path and the SHA-256 computed here: it unpacks only bytes that match.
python_archive.src (a managed CPython) is shipped only when the target needs
it: the module runs first with its name and SHA-256 alone, and answers
``needs: python_archive`` (having written nothing) when that build is not
installed; then it is shipped and the module runs again. With
python_archive.sha256 (the published hash) the file is hashed only when it is
about to be sent, and must match; without it, on every run. Without either the
module runs as any module does: no temporary directory, no transfer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import stat

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


def _untrusted(path):
    """Why another user than this one (or root) could have written path or changed what it names, or None.

    Both the path as given and its real path are walked from /: every entry
    (links included) belongs to this user or root; a directory on the way
    may be writable by others only when sticky (as /tmp is: nobody else can
    rename what is in it), the last directory and the file not at all.
    """
    mine = (0, os.geteuid())
    for walked in (path, os.path.realpath(path)):
        parts = [part for part in walked.split('/') if part]
        current = '/'
        for index, part in enumerate([''] + parts):
            current = os.path.join(current, part) if part else '/'
            try:
                st = os.lstat(current)
            except OSError as exc:
                return '%s: %s' % (current, exc.strerror)
            if st.st_uid not in mine:
                return '%s belongs to uid %d' % (current, st.st_uid)
            if stat.S_ISLNK(st.st_mode):
                continue
            if st.st_mode & 0o022 and (index >= len(parts) - 1 or not st.st_mode & stat.S_ISVTX):
                return '%s is writable by others' % current
    return None


def _digest(path, option):
    """sha256 of a regular file on the controller that only this user or root could have written."""
    if not os.path.isabs(path):
        raise AnsibleActionFail('%s must be an absolute path on the controller, not %s' % (option, path))
    why = _untrusted(path)
    if why:
        raise AnsibleActionFail('%s %s: %s; refusing to ship it, since whoever could write it would '
                                'choose what the targets install as root' % (option, path, why))
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise AnsibleActionFail('%s %s cannot be read on the controller: %s' % (option, path, exc.strerror))
    with os.fdopen(fd, 'rb') as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise AnsibleActionFail('%s %s is not a regular file on the controller' % (option, path))
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        ship = []  # (option, key of the path in it, controller file, name on the target)
        wheelhouse = args.get('wheelhouse')
        if isinstance(wheelhouse, dict) and wheelhouse.get('src'):
            if wheelhouse.get('archive') or wheelhouse.get('sha256'):
                raise AnsibleActionFail('wheelhouse: src ships a controller file and sets archive and sha256 '
                                        'itself; give src, or archive (with sha256 if it is not root\'s), not both')
            src = os.path.expanduser(str(wheelhouse['src']))
            args['wheelhouse'] = dict((k, v) for k, v in wheelhouse.items() if k != 'src')
            args['wheelhouse']['sha256'] = _digest(src, 'wheelhouse.src')
            ship.append(('wheelhouse', 'archive', src, 'wheelhouse.tar'))
        python_archive = args.get('python_archive')
        if isinstance(python_archive, dict) and python_archive.get('src'):
            if python_archive.get('path'):
                raise AnsibleActionFail('python_archive: give src (a file on the controller) or path (a file on '
                                        'the target), not both')
            src = os.path.expanduser(str(python_archive['src']))
            expected = python_archive.get('sha256')
            # With the published hash the target is asked first, and the file is read only when it is sent:
            # an unchanged run hashes nothing.
            identity = expected or _digest(src, 'python_archive.src')
            args['python_archive'] = dict(name=python_archive.get('name') or os.path.basename(src), sha256=identity)
            if not ship:
                # Only when the target has not got that build: a run that needs it writes nothing first.
                first = self._execute_module(module_name='venvkit.python.pip_venv', module_args=args,
                                             task_vars=task_vars)
                if first.get('needs') != 'python_archive':
                    result.update(first)
                    result['python_archive_shipped'] = False
                    return result
            digest = _digest(src, 'python_archive.src') if expected else identity
            if digest != identity:
                # A download that went wrong, or a file someone replaced: nothing reaches the target.
                raise AnsibleActionFail('python_archive.src %s does not match python_archive.sha256 (expected %s, '
                                        'got %s); refusing to ship it, nothing was sent to the target'
                                        % (src, expected, digest))
            ship.append(('python_archive', 'path', src, 'python.tar.gz'))
        if not ship:
            result.update(self._execute_module(module_name='venvkit.python.pip_venv', module_args=args,
                                               task_vars=task_vars))
            return result
        self._make_tmp_path()
        try:
            shipped = []
            for option, key, src, name in ship:
                remote = self._connection._shell.join_path(self._connection._shell.tmpdir, name)
                self._transfer_file(src, remote)
                args[option] = dict(args[option], **{key: remote})
                shipped.append(remote)
            # Read, not run: no chmod on the target unless become needs one.
            self._fixup_perms2([self._connection._shell.tmpdir] + shipped, execute=False)
            result.update(self._execute_module(module_name='venvkit.python.pip_venv', module_args=args,
                                               task_vars=task_vars))
            if 'python_archive' in [option for option, dummy, dummy, dummy in ship]:
                result['python_archive_shipped'] = True
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
