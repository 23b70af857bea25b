# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""installer=pip: the venv's own pip.

Private to the venvkit.python collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import read_regular
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    canonical_name, installed_packages)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers.base import (
    Installer, bundled_pip_wheels, register)

# pip install --dry-run --report, which the module resolves with, came in 22.2.
MIN_PIP = (22, 2)


def version_tuple(version):
    """(22, 2, 1) of '22.2.1', also of '22.2.1-py3-none-any.whl'; () when it starts with no number."""
    match = re.match(r'[0-9]+(?:\.[0-9]+)*', version or '')
    return tuple(int(x) for x in match.group(0).split('.')) if match else ()


@register
class PipInstaller(Installer):
    name = 'pip'

    @classmethod
    def locate(cls, environ, uv=None):
        return 'pip'

    def fresh_seeds(self, base):
        # python -m venv: ensurepip brings setuptools too before Python 3.12.
        version = tuple(int(x) for x in (base.version or '3.12').split('.')[:2] if x.isdigit())
        return set(['pip', 'setuptools']) if version < (3, 12) else set(['pip'])

    def env(self):
        env = self.index_env('PIP_', ' ')
        if self.ctx.check_mode:
            env['PIP_NO_CACHE_DIR'] = '1'
        return env

    def broken(self, venv):
        # A venv whose pip is gone (an in-place build killed during ensurepip) cannot be updated with pip.
        if 'pip' in installed_packages(venv):
            return None
        return "the venv's pip is missing (an earlier build was interrupted?)"

    def upgrade_args(self):
        # eager: the dependencies move too, as a fresh resolution would have them.
        return ['--upgrade', '--upgrade-strategy', 'eager']

    def pip(self, venv, args, what):
        self.venv = venv
        return self.check(self.run([os.path.join(venv, 'bin', 'python'), '-m', 'pip'] + args, what), what)

    def create(self, base, target):
        args = [base.path, '-m', 'venv']
        if self.system_site_packages:
            args.append('--system-site-packages')
        rc, out, err = self.run(args + [target], 'creating the venv')
        if rc != 0:
            self.create_failed(base, err, out, target)
        self.ensure_current_pip(base, target)

    def ensure_current_pip(self, base, venv):
        """A venv seeded with a pip too old to resolve without installing gets a current one, once."""
        seeded = installed_packages(venv).get('pip')
        if seeded is None or version_tuple(seeded) >= MIN_PIP:
            return
        python = os.path.join(venv, 'bin', 'python')
        attempts = [('the index', (['--no-index'] if self.selection.no_index else []) + ['pip'])]
        attempts += [('the interpreter\'s bundled wheel', ['--no-index', wheel]) for wheel in bundled_pip_wheels(base)
                     if version_tuple(os.path.basename(wheel)[4:]) >= MIN_PIP]
        for source, args in attempts:
            rc, dummy, dummy2 = self.run([python, '-m', 'pip', 'install', '--quiet', '--upgrade'] + args,
                                         'upgrading pip in the new venv')
            if rc == 0:
                self.ctx.notes['pip_upgraded'] = dict(seeded=seeded, to=installed_packages(venv).get('pip'),
                                                      source=source)
                return
        self.ctx.warnings.append('the new venv was seeded with pip %s, older than %s, and no newer pip was found '
                                 'on the index or in the interpreter; resolving may fail or give unclear messages'
                                 % (seeded, '.'.join(map(str, MIN_PIP))))

    def resolve(self, venv, fresh):
        if not self.has_selection():
            return {}
        pip_version = installed_packages(venv).get('pip')
        if pip_version and version_tuple(pip_version) < MIN_PIP:
            self.ctx.fail('the venv has pip %s, which cannot tell what it would install (pip %s or newer can); '
                          "upgrade it, or set force to rebuild the venv with a current pip"
                          % (pip_version, '.'.join(map(str, MIN_PIP))))
        report = os.path.join(self.ctx.workdir(), 'report-%s.json' % ('fresh' if fresh else 'update'))
        args = ['install', '--dry-run', '--quiet', '--report', report]
        if fresh:
            args.append('--ignore-installed')
        self.pip(venv, args + self.selection_args(), 'resolving the requirements with pip')
        data = json.loads((read_regular(report, owners=self.ctx.owners, what='pip report') or b'{}').decode('utf-8'))
        os.unlink(report)
        wanted = {}
        for item in data.get('install', []):
            meta = item.get('metadata', {})
            wanted[canonical_name(meta.get('name', ''))] = meta.get('version', '')
        return wanted

    def install(self, venv):
        if not self.has_selection():
            return
        report = os.path.join(self.ctx.workdir(), 'installed.json')
        self.pip(venv, ['install', '--quiet', '--report', report] + self.selection_args(),
                 'installing the requirements with pip')
        # The wheels' hashes, for the bill of materials.
        data = json.loads((read_regular(report, owners=self.ctx.owners, what='pip report') or b'{}').decode('utf-8'))
        os.unlink(report)
        for item in data.get('install', []):
            meta = item.get('metadata', {})
            digest = ((item.get('download_info') or {}).get('archive_info') or {}).get('hash', '')
            if digest.startswith('sha256='):
                self.ctx.hashes[(canonical_name(meta.get('name', '')), meta.get('version', ''))] = digest[7:]

    def uninstall(self, venv, names):
        self.pip(venv, ['uninstall', '--yes', '--quiet'] + list(names), 'removing packages not required (sync)')
