# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the module remembers about each venv it built, and the fingerprint
that tells, without starting a process, that nothing changed.

Private to the venvkit.python collection. The state of a generation lives
beside it in the generations directory (``.<name>.venvkit/g3.json``), which
belongs to the user the module runs as, never inside the venv, which may be
handed to another user: what the module trusts to decide what it made, and
what to remove, cannot be forged by the venv's owner.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import (
    FILE_MODE, atomic_write, read_regular)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError

STATE_VERSION = 2
LEGACY_STATE_FILE = '.venvkit.json'
# Options whose values decide the package set, and so the fingerprint.
FINGERPRINT_OPTIONS = ('packages', 'index_url', 'extra_index_urls', 'find_links', 'no_index', 'require_hashes',
                       'pip_args', 'system_site_packages', 'sync', 'seed_pip')


def fingerprint(params, base, inputs, installer):
    """SHA-256 of every input that decides what the venv holds."""
    material = dict((name, params[name]) for name in FINGERPRINT_OPTIONS)
    material.update(
        scheme=STATE_VERSION,
        python=[base.realpath, base.signature],
        requirements=inputs.digests('requirements'),
        constraints=inputs.digests('constraints'),
        installer=installer,
    )
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode('utf-8')).hexdigest()


def read_state(path):
    """The state at path, {} when it is missing, unreadable or of another version."""
    try:
        data = read_regular(path, owners=set([0, os.geteuid()]), what='state file')
    except VenvkitError:
        return {}
    if data is None:
        return {}
    try:
        state = json.loads(data.decode('utf-8'))
    except ValueError:
        return {}
    if not isinstance(state, dict):
        return {}
    if state.get('version') == 1:
        # Written by 0.2 inside the venv: the same facts, without identities.
        state = dict(state, version=STATE_VERSION, legacy=True)
    return state if state.get('version') == STATE_VERSION else {}


def write_state(path, state):
    atomic_write(path, json.dumps(dict(state, version=STATE_VERSION), indent=1, sort_keys=True) + '\n',
                 mode=FILE_MODE)


def legacy_state(venv):
    """The state 0.2 kept inside the venv, trusted only when root or this user wrote it."""
    return read_state(os.path.join(venv, LEGACY_STATE_FILE))
