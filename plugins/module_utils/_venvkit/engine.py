# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine behind venvkit.python.pip_venv: one run, one outcome.

Private to the venvkit.python collection. Modules call
``PipVenv(params, check_mode, diff_mode).execute()``; the unit tests drive the
same class. It checks the input, builds the run (run.Run: options, layout,
process runner, flags, secrets, and the Outcome that alone makes the
result), hands it to the state's handler (present.py, removal.py,
rollback.py), and masks every secret in what comes back, success or failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import redact, redact_all
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import (
    PIP_VENV_OPTIONS, option_problems, with_defaults)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.run import Run


class PipVenv:
    """Create, update or remove one venv. See the module's documentation."""

    def __init__(self, params, check_mode=False, diff_mode=False, environ=None, predict_fresh=True):
        self.params = with_defaults(PIP_VENV_OPTIONS, params)
        self.run = Run(self.params, check_mode, diff_mode, environ)
        self.run.predict_fresh = predict_fresh

    @property
    def secrets(self):
        """The values to mask wherever the run's words go."""
        return self.run.secrets

    @property
    def warnings(self):
        return self.run.outcome.warnings

    def _handler(self):
        """The state's handler; absent and rollback are imported when asked for, so that a no-op run compiles
        only what it uses."""
        state = self.params['state']
        if state == 'absent':
            from ansible_collections.venvkit.python.plugins.module_utils._venvkit.removal import Removal
            return Removal(self.run)
        if state == 'rollback':
            from ansible_collections.venvkit.python.plugins.module_utils._venvkit.rollback import Rollback
            return Rollback(self.run)
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.present import Present
        return Present(self.run)

    def execute(self):
        # Every directory and file gets its mode from the code, whatever the caller's umask.
        os.umask(0o022)
        problems = option_problems(self.params)
        if problems:
            raise VenvkitError(redact('; '.join(problems), self.run.secrets))
        handler = self._handler()
        try:
            handler.execute()
            return self.run.outcome.result()
        except VenvkitError as exc:
            msg = handler.failure_note(exc.msg.rstrip())
            raise VenvkitError(redact(msg, self.run.secrets), **redact_all(exc.details, self.run.secrets))
        except (IOError, OSError) as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            # Everything this run did was put back on the way out; the cause deserves its own words.
            raise VenvkitError('the disk is full (%s%s) while the module wrote %s; nothing was changed, and the '
                               'venv that was live before (if any) is still in use'
                               % (exc.strerror, ': %s' % exc.filename if exc.filename else '', self.run.path))
        finally:
            handler.close()
