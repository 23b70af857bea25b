# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The python option as a version request ("3.13", ">=3.12"), and which interpreter answers it.

Private to the venvkit.python collection. An interpreter of the system (in
the secure directories, like sudo's secure_path) that satisfies the request
comes first unless python_source says otherwise; then the managed CPython of
python_archive (managed.py installs it); then a managed CPython installed
before. The choice is kept in the venv's state, and while that interpreter's
file is the one recorded and still satisfies the request, a run starts no
process to choose again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import Trust, check_trusted
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import (
    SYSTEM_PATH, Choice, file_signature, find_python, version_tuple)

_CLAUSE = re.compile(r'\s*(==|!=|>=|<=|~=|>|<)?\s*([0-9]+(?:\.[0-9]+){0,2})(\.\*)?\s*\Z')
_SYSTEM_NAME = re.compile(r'python3(\.[0-9]+)?\Z')
_PROBE = ('import sys, importlib.util as u; print(".".join(map(str, sys.version_info[:3]))); '
          'print(bool(u.find_spec("venv") and u.find_spec("ensurepip")))')


class Request:
    """A version request: comma-separated clauses; a bare version is a prefix ("3.13" is any 3.13.x)."""

    def __init__(self, text, clauses):
        self.text = text
        self.clauses = clauses

    def __str__(self):
        return self.text

    def matches(self, version):
        have = version_tuple(version)
        for op, want, star in self.clauses:
            if not _compare(op, have, want, star):
                return False
        return True


def _pad(version):
    return tuple(version) + (0,) * (3 - len(version))


def _compare(op, have, want, star):
    """One clause: a bare version, ==X.Y and ==X.Y.* match every release of X.Y; ==X.Y.Z that one."""
    if op in (None, '==', '!='):
        same = have[:len(want)] == want if (op is None or star or len(want) < 3) else _pad(have) == _pad(want)
        return not same if op == '!=' else same
    if op == '~=':
        # ~=3.12 is >=3.12,==3.*; ~=3.12.1 is >=3.12.1,==3.12.*
        return _pad(have) >= _pad(want) and have[:len(want) - 1] == want[:-1]
    have, want = _pad(have), _pad(want)
    return {'>=': have >= want, '<=': have <= want, '>': have > want, '<': have < want}[op]


def parse_request(text):
    """The Request that text is, or None when it names an interpreter (python3, /usr/bin/python3.12)."""
    text = str(text or '').strip()
    if not text or not (text[0].isdigit() or text[0] in '=!<>~'):
        return None
    clauses = []
    for part in text.split(','):
        match = _CLAUSE.match(part)
        if not match:
            raise VenvkitError('python: %r is neither an interpreter (a name such as python3, or a path) nor a '
                               'version request such as "3.13" or ">=3.12,<3.14"' % text)
        op, version, star = match.groups()
        if star and op not in (None, '==', '!='):
            raise VenvkitError('python: %r: ".*" goes only with == or !=' % text)
        if op == '~=' and '.' not in version:
            raise VenvkitError('python: %r: ~= needs at least two parts, such as ~=3.12' % text)
        clauses.append((op, version_tuple(version), bool(star)))
    return Request(text, clauses)


def _listdir(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


class Chooser:
    """Answer the python option; see the module docstring."""

    def __init__(self, options, process, recorded):
        self.options = options
        self.process = process
        self.recorded = recorded or {}
        self.request = parse_request(options['python'])
        self.source = options['python_source']
        self.root = options['managed_pythons']
        self.archive = options['python_archive']
        # What the system's directories offered, for the message when nothing satisfies.
        self.found = []

    def choose(self, gate):
        if self.request is None:
            return Choice(find_python(self.options['python'], Trust()), None, 'given',
                          'python names the interpreter')
        choice = self._recorded()
        if choice is None and self.source in ('auto', 'system'):
            choice = self._system()
        if choice is None and self.source in ('auto', 'managed'):
            choice = self._archive(gate, self.archive) or self._installed() or self._downloads(gate)
        elif choice is not None and choice.source == 'managed' and self.options.get('upgrade') and not self.archive:
            # upgrade: the newest release the downloads JSON lists, when it is newer than the managed one in use.
            newer = self._downloads(gate, newer_than=choice.version)
            if newer is not None:
                newer.reason = 'upgrade: CPython %s, the newest that python_downloads_json_url lists for %s, ' \
                               'replaces %s' % (newer.version, self.request, choice.version)
                choice = newer
        if choice is None:
            raise VenvkitError(self._none_found())
        choice.request = str(self.request)
        return choice

    def _recorded(self):
        """The interpreter the live venv was built with, when it still answers the same request unchanged."""
        rec = self.recorded
        if rec.get('request') != str(self.request) or rec.get('source') not in ('system', 'managed'):
            return None
        if self.source not in ('auto', rec['source']) or not rec.get('version'):
            return None
        if self.archive and rec['source'] == 'managed' and rec.get('sha256') != self.archive.get('sha256'):
            return None  # another archive: a new build or release to move to
        try:
            same = file_signature(os.path.realpath(rec['path'])) == rec.get('signature')
        except (OSError, TypeError):
            return None
        if not same or not self.request.matches(rec['version']):
            return None
        # Held to the rule of every run, as a named interpreter is: nobody else may have written it since.
        check_trusted(rec['path'], Trust(), 'build a venv with %s' % rec['path'])
        return Choice(rec['path'], rec['version'], rec['source'], rec.get('reason') or 'as chosen before',
                      sha256=rec.get('sha256'))

    def _system(self):
        """The newest interpreter in the secure directories that satisfies the request and can make venvs."""
        seen = set()
        best = None
        for directory in SYSTEM_PATH.split(':'):
            for name in _listdir(directory):
                path = os.path.join(directory, name)
                if not _SYSTEM_NAME.match(name) or not os.access(path, os.X_OK):
                    continue
                real = os.path.realpath(path)
                if real in seen:
                    continue
                seen.add(real)
                try:
                    check_trusted(path, Trust(), 'use %s' % path)
                except VenvkitError:
                    continue
                rc, out, dummy = self.process.run([path, '-I', '-S', '-c', _PROBE], 'checking %s' % path)
                lines = out.split()
                if rc != 0 or len(lines) < 2:
                    continue
                version, has_venv = lines[0], lines[1] == 'True'
                self.found.append('%s (%s%s)' % (path, version, '' if has_venv else ', without venv'))
                if has_venv and self.request.matches(version) and (
                        best is None or version_tuple(version) > version_tuple(best[1])):
                    best = (path, version)
        if best is None:
            return None
        return Choice(best[0], best[1], 'system', 'Python %s of the system satisfies %s' % (best[1], self.request))

    def _archive(self, gate, archive, origin=''):
        """The managed CPython of archive (python_archive, or the entry of the downloads JSON), installed already
        or to install."""
        if not archive:
            return None
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.managed import Install
        install = Install(self.root, archive, gate)
        if not self.request.matches(install.version):
            raise VenvkitError('python_archive: %s holds CPython %s, which does not satisfy python: %s'
                               % (install.name, install.version, self.request))
        why = 'no interpreter of the system satisfies %s' % self.request if self.source == 'auto' else \
            'python_source is managed'
        why += origin
        installed = install.installed()
        if not installed:
            install.need_archive()  # before anything is written: the action ships it and runs the module again
        return Choice(install.python, install.version, 'managed',
                      '%s; CPython %s from %s' % (why, install.version, install.name),
                      sha256=install.sha256, install=None if installed else install)

    def _downloads(self, gate, newer_than=None):
        """The newest managed CPython that the downloads JSON lists for this host and that satisfies the request
        (and is newer than newer_than, when given); read only when no interpreter on the host does, or to
        upgrade."""
        url = self.options.get('python_downloads_json_url')
        if not url:
            return None
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.managed import (
            archive_facts, from_downloads)
        archive = from_downloads(url, self.options.get('python_install_mirror'), self.request)
        if newer_than and version_tuple(archive_facts(archive['name'])[1]) <= version_tuple(newer_than):
            return None
        return self._archive(gate, archive, ', and no managed CPython installed before does; the newest that '
                             'python_downloads_json_url lists')

    def _installed(self):
        """The newest managed CPython already on the host that satisfies the request."""
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.managed import installed_pythons
        best = None
        for facts in installed_pythons(self.root):
            if self.request.matches(facts['version']) and (
                    best is None or version_tuple(facts['version']) > version_tuple(best['version'])):
                best = facts
        if best is None:
            return None
        return Choice(best['python'], best['version'], 'managed',
                      'managed CPython %s, installed before in %s, satisfies %s'
                      % (best['version'], self.root, self.request), sha256=best['sha256'])

    def _none_found(self):
        found = ', '.join(self.found) or 'none'
        if self.source == 'system':
            return ('python: no interpreter of the system satisfies %s (searched %s; found %s), and python_source '
                    'is system' % (self.request, SYSTEM_PATH, found))
        return ('python: no interpreter satisfies %s: of the system (searched %s) found %s, and no managed CPython '
                'in %s does. Give python_archive (a python-build-standalone install_only archive) or '
                'python_downloads_json_url to install one'
                % (self.request, SYSTEM_PATH if self.source == 'auto' else 'not searched, python_source is managed',
                   found, self.root))
