# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine behind venvkit.python.venv_info: what a venv holds, read only.

Private to the venvkit.python collection. Never writes: it reads the layout,
the state and the bills of materials, and, when given the inputs of a
pip_venv task, asks the pip_venv engine in check mode whether the live
generation matches them (a dry run of the installer, whose temporary files
live outside the venv and are removed).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.venvkit.python.plugins.module_utils._venvkit import sbom
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.engine import PipVenv
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.plan import existing_files
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import Layout
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    changed_files, console_scripts, installed_packages)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.links import links_in
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import path_problem
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import read_state


def _when(stamp):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(stamp)) if stamp else None


class VenvInfo:
    """Describe the venv at params['path']; see the module's documentation."""

    def __init__(self, params, environ=None):
        self.params = params
        self.environ = environ
        self.path = params['path']
        self.layout = Layout(self.path)

    @staticmethod
    def _python(recorded):
        """The generation's interpreter: version and path, and how a version request chose it."""
        python = dict(version=recorded.get('version'), interpreter=recorded.get('realpath'),
                      source=recorded.get('source') or 'given')
        python.update((k, recorded[k]) for k in ('request', 'reason', 'sha256') if recorded.get(k))
        return python

    def _generation(self, venv, state_path, live):
        state = read_state(state_path)
        entry = dict(
            id=os.path.basename(venv) if venv != self.path else 'in-place', path=venv, live=live,
            built=_when(state.get('created')), activated=_when(state.get('activated')),
            python=self._python(state.get('python') or {}),
            fingerprint=state.get('fingerprint'), installer=state.get('installer'),
            packages=installed_packages(venv), console_scripts=sorted(console_scripts(venv)))
        document = sbom.read(state_path)
        if document is not None:
            # A bill of materials is the truth only while the packages are still those it lists.
            listed = dict((c.get('name'), c.get('version')) for c in document.get('components', [])
                          if c.get('type') == 'library')
            entry['sbom_stale'] = listed != entry['packages']
        if self.params.get('verify'):
            entry['files_changed'] = ['%s (%s)' % item for item in changed_files(venv)]
        if self.params.get('sbom') and document is not None:
            entry['sbom'] = document
        entry['sbom_path'] = sbom.sbom_path(state_path) if document is not None else None
        return entry, state

    def run(self):
        problem = path_problem(self.path)
        if problem:
            raise VenvkitError(problem)
        current = self.layout.current()
        result = dict(changed=False, path=self.path, exists=current.venv is not None, kind=current.kind,
                      active=current.venv, generations=[])
        recorded = {}
        if current.kind == 'in_place':
            entry, recorded = self._generation(self.path, self.layout.state_path(self.path), True)
            result['generations'].append(entry)
        for dummy, gen in self.layout.generations():
            entry, state = self._generation(gen, gen + '.json', gen == current.venv)
            if gen == current.venv:
                recorded = state
            result['generations'].append(entry)
        result['live'] = next((g['id'] for g in result['generations'] if g['live']), None)
        result['console_scripts'] = sorted(console_scripts(current.venv)) if current.venv else []
        result['packages'] = installed_packages(current.venv) if current.venv else {}
        result['exposed_by'] = existing_files(recorded['exposure']) if recorded.get('exposure') else []
        result['links'] = [link for dest in recorded.get('link_dirs') or [] for link in links_in(dest, self.path)]
        declared = self.params.get('declared')
        if declared:
            engine = PipVenv(dict(declared, path=self.path, state='present'), check_mode=True, diff_mode=True,
                             environ=self.environ, predict_fresh=False)
            compared = engine.execute()
            result['matches'] = not compared['changed']
            result['drift'] = dict((k, compared.get(k)) for k in ('reason', 'installed', 'upgraded', 'upgraded_from',
                                                                  'removed'))
            if compared.get('exposure'):
                result['drift']['path_files'] = compared['exposure']['files']
            result['diff'] = compared.get('diff')
            result['warnings'] = engine.warnings
        return result
