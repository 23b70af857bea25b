# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Starting programs: a clean environment, secrets never on a command line,
and, for anything that runs a venv's code, the venv's owner as the user.

Private to the venvkit.python collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd
import stat
import subprocess

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError

# What would make a Python started here behave unlike a fresh one.
_DROPPED = ('PYTHONHOME', 'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONUSERBASE', 'PYTHONINSPECT', 'PYTHONNOUSERSITE',
            'PYTHONEXECUTABLE', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'PIP_REQUIRE_VIRTUALENV', 'PIP_USER', 'PIP_TARGET',
            'PIP_PREFIX', 'PIP_ROOT', 'UV_PYTHON', 'UV_SYSTEM_PYTHON', 'UV_BREAK_SYSTEM_PACKAGES')


class RunAs:
    """A user that programs run as: the venv's owner, when root builds for someone else."""

    def __init__(self, uid, gid):
        self.uid = uid
        self.gid = gid
        try:
            entry = pwd.getpwuid(uid)
            self.name, self.home = entry.pw_name, entry.pw_dir
        except KeyError:
            self.name, self.home = str(uid), '/'

    def switch(self):
        """Runs in the child before exec: drop root for good."""
        os.setgroups([])
        os.setgid(self.gid)
        os.setuid(self.uid)

    def home_is_usable(self):
        """Whether this user can write into its home (for pip's and uv's caches)."""
        try:
            st = os.stat(self.home)
        except OSError:
            return False
        return stat.S_ISDIR(st.st_mode) and st.st_uid == self.uid and bool(st.st_mode & stat.S_IWUSR)


class Process:
    """Runs programs for the engine; the environment is the module's, cleaned."""

    def __init__(self, environ=None):
        source = os.environ if environ is None else environ
        self.environ = dict((k, v) for k, v in source.items() if k not in _DROPPED)
        self.environ.setdefault('PIP_DISABLE_PIP_VERSION_CHECK', '1')
        self.environ['PIP_NO_INPUT'] = '1'
        self.environ.setdefault('PATH', os.defpath)

    def env(self, extra=None, run_as=None):
        env = dict(self.environ)
        if run_as is not None:
            env.update(HOME=run_as.home, USER=run_as.name, LOGNAME=run_as.name)
        env.update(extra or {})
        return env

    def run(self, argv, what, env=None, run_as=None, cwd='/'):
        """(exit code, stdout, stderr) of argv; env is the full environment (see env())."""
        kwargs = {}
        if run_as is not None and run_as.uid != os.geteuid():
            kwargs['preexec_fn'] = run_as.switch
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                  env=env if env is not None else self.env(run_as=run_as), cwd=cwd, check=False,
                                  **kwargs)
        except OSError as exc:
            raise VenvkitError('%s: cannot run %s: %s' % (what, argv[0], exc.strerror or exc))
        except subprocess.SubprocessError as exc:
            raise VenvkitError('%s: %s could not start as %s: %s'
                               % (what, argv[0], run_as.name if run_as else 'this user', exc))
        return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')


def call_as(run_as, func, *args):
    """func(*args) as run_as (in a child process that drops root), or here when no switch is needed.

    For work on a venv that belongs to another user: files the child makes are
    that user's, and no file of root's is ever touched through the venv.
    """
    if run_as is None or run_as.uid == os.geteuid():
        return func(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        message = b''
        try:
            os.close(read_end)
            run_as.switch()
            func(*args)
        except BaseException as exc:  # pylint: disable=broad-except
            code = 1
            message = (getattr(exc, 'msg', None) or str(exc) or exc.__class__.__name__).encode('utf-8', 'replace')
        try:
            os.write(write_end, message[:8000])
        finally:
            os._exit(code)  # pylint: disable=protected-access
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 8192)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    status = os.waitpid(pid, 0)[1]
    if status != 0:
        raise VenvkitError(b''.join(chunks).decode('utf-8', 'replace') or 'failed as %s' % run_as.name)
    return None
