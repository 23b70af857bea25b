# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A callback for the tests and benchmarks: which tasks of a role reached each target.

Enabled with ANSIBLE_CALLBACK_PLUGINS=<this directory> and
ANSIBLE_CALLBACKS_ENABLED=remote_calls; it writes, at the end of the play, a
JSON object {host: [task name, ...]} to the file VENVKIT_REMOTE_CALLS names,
counting only the tasks of the role VENVKIT_REMOTE_CALLS_ROLE (default
venvkit.python.venv) that ran on the host itself: not skipped, not delegated,
and not one of the actions that never leave the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: remote_calls
type: aggregate
short_description: Counts the tasks of a role that reached each target
description: Writes a JSON object, host to task names, to the file named by VENVKIT_REMOTE_CALLS.
requirements: [enabled in the configuration]
'''

# Actions that run on the controller only, whatever the host.
CONTROLLER = frozenset((
    'add_host', 'assert', 'debug', 'fail', 'group_by', 'import_role', 'import_tasks', 'include_role',
    'include_tasks', 'include_vars', 'meta', 'set_fact', 'set_stats', 'validate_argument_spec'))


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'remote_calls'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.calls = {}
        self.role = os.environ.get('VENVKIT_REMOTE_CALLS_ROLE', 'venvkit.python.venv')

    def _count(self, result):
        task = result._task
        role = task._role.get_name() if task._role else ''
        if role != self.role or task.action.split('.')[-1] in CONTROLLER or task.delegate_to:
            return
        self.calls.setdefault(result._host.get_name(), []).append(task.name or task.action)

    def v2_runner_on_ok(self, result):
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('VENVKIT_REMOTE_CALLS')
        if path:
            with open(path, 'w') as handle:
                json.dump(self.calls, handle, indent=1, sort_keys=True)
