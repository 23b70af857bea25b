# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine that puts a bin directory on PATH for login shells and services.

Private to the venvkit.python collection: its names may change in any
release. Used by venvkit.python.path_exposure and by the ``expose`` option
of venvkit.python.pip_venv, so that a role applies a venv and its PATH in
one remote call.

What it manages, all named after ``name``:

* ``<profile_dir>/<name>.sh``: POSIX sh for login shells;
* ``<systemd_dir>/<unit>.d/<name>-path.conf``: a drop-in with ``PATH``;
* a marked block in ``<openrc_conf_dir>/<service>``, which openrc-run sources.

Everything is planned first (reading only), then applied; a plan that
cannot be applied fails before anything is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re
import stat
import subprocess
import tempfile

NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.@-]*$')
SERVICE_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9@._:-]*$')
BIN_RE = re.compile(r'^/[A-Za-z0-9._+@/-]*$')
DEFAULT_PATH_RE = re.compile(r'^[A-Za-z0-9._+@/:-]*$')
DEFAULT_SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
HEADER = '# Managed by Ansible (venvkit.python): changes here are overwritten.\n'

# The options, as module argument specs spell them; ``bin_dir`` and
# ``state`` come from the caller (pip_venv derives both).
OPTIONS = dict(
    name=dict(type='str', required=True),
    profile=dict(type='bool', default=True),
    profile_dir=dict(type='path', default='/etc/profile.d'),
    position=dict(type='str', default='prepend', choices=['prepend', 'append']),
    services=dict(type='list', elements='str', default=[]),
    service_manager=dict(type='str', default='auto', choices=['auto', 'systemd', 'openrc']),
    systemd_dir=dict(type='path', default='/etc/systemd/system'),
    openrc_conf_dir=dict(type='path', default='/etc/conf.d'),
    default_path=dict(type='str', default=DEFAULT_SERVICE_PATH),
)


class ExposureError(Exception):
    """A failure to report to the user; nothing was written."""

    def __init__(self, msg):
        super(ExposureError, self).__init__(msg)
        self.msg = msg


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


def systemd_unit(name):
    """The unit name as systemd spells it: a bare name is a .service."""
    return name if '.' in name else name + '.service'


def _read(path):
    try:
        with open(path, 'r') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if getattr(exc, 'errno', None) == errno.ENOENT:
            return None
        raise ExposureError('cannot read %s: %s' % (path, exc))


def _read_regular(path, links=True):
    """The text of path, None when it is missing; refuses anything but a regular
    file (or, unless links=True, a symlink to one)."""
    if os.path.lexists(path) and (not os.path.isfile(path) or (not links and os.path.islink(path))):
        raise ExposureError('%s is not a regular file; refusing to %s it' % (path, 'replace' if links else 'edit'))
    return _read(path)


def _entries(directory):
    """Sorted names in directory; none when it is missing or unreadable."""
    try:
        return sorted(os.listdir(directory))
    except OSError:
        return []


