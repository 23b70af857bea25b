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
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import Trust, check_trusted, describe_uid
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.gate import Gate
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import (
    GENERATION_RE, swap, swap_back)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    changed_files, changes, console_scripts, format_packages, installed_packages)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import probe
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.links import LinkPlan
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import RunAs
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.run import StateHandler
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import read_state, write_state


def generation_id(path):
    return os.path.basename(path)


class RollbackPlan:
    """The generation to make live (target, with its state), the live one, and the links."""

    def __init__(self, current, target, state, links):
        self.current = current
        self.target = target
        self.state = state
        self.links = links


class Rollback(StateHandler):
    """state=rollback for the run's path."""

    def _target(self, live, kept):
        wanted = self.run.options['generation']
        names = ', '.join('%s%s' % (generation_id(p), ' (live)' if p == live else '') for dummy, p in kept) or 'none'
        if wanted not in (None, ''):
            name = wanted if str(wanted).startswith('g') else 'g%s' % wanted
            for dummy, path in kept:
                if generation_id(path) == name:
                    return path
            raise VenvkitError('rollback: %s has no generation %s; it keeps %s' % (self.run.path, name, names))
        live_number = int(GENERATION_RE.fullmatch(generation_id(live)).group(1))
        earlier = [path for number, path in kept if number < live_number]
        if not earlier:
            raise VenvkitError('rollback: %s has no generation older than the live %s to roll back to; it keeps %s'
                               % (self.run.path, generation_id(live), names))
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

    def guard(self):
        check_trusted(self.run.layout.parent, Trust(), 'roll back the venv at %s' % self.run.path, container=True)

    def plan(self, lock):
        layout, options, outcome = self.run.layout, self.run.options, self.run.outcome
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
            self._owner_change(current, target, state)
            edited = changed_files(target, limit=5)
            if edited:
                outcome.warn('rollback: generation %s no longer holds the bytes its wheels installed (%s): a file '
                             'edited in place changes every generation that shares it; rebuild with force: true to '
                             'get them back' % (generation_id(target), ', '.join('%s %s' % item for item in edited)))
        ch = changes(before, after)
        outcome.changed_if(changed)
        outcome.set(active=target, rolled_back_from=generation_id(current.venv) if changed else None,
                    generation=generation_id(target), packages=after, installed=ch.get('installed', []),
                    upgraded=ch.get('upgraded', []), removed=ch.get('removed', []),
                    fingerprint=state.get('fingerprint'))
        # The target's owner chose its console scripts: the same gate as a build for that owner.
        links = LinkPlan(layout.path, options['link_scripts'], console_scripts(target),
                         Gate(self._owner_of(state))) if options['link_scripts'] else None
        if links is not None:
            outcome.set(links=links.links(), links_changed=links.summary())
            outcome.changed_if(links.changed)
        if self.run.diff_mode:
            outcome.diff(format_packages(before), format_packages(after),
                         '%s (%s)' % (layout.path, generation_id(current.venv)),
                         '%s (%s)' % (layout.path, generation_id(target)))
        return RollbackPlan(current, target, state, links)

    def apply(self, plan, lock):
        self._switch(plan.current, plan.target, plan.state, plan.links)

    def _switch(self, current, target, state, links):
        """Swap and link, all or nothing: either the old or the new generation stays live."""
        layout = self.run.layout
        swapped = None
        if target != current.venv:
            # Remembered for venv_info: when this generation went live again. Written before the
            # swap, so that a full disk fails the run with the link where it was.
            write_state(target + '.json', dict(state, activated=int(time.time()),
                                               rolled_back_from=generation_id(current.venv)))
        try:
            if target != current.venv:
                swapped = swap(layout, target, current, None)
            if links is not None:
                links.apply()
        except BaseException:
            if links is not None:
                links.undo()
            if swapped is not None:
                swap_back(layout, swapped)
            try:
                write_state(target + '.json', state)
            except (IOError, OSError):
                pass
            raise

    @staticmethod
    def _owner_of(state):
        """Who a generation's code runs as: its recorded owner (None for root or the module's user)."""
        owner = (state.get('owner') or [-1, -1])[0]
        if owner in (-1, 0, None) or owner == os.geteuid():
            return None
        try:
            return RunAs(owner, pwd.getpwuid(owner).pw_gid)
        except KeyError:
            return RunAs(owner, owner)

    def _owner_change(self, current, target, state):
        """Refuse to hand the venv to another owner silently; with force, do it and say so."""
        def uid_of(venv, recorded):
            owner = (recorded.get('owner') or [-1, -1])[0]
            return os.lstat(venv).st_uid if owner in (-1, None) else owner
        live_uid, target_uid = uid_of(current.venv, current.state or {}), uid_of(target, state)
        if live_uid == target_uid:
            return
        what = ('generation %s belongs to %s and the live %s to %s: rolling back would make %s the owner of every '
                'file of the live venv again' % (generation_id(target), describe_uid(target_uid),
                                                 generation_id(current.venv), describe_uid(live_uid),
                                                 describe_uid(target_uid)))
        if not self.run.options['force']:
            raise VenvkitError('rollback: %s; nothing was changed. Set force: true to roll back anyway' % what)
        self.run.outcome.warn('rollback: %s (force is set)' % what)
