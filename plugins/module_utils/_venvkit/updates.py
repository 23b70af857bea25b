# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Carry out the plan of a pip_venv run: one class for each way of doing it.

Private to the venvkit.python collection. present.py decides (plan); in check mode
Preview describes what the plan would leave and writes nothing, and
otherwise ``present.select_update()`` picks how the plan is carried out:

  Keep           none and refresh: the live venv stays (its state may be rewritten)
  AtomicUpdate   a new generation, built beside the live one and swapped in (builds.py)
  InPlaceUpdate  update=in_place: the install happens in the venv at path (builds.py)

Every update ends the same way (``Update.seal``: usable check, packages,
console scripts, links planned; ``Update.publish``: state and bill of
materials, PATH files, links), and on any failure puts back what it had
done. An update records nothing into the outcome: it fills the plan (the
venv, packages, scripts, links and extra fields) and returns whether
anything changed; the present handler describes it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.targets import DIR_OPTIONS
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import identity
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    console_scripts, installed_packages, listing_signature)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.links import LinkPlan
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import write_state
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.usable import require_usable


class Update:
    """One way of carrying out a plan; the base holds the steps they all share."""

    def __init__(self, run, owner, ctx, gate):
        self.run = run
        self.owner = owner
        self.ctx = ctx
        self.gate = gate
        # Set while an install runs in the live venv: a failure then may leave it partly updated.
        self.touching_live = False

    def apply(self, plan):
        """Carry out plan, all or nothing; fills plan.venv, plan.after, plan.scripts and plan.links, and returns
        whether anything changed."""
        raise NotImplementedError

    def sibling(self, cls):
        """Another way of carrying out the same plan, with the same run and parts."""
        return cls(self.run, self.owner, self.ctx, self.gate)

    def scripts_of(self, venv):
        return console_scripts(venv, owners=self.ctx.owners)

    def plan_links(self, plan, scripts):
        plan.links = LinkPlan(self.run.path, self.run.options['link_scripts'], scripts, self.gate)

    def seal(self, plan, venv, after=None):
        """What a built venv holds, checked before it goes live: usable by whom it must be, its packages, its
        console scripts, and the links to them (planned here, so that a conflict fails with nothing changed)."""
        require_usable(self.run.path, venv, self.run.options['usable_by'])
        plan.venv = venv
        plan.after = installed_packages(venv) if after is None else after
        plan.upgrade_reason(self.run.options['upgrade'])
        plan.scripts = self.scripts_of(venv)
        self.plan_links(plan, plan.scripts)

    def publish(self, plan, venv, refresh=False, adopted=False):
        """The state and bill of materials of venv, then the PATH files and links."""
        self.write_state(plan, venv, refresh=refresh, adopted=adopted)
        self.expose_and_link(plan)

    def write_state(self, plan, venv, refresh=False, adopted=False):
        p = self.run.options
        previous = plan.state if refresh else {}
        state = dict(
            fingerprint=plan.fingerprint, listing=listing_signature(venv), python=plan.base.record(venv),
            link_dirs=[p['link_scripts']['dest']] if p['link_scripts'] else [],
            exposure=dict((k, p['expose'][k]) for k in ('name',) + DIR_OPTIONS)
            if p['expose'] else previous.get('exposure'),
            installer=plan.installer.name, owner=self.owner.record(), identity=identity(venv),
            created=previous.get('created') or int(time.time()), adopted=adopted or bool(previous.get('adopted')))
        state.update(self.ctx.notes)
        state_path = self.run.layout.state_path(venv)
        write_state(state_path, state)
        plan.state = state
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit import sbom
        if not refresh or sbom.read(state_path) is None:
            previous_sbom = sbom.read(self.run.layout.state_path(plan.live)) if plan.live else None
            hashes = sbom.hashes_of(previous_sbom)
            hashes.update(self.ctx.hashes)
            sbom.write(state_path, sbom.build(self.run.path, installed_packages(venv), hashes, plan.installer.name,
                                              python=state['python']))

    def expose_and_link(self, plan):
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


class Preview(Update):
    """Check mode: what the plan would leave, predicted; nothing outside this run's private directory is written."""

    def apply(self, plan):
        scripts = None
        if plan.fresh and self.run.predict_fresh:
            plan.after, scripts = self._predict_fresh(plan)
        elif plan.fresh and plan.after is None:
            # Nothing predicted what a fresh venv holds (venv_info builds none); a sync's
            # prediction from dry runs in the live venv stands.
            plan.after = {}
        elif plan.live is not None:
            # After an update the scripts are those of the live venv, plus or minus the change's.
            scripts = self.scripts_of(plan.live)
        self.plan_links(plan, scripts or {})
        if plan.action in ('none', 'refresh'):
            require_usable(self.run.path, plan.live, self.run.options['usable_by'])
        plan.venv = plan.live
        plan.scripts = scripts
        return plan.builds or plan.links.changed

    def _predict_fresh(self, plan):
        """(packages, console scripts) of a fresh venv: one built in this run's private
        temporary directory, then removed with it."""
        scratch = os.path.join(self.ctx.workdir(), 'venv')
        plan.installer.create(plan.base, scratch)
        after = installed_packages(scratch)
        after.update(plan.installer.resolve(scratch, fresh=False))
        return after, self.scripts_of(scratch)


class Keep(Update):
    """none and refresh: the live venv stays; a refresh rewrites its state (new inputs, same packages)."""

    def apply(self, plan):
        plan.after = plan.before
        plan.venv = plan.live
        plan.scripts = self.scripts_of(plan.live)
        self.plan_links(plan, plan.scripts)
        require_usable(self.run.path, plan.live, self.run.options['usable_by'])
        if plan.action == 'refresh' or plan.state.get('legacy'):
            self.write_state(plan, plan.live, refresh=True)
        self.expose_and_link(plan)
        return plan.links.changed
