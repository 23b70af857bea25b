# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The plan of one pip_venv run: everything decided before anything is written.

Private to the venvkit.python collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import changes

# What a run does to the venv:
#   none      nothing: fingerprint and installed set match
#   refresh   inputs changed but resolve to the same packages: only the state is rewritten
#   update    install the change (into a copy of the live venv, or in place)
#   migrate   update, and move the directory found at path aside (it was not made by the module)
#   create    build a venv where there is none
#   recreate  build a fresh venv instead of the live one (reason says why)
ACTIONS = ('none', 'refresh', 'update', 'migrate', 'create', 'recreate')


class VenvPlan:
    """What a run will do, and what it knows: the live venv and its state,
    the interpreter, the fingerprint, the package sets before and (predicted)
    after, the links and the PATH files."""

    def __init__(self, current, base, fingerprint):
        self.current = current
        self.live = current.venv
        self.state = current.state
        self.base = base
        self.fingerprint = fingerprint
        self.action = 'none'
        self.reason = None
        self.before = {}
        self.after = None
        self.listing = None
        self.fresh = False
        # A directory at path that an atomic update moves aside (so it builds even with the same packages).
        self.moves_dir = False
        self.links = None
        self.exposure = None
        # What the update left: the venv that is live after the run, its console scripts, and fields of the
        # result only some updates have (migrated, pruned).
        self.venv = None
        self.scripts = None
        self.fields = {}

    def decide(self, action, reason=None):
        self.action = action
        self.reason = reason

    def upgrade_reason(self, upgrade):
        """With upgrade set, an update whose only cause is newer releases says so."""
        if upgrade and self.action == 'update' and self.reason is None and self.package_changes:
            moved = self.package_changes.get('upgraded', []) + self.package_changes.get('installed', [])
            self.reason = 'upgrade: newer releases of %s' % ', '.join(sorted(set(moved)))

    def same_set(self, after):
        """After a real update built without a dry run: did it change nothing at all?"""
        return self.action == 'update' and not self.moves_dir and not self.fresh and not changes(self.before, after)

    @property
    def builds(self):
        """Whether the venv itself changes (a new generation, or an install in place)."""
        return self.action in ('update', 'migrate', 'create', 'recreate')

    @property
    def package_changes(self):
        return changes(self.before, self.after if self.after is not None else self.before)
