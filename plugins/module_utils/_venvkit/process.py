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
import sys

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError

# What would make a Python started here behave unlike a fresh one.
_DROPPED = ('PYTHONHOME', 'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONUSERBASE', 'PYTHONINSPECT', 'PYTHONNOUSERSITE',
            'PYTHONEXECUTABLE', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'PIP_REQUIRE_VIRTUALENV', 'PIP_USER', 'PIP_TARGET',
            'PIP_PREFIX', 'PIP_ROOT', 'UV_PYTHON', 'UV_SYSTEM_PYTHON', 'UV_BREAK_SYSTEM_PACKAGES')

# What belongs to the user the module runs as, and never reaches a process of the venv's owner.
_ROOTS_OWN = ('TMPDIR', 'TMP', 'TEMP', 'UV_CACHE_DIR', 'PIP_CACHE_DIR', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR',
              'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'UV_TOOL_DIR', 'UV_PYTHON_INSTALL_DIR')

# Every program starts through this, run by the module's own interpreter: it
# sets exactly the environment it is given the names of (the values come
# through the environment, never the command line), drops root for the
# venv's owner when asked, and then becomes the program.
_LAUNCHER = (
    'import os, sys\n'
    'uid, gid, names = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")\n'
    'env = dict((k, os.environ[k]) for k in names if k in os.environ)\n'
    'if uid >= 0:\n'
    '    os.setgroups([]); os.setgid(gid); os.setuid(uid)\n'
    'try:\n'
    '    os.execvpe(sys.argv[4], sys.argv[4:], env)\n'
    'except OSError as exc:\n'
    '    sys.stderr.write("cannot run %s: %s\\n" % (sys.argv[4], exc.strerror))\n'
    '    sys.exit(127)\n')

_RUN_COMMAND = []


def use(run_command):
    """Start programs with run_command, which takes the arguments of AnsibleModule.run_command.

    The modules give theirs; the unit tests give a stand-in.
    """
    del _RUN_COMMAND[:]
    _RUN_COMMAND.append(run_command)


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
        """Drop root for good (in a child that works as this user)."""
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
            # Root's temporary and cache directories are not the owner's: the owner's processes get
            # their own (the caller names a temporary directory; caches go under the owner's home).
            for name in _ROOTS_OWN:
                env.pop(name, None)
            env.update(HOME=run_as.home, USER=run_as.name, LOGNAME=run_as.name)
        env.update(extra or {})
        return env

    def run(self, argv, what, env=None, run_as=None, cwd='/'):
        """(exit code, stdout, stderr) of argv; env is the full environment (see env())."""
        if not _RUN_COMMAND:
            raise VenvkitError('%s: no way to start programs was given (process.use)' % what)
        env = env if env is not None else self.env(run_as=run_as)
        switch = run_as is not None and run_as.uid != os.geteuid()
        launcher = [sys.executable, '-I', '-S', '-c', _LAUNCHER, str(run_as.uid if switch else -1),
                    str(run_as.gid if switch else -1), ','.join(sorted(env))]
        try:
            rc, out, err = _RUN_COMMAND[0](launcher + list(argv), environ_update=env, cwd=cwd,
                                           expand_user_and_vars=False, errors='surrogate_then_replace',
                                           handle_exceptions=False)
        except OSError as exc:
            raise VenvkitError('%s: cannot run %s: %s' % (what, argv[0], exc.strerror or exc))
        if rc == 127 and err.startswith('cannot run '):
            raise VenvkitError('%s: %s' % (what, err.strip()))
        return rc, out, err


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
