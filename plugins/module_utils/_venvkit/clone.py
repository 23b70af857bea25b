# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Copy a venv into a new generation, so that an update never touches the live one.

Private to the venvkit.python collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import stat

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import LEGACY_STATE_FILE

# Scripts and the config that hold the venv's own absolute path; larger files are not scripts.
_REWRITE_LIMIT = 1 << 20


def _summary(exc, target):
    """One line for a failed copy: shutil.Error lists every file, which says nothing more."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        errors = exc.args[0]
        first = errors[0][2] if errors and len(errors[0]) > 2 else exc
        more = ' (and %d more)' % (len(errors) - 1) if len(errors) > 1 else ''
        return 'copying the venv to %s failed: %s%s' % (target, first, more)
    return 'copying the venv to %s failed: %s' % (target, getattr(exc, 'strerror', None) or exc)


def clone_venv(source, target):
    """Copy the venv at source to target (which exists, empty) and point its absolute paths there."""
    try:
        for entry in os.listdir(source):
            src, dst = os.path.join(source, entry), os.path.join(target, entry)
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            elif os.path.isdir(src):
                shutil.copytree(src, dst, symlinks=True)
            else:
                shutil.copy2(src, dst, follow_symlinks=False)
    except (OSError, shutil.Error) as exc:
        raise VenvkitError(_summary(exc, target))
    old, new = source.encode(), target.encode()
    rewrite = [os.path.join(target, 'pyvenv.cfg')]
    bindir = os.path.join(target, 'bin')
    rewrite += [os.path.join(bindir, n) for n in os.listdir(bindir)] if os.path.isdir(bindir) else []
    for name in rewrite:
        try:
            st = os.lstat(name)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_size > _REWRITE_LIMIT:
            continue
        with open(name, 'rb') as handle:
            data = handle.read()
        if old not in data:
            continue
        # Only whole path components: old followed by '/', a quote, whitespace or the end.
        data = re.sub(re.escape(old) + br'(?=[/\s"\']|$)', new, data)
        tmp = name + '.venvkit-new'
        with open(tmp, 'wb') as handle:
            handle.write(data)
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.rename(tmp, name)
    try:
        os.unlink(os.path.join(target, LEGACY_STATE_FILE))
    except OSError:
        pass