class PathExposure:
    """Plan, then apply, the PATH files of one bin directory."""

    def __init__(self, params, check_mode=False, diff_mode=False):
        self.p = dict((k, params.get(k, v.get('default'))) for k, v in OPTIONS.items())
        self.bin_dir = params.get('bin_dir')
        self.state = params.get('state') or 'present'
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.plan = None

    # -- what the files say -----------------------------------------------

    def _line(self, default):
        if self.p['position'] == 'append':
            return '%s:%s' % (default, self.bin_dir)
        return '%s:%s' % (self.bin_dir, default)

    def profile_text(self):
        if self.p['position'] == 'append':
            assign = 'PATH="${PATH:+$PATH:}%s"' % self.bin_dir
        else:
            assign = 'PATH="%s${PATH:+:$PATH}"' % self.bin_dir
        return (HEADER
                + '# Puts the bin directory of the %s venv on PATH once, however\n'
                  '# often this file is sourced. POSIX sh: busybox ash, dash, bash, zsh.\n' % self.p['name']
                + 'case ":${PATH:-}:" in\n'
                  '    *":%s:"*) ;;\n'
                  '    *) %s ;;\n'
                  'esac\n'
                  'export PATH\n' % (self.bin_dir, assign))

    def dropin_text(self):
        return (HEADER
                + '# Services do not read /etc/profile.d: give this unit the %s\n'
                  "# venv's bin directory on PATH, around systemd's default PATH.\n" % self.p['name']
                + '[Service]\nEnvironment="PATH=%s"\n' % self._line(self.p['default_path']))

    def marker(self, mark):
        return '# %s %s venv PATH (managed by Ansible, venvkit.python.venv)' % (mark, self.p['name'])

    def openrc_block(self):
        if self.p['position'] == 'append':
            assign = 'PATH="${PATH:-%s}:%s"' % (self.p['default_path'], self.bin_dir)
        else:
            assign = 'PATH="%s:${PATH:-%s}"' % (self.bin_dir, self.p['default_path'])
        return ('case ":${PATH:-}:" in\n'
                '    *":%s:"*) ;;\n'
                '    *) %s ;;\n'
                'esac\n'
                'export PATH\n' % (self.bin_dir, assign))

    def dropin_name(self):
        return '%s-path.conf' % self.p['name']

    # -- validation -------------------------------------------------------

    def validate(self):
        p = self.p
        if not NAME_RE.match(p['name'] or ''):
            raise ExposureError('name must be a plain file name of letters, digits and . _ @ - (got %r)'
                                % p['name'])
        bad = [s for s in p['services'] if not SERVICE_RE.match(s)]
        if bad:
            raise ExposureError('services must be plain unit or service names; refusing %s'
                                % ', '.join(repr(s) for s in bad))
        if self.state == 'present' and not BIN_RE.match(self.bin_dir or ''):
            raise ExposureError('bin_dir must be an absolute path of letters, digits and . _ + @ / - '
                                'only, since it goes into PATH and shell code (got %r)' % self.bin_dir)
        if not DEFAULT_PATH_RE.match(p['default_path'] or '') or not p['default_path']:
            raise ExposureError('default_path must be a PATH of absolute directories without quotes, '
                                "'$' or spaces (got %r)" % p['default_path'])
        for option in ('profile_dir', 'systemd_dir', 'openrc_conf_dir'):
            if not os.path.isabs(p[option] or ''):
                raise ExposureError('%s must be an absolute path (got %r)' % (option, p[option]))

    def manager(self):
        choice = self.p['service_manager']
        return detect_service_manager() if choice == 'auto' else choice

    # -- planning ---------------------------------------------------------

    def _splice(self, text, block):
        """text with this venv's marked block replaced by block (None removes it)."""
        begin, end = self.marker('BEGIN'), self.marker('END')
        lines = (text or '').splitlines(True)
        start = stop = None
        for i, line in enumerate(lines):
            if line.rstrip('\n') == begin and start is None:
                start = i
            elif line.rstrip('\n') == end and start is not None:
                stop = i
                break
        wanted = [] if block is None else [begin + '\n'] + block.splitlines(True) + [end + '\n']
        if start is not None and stop is not None:
            lines[start:stop + 1] = wanted
        elif wanted:
            if lines and not lines[-1].endswith('\n'):
                lines[-1] += '\n'
            lines += wanted
        return ''.join(lines)

    def _found_dropins(self):
        """Drop-ins of this name under systemd_dir: {unit: path}."""
        found = {}
        top = self.p['systemd_dir']
        for entry in _entries(top):
            if entry.endswith('.d'):
                path = os.path.join(top, entry, self.dropin_name())
                if os.path.lexists(path):
                    found[entry[:-2]] = path
        return found

    def _found_blocks(self):
        """conf.d files that hold this name's block: {service: (path, text)}."""
        found = {}
        top = self.p['openrc_conf_dir']
        begin = self.marker('BEGIN')
        for entry in _entries(top):
            path = os.path.join(top, entry)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            text = _read(path) or ''
            if begin in text.splitlines():
                found[entry] = (path, text)
        return found

    @staticmethod
    def _change(changes, path, kind, before, after, unit=None):
        """Record a write or removal unless path already says after, with its mode.

        kind is 'profile' or 'dropin' (whole files, mode 0644) or 'block' (a
        conf.d file, which keeps the mode of whoever made it).
        """
        if before is None and after is None:
            return
        mode = 0o644
        current_mode = None if before is None else stat.S_IMODE(os.stat(path).st_mode)
        if kind == 'block' and before is not None:
            mode = current_mode
        if before == after and current_mode == mode:
            return
        changes.append(dict(path=path, kind=kind, before=before, after=after, mode=mode, unit=unit))

    @staticmethod
    def _check_writable(path):
        """Fail at planning time, before anything changes, where a write would be refused."""
        directory = os.path.dirname(path)
        while not os.path.isdir(directory) and directory != os.path.dirname(directory):
            directory = os.path.dirname(directory)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ExposureError('cannot write %s: %s is not writable by this user. Run with become, or '
                                'turn that file off (profile=false, no services)' % (path, directory))

    def make_plan(self):
        """Read what is there and decide every write; raises ExposureError on a problem."""
        self.validate()
        p = self.p
        present = self.state == 'present'
        manager = self.manager()
        changes = []

        profile = os.path.join(p['profile_dir'], '%s.sh' % p['name'])
        want = self.profile_text() if present and p['profile'] else None
        self._change(changes, profile, 'profile', _read_regular(profile), want)

        units = [systemd_unit(s) for s in p['services']] if present and manager == 'systemd' else []
        found = self._found_dropins()
        for unit in units:
            path = os.path.join(p['systemd_dir'], unit + '.d', self.dropin_name())
            self._change(changes, path, 'dropin', _read_regular(path), self.dropin_text(), unit=unit)
        for unit, path in sorted(found.items()):
            if unit not in units:
                self._change(changes, path, 'dropin', _read(path), None, unit=unit)

        services = list(p['services']) if present and manager == 'openrc' else []
        found = self._found_blocks()
        for service in services:
            path = os.path.join(p['openrc_conf_dir'], service)
            before = _read_regular(path, links=False)
            self._change(changes, path, 'block', before, self._splice(before, self.openrc_block()), unit=service)
        for service, (path, before) in sorted(found.items()):
            if service not in services:
                after = self._splice(before, None)
                # A file that held nothing but the block was the module's.
                self._change(changes, path, 'block', before, after if after.strip() else None, unit=service)

        for change in changes:
            self._check_writable(change['path'])
        self.plan = dict(changes=changes, manager=manager, profile=profile if present and p['profile'] else None,
                         units=units, services=services)
        return self.plan

    # -- applying ---------------------------------------------------------

    def _write(self, path, text, mode, check_shell):
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        fd, tmp = tempfile.mkstemp(prefix='.%s.venvkit-' % os.path.basename(path), dir=directory)
        try:
            with os.fdopen(fd, 'w') as handle:
                handle.write(text)
            os.chmod(tmp, mode)
            if check_shell:
                proc = subprocess.run(['sh', '-n', tmp], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      check=False)
                if proc.returncode != 0:
                    raise ExposureError('%s would not parse as sh: %s'
                                        % (path, proc.stderr.decode('utf-8', 'replace').strip()))
            os.rename(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def apply(self):
        """Carry out the plan (not in check mode) and return the result."""
        plan = self.plan or self.make_plan()
        changed_units = []
        files = []
        diffs = []
        for c in plan['changes']:
            action = 'removed' if c['after'] is None else ('created' if c['before'] is None else 'updated')
            files.append(dict(path=c['path'], action=action))
            if c['unit'] and c['unit'] not in changed_units:
                changed_units.append(c['unit'])
            if self.diff_mode:
                diffs.append(dict(before=c['before'] or '', after=c['after'] or '',
                                  before_header=c['path'] if c['before'] is not None else '%s (absent)' % c['path'],
                                  after_header=c['path'] if c['after'] is not None else '%s (absent)' % c['path']))
            if self.check_mode:
                continue
            if c['after'] is None:
                os.unlink(c['path'])
                if c['kind'] == 'dropin':
                    try:
                        os.rmdir(os.path.dirname(c['path']))
                    except OSError:
                        pass  # holds other drop-ins
            else:
                self._write(c['path'], c['after'], c['mode'], check_shell=c['kind'] != 'dropin')
        manager = plan['manager']
        systemd_changed = any(c['kind'] == 'dropin' for c in plan['changes'])
        result = dict(
            changed=bool(plan['changes']),
            profile=plan['profile'],
            service_manager=manager,
            service_manager_running=manager_running(manager),
            systemd_changed=systemd_changed,
            systemd_running=manager_running('systemd'),
            services=plan['units'] if manager == 'systemd' else plan['services'],
            services_changed=[u for u in changed_units if u in plan['units'] or u in plan['services']],
            files=files,
        )
        if self.diff_mode:
            result['diff'] = diffs
        return result
