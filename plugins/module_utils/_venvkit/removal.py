# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""state=absent: remove what the module made for one venv, and nothing else.

Private to the venvkit.python collection. What goes: the link at path when
it points into the generations, a directory built in place whose identity
the state recorded, every generation with its state, the lock, the links
made in the recorded link directories, the PATH files (from the expose
option, or as recorded when it is not given), and the parent directory
when its marker proves the module made it and nothing else is in it.
What stays, with a warning: a link or directory at path the module did not
make, a venv it adopted in place, and directories it moved aside.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.plan import PathExposure
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import Trust, check_trusted, remove_tree
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import (
    MARKER_RE, Current, remove_generation)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    format_packages, installed_packages)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.links import links_in
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.run import StateHandler
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import read_state


class RemovalPlan:
    """What state=absent removes (decided under the lock, before anything is removed)."""

    def __init__(self, links, removes_path, has_gens, parent_goes, exposure):
        self.links = links
        self.removes_path = removes_path
        self.has_gens = has_gens
        self.parent_goes = parent_goes
        self.exposure = exposure


class Removal(StateHandler):
    """state=absent for the run's path."""

    python_roots = ()

    def _current(self):
        try:
            return self.run.layout.current()
        except VenvkitError:
            return Current('other')

    def _recorded(self, current):
        """The state that says what was made: the live venv's, else the newest generation's."""
        layout = self.run.layout
        if current.state:
            return current.state
        for dummy, gen in reversed(layout.generations()):
            state = read_state(gen + '.json')
            if state:
                return state
        return read_state(layout.state_path(layout.path))

    def _exposure(self, state):
        expose = self.run.options['expose'] or state.get('exposure')
        if not expose:
            return None
        exposure = PathExposure(dict(expose, state='absent'), check_mode=self.run.check_mode,
                                diff_mode=self.run.diff_mode)
        exposure.make_plan()
        return exposure

    def guard(self):
        layout = self.run.layout
        check_trusted(layout.parent, Trust(), 'remove the venv at %s' % layout.path, container=True)

    def plan(self, lock):
        layout, options, outcome = self.run.layout, self.run.options, self.run.outcome
        current = self._current()
        state = self._recorded(current)
        dests = set(state.get('link_dirs') or [])
        if options['link_scripts']:
            dests.add(options['link_scripts']['dest'])
        links = [link for dest in sorted(dests) for link in links_in(dest, layout.path)]
        exposure = self._exposure(state)
        removes_path = current.kind in ('generation', 'dangling') or (
            current.kind == 'in_place' and not current.state.get('adopted'))
        stays = current.kind in ('foreign_link', 'foreign_dir', 'other') or bool(current.state.get('adopted'))
        if stays:
            outcome.warn('%s was not made by this module; left alone' % layout.path)
        kept = layout.migrated()
        if kept:
            outcome.warn('kept %s: found at %s and moved aside by the module, never removed by it'
                         % (', '.join(kept), layout.path))
        has_gens = os.path.isdir(layout.gens_dir) and not os.path.islink(layout.gens_dir)
        parent_goes = not kept and not stays and layout.parent_removable()
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.managed import reconcile, used_by
        used, roots = used_by(layout)
        self.python_roots = roots | set([options['managed_pythons']])
        pythons = reconcile(self.python_roots, layout.path, set(), check_mode=True, warn=outcome.warn)
        outcome.changed_if(removes_path or has_gens or links or parent_goes or pythons
                           or (exposure and exposure.plan['changes']))
        outcome.set(removed_links=links, kept=kept, removed_pythons=pythons)
        if self.run.diff_mode:
            before = format_packages(installed_packages(current.venv)) if current.venv and removes_path else ''
            outcome.diff(before, '', layout.path, layout.path + ' (absent)')
        if exposure is not None:
            described = exposure.result()
            outcome.add_diffs(described.pop('diff', []))
            outcome.set(exposure=described)
            for warning in exposure.warnings:
                outcome.warn(warning)
        return RemovalPlan(links, removes_path, has_gens, parent_goes, exposure)

    def apply(self, plan, lock):
        layout = self.run.layout
        if plan.exposure is not None:
            plan.exposure.apply()
        for link in plan.links:
            os.unlink(link)
        if plan.removes_path:
            remove_tree(layout.path)
        if plan.has_gens:
            self._clear_generations(lock)
        # Managed CPythons that no other venv uses go with their last one.
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.managed import reconcile
        reconcile(self.python_roots, layout.path, set())
        if plan.parent_goes:
            for entry in os.listdir(layout.parent):
                if MARKER_RE.fullmatch(entry):
                    os.unlink(os.path.join(layout.parent, entry))
            os.rmdir(layout.parent)
            self.run.outcome.set(removed_parent=layout.parent)

    def _clear_generations(self, lock):
        layout = self.run.layout
        for dummy, gen in layout.generations():
            remove_generation(gen)
        for path in layout.incomplete(None):
            remove_tree(path)
        for entry in os.listdir(layout.gens_dir):
            if entry == 'lock' or layout.is_generation(os.path.join(layout.gens_dir, entry)):
                continue
            full = os.path.join(layout.gens_dir, entry)
            if entry.startswith(('tmp-', 'in-place-new', 'retired-')) or entry.endswith('.json'):
                remove_tree(full)
        lock.release(remove=True)
        try:
            os.rmdir(layout.gens_dir)
        except OSError:
            pass  # holds directories the module moved aside
