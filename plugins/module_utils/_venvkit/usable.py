# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whether a user can run a venv's python and scripts, from file modes alone.

Private to the venvkit.python collection. A venv built with an interpreter
under /root, or under a directory of mode 0700, works for root and for
nobody else: the service it is for would fail on its first task. The check
starts no process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd
import stat

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import console_scripts


def _allowed(st, uid, gids, want):
    """Whether uid (with gids) has the permissions want ('r', 'x', 'rx') on st."""
    if uid == 0:
        return not ('x' in want and not stat.S_ISDIR(st.st_mode) and not st.st_mode & 0o111)
    if st.st_uid == uid:
        bits = (st.st_mode >> 6) & 7
    elif st.st_gid in gids:
        bits = (st.st_mode >> 3) & 7
    else:
        bits = st.st_mode & 7
    return all(bits & {'r': 4, 'x': 1}[w] for w in want)


def _directories(path):
    """Every directory a lookup of path passes through, links resolved."""
    seen = []
    real = os.path.realpath(path)
    for route in (path, real):
        parts = route.split('/')
        for i in range(1, len(parts)):
            directory = '/'.join(parts[:i]) or '/'
            real_dir = os.path.realpath(directory)
            for candidate in (directory, real_dir):
                if candidate not in seen and os.path.isdir(candidate):
                    seen.append(candidate)
    return seen


def user_ids(name):
    """(uid, gids) of a user name; raises KeyError when there is none."""
    entry = pwd.getpwnam(name)
    gids = set([entry.pw_gid] + [g.gr_gid for g in grp.getgrall() if name in g.gr_mem])
    return entry.pw_uid, gids


def cannot_run(name, uid, gids, target, route=()):
    """Why user name (uid, gids) cannot run target (through the directories of route too), or None."""
    for directory in list(route) + _directories(target):
        st = os.stat(directory)
        if not _allowed(st, uid, gids, 'x'):
            return ('%s cannot run %s: the directory %s is mode %04o, owned by uid %d'
                    % (name, target, directory, stat.S_IMODE(st.st_mode), st.st_uid))
    real = os.path.realpath(target)
    st = os.stat(real)
    if not _allowed(st, uid, gids, 'rx'):
        mode = stat.S_IMODE(st.st_mode)
        return '%s cannot run %s: %s is mode %04o, owned by uid %d' % (name, target, real, mode, st.st_uid)
    return None


def usable_problems(path, venv, users):
    """For each user, what stops them running the venv's python and console scripts."""
    problems = []
    if not users:
        return problems
    files = [os.path.join(venv, 'bin', 'python')] + [os.path.join(venv, 'bin', s) for s in sorted(console_scripts(venv))]
    # Users reach the venv through path, whose directories count as well.
    route = _directories(path)
    for name in users:
        try:
            uid, gids = user_ids(name)
        except KeyError:
            problems.append('user %s does not exist on the target' % name)
            continue
        for target in files:
            found = cannot_run(name, uid, gids, target, route)
            if found:
                problems.append(found)
                break
    return problems


def require_usable(path, venv, usable_by):
    """Fail, naming the users, when a user of usable_by could not run the venv at path (built in venv)."""
    problems = usable_problems(path, venv, usable_by)
    if problems:
        raise VenvkitError('usable_by: %s. Choose an interpreter and a path every listed user can reach'
                           % '; '.join(problems))
