# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plan, then apply, the PATH files of one bin directory.

Private to the venvkit.python collection. Used by venvkit.python.path_exposure
and by the ``expose`` option of venvkit.python.pip_venv.

Planning reads only: it decides every write and removal, refuses a file the
collection did not write, a link, or a directory someone untrusted controls,
and checks every shell file it would write with ``sh -n``. Applying is all
or nothing: when a write fails, what was already written is put back.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import os
import re
import stat
import tempfile

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.targets import (
    DIR_OPTIONS, TARGETS, ProfileScript, entries)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import (
    DIR_MODE, FILE_MODE, Trust, atomic_write, check_trusted, make_dirs, read_regular, remove_created)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import (
    PATH_EXPOSURE_OPTIONS, expose_problems, with_defaults)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import Process


def detect_service_manager(root='/'):
    """'openrc' on hosts that have OpenRC (Alpine, Gentoo), else 'systemd'."""
    for probe in ('sbin/openrc-run', 'sbin/openrc', 'etc/alpine-release', 'etc/gentoo-release'):
        if os.path.exists(os.path.join(root, probe)):
            return 'openrc'
    return 'systemd'


def manager_running(manager, root='/'):
    """Whether that service manager runs the host now (not a container without init)."""
    probe = 'run/systemd/system' if manager == 'systemd' else 'run/openrc/softlevel'
    return os.path.exists(os.path.join(root, probe))


# Where systemd looks for unit files (systemd.unit(5)), after the configured systemd_dir.
UNIT_DIRS = ('/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system',
             '/usr/lib/systemd/system')
INIT_D = '/etc/init.d'


def unknown_services(manager, names, systemd_dir, root='/'):
    """[(name, closest known names)] of the services that the running manager does not know."""
    if manager == 'systemd':
        dirs = [systemd_dir] + [os.path.join(root, d.lstrip('/')) for d in UNIT_DIRS]
        known = set(e for d in dirs for e in entries(d) if '.' in e and not e.endswith(('.d', '.wants', '.requires')))

        def found(unit):
            template = re.sub(r'@[^.]*\.', '@.', unit)
            return unit in known or template in known
    else:
        known = set(entries(os.path.join(root, INIT_D.lstrip('/'))))

        def found(service):
            return service in known
    return [(name, difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6))
            for name in names if not found(name)]


def _read(path):
    """(text, mode) of a file the collection may change, (None, None) when it is missing."""
    owners = set([0, os.geteuid()])
    data = read_regular(path, owners=owners, what='PATH file')
    if data is None:
        return None, None
    return data.decode('utf-8', 'replace'), stat.S_IMODE(os.lstat(path).st_mode)


def sh_check(text, path):
    """Raise when text does not parse as POSIX sh; the file at path is not touched."""
    with tempfile.NamedTemporaryFile('w', prefix='venvkit-sh-', suffix='.sh') as handle:
        handle.write(text)
        handle.flush()
        rc, dummy, err = Process().run(['sh', '-n', handle.name], 'checking %s' % path)
    if rc != 0:
        raise VenvkitError('%s would not parse as sh: %s' % (path, err.strip()))


def _text_or_none(path):
    """The text of a PATH file, or None where the collection could not read it (venv_info only looks)."""
    try:
        return _read(path)[0]
    except VenvkitError:
        return None


def existing_files(params):
    """The PATH files of this name that exist now: what exposes a venv (read only)."""
    p = with_defaults(PATH_EXPOSURE_OPTIONS, params)
    return [t.path for cls in TARGETS for t in cls.found(p, _text_or_none) if os.path.isfile(t.path)]


class Change:
    """One file to write or remove."""

    def __init__(self, target, before, before_mode, after):
        self.target = target
        self.path = target.path
        self.unit = target.unit
        self.before = before
        self.before_mode = before_mode
        self.after = after
        # conf.d files keep the mode of whoever made them.
        self.mode = before_mode if (target.keeps_mode and before is not None) else FILE_MODE
        self.created_dirs = []
        self.removed_dir = None

    @property
    def action(self):
        if self.after is None:
            return 'removed'
        return 'created' if self.before is None else 'updated'


