# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Carry out the plan of a pip_venv run, all or nothing.

Private to the venvkit.python collection. present.py decides (plan); this
builds the new generation (or the venv in place), swaps it in, writes the
state and the bill of materials, the PATH files and the links, and on any
failure puts back what it had done.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.targets import DIR_OPTIONS
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import (
    DIR_MODE, identity, no_write_for_others, remove_tree)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import (
    prune, remove_generation, swap, swap_back)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    SEED_DISTRIBUTIONS, changes, console_scripts, installed_packages, listing_signature)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.links import LinkPlan
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import call_as
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import write_state


class Apply:
    """Carries out one plan of the present handler (its run, run context and owner)."""

    def __init__(self, present):
        self.present = present
        self.run = present.run

    def apply(self, plan):
        """Carry out the plan; on a failure everything is put back as it was."""
        if plan.action in ('none', 'refresh'):
            plan.after = plan.before
            if plan.links is None:
                plan.links = LinkPlan(self.run.path, self.run.options['link_scripts'],
                                      console_scripts(plan.live, owners=self.present.ctx.owners), self.present.gate)
            self.present.check_usable(plan.live)
            if plan.action == 'refresh' or plan.state.get('legacy'):
                self._write_state(plan, plan.live, refresh=True)
            self._expose_and_link(plan)
            scripts = console_scripts(plan.live, owners=self.present.ctx.owners)
            return self.present.report(plan, plan.live, plan.before, plan.links.changed, scripts)
        if self.run.options['update'] == 'in_place' and plan.current.kind != 'generation':
            return self._apply_in_place(plan)
        return self._apply_atomic(plan)

    def _new_dir(self, path):
        os.mkdir(path, DIR_MODE)
        os.chmod(path, DIR_MODE)
        self.present.owner.give(path)

    def _build(self, plan, target):
        """Fill target (an empty directory of the owner's) with the planned venv."""
        # Imported by the runs that build: a no-op compiles only what it uses.
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.clone import (
            clone_venv, stabilize_activation)
        if plan.fresh:
            plan.installer.create(plan.base, target)
        else:
            call_as(self.present.ctx.run_as, clone_venv, plan.live, target)
        plan.installer.install(target)
        if self.run.options['sync'] and not plan.fresh:
            self._sync(plan.installer, target)
        if self.run.options['update'] == 'atomic':
            call_as(self.present.ctx.run_as, stabilize_activation, target, self.run.path)
        call_as(self.present.ctx.run_as, no_write_for_others, target)

    @staticmethod
    def _sync(installer, venv):
        keep = installer.resolve(venv, fresh=True)
        extra = sorted(n for n in installed_packages(venv) if n not in keep and n not in SEED_DISTRIBUTIONS)
        if extra:
            installer.uninstall(venv, extra)

    def _apply_atomic(self, plan):
        layout = self.run.layout
        new = layout.next_generation()
        moved_name = self._moved_name(plan)
        swapped = None
        self._new_dir(new)
        try:
            self._build(plan, new)
            after = installed_packages(new)
            if plan.after is None and self.present.same_set(plan, after):
                # The inputs changed, the packages did not: the live venv stays, with its new fingerprint.
                remove_generation(new)
                plan.decide('refresh')
                return self.apply(plan)
            plan.after = after
            self.present.upgrade_reason(plan)
            self.present.check_usable(new)
            scripts = console_scripts(new, owners=self.present.ctx.owners)
            # Planned before the swap, so that a conflict fails with nothing changed.
            plan.links = LinkPlan(self.run.path, self.run.options['link_scripts'], scripts, self.present.gate)
            self._write_state(plan, new)
            swapped = swap(layout, new, plan.current, moved_name)
            self._expose_and_link(plan)
        except BaseException:
            if swapped is not None:
                swap_back(layout, swapped)
            remove_generation(new)
            raise
        if swapped.moved and self._keeps_moved(plan):
            self.run.outcome.set(migrated=swapped.moved)
        elif swapped.moved:
            remove_tree(swapped.moved)
            try:
                os.unlink(layout.state_path(self.run.path))
            except OSError:
                pass
        self.run.outcome.set(pruned=prune(layout, self.run.options['keep_generations'], new))
        return self.present.report(plan, new, after, True, scripts)

    def _moved_name(self, plan):
        return '%s-%d' % ('migrated' if self._keeps_moved(plan) else 'retired', int(time.time()))

    @staticmethod
    def _keeps_moved(plan):
        """A directory at path that the module did not build is moved aside and kept, never deleted."""
        return plan.current.kind == 'foreign_dir' or bool(plan.state.get('adopted'))

    def _apply_in_place(self, plan):
        layout = self.run.layout
        if not plan.fresh:
            self.present.in_place_started = True
            plan.installer.install(plan.live)
            if self.run.options['sync']:
                self._sync(plan.installer, plan.live)
            call_as(self.present.ctx.run_as, no_write_for_others, plan.live)
            self.present.in_place_started = False
            self.present.check_usable(plan.live)
            after = installed_packages(plan.live)
            plan.after = after
            self.present.upgrade_reason(plan)
            scripts = console_scripts(plan.live, owners=self.present.ctx.owners)
            plan.links = LinkPlan(self.run.path, self.run.options['link_scripts'], scripts, self.present.gate)
            self._write_state(plan, plan.live, adopted=self._keeps_moved(plan))
            self._expose_and_link(plan)
            changed = bool(changes(plan.before, after)) or plan.links.changed
            return self.present.report(plan, plan.live, after, changed, scripts)
        # Built beside, then renamed into place: a kill leaves no half-built venv at path.
        build = os.path.join(layout.gens_dir, 'in-place-new')
        self._new_dir(build)
        moved = None
        try:
            self._build(plan, build)
            from ansible_collections.venvkit.python.plugins.module_utils._venvkit.clone import relocate
            call_as(self.present.ctx.run_as, relocate, build, build, self.run.path)
            self.present.check_usable(build)
            after = installed_packages(build)
            scripts = console_scripts(build, owners=self.present.ctx.owners)
            plan.links = LinkPlan(self.run.path, self.run.options['link_scripts'], scripts, self.present.gate)
            if plan.current.kind in ('in_place', 'foreign_dir'):
                moved = os.path.join(layout.gens_dir, self._moved_name(plan))
                os.rename(self.run.path, moved)
            elif plan.current.kind == 'empty':
                os.rmdir(self.run.path)
            elif plan.current.kind == 'dangling':
                os.unlink(self.run.path)
            os.rename(build, self.run.path)
            try:
                self._write_state(plan, self.run.path)
                self._expose_and_link(plan)
            except BaseException:
                os.rename(self.run.path, build)
                if moved:
                    os.rename(moved, self.run.path)
                    moved = None
                raise
        except BaseException:
            if os.path.lexists(build):
                remove_tree(build)
            if moved and not os.path.lexists(self.run.path):
                os.rename(moved, self.run.path)
            raise
        if moved and self._keeps_moved(plan):
            self.run.outcome.set(migrated=moved)
        elif moved:
            remove_tree(moved)
        return self.present.report(plan, self.run.path, after, True, scripts)

    def _write_state(self, plan, venv, refresh=False, adopted=False):
        p = self.run.options
        previous = plan.state if refresh else {}
        state = dict(
            fingerprint=plan.fingerprint, listing=listing_signature(venv), python=plan.base.record(venv),
            link_dirs=[p['link_scripts']['dest']] if p['link_scripts'] else [],
            exposure=dict((k, p['expose'][k]) for k in ('name',) + DIR_OPTIONS)
            if p['expose'] else previous.get('exposure'),
            installer=plan.installer.name, owner=self.present.owner.record(), identity=identity(venv),
            created=previous.get('created') or int(time.time()), adopted=adopted or bool(previous.get('adopted')))
        state.update(self.present.ctx.notes)
        state_path = self.run.layout.state_path(venv)
        write_state(state_path, state)
        plan.state = state
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit import sbom
        if not refresh or sbom.read(state_path) is None:
            previous_sbom = sbom.read(self.run.layout.state_path(plan.live)) if plan.live else None
            hashes = sbom.hashes_of(previous_sbom)
            hashes.update(self.present.ctx.hashes)
            sbom.write(state_path, sbom.build(self.run.path, installed_packages(venv), hashes, plan.installer.name))

    def _expose_and_link(self, plan):
        """Write the PATH files, then the links; when either fails, neither stays."""
        if plan.exposure is not None:
            try:
                plan.exposure.apply()
            except (IOError, OSError) as exc:
                raise VenvkitError('expose: writing the PATH files failed, and what was written is put back: %s'
                                   % exc)
        try:
            plan.links.apply()
        except BaseException:
            plan.links.undo()
            if plan.exposure is not None:
                plan.exposure.undo()
            raise
