# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The facts one run shares between its parts.

Private to the venvkit.python collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import redact, redact_all
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import PRIVATE_DIR_MODE, private_dir


class Context:
    """The process runner, who the venv's code runs as, whose files may be
    read inside a venv, the secrets to mask, check mode, and a private
    directory for this run's temporary files. It holds no option: what to
    install reaches the installers as a Selection."""

    def __init__(self, process, run_as=None, secrets=(), check_mode=False):
        self.process = process
        self.run_as = run_as
        self.secrets = list(secrets)
        self.check_mode = check_mode
        self.owners = set([0, os.geteuid()] + ([run_as.uid] if run_as else []))
        self.workdir_parent = None
        self._workdir = None
        self.warnings = []
        # What the installers did that the result reports (pip seeded or upgraded).
        self.notes = {}
        # (name, version): sha256 of the wheels installed in this run, as the installer reported them.
        self.hashes = {}

    def fail(self, msg, **details):
        """Raise VenvkitError with every secret masked."""
        raise VenvkitError(redact(msg, self.secrets), **redact_all(details, self.secrets))

    def workdir(self):
        """A directory of this run's own, mode 0700, owned by the user the installers run as."""
        if self._workdir is None:
            uid = self.run_as.uid if self.run_as else -1
            gid = self.run_as.gid if self.run_as else -1
            parent = self.workdir_parent
            if parent is None and self.run_as is not None:
                # Root's TMPDIR may be root's alone; the owner's processes must reach their directory.
                parent = next((d for d in ('/tmp', '/var/tmp') if os.path.isdir(d)), None)
            self._workdir = private_dir(parent, uid, gid, prefix='tmp-' if self.workdir_parent else 'venvkit-')
        return self._workdir

    def owner_env(self):
        """The venv owner's own temporary directory, inside this run's private one: {} when root builds."""
        if self.run_as is None:
            return {}
        tmp = os.path.join(self.workdir(), 'tmp')
        if not os.path.isdir(tmp):
            os.mkdir(tmp, PRIVATE_DIR_MODE)
            os.chmod(tmp, PRIVATE_DIR_MODE)
            os.lchown(tmp, self.run_as.uid, self.run_as.gid)
        return {'TMPDIR': tmp}

    def cleanup(self):
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
