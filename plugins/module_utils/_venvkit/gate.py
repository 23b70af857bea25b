# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The trust gate: the one rule every path and name the engine uses passes.

Private to the venvkit.python collection. sshd has StrictModes and sudo has
secure_path: one rule that every path crosses, whatever the syntax that named
it. This is the engine's. A run builds one ``Gate`` and hands it everything
it will read, build from, write into or link, before it writes anything:

* ``read``: a file the engine reads (requirements and constraints files, at
  any include depth, by path or ``file:`` URL);
* ``source``: what an installer builds or installs from (a local project
  directory, a wheel or sdist, a ``find_links`` directory or ``file:`` index,
  named in packages, in any requirements line, ``-e``, ``name @ file:``, or
  in pip_args): every component of the path and every entry below it;
* ``write_dir``: a directory the engine creates entries in
  (``link_scripts.dest``, the PATH files' directories);
* ``link_names``: console-script names that go into a directory on root's
  PATH.

The rule for paths: each component, through its symbolic links, belongs to
root, to the user the module runs as or (for what runs as the venv's owner
only) to the owner, and nobody else can write it. Directories the engine
writes into are held to root's rule even when the venv has an owner. The
error names the path and why.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat

try:
    from urllib.parse import unquote, urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urllib import unquote  # type: ignore
    from urlparse import urlsplit  # type: ignore

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import Trust, check_trusted, user_name

# sudo's secure_path on Debian, and the PATH every service manager starts with.
SECURE_PATH = ('/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin')
# Below a source directory, the most entries the gate looks at before it gives up.
TREE_LIMIT = 200000

# pip options whose value names a location, in requirements files and pip_args.
_LOCATION_OPTIONS = ('-f', '--find-links', '-i', '--index-url', '--extra-index-url')
_EDITABLE_OPTIONS = ('-e', '--editable')
_INCLUDE_OPTIONS = ('-r', '--requirement', '-c', '--constraint')
# Variables pip and uv read locations or files from, whatever set them (a play's environment:).
_ENV_LOCATIONS = ('PIP_FIND_LINKS', 'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'UV_FIND_LINKS', 'UV_INDEX_URL',
                  'UV_EXTRA_INDEX_URL', 'UV_DEFAULT_INDEX', 'UV_INDEX')
_ENV_FILES = ('PIP_CONFIG_FILE', 'PIP_CONSTRAINT', 'PIP_REQUIREMENT', 'UV_CONFIG_FILE', 'UV_CONSTRAINT', 'UV_OVERRIDE',
              'UV_BUILD_CONSTRAINT')
_ARCHIVES = ('.whl', '.tar.gz', '.tgz', '.zip', '.tar.bz2', '.tar.xz', '.tar')


def local_path(location, base='/'):
    """The local path a location names (a path or a file: URL, VCS or not), or None for a remote one."""
    text = location.strip()
    if '://' in text or text.startswith('file:'):
        scheme = text.split(':', 1)[0].lower()
        if scheme.split('+')[-1] != 'file':
            return None
        parts = urlsplit(text[len(scheme) - 4:] if '+' in scheme else text)
        path = unquote(parts.path)
        if '+' in scheme and '@' in os.path.basename(path):
            # git+file:///repo@v1.0: the revision is not part of the path.
            path = path.rsplit('@', 1)[0]
        return os.path.normpath(os.path.join(base, path)) if path else None
    if not text:
        return None
    return os.path.normpath(os.path.join(base, os.path.expanduser(text)))


def _is_path_like(token):
    return (token.startswith(('/', '.', '~')) or '/' in token or token.endswith(_ARCHIVES)
            or token.lower().startswith('file:') or '+file:' in token.lower())


_URL_FORM = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*(\S+)')


def requirement_locations(text):
    """The locations a requirement names ('name @ url', a path, a URL): [] for a plain specifier.

    Both readings of a ';' are kept (a marker, or part of a path): checking
    one location too many costs nothing, one too few is a way around.
    """
    found = []
    for spec in set([text.strip(), text.split(';', 1)[0].strip()]):
        match = _URL_FORM.match(spec)
        if match:
            found.append(match.group(1))
            continue
        token = spec.split()[0] if spec.split() else ''
        if _is_path_like(token):
            found.append(token)
    return sorted(set(found))


def references(tokens, option_base='/'):
    """[(what, location)] of the local or remote locations a list of pip tokens names.

    tokens: one requirements line split on whitespace, a packages entry, or
    pip_args. option_base: where relative option values start (a
    requirements file's directory).
    """
    found = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        name, eq, value = token.partition('=')
        options = _LOCATION_OPTIONS + _EDITABLE_OPTIONS + _INCLUDE_OPTIONS
        short = [opt for opt in ('-f', '-i', '-e', '-r', '-c') if token.startswith(opt) and len(token) > 2
                 and not token.startswith('--')]
        if name in options and not eq and index < len(tokens):
            name, value = token, tokens[index]
            index += 1
        elif short:
            name, value = short[0], token[2:]
        elif name not in options or not eq:
            if token.startswith('-'):
                continue
            # A requirement: everything up to the next option is one specifier.
            words = [token]
            while index < len(tokens) and not tokens[index].startswith('--'):
                words.append(tokens[index])
                index += 1
            for location in requirement_locations(' '.join(words)):
                found.append(('requirement', location, '/'))
            continue
        if name in _INCLUDE_OPTIONS:
            continue
        if name in _EDITABLE_OPTIONS:
            found.append(('editable', value, '/'))
        else:
            found.append((name.lstrip('-'), value, option_base))
    return found


class Gate:
    """One run's trust rule; see the module docstring."""

    def __init__(self, run_as=None):
        self.run_as = run_as
        self.admin = Trust()
        # What the venv's owner may also have written: it is read, built and run as the owner.
        self.inputs = Trust([run_as.uid]) if run_as is not None else self.admin
        self.checked = []

    # -- paths ----------------------------------------------------------------

    def read(self, path, what):
        """The real path of a file to read, once every component passed."""
        return check_trusted(path, self.inputs, 'read %s %s' % (what, path))

    def source(self, location, what, base='/'):
        """Check a location an installer builds or installs from; a remote one passes as it is."""
        path = local_path(location, base)
        if path is None:
            return None
        purpose = 'install from %s (%s), since its build or its files would run as %s' % (
            path, what, user_name(self.run_as.uid if self.run_as else os.geteuid()))
        real = check_trusted(path, self.inputs, purpose)
        if os.path.isdir(real) and not os.path.islink(real):
            self._tree(real, purpose)
        self.checked.append(path)
        return path

    def _tree(self, top, purpose):
        """Every entry below top: owned by a trusted user, writable by nobody else, links checked to their end."""
        count = 0
        for directory, dirs, files in os.walk(top):
            for name in dirs + files:
                count += 1
                if count > TREE_LIMIT:
                    raise VenvkitError('%s holds more than %d entries; refusing to %s unchecked'
                                       % (top, TREE_LIMIT, purpose.split(',')[0]))
                entry = os.path.join(directory, name)
                st = os.lstat(entry)
                if stat.S_ISLNK(st.st_mode):
                    check_trusted(entry, self.inputs, purpose)
                    continue
                why = self.inputs.problem(st, last=True)
                if why:
                    raise VenvkitError('%s %s; refusing to %s' % (entry, why, purpose))

    def write_dir(self, path, what):
        """A directory the engine creates entries in: root's rule, whoever owns the venv."""
        return check_trusted(path, self.admin, 'write %s into %s' % (what, path))

    # -- what a run names -------------------------------------------------------

    def requirement_lines(self, lines):
        """Every location in requirements lines: [(line, option_base)]."""
        for line, base in lines:
            for what, location, start in references(line.split(), option_base=base):
                self._location(location, what, start, base)

    def packages(self, specs):
        for spec in specs:
            for location in requirement_locations(spec):
                self._location(location, 'packages entry %s' % spec, '/', '/')

    def pip_args(self, args):
        for what, location, start in references(list(args)):
            self._location(location, 'pip_args %s' % what, start, '/')

    def locations(self, option, values):
        for value in values:
            if value:
                self.source(value, option)

    def environment(self, environ):
        """The installers' own variables in the environment they get: locations and files they read."""
        for name in _ENV_LOCATIONS:
            for value in re.split(r'[\s,]+', environ.get(name) or ''):
                if '=' in value and '/' not in value.split('=', 1)[0]:
                    value = value.split('=', 1)[1]  # UV_INDEX: name=location
                if value:
                    self.source(value, 'the environment variable %s' % name)
        for name in _ENV_FILES:
            value = environ.get(name)
            if value and value != os.devnull:
                self.read(value, 'the file that %s names,' % name)

    def _location(self, location, what, start, base):
        # pip resolves a relative path from its working directory (/), an option in a
        # requirements file from that file's directory: both are held to the rule.
        self.source(location, what, start)
        if base != start and local_path(location, base) is not None:
            self.source(location, what, base)

    # -- names on PATH ---------------------------------------------------------

    @staticmethod
    def on_root_path(dest):
        """Whether links in dest are commands root finds by name."""
        real = os.path.realpath(dest)
        search = list(SECURE_PATH) + [p for p in os.environ.get('PATH', '').split(os.pathsep) if p.startswith('/')]
        return any(real == os.path.realpath(p) for p in search)

    def link_names(self, names, dest, listed, venv_path):
        """Refuse names that would put code another user chose on root's PATH, or shadow a command."""
        if not self.on_root_path(dest):
            return
        if self.run_as is not None and not listed:
            raise VenvkitError(
                'link_scripts: %s is on root\'s PATH and the venv belongs to %s, who chooses its console scripts: '
                'list the scripts to link in link_scripts.scripts (it provides: %s)'
                % (dest, self.run_as.name, ', '.join(sorted(names)) or 'none'))
        real_dest = os.path.realpath(dest)
        for name in sorted(names):
            for directory in SECURE_PATH:
                if os.path.realpath(directory) == real_dest:
                    continue
                other = os.path.join(directory, name)
                if os.path.lexists(other) and not os.path.realpath(other).startswith(
                        os.path.realpath(venv_path) + os.sep):
                    raise VenvkitError('link_scripts: refusing to link %s into %s: it would stand beside %s, a '
                                       'command root already runs by that name; leave it out of '
                                       'link_scripts.scripts' % (name, dest, other))
