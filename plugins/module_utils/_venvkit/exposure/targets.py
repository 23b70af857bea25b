# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The files that put a bin directory on PATH: a registry of targets.

Private to the venvkit.python collection. Each target class describes
itself: the option naming its directory (``dir_option``), the service
manager it serves (``manager``, None for login shells), which of its files a
run wants (``wanted``) and which of this name exist now (``found``), what it
holds, whether it is shell code (checked with ``sh -n`` before it replaces
anything), whether an existing file keeps its mode, whether its directory
goes with its last file, and how to tell that a file is the collection's
own: whole files start with HEADER, blocks sit between markers. plan.py
walks TARGETS and knows none of them by name: a new target
(``/etc/environment`` for PAM, a user-level systemd unit) is one more class
here, listed in TARGETS, and its directory option in options.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

HEADER = '# Managed by Ansible (venvkit.python): changes here are overwritten.\n'
# Written above a block in a conf.d file the collection created, so that the
# file goes again with its last block, and a file someone else made stays.
CREATED = '# Created by venvkit.python for the venv PATH blocks below; removed with the last of them.\n'
FILE_MODE = 0o644


def systemd_unit(name):
    """The unit name as systemd spells it: a bare name is a .service."""
    return name if '.' in name else name + '.service'


def entries(directory):
    """The names in directory, sorted; [] when it cannot be listed."""
    try:
        return sorted(os.listdir(directory))
    except OSError:
        return []


class Target:
    """One PATH file of one name (bin_dir None: the file, or this name's part of it, goes)."""

    # The option that names the directory the target's files go in.
    dir_option = None
    # The service manager whose services read the file (None: login shells).
    manager = None
    shell = False
    # Whether a file that exists keeps its mode (a conf.d file is its maker's).
    keeps_mode = False
    # Whether the file's directory goes with its last file (a drop-in directory).
    prunes_dir = False

    def __init__(self, p, bin_dir, unit=None):
        self.p = p
        self.bin_dir = bin_dir
        self.unit = unit

    @classmethod
    def wanted(cls, p, bin_dir, manager):
        """The targets a run with these options wants (bin_dir None: all of them go)."""
        raise NotImplementedError

    @classmethod
    def found(cls, p, read):
        """The targets of this name whose files exist now, to remove; read(path) gives a file's text, or raises."""
        raise NotImplementedError


class WholeFile(Target):  # pylint: disable=abstract-method
    """A file that is entirely the collection's (its subclasses say which)."""

    @staticmethod
    def owns(text):
        return text is None or text.startswith(HEADER)

    def after(self, before):
        """The content wanted, given the current one (None: the file goes)."""
        return self.render() if self.bin_dir else None


class ProfileScript(WholeFile):
    """<profile_dir>/<name>.sh, sourced by login shells: POSIX sh."""

    dir_option = 'profile_dir'
    shell = True

    @staticmethod
    def path_for(p):
        return os.path.join(p['profile_dir'], '%s.sh' % p['name'])

    @property
    def path(self):
        return self.path_for(self.p)

    @classmethod
    def wanted(cls, p, bin_dir, manager):
        # Always considered: with profile off (or no bin_dir) it is the file that goes.
        return [cls(p, bin_dir if p['profile'] else None)]

    @classmethod
    def found(cls, p, read):
        return [cls(p, None)] if os.path.lexists(cls.path_for(p)) else []

    def render(self):
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


class SystemdDropin(WholeFile):
    """<systemd_dir>/<unit>.d/<name>-path.conf: Environment=PATH for one unit."""

    dir_option = 'systemd_dir'
    manager = 'systemd'
    prunes_dir = True

    @staticmethod
    def file_name(p):
        return '%s-path.conf' % p['name']

    @classmethod
    def wanted(cls, p, bin_dir, manager):
        if bin_dir is None or manager != cls.manager:
            return []
        return [cls(p, bin_dir, systemd_unit(s)) for s in p['services']]

    @classmethod
    def found(cls, p, read):
        return [cls(p, None, e[:-2]) for e in entries(p['systemd_dir'])
                if e.endswith('.d') and os.path.lexists(os.path.join(p['systemd_dir'], e, cls.file_name(p)))]

    @property
    def path(self):
        return os.path.join(self.p['systemd_dir'], self.unit + '.d', self.file_name(self.p))

    def render(self):
        if self.p['position'] == 'append':
            value = '%s:%s' % (self.p['default_path'], self.bin_dir)
        else:
            value = '%s:%s' % (self.bin_dir, self.p['default_path'])
        return (HEADER
                + '# Services do not read /etc/profile.d: give this unit the %s\n'
                  "# venv's bin directory on PATH, around systemd's default PATH.\n" % self.p['name']
                + '[Service]\nEnvironment="PATH=%s"\n' % value)


class OpenRCBlock(Target):
    """A marked block in <openrc_conf_dir>/<service>, which openrc-run sources."""

    dir_option = 'openrc_conf_dir'
    manager = 'openrc'
    shell = True
    keeps_mode = True

    @classmethod
    def wanted(cls, p, bin_dir, manager):
        if bin_dir is None or manager != cls.manager:
            return []
        return [cls(p, bin_dir, s) for s in p['services']]

    @classmethod
    def found(cls, p, read):
        found = []
        for entry in entries(p['openrc_conf_dir']):
            path = os.path.join(p['openrc_conf_dir'], entry)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            block = cls(p, None, entry)
            if block.holds_block(read(path)):
                found.append(block)
        return found

    @property
    def path(self):
        return os.path.join(self.p['openrc_conf_dir'], self.unit)

    @staticmethod
    def marker_for(name, mark):
        return '# %s %s venv PATH (managed by Ansible, venvkit.python.venv)' % (mark, name)

    def marker(self, mark):
        return self.marker_for(self.p['name'], mark)

    @staticmethod
    def owns(text):
        return True  # only the marked block is ever changed

    def holds_block(self, text):
        return self.marker('BEGIN') in (text or '').splitlines()

    def render(self):
        if self.p['position'] == 'append':
            assign = 'PATH="${PATH:-%s}:%s"' % (self.p['default_path'], self.bin_dir)
        else:
            assign = 'PATH="%s:${PATH:-%s}"' % (self.bin_dir, self.p['default_path'])
        return ('case ":${PATH:-}:" in\n'
                '    *":%s:"*) ;;\n'
                '    *) %s ;;\n'
                'esac\n'
                'export PATH\n' % (self.bin_dir, assign))

    def after(self, before):
        """before with this name's block set (or removed when bin_dir is None); None: the file goes."""
        begin, end = self.marker('BEGIN'), self.marker('END')
        lines = (before or '').splitlines(True)
        start = stop = None
        for i, line in enumerate(lines):
            if line.rstrip('\n') == begin and start is None:
                start = i
            elif line.rstrip('\n') == end and start is not None:
                stop = i
                break
        wanted = [] if self.bin_dir is None else [begin + '\n'] + self.render().splitlines(True) + [end + '\n']
        if start is not None and stop is not None:
            lines[start:stop + 1] = wanted
        elif wanted:
            if not lines:
                lines = [CREATED]
            elif not lines[-1].endswith('\n'):
                lines[-1] += '\n'
            lines += wanted
        text = ''.join(lines)
        if text == CREATED or (before is not None and not text.strip() and before.startswith(CREATED)):
            return None
        return text


# Every PATH target, in the order a run considers them.
TARGETS = (ProfileScript, SystemdDropin, OpenRCBlock)
# The options that name their directories.
DIR_OPTIONS = tuple(t.dir_option for t in TARGETS)
