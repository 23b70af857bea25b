# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The updates that build: a new generation swapped in, or an install in place.

Private to the venvkit.python collection. ``present.select_update()``
imports them for the runs that build; they share updates.Update's seal and
publish, and on any failure put back what they had done.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import DIR_MODE, no_write_for_others, remove_tree
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import (
    prune, remove_generation, swap, swap_back)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    SEED_DISTRIBUTIONS, changes, installed_packages)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import call_as
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.updates import Keep, Update


class Build(Update):  # pylint: disable=abstract-method
    """What the updates that build share: the new directory, the build, the sync, and what is moved aside."""

    def new_dir(self, path):
        os.mkdir(path, DIR_MODE)
        os.chmod(path, DIR_MODE)
        self.owner.give(path)

    def build(self, plan, target):
        """Fill target (an empty directory of the owner's) with the planned venv."""
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.clone import (
            clone_venv, stabilize_activation)
        if plan.fresh:
            plan.installer.create(plan.base, target)
        else:
            call_as(self.ctx.run_as, clone_venv, plan.live, target)
        plan.installer.install(target)
        if self.run.options['sync'] and not plan.fresh:
            self.sync(plan.installer, target)
        if self.run.options['update'] == 'atomic':
            call_as(self.ctx.run_as, stabilize_activation, target, self.run.path)
        call_as(self.ctx.run_as, no_write_for_others, target)

    @staticmethod
    def sync(installer, venv):
        keep = installer.resolve(venv, fresh=True)
        extra = sorted(n for n in installed_packages(venv) if n not in keep and n not in SEED_DISTRIBUTIONS)
        if extra:
            installer.uninstall(venv, extra)

    def moved_name(self, plan):
        return '%s-%d' % ('migrated' if self.keeps_moved(plan) else 'retired', int(time.time()))

    @staticmethod
    def keeps_moved(plan):
        """A directory at path that the module did not build is moved aside and kept, never deleted."""
        return plan.current.kind == 'foreign_dir' or bool(plan.state.get('adopted'))


class AtomicUpdate(Build):
    """A new generation, built beside the live venv and swapped in by a rename of the link at path."""

    def apply(self, plan):
        layout = self.run.layout
        new = layout.next_generation()
        moved_name = self.moved_name(plan)
        swapped = None
        self.new_dir(new)
        try:
            self.build(plan, new)
            after = installed_packages(new)
            if plan.after is None and plan.same_set(after):
                # The inputs changed, the packages did not: the live venv stays, with its new fingerprint.
                remove_generation(new)
                plan.decide('refresh')
                return self.sibling(Keep).apply(plan)
            self.seal(plan, new, after)
            self.write_state(plan, new)
            swapped = swap(layout, new, plan.current, moved_name)
            self.expose_and_link(plan)
        except BaseException:
            if swapped is not None:
                swap_back(layout, swapped)
            remove_generation(new)
            raise
        if swapped.moved and self.keeps_moved(plan):
            plan.fields['migrated'] = swapped.moved
        elif swapped.moved:
            remove_tree(swapped.moved)
            try:
                os.unlink(layout.state_path(self.run.path))
            except OSError:
                pass
        plan.fields['pruned'] = prune(layout, self.run.options['keep_generations'], new)
        return True


class InPlaceUpdate(Build):
    """update=in_place: the change is installed into the venv at path; a fresh venv is built beside and renamed
    into place, so that a kill leaves no half-built venv at path."""

    def apply(self, plan):
        if plan.fresh:
            return self._replace(plan)
        self.touching_live = True
        plan.installer.install(plan.live)
        if self.run.options['sync']:
            self.sync(plan.installer, plan.live)
        call_as(self.ctx.run_as, no_write_for_others, plan.live)
        self.touching_live = False
        self.seal(plan, plan.live)
        self.publish(plan, plan.live, adopted=self.keeps_moved(plan))
        return bool(changes(plan.before, plan.after)) or plan.links.changed

    def _replace(self, plan):
        layout = self.run.layout
        build = os.path.join(layout.gens_dir, 'in-place-new')
        self.new_dir(build)
        moved = None
        try:
            self.build(plan, build)
            from ansible_collections.venvkit.python.plugins.module_utils._venvkit.clone import relocate
            call_as(self.ctx.run_as, relocate, build, build, self.run.path)
            self.seal(plan, build)
            plan.venv = self.run.path
            if plan.current.kind in ('in_place', 'foreign_dir'):
                moved = os.path.join(layout.gens_dir, self.moved_name(plan))
                os.rename(self.run.path, moved)
            elif plan.current.kind == 'empty':
                os.rmdir(self.run.path)
            elif plan.current.kind == 'dangling':
                os.unlink(self.run.path)
            os.rename(build, self.run.path)
            try:
                self.publish(plan, self.run.path)
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
        if moved and self.keeps_moved(plan):
            plan.fields['migrated'] = moved
        elif moved:
            remove_tree(moved)
        return True
