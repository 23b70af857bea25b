# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""state=rollback: point path at an earlier generation, in one rename, building nothing.

Private to the venvkit.python collection. The target is the newest
generation older than the live one, or the one named by the generation
option; it must be complete (its state beside it) and its interpreter must
still run. The next ordinary run rebuilds forward when the declared inputs
differ from those the target was built from.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd
import time

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import Trust, check_trusted
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import GENERATION_RE, swap
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    changes, console_scripts, format_packages, installed_packages)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import probe
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.links import LinkPlan
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.lock import Lock
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import RunAs
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import read_state, write_state


def generation_id(path):
    return os.path.basename(path)


class Rollback:
    """Plan, then carry out, state=rollback for the engine's path."""

    def __init__(self, engine):
        self.engine = engine
        self.params = engine.params
        self.layout = engine.layout
        self.result = engine.result

    def _target(self, live, kept):
        wanted = self.params['generation']
        names = ', '.join('%s%s' % (generation_id(p), ' (live)' if p == live else '') for dummy, p in kept) or 'none'
        if wanted not in (None, ''):
            name = wanted if str(wanted).startswith('g') else 'g%s' % wanted
            for dummy, path in kept:
                if generation_id(path) == name:
                    return path
            raise VenvkitError('rollback: %s has no generation %s; it keeps %s' % (self.layout.path, name, names))
        live_number = int(GENERATION_RE.fullmatch(generation_id(live)).group(1))
        earlier = [path for number, path in kept if number < live_number]
        if not earlier:
            raise VenvkitError('rollback: %s has no generation older than the live %s to roll back to; it keeps %s'
                               % (self.layout.path, generation_id(live), names))
        return earlier[-1]

    @staticmethod
    def _runs(target, state):
        """None when the target's interpreter runs (as the generation's owner), else why not."""
        owner = (state.get('owner') or [-1, -1])[0]
        run_as = None
        if os.geteuid() == 0 and owner not in (-1, 0, None):
            try:
                run_as = RunAs(owner, pwd.getpwuid(owner).pw_gid)
            except KeyError:
                return 'its owner, uid %d, no longer exists' % owner
        python = os.path.join(target, 'bin', 'python')
        if not os.path.exists(python):
            return 'its python points to a missing interpreter (%s)' % os.path.realpath(python)
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import Process
        if probe(python, Process(), run_as=run_as) is None:
            return 'its interpreter no longer runs (%s)' % os.path.realpath(python)
        return None

    def run(self):
        layout = self.layout
        check_trusted(layout.parent, Trust(), 'roll back the venv at %s' % layout.path, container=True)
        with Lock(layout.lock_path, self.params['lock_timeout'], create=False):
            current = layout.current()
            if current.kind != 'generation':
                raise VenvkitError('rollback: %s is not a venv this module built with update=atomic (%s), so it has '
                                   'no generations to roll back to' % (layout.path, current.kind.replace('_', ' ')))
            kept = layout.generations()
            target = self._target(current.venv, kept)
            state = read_state(target + '.json')
            before = installed_packages(current.venv)
            after = installed_packages(target)
            changed = target != current.venv
            if changed:
                why = self._runs(target, state)
                if why:
                    raise VenvkitError('rollback: generation %s is broken: %s; nothing was changed'
                                       % (generation_id(target), why))
            ch = changes(before, after)
            self.result.update(changed=changed, active=target, rolled_back_from=generation_id(current.venv) if changed else None,
                               generation=generation_id(target), packages=after,
                               installed=ch.get('installed', []), upgraded=ch.get('upgraded', []),
                               removed=ch.get('removed', []), fingerprint=state.get('fingerprint'))
            links = LinkPlan(layout.path, self.params['link_scripts'], console_scripts(target)) \
                if self.params['link_scripts'] else None
            if links is not None:
                self.result.update(links=links.links(), links_changed=links.summary())
                self.result['changed'] = self.result['changed'] or links.changed
            if self.engine.diff_mode:
                self.result['diff'] = dict(before=format_packages(before), after=format_packages(after),
                                           before_header='%s (%s)' % (layout.path, generation_id(current.venv)),
                                           after_header='%s (%s)' % (layout.path, generation_id(target)))
            if self.engine.check_mode or not self.result['changed']:
                return self.result
            if changed:
                swap(layout, target, current, None)
                # Remembered for venv_info: when this generation went live again.
                write_state(target + '.json', dict(state, activated=int(time.time()),
                                                   rolled_back_from=generation_id(current.venv)))
            if links is not None:
                links.apply()
        return self.result
