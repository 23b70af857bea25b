# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""installer=uv: ``uv venv`` and ``uv pip``, many times faster on a cold venv.

Private to the venvkit.python collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import Trust, check_trusted
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import canonical_name
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers.base import (
    Installer, bundled_pip_wheels, register)


@register
class UvInstaller(Installer):
    name = 'uv'

    def __init__(self, ctx, selection, **settings):
        super(UvInstaller, self).__init__(ctx, selection, **settings)
        self.uv = self.locate(ctx.process.environ, uv=self.uv_option)
        if not self.uv:
            ctx.fail('installer=uv but uv was not found (option uv, or on PATH). Install it with '
                     "'pip install uv' (the role venvkit.python.venv can: venv_install_uv), or use installer=pip.")
        trust = Trust([ctx.run_as.uid] if ctx.run_as else [])
        check_trusted(self.uv, trust, 'run %s' % self.uv)

    @classmethod
    def locate(cls, environ, uv=None):
        uv = uv or shutil.which('uv', path=environ.get('PATH', os.defpath))
        return uv if uv and os.path.isfile(uv) and os.access(uv, os.X_OK) else None

    def env(self):
        env = self.index_env('UV_', ',')
        # Root's cache is root's: a run as the owner uses the owner's (see Process.env).
        base = self.ctx.process.environ if self.ctx.run_as is None else {}
        if self.ctx.check_mode:
            env['UV_NO_CACHE'] = '1'
        elif not (base.get('UV_CACHE_DIR') or base.get('UV_NO_CACHE') or base.get('XDG_CACHE_HOME')):
            # uv caches under the home directory; a user without a usable one runs uncached.
            if not self._home_usable():
                env['UV_NO_CACHE'] = '1'
        return env

    def _home_usable(self):
        if self.ctx.run_as is not None:
            return self.ctx.run_as.home_is_usable()
        home = self.ctx.process.environ.get('HOME') or os.path.expanduser('~')
        probe = home
        while probe and not os.path.exists(probe):
            probe = os.path.dirname(probe)
        return bool(probe) and os.path.isdir(probe) and os.access(probe, os.W_OK)

    def uv_pip(self, venv, command, args, what):
        self.venv = venv
        argv = [self.uv, 'pip', command, '--python', os.path.join(venv, 'bin', 'python')] + args
        return self.check(self.run(argv, what), what)

    def fresh_seeds(self, base):
        # uv venv seeds nothing; seed_pip adds pip.
        return set(['pip']) if self.seed_pip else set()

    def create(self, base, target):
        args = [self.uv, 'venv', '--quiet', '--python', base.path]
        if self.system_site_packages:
            args.append('--system-site-packages')
        rc, out, err = self.run(args + [target], 'creating the venv with uv')
        if rc != 0:
            self.create_failed(base, err, out, target)
        if self.seed_pip:
            self.put_pip(base, target)

    def put_pip(self, base, target):
        """pip for whoever calls it in the venv later (users, Semaphore): from the index
        options like any package, else the interpreter's own wheel, else ensurepip."""
        python = os.path.join(target, 'bin', 'python')
        no_index = ['--no-index'] if self.selection.no_index else []
        attempts = [('the index', [self.uv, 'pip', 'install', '--quiet', '--python', python] + no_index + ['pip'])]
        attempts += [('the interpreter\'s bundled wheel',
                      [self.uv, 'pip', 'install', '--quiet', '--offline', '--no-index', '--python', python, wheel])
                     for wheel in bundled_pip_wheels(base)[:1]]
        attempts += [('ensurepip', [python, '-m', 'ensurepip', '--default-pip'])]
        errors = []
        for source, argv in attempts:
            rc, out, err = self.run(argv, 'installing pip into the venv from %s' % source)
            if rc == 0:
                self.ctx.notes['pip_seeded_from'] = source
                return
            errors.append('%s: %s' % (source, (err or out).strip().splitlines()[-1:] or ['failed']))
        self.ctx.fail('seed_pip: no pip could be put into the venv (%s). Put a pip wheel on the index or in '
                      "find_links, install the interpreter's ensurepip ('apt-get install python3-venv' on Debian and "
                      'Ubuntu), or set seed_pip=false.' % '; '.join(errors))

    def resolve(self, venv, fresh):
        if not self.has_selection():
            return {}
        if fresh:
            return self._compile(venv)
        # uv locks an environment with a .lock file in it, even for a dry run: one
        # it made only for that goes again, so that the venv is as it was found.
        lock = os.path.join(venv, '.lock')
        had_lock = os.path.lexists(lock)
        times = os.stat(venv)
        try:
            out, err = self.uv_pip(venv, 'install', ['--dry-run'] + self.selection_args(),
                                   'resolving the requirements with uv')
        finally:
            if not had_lock and os.path.lexists(lock):
                os.unlink(lock)
                os.utime(venv, ns=(times.st_atime_ns, times.st_mtime_ns))
        wanted = {}
        for line in (err + '\n' + out).splitlines():
            match = re.match(r'^ \+ ([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)', line)
            if match:
                wanted[canonical_name(match.group(1))] = match.group(2)
        return wanted

    def _compile(self, venv):
        """The full resolution, as a fresh venv would get it."""
        sel = self.selection
        inline = self.inline_files()
        args = ['--quiet', '--no-header', '--no-annotate']
        if sel.no_index:
            args.append('--no-index')
        for name in sel.constraints + inline['constraints']:
            args += ['-c', name]
        args += sel.pip_args + sel.requirements + inline['requirements']
        if sel.packages:
            args.append(self.packages_file())
        out = self.uv_pip(venv, 'compile', args, 'resolving the requirements with uv')[0]
        wanted = {}
        for line in out.splitlines():
            match = re.match(r'^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)', line.strip())
            if match:
                wanted[canonical_name(match.group(1))] = match.group(2)
        return wanted

    def install(self, venv):
        if self.has_selection():
            self.uv_pip(venv, 'install', ['--quiet'] + self.selection_args(), 'installing the requirements with uv')

    def uninstall(self, venv, names):
        self.uv_pip(venv, 'uninstall', ['--quiet'] + list(names), 'removing packages not required (sync) with uv')
