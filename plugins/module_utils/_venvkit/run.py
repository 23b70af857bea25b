# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One run of pip_venv, built once, and the base of its state handlers.

Private to the venvkit.python collection. A Run holds what every part of a
run shares: the options (with their defaults), the venv's layout, the
process runner, check and diff mode, the secrets to mask, and the Outcome
that alone makes the result. A state handler works on a Run and never on
another part: ``StateHandler.execute()`` is guard, lock, plan (which reads
only and records what the run does into the outcome), then, in check mode,
preview, and otherwise apply: the one place where check mode stops a run's
writes. absent (removal.py) and rollback (rollback.py) apply only when their
plan recorded a change; present (present.py) always does, since a real
update builds first and compares what it built (a dry run before every
update would resolve everything twice).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import secrets_in
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import Layout
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.lock import Lock
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.outcome import Outcome
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import Process


class Run:
    """The options, layout, process runner, check and diff flags, secrets and outcome of one run."""

    def __init__(self, options, check_mode=False, diff_mode=False, environ=None):
        self.options = options
        self.path = options['path']
        self.layout = Layout(self.path) if self.path else None
        self.process = Process(environ)
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.secrets = secrets_in(
            [options['index_url'], options['extra_index_urls'], options['find_links'], options['pip_args'],
             options['packages'], (options.get('python_archive') or {}).get('url'),
             options.get('python_downloads_json_url'), options.get('python_install_mirror')]
            + [f['content'] for f in options['inline_requirements'] + options['inline_constraints']])
        self.outcome = Outcome(path=self.path)
        # Whether check mode builds a throwaway venv to predict a fresh one (venv_info does not).
        self.predict_fresh = True


class StateHandler:
    """One state's work on a run; see the module docstring."""

    def __init__(self, run):
        self.run = run

    def guard(self):
        """Refuse, before the lock is taken, what the state must not touch."""

    def failure_note(self, msg):
        """msg, with what the run's failure left as it was."""
        return msg

    def close(self):
        """Release what the run holds (temporary files), success or failure."""

    def lock(self):
        """The venv's lock, never created here (absent and rollback: no lock, nothing to do)."""
        return Lock(self.run.layout.lock_path, self.run.options['lock_timeout'], create=False)

    def plan(self, lock):
        """Read, decide and record into the outcome what the run does; returns the plan for apply."""
        raise NotImplementedError

    def preview(self, plan):
        """Check mode: describe what apply would do (by default the plan already did)."""

    def writes(self, plan):
        """Whether apply has anything to do: by default, whether the plan recorded a change."""
        return self.run.outcome.changed

    def apply(self, plan, lock):
        """Carry out the plan, all or nothing."""
        raise NotImplementedError

    def execute(self):
        self.guard()
        with self.lock() as lock:
            plan = self.plan(lock)
            if self.run.check_mode:
                self.preview(plan)
            elif self.writes(plan):
                self.apply(plan, lock)
        return self.run.outcome
