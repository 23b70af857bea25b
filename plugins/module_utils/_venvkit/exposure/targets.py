# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The files that put a bin directory on PATH, one class per kind.

Private to the venvkit.python collection. Each target knows where its file
goes, what it holds, its mode, whether it is shell code (checked with
``sh -n`` before it replaces anything), and how to tell that a file is the
collection's own: whole files start with HEADER, blocks sit between
markers. A new kind (``/etc/environment`` for PAM, a user-level systemd
unit) is one more class here and its place in plan.py.
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


class WholeFile:
    """A file that is entirely the collection's."""

    kind = None
    shell = False
    mode = FILE_MODE

    def __init__(self, p, bin_dir, unit=None):
        self.p = p
        self.bin_dir = bin_dir
        self.unit = unit

    @staticmethod
    def owns(text):
        return text is None or text.startswith(HEADER)

    def after(self, before):
        """The content wanted, given the current one (None: the file goes)."""
        return self.render() if self.bin_dir else None


class ProfileScript(WholeFile):
    """<profile_dir>/<name>.sh, sourced by login shells: POSIX sh."""

    kind = 'profile'
    shell = True

    @staticmethod
    def path_for(p):
        return os.path.join(p['profile_dir'], '%s.sh' % p['name'])

    @property
    def path(self):
        return self.path_for(self.p)

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

    kind = 'dropin'

    @staticmethod
    def file_name(p):
        return '%s-path.conf' % p['name']

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


class OpenRCBlock:
    """A marked block in <openrc_conf_dir>/<service>, which openrc-run sources."""

    kind = 'block'
    shell = True

    def __init__(self, p, bin_dir, unit=None):
        self.p = p
        self.bin_dir = bin_dir
        self.unit = unit

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