class PathExposure:
    """Plan, then apply, the PATH files of one bin directory (bin_dir None: remove them)."""

    def __init__(self, params, check_mode=False, diff_mode=False, checked=False):
        self.p = params if checked else with_defaults(PATH_EXPOSURE_OPTIONS, params)
        # Options pip_venv has already defaulted and checked (input_problems) are not checked again.
        self.checked = checked
        self.state = self.p['state'] or 'present'
        self.bin_dir = self.p['bin_dir'] if self.state == 'present' else None
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.plan = None
        self.applied = []
        self.warnings = []

    @classmethod
    def of_venv(cls, expose, bin_dir, check_mode=False, diff_mode=False):
        """The PATH files of a venv's bin_dir, from pip_venv's expose option (defaulted and checked)."""
        return cls(dict(expose, bin_dir=bin_dir, state='present'), check_mode, diff_mode, checked=True)

    def manager(self):
        choice = self.p['service_manager']
        return detect_service_manager() if choice == 'auto' else choice

    # -- planning ---------------------------------------------------------

    def _consider(self, changes, target):
        before, mode = _read(target.path)
        after = target.after(before)
        if before == after and (before is None or target.keeps_mode or mode == FILE_MODE):
            return
        if not target.owns(before):
            if after is None:
                self.warnings.append('%s was not written by venvkit.python; left alone' % target.path)
                return
            raise VenvkitError('%s exists and was not written by venvkit.python (no "Managed by Ansible '
                               '(venvkit.python)" first line); refusing to replace it: remove it, or choose another '
                               'name' % target.path)
        changes.append(Change(target, before, mode, after))

    def make_plan(self):
        """Read what is there and decide every write; raises VenvkitError on a problem."""
        problems = [] if self.checked else expose_problems(self.p, self.p['bin_dir'], self.state)
        if problems:
            raise VenvkitError(problems[0] if len(problems) == 1 else '; '.join(problems))
        p = self.p
        trust = Trust()
        for option in DIR_OPTIONS:
            check_trusted(p[option], trust, 'write PATH files into %s' % p[option])
        manager = self.manager()
        wanted = dict((cls, cls.wanted(p, self.bin_dir, manager)) for cls in TARGETS)
        services = [t.unit for cls in TARGETS for t in wanted[cls] if t.manager is not None]
        if services and not p['services_may_be_missing'] and manager_running(manager):
            unknown = unknown_services(manager, services, p['systemd_dir'])
            if unknown:
                raise VenvkitError('services: %s does not know %s; nothing was written. Check the spelling, or set '
                                   'services_may_be_missing for services installed later' % (manager, '; '.join(
                                       '%s%s' % (name, ' (closest: %s)' % ', '.join(close) if close else '')
                                       for name, close in unknown)))
        # What exists of this name and is not wanted goes; each file is considered once.
        considered = set(t.path for cls in TARGETS for t in wanted[cls])
        changes = []
        for cls in TARGETS:
            for target in wanted[cls]:
                self._consider(changes, target)
            for target in cls.found(p, lambda path: _read(path)[0]):
                if target.path not in considered:
                    considered.add(target.path)
                    self._consider(changes, target)

        for change in changes:
            if change.after is not None and change.target.shell:
                sh_check(change.after, change.path)
            self._check_writable(change.path)
        self.plan = dict(changes=changes, manager=manager, services=services,
                         profile=ProfileScript.path_for(p) if self.bin_dir is not None and p['profile'] else None)
        return self.plan

    @staticmethod
    def _check_writable(path):
        """Fail at planning time, before anything changes, where a write would be refused."""
        directory = os.path.dirname(path)
        while not os.path.isdir(directory) and directory != os.path.dirname(directory):
            directory = os.path.dirname(directory)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise VenvkitError('cannot write %s: %s is not writable by this user. Run with become, or turn that '
                               'file off (profile=false, no services)' % (path, directory))

    # -- applying ---------------------------------------------------------

    def _apply_one(self, change):
        if change.after is None:
            os.unlink(change.path)
            if change.target.prunes_dir:
                directory = os.path.dirname(change.path)
                try:
                    os.rmdir(directory)
                    change.removed_dir = directory
                except OSError:
                    pass  # holds other drop-ins
        else:
            change.created_dirs = make_dirs(os.path.dirname(change.path), DIR_MODE)
            atomic_write(change.path, change.after, mode=change.mode)

    @staticmethod
    def _undo_one(change):
        if change.removed_dir:
            make_dirs(change.removed_dir, DIR_MODE)
        if change.before is None:
            try:
                os.unlink(change.path)
            except OSError:
                pass
            remove_created(change.created_dirs)
        else:
            atomic_write(change.path, change.before, mode=change.before_mode)

    def undo(self):
        """Put back every file this exposure wrote or removed (after a later failure of the run)."""
        while self.applied:
            self._undo_one(self.applied.pop())

    def apply(self):
        """Carry out the plan (not in check mode) and return the result; all or nothing."""
        plan = self.plan or self.make_plan()
        if not self.check_mode:
            try:
                for change in plan['changes']:
                    self._apply_one(change)
                    self.applied.append(change)
            except BaseException:
                self.undo()
                raise
        return self.result()

    def result(self):
        plan = self.plan
        changes = plan['changes']
        manager = plan['manager']
        changed_units = []
        for c in changes:
            if c.unit and c.unit not in changed_units:
                changed_units.append(c.unit)
        result = dict(
            changed=bool(changes),
            profile=plan['profile'],
            service_manager=manager,
            service_manager_running=manager_running(manager),
            systemd_changed=any(c.target.manager == 'systemd' for c in changes),
            systemd_running=manager_running('systemd'),
            services=plan['services'],
            services_changed=[u for u in changed_units if u in plan['services']],
            services_removed=[u for u in changed_units if u not in plan['services']],
            files=[dict(path=c.path, action=c.action) for c in changes],
        )
        if self.diff_mode:
            result['diff'] = [dict(before=c.before or '', after=c.after or '',
                                   before_header=c.path if c.before is not None else '%s (absent)' % c.path,
                                   after_header=c.path if c.after is not None else '%s (absent)' % c.path)
                              for c in changes]
        return result
