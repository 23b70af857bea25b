# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where a venv lives on disk and what is found there.

Private to the venvkit.python collection. For a venv at /opt/app/venv::

    /opt/app/venv -> .venv.venvkit/g3        one symlink, swapped by rename
    /opt/app/.venv.venvkit/                  the generations directory
    /opt/app/.venv.venvkit/g3/               the live generation
    /opt/app/.venv.venvkit/g3.json           its state
    /opt/app/.venv.venvkit/g2/, g2.json      an earlier generation, kept
    /opt/app/.venv.venvkit/lock              serialises runs
    /opt/app/.venv.venvkit/in-place.json     the state of a venv built in place
    /opt/app/.venv.venvkit/migrated-<time>/  a directory found at path, moved
                                             aside, never deleted
    /opt/app/.venv.venvkit-parent            only when the module made /opt/app

Only what this module provably made is ever replaced or removed: a
generation with its state beside it, a link into the generations directory,
a directory built in place whose identity the state recorded, and a parent
directory whose marker carries that directory's identity.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import stat

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import identity, read_text, symlink_beside
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import legacy_state, read_state

GENERATION_RE = re.compile(r'g([0-9]+)')
MIGRATED_RE = re.compile(r'migrated-[0-9]+(?:-[0-9]+)?')
MARKER_SUFFIX = '.venvkit-parent'
MARKER_RE = re.compile(r'\..+' + re.escape(MARKER_SUFFIX))
IN_PLACE_STATE = 'in-place.json'


class Current:
    """What is at path: kind, the venv directory (if any) and its state.

    kinds: missing, generation (a link to one of ours), dangling (a link into
    the generations directory whose target is gone), in_place (a directory we
    built there), foreign_dir (a venv directory we did not make), empty (an
    empty directory), foreign_link (a link somewhere else).
    """

    def __init__(self, kind, venv=None, state=None, target=None):
        self.kind = kind
        self.venv = venv
        self.state = state or {}
        self.target = target

    @property
    def ours(self):
        return self.kind in ('generation', 'in_place')


class Layout:
    """The names around one venv path."""

    def __init__(self, path):
        self.path = path
        self.parent = os.path.dirname(path)
        self.name = os.path.basename(path)
        self.gens_dir = os.path.join(self.parent, '.%s.venvkit' % self.name)
        self.lock_path = os.path.join(self.gens_dir, 'lock')
        self.marker = os.path.join(self.parent, '.%s%s' % (self.name, MARKER_SUFFIX))

    # -- generations ------------------------------------------------------

    def state_path(self, venv):
        if venv == self.path:
            return os.path.join(self.gens_dir, IN_PLACE_STATE)
        return venv + '.json'

    def generation(self, number):
        return os.path.join(self.gens_dir, 'g%d' % number)

    def generations(self):
        """[(number, path)] of the complete generations (state beside them), oldest first."""
        found = []
        for entry in self._entries():
            match = GENERATION_RE.fullmatch(entry)
            path = os.path.join(self.gens_dir, entry)
            if match and os.path.isdir(path) and not os.path.islink(path) and os.path.isfile(path + '.json'):
                found.append((int(match.group(1)), path))
        return sorted(found)

    def incomplete(self, live):
        """Generation directories without state: left by a run that was killed."""
        return [os.path.join(self.gens_dir, e) for e in self._entries()
                if GENERATION_RE.fullmatch(e) and not os.path.isfile(os.path.join(self.gens_dir, e + '.json'))
                and os.path.join(self.gens_dir, e) != live]

    def migrated(self):
        return [os.path.join(self.gens_dir, e) for e in self._entries() if MIGRATED_RE.fullmatch(e)]

    def next_generation(self):
        numbers = [0]
        for entry in self._entries():
            match = GENERATION_RE.fullmatch(entry[:-5] if entry.endswith('.json') else entry)
            if match:
                numbers.append(int(match.group(1)))
        return self.generation(max(numbers) + 1)

    def _entries(self):
        try:
            return sorted(os.listdir(self.gens_dir))
        except OSError:
            return []

    def is_generation(self, venv):
        return (os.path.dirname(venv) == self.gens_dir and GENERATION_RE.fullmatch(os.path.basename(venv)) is not None)

    # -- what is at path ----------------------------------------------------

    def current(self):
        """Describe what is at path (see Current); never follows a link out of the generations."""
        try:
            st = os.lstat(self.path)
        except OSError:
            return Current('missing')
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(self.path)
            resolved = os.path.normpath(os.path.join(self.parent, target))
            if self.is_generation(resolved):
                if os.path.isdir(resolved) and not os.path.islink(resolved) and os.path.exists(
                        os.path.join(resolved, 'pyvenv.cfg')):
                    return Current('generation', resolved, self._state_of(resolved), target)
                return Current('dangling', None, {}, target)
            return Current('foreign_link', None, {}, target)
        if stat.S_ISDIR(st.st_mode):
            if os.path.exists(os.path.join(self.path, 'pyvenv.cfg')):
                state = read_state(self.state_path(self.path))
                if state.get('identity') == identity(self.path):
                    return Current('in_place', self.path, state)
                legacy = legacy_state(self.path)
                if legacy and legacy.get('fingerprint'):
                    # Built in place by 0.2, which kept no identity: its own state says so.
                    return Current('in_place', self.path, legacy)
                return Current('foreign_dir', self.path)
            if not os.listdir(self.path):
                return Current('empty')
            raise VenvkitError('path %s is a directory that is not a virtual environment (no pyvenv.cfg); '
                               'refusing to replace it' % self.path)
        raise VenvkitError('path %s exists and is not a directory or a symlink to a venv; refusing to replace it'
                           % self.path)

    def _state_of(self, venv):
        state = read_state(self.state_path(venv))
        if not state:
            state = legacy_state(venv)
        return state

    # -- the parent ---------------------------------------------------------

    def marker_text(self):
        return ('Made by venvkit.python for %s; removed with it.\nidentity %s\n'
                % (self.path, identity(self.parent)))

    def parent_removable(self):
        """Whether the module made the parent (for this venv or one beside it) and it
        now holds nothing but this venv, its generations and such markers."""
        ident = identity(self.parent)
        try:
            entries = os.listdir(self.parent)
        except OSError:
            return False
        marks = []
        for entry in entries:
            if not MARKER_RE.fullmatch(entry):
                continue
            full = os.path.join(self.parent, entry)
            text = read_text(full, owners=set([0, os.geteuid()])) or ''
            lines = text.splitlines()
            if (len(lines) == 2 and lines[0].startswith('Made by venvkit.python for %s/' % self.parent)
                    and lines[1] == 'identity %s' % ident):
                marks.append(entry)
        mine = (self.name, os.path.basename(self.gens_dir))
        return bool(marks) and all(e in mine or e in marks for e in entries)


