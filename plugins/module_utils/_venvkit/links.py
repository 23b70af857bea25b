# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Links of a venv's console scripts in a directory such as /usr/local/bin.

Private to the venvkit.python collection. A link is the module's when it
points into ``<path>/bin/``; nothing else is ever replaced or removed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import (
    DIR_MODE, make_dirs, remove_created, symlink_beside)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.gate import Gate
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import SEED_DISTRIBUTIONS


def is_ours(link, path):
    try:
        target = os.readlink(link)
    except OSError:
        return False
    return target.startswith(os.path.join(path, 'bin') + '/')


def links_in(dest, path):
    """The links in dest that point into path's bin directory."""
    try:
        entries = sorted(os.listdir(dest))
    except OSError:
        return []
    return [os.path.join(dest, n) for n in entries if is_ours(os.path.join(dest, n), path)]


class LinkPlan:
    """The links link_scripts wants, and what to create and remove for them."""

    def __init__(self, path, spec, scripts, gate=None):
        self.path = path
        self.dest = spec['dest'] if spec else None
        self.wanted = {}
        self.create = []
        self.remove = []
        self.created_dirs = []
        self.done = []
        if not spec:
            return
        gate = gate if gate is not None else Gate()
        # The directory is root's rule, before anything is read from it or written into it.
        gate.write_dir(self.dest, 'console-script links')
        names = list(spec['scripts'] or ['all'])
        listed = names != ['all']
        if names == ['all']:
            chosen = sorted(n for n, dist in scripts.items() if dist not in SEED_DISTRIBUTIONS)
        else:
            missing = [n for n in names if n not in scripts]
            if missing:
                raise VenvkitError('link_scripts: the venv provides no console script named %s; it provides: %s'
                                   % (', '.join(missing), ', '.join(sorted(scripts)) or 'none'))
            chosen = sorted(set(names))
        gate.link_names(chosen, self.dest, listed, path)
        self.wanted = dict((n, os.path.join(path, 'bin', n)) for n in chosen)
        conflicts = []
        for name, target in sorted(self.wanted.items()):
            link = os.path.join(self.dest, name)
            if not os.path.lexists(link):
                self.create.append(name)
            elif not is_ours(link, path):
                conflicts.append(link)
            elif os.readlink(link) != target:
                self.create.append(name)
        if conflicts:
            raise VenvkitError('link_scripts: refusing to overwrite %s: not a link made for %s; remove it or leave '
                               'that script out of link_scripts.scripts' % (', '.join(conflicts), path))
        self.remove = [os.path.basename(link) for link in links_in(self.dest, path)
                       if os.path.basename(link) not in self.wanted]

    @property
    def changed(self):
        return bool(self.create or self.remove)

    def links(self):
        return [os.path.join(self.dest, n) for n in sorted(self.wanted)] if self.dest else []

    def summary(self):
        if not self.dest:
            return {}
        return dict(created=[os.path.join(self.dest, n) for n in self.create],
                    removed=[os.path.join(self.dest, n) for n in self.remove])

    def apply(self):
        """Make the links; undo() puts back what this did."""
        if not self.changed:
            return
        self.created_dirs = make_dirs(self.dest, DIR_MODE)
        for name in self.remove:
            link = os.path.join(self.dest, name)
            self.done.append((link, os.readlink(link)))
            os.unlink(link)
        for name in self.create:
            link = os.path.join(self.dest, name)
            previous = os.readlink(link) if os.path.islink(link) else None
            tmp = symlink_beside(self.wanted[name], self.dest, '.%s.venvkit-' % name[:64])
            try:
                os.rename(tmp, link)
            except BaseException:
                os.unlink(tmp)
                raise
            self.done.append((link, previous))

    def undo(self):
        for link, previous in reversed(self.done):
            try:
                os.unlink(link)
            except OSError:
                pass
            if previous is not None:
                os.symlink(previous, link)
        self.done = []
        remove_created(self.created_dirs)