class Swap:
    """What one swap did, so that a later failure of the run can put it back."""

    def __init__(self, previous_link, moved, was_empty):
        self.previous_link = previous_link
        self.moved = moved
        self.was_empty = was_empty


def _link_into_place(layout, target):
    # An unguessable name, made exclusively: nobody can squat it, even beside a venv under /tmp.
    return symlink_beside(target, layout.parent, '.%s.venvkit-swap-' % layout.name)


def swap(layout, new_gen, current, moved_name):
    """Point path at new_gen with one rename. A directory at path is moved into the
    generations directory under moved_name first (an empty one is removed)."""
    tmp = _link_into_place(layout, os.path.relpath(new_gen, layout.parent))
    previous = current.target if current.kind in ('generation', 'dangling') else None
    moved = None
    was_empty = current.kind == 'empty'
    try:
        if current.kind in ('foreign_dir', 'in_place'):
            moved = os.path.join(layout.gens_dir, moved_name)
            os.rename(layout.path, moved)
        elif was_empty:
            os.rmdir(layout.path)
        os.rename(tmp, layout.path)
    except BaseException:
        if moved and not os.path.lexists(layout.path):
            os.rename(moved, layout.path)
        if was_empty and not os.path.lexists(layout.path):
            os.mkdir(layout.path, 0o755)
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return Swap(previous, moved, was_empty)


def swap_back(layout, record):
    """Undo swap(): path is again what it was."""
    if record.previous_link is not None:
        os.rename(_link_into_place(layout, record.previous_link), layout.path)
        return
    os.unlink(layout.path)
    if record.moved:
        os.rename(record.moved, layout.path)
    elif record.was_empty:
        os.mkdir(layout.path, 0o755)


def prune(layout, keep, active):
    """Remove the oldest complete generations beyond keep, never the active one; returns them."""
    earlier = [path for dummy, path in layout.generations() if path != active]
    removed = []
    for path in earlier[:max(0, len(earlier) - keep)]:
        remove_generation(path)
        removed.append(path)
    return removed


def remove_generation(path):
    """A generation and its state, state first: without it the directory is incomplete, still ours."""
    for suffix in ('.json', '.cdx.json'):
        try:
            os.unlink(path + suffix)
        except OSError:
            pass
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
