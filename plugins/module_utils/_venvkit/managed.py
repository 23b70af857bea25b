# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Managed CPython: a python-build-standalone install_only archive, verified, unpacked once per host and build.

Private to the venvkit.python collection. Each build goes into its own
directory of root's under managed_pythons (by default /opt/venvkit/python),
named as the archive is without its suffix, and is shared by every venv
built with it. Nothing is unpacked from bytes that did not match the
archive's SHA-256 (archives.verified_copy). Only directories, regular files
and symbolic links that stay inside the tree are taken: no absolute names or
"..", no devices, FIFOs or hard links, nothing written through a link. The
tree is unpacked into a new directory made exclusively beside its place,
checked by running it (it must be the version its name says, from where it
is), marked, and renamed into place: a failed or killed run leaves no
directory that looks installed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import zlib

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.archives import open_archive, verified_copy
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import (
    DIR_MODE, FILE_MODE, Trust, atomic_write, check_trusted, make_dirs, read_regular, remove_created, temp_name)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import version_tuple

# python-build-standalone's archive names: cpython-3.13.5+20250612-x86_64-unknown-linux-gnu-install_only.tar.gz
ARCHIVE_NAME = re.compile(r'(?P<dir>cpython-(?P<version>[0-9]+\.[0-9]+\.[0-9]+)(?:\+[A-Za-z0-9.]+)?'
                          r'-(?P<platform>[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+))'
                          r'-install_only(?:_stripped)?\.tar\.gz\Z')
MARKER = '.venvkit-python.json'
_TOP = 'python/'
_MAX_MEMBERS = 100000
_MAX_BYTES = 2 << 30
EXEC_MODE = 0o755


def archive_facts(name):
    """(directory name, version, platform) of a python-build-standalone install_only archive's file name."""
    match = ARCHIVE_NAME.match(os.path.basename(str(name or '')))
    if not match:
        raise VenvkitError('python_archive: %r is not named as python-build-standalone names its install_only '
                           'archives (cpython-3.13.5+20250612-x86_64-unknown-linux-gnu-install_only.tar.gz); the '
                           'name says which version it holds' % name)
    return match.group('dir'), match.group('version'), match.group('platform')


def host_platform():
    """The target's python-build-standalone platform: x86_64-unknown-linux-gnu and the like."""
    machine = os.uname()[4]
    machine = {'arm64': 'aarch64', 'amd64': 'x86_64'}.get(machine, machine)
    try:
        glibc = bool(os.confstr('CS_GNU_LIBC_VERSION'))  # the C library this module runs on
    except (ValueError, OSError):
        glibc = False
    return '%s-unknown-linux-%s' % (machine, 'gnu' if glibc else 'musl')


def url_file_name(url):
    """The last part of a URL's path (its file name), or ''."""
    return (url or '').split('?', 1)[0].split('#', 1)[0].rstrip('/').rsplit('/', 1)[-1] if url else ''


# uv's downloads JSON names its archives under this prefix; python_install_mirror replaces it, as uv's --mirror does.
PBS_RELEASES = 'https://github.com/astral-sh/python-build-standalone/releases/download'
_MAX_JSON = 64 << 20
# An archive's URL, from python_archive.url or a downloads JSON.
ARCHIVE_URL = re.compile(r'https?://[^/\s]+/\S+\Z')
_SHA256 = re.compile(r'[0-9a-f]{64}\Z')


def _opened(url, failure):
    """The response of url; failure (with the masked URL and the cause: the HTTP status, or why no connection)
    is the message when there is none. User and password in the URL go to the server as HTTP basic
    authentication, and never into a message."""
    from ansible.module_utils.urls import open_url
    try:
        return open_url(url, timeout=60, validate_certs=True)
    except Exception as exc:  # pylint: disable=broad-except
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import redact
        code = getattr(exc, 'code', None)
        raise VenvkitError(failure % (redact(url), 'HTTP %s' % code if code else getattr(exc, 'reason', None) or exc))


def _fetch_json(url):
    """The downloads JSON at url, parsed."""
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import redact
    failure = 'python_downloads_json_url: %s could not be read (%s); nothing was written'
    with contextlib.closing(_opened(url, failure)) as response:
        try:
            data = response.read(_MAX_JSON + 1)
        except (IOError, OSError) as exc:
            raise VenvkitError(failure % (redact(url), exc))
    if len(data) > _MAX_JSON:
        raise VenvkitError('python_downloads_json_url: %s is larger than %d bytes' % (redact(url), _MAX_JSON))
    try:
        return json.loads(data.decode('utf-8'))
    except ValueError as exc:
        raise VenvkitError('python_downloads_json_url: %s is not JSON: %s' % (redact(url), exc))


def _entry_version(entry, machine, libc):
    """The version of a downloads JSON entry when it is a default CPython build for this machine and C library."""
    arch = entry.get('arch') if isinstance(entry.get('arch'), dict) else {}
    wanted = dict(name='cpython', os='linux', libc=libc, family=machine)
    have = dict(name=entry.get('name'), os=entry.get('os'), libc=entry.get('libc'), family=arch.get('family'))
    if have != wanted or any((arch.get('variant'), entry.get('variant'), entry.get('prerelease'))):
        return None
    try:
        return '%d.%d.%d' % (entry['major'], entry['minor'], entry['patch'])
    except (KeyError, TypeError):
        return None


def from_downloads(url, mirror, request):
    """The python_archive (url, name, sha256) of the newest CPython for this host that satisfies request, of
    those a downloads JSON in uv's format lists (uv's --python-downloads-json-url), with python-build-standalone's
    prefix replaced by mirror when given. An entry without a SHA-256 is never taken."""
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import redact
    try:
        from urllib.parse import unquote
    except ImportError:  # Python 2
        from urllib import unquote  # type: ignore
    data = _fetch_json(url)
    entries = list(data.values()) if isinstance(data, dict) else data if isinstance(data, list) else []
    platform = host_platform()
    machine, libc = platform.split('-')[0], platform.rsplit('-', 1)[1]
    best, listed = None, set()
    for entry in entries:
        version = _entry_version(entry, machine, libc) if isinstance(entry, dict) else None
        archive = str(entry.get('url') or '') if version else ''
        if not version or not ARCHIVE_NAME.match(unquote(url_file_name(archive))):
            continue
        listed.add(version)
        if request.matches(version) and (best is None or version_tuple(version) > version_tuple(best[0])):
            best = (version, entry, archive)
    if best is None:
        raise VenvkitError('python_downloads_json_url: %s lists no CPython for %s that satisfies %s (it lists %s)'
                           % (redact(url), platform, request,
                              ', '.join(sorted(listed, key=version_tuple)) or 'none for this platform'))
    version, entry, archive = best
    if mirror and archive.startswith(PBS_RELEASES + '/'):
        archive = mirror.rstrip('/') + archive[len(PBS_RELEASES):]
    if not _SHA256.match(str(entry.get('sha256') or '')):
        raise VenvkitError('python_downloads_json_url: %s gives CPython %s (%s) no SHA-256; nothing is unpacked '
                           'unverified' % (redact(url), version, redact(archive)))
    if not ARCHIVE_URL.match(archive):
        raise VenvkitError('python_downloads_json_url: %s gives CPython %s at %r, which is not an http:// or '
                           'https:// URL' % (redact(url), version, redact(archive)))
    return dict(url=archive, name=unquote(url_file_name(archive)), sha256=entry['sha256'])


def read_marker(directory):
    """What the marker of an installed managed CPython says (root's file, in a directory of root's), or None."""
    try:
        data = read_regular(os.path.join(directory, MARKER), limit=65536, owners=Trust().uids,
                            what='managed python marker')
        facts = json.loads((data or b'').decode('utf-8'))
    except (VenvkitError, ValueError):
        return None
    if not isinstance(facts, dict) or not all(isinstance(facts.get(k), str) for k in ('version', 'sha256', 'name')):
        return None
    st = os.lstat(directory)
    if not stat.S_ISDIR(st.st_mode) or Trust().problem(st, last=True):
        return None
    return dict(facts, python=os.path.join(directory, 'bin', 'python3'))


def installed_pythons(root):
    """The managed CPythons installed under root: a list of markers (with 'python').

    root must be root's and writable by nobody else: whoever could rename what is in it would choose
    which interpreter venvs get, and which directory goes with the last venv that used one.
    """
    found = []
    if not os.path.isdir(root):
        return found
    check_trusted(root, Trust(), 'use the managed interpreters in %s' % root)
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return found
    for name in names:
        if name.startswith('cpython-'):
            facts = read_marker(os.path.join(root, name))
            if facts is not None:
                found.append(facts)
    return found


class Install:
    """Install spec (python_archive: path, name, sha256) under root, unless that build is there already."""

    def __init__(self, root, spec, gate):
        self.root = root
        self.gate = gate
        self.archive = spec.get('path')
        self.url = spec.get('url')
        self.name = os.path.basename(spec.get('name') or self.archive or url_file_name(self.url))
        self.sha256 = spec.get('sha256')
        dirname, self.version, self.platform = archive_facts(self.name)
        self.dir = os.path.join(root, dirname)
        self.python = os.path.join(self.dir, 'bin', 'python3')
        self.created = []
        self.made = None

    def installed(self):
        """True when this build is installed; a different build under the same name is refused."""
        self.gate.write_dir(self.root, 'managed interpreters')
        if not os.path.lexists(self.dir):
            host = host_platform()
            if self.platform != host:
                raise VenvkitError('python_archive: %s is built for %s, and this host is %s'
                                   % (self.name, self.platform, host))
            return False
        facts = read_marker(self.dir)
        if facts is None:
            raise VenvkitError('%s exists and is not a managed CPython of this module\'s (no marker of root\'s, or '
                               'not a directory of root\'s that only root can write); refusing to use or replace it'
                               % self.dir)
        if facts['sha256'] != self.sha256:
            raise VenvkitError('%s holds another build (sha256 %s) than python_archive %s (sha256 %s); refusing to '
                               'replace an interpreter that venvs may use. Remove it once no venv uses it, or give '
                               'the archive it came from' % (self.dir, facts['sha256'], self.name, self.sha256))
        return True

    def need_archive(self):
        if not (self.archive or self.url):
            raise VenvkitError('python_archive: CPython %s (%s) is not installed in %s and no archive was given '
                               'to install it from' % (self.version, self.name, self.root), needs='python_archive')

    # -- writing --------------------------------------------------------------

    def install(self, process, into=None):
        """Unpack, check and mark the build; into (check mode: a private directory) instead of its place.

        Returns the path of its python3.
        """
        self.need_archive()
        parent = into or self.root
        if into is None:
            self.created = make_dirs(self.root, DIR_MODE)
        new = os.path.join(parent, temp_name('.%s.venvkit-new-' % os.path.basename(self.dir)[:64]))
        os.mkdir(new, DIR_MODE)  # exclusive: fails on anything already there
        os.chmod(new, DIR_MODE)
        try:
            self._unpack(new)
            self._check_runs(new, process)
            final = os.path.join(into, os.path.basename(self.dir)) if into else self.dir
            os.rename(new, final)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            remove_created(self.created)
            raise
        self.made = final if into is None else None
        return os.path.join(final, 'bin', 'python3')

    def undo(self):
        """Remove what install() made (a run that failed later): no venv was built with it."""
        if self.made:
            shutil.rmtree(self.made, ignore_errors=True)
            remove_created(self.created)
            self.made = None

    def _unpack(self, directory):
        handle = self._download() if self.url else open_archive(self.archive, 'python_archive')[0]
        with handle:
            copy = verified_copy(handle, directory, self.sha256, 'python_archive', self.name)
        with copy:
            try:
                with tarfile.open(fileobj=copy, mode='r:gz') as tar:
                    self._extract(tar, directory)
            except (tarfile.TarError, EOFError, zlib.error) as exc:
                raise VenvkitError('python_archive: %s is not a gzip-compressed tar archive: %s' % (self.name, exc))

    def _download(self):
        """The archive at url (a mirror of python-build-standalone's releases), as a stream to copy and hash."""
        return _opened(self.url, 'python_archive: %s could not be downloaded (%s); nothing was written')

    def _extract(self, tar, directory):
        links = set()
        count = total = 0
        for member in tar:
            count += 1
            total += max(member.size, 0)
            if count > _MAX_MEMBERS or total > _MAX_BYTES:
                raise VenvkitError('python_archive: %s holds more than %d entries or %d bytes; refusing to unpack it'
                                   % (self.name, _MAX_MEMBERS, _MAX_BYTES))
            relative = self._relative(member)
            if relative is None:
                continue
            parts = relative.split('/')
            for depth in range(1, len(parts)):
                if '/'.join(parts[:depth]) in links:
                    raise VenvkitError('python_archive: %s: %r would be written through the link %s; refusing to '
                                       'unpack it' % (self.name, member.name, '/'.join(parts[:depth])))
            target = os.path.join(directory, relative)
            make_dirs(os.path.dirname(target), DIR_MODE)  # parents an archive does not list first
            if member.isdir():
                if not os.path.isdir(target) or os.path.islink(target):
                    os.mkdir(target, DIR_MODE)
                os.chmod(target, DIR_MODE)
            elif member.isfile():
                mode = EXEC_MODE if member.mode & 0o111 else FILE_MODE
                out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), mode)
                with os.fdopen(out, 'wb') as dest:
                    shutil.copyfileobj(tar.extractfile(member), dest)
                    os.fchmod(dest.fileno(), mode)
            else:
                self._link_inside(member, relative)
                os.symlink(member.linkname, target)
                links.add(relative)

    def _relative(self, member):
        """member's name below python/, checked; None for python/ itself."""
        name = member.name[2:] if member.name.startswith('./') else member.name
        if name.rstrip('/') == 'python':
            if not member.isdir():
                raise VenvkitError('python_archive: %s: python is not a directory' % self.name)
            return None
        parts = name.rstrip('/').split('/')
        if (not name.startswith(_TOP) or name.startswith('/') or any(p in ('', '.', '..') for p in parts[1:])
                or '\0' in name):
            raise VenvkitError('python_archive: %s holds %r, outside its python/ directory (only relative names '
                               'below python/, no "..", are taken); refusing to unpack it' % (self.name, member.name))
        if not (member.isdir() or member.isfile() or member.issym()):
            raise VenvkitError('python_archive: %s holds %r, a %s; only directories, regular files and symbolic '
                               'links are taken; refusing to unpack it'
                               % (self.name, member.name, 'hard link' if member.islnk() else 'device or FIFO'))
        return '/'.join(parts[1:])

    def _link_inside(self, member, relative):
        target = member.linkname
        resolved = os.path.normpath(os.path.join(os.path.dirname(relative), target))
        if not target or os.path.isabs(target) or resolved == '..' or resolved.startswith('../'):
            raise VenvkitError('python_archive: %s holds the link %r -> %r, which points outside the tree; refusing '
                               'to unpack it' % (self.name, member.name, target))

    def _check_runs(self, directory, process):
        python = os.path.join(directory, 'bin', 'python3')
        rc, out, err = process.run([python, '-I', '-c', 'import platform, venv, ensurepip; '
                                    'print(platform.python_version())'], 'checking %s' % python)
        version = out.strip()
        if rc != 0 or version != self.version:
            raise VenvkitError('python_archive: %s, unpacked, %s; refusing to install it'
                               % (self.name, 'holds CPython %s, not %s as its name says' % (version, self.version)
                                  if rc == 0 else 'does not run on this host (%s)'
                                  % ((err or out).strip().splitlines() or ['exit %d' % rc])[-1]))
        marker = json.dumps(dict(name=self.name, version=self.version, platform=self.platform, sha256=self.sha256),
                            indent=1, sort_keys=True) + '\n'
        out_fd = os.open(os.path.join(directory, MARKER), os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | getattr(os, 'O_NOFOLLOW', 0), FILE_MODE)
        with os.fdopen(out_fd, 'w') as dest:
            dest.write(marker)
            os.fchmod(dest.fileno(), FILE_MODE)


# -- which venvs use a managed CPython ------------------------------------------

USERS = '.venvkit-users'


def _user_file(directory, venv_path):
    return os.path.join(directory, USERS, hashlib.sha256(venv_path.encode('utf-8')).hexdigest()[:32])


def managed_dir(recorded):
    """The managed CPython directory a state's python record names, or None."""
    if (recorded or {}).get('source') != 'managed' or not recorded.get('realpath'):
        return None
    return os.path.dirname(os.path.dirname(recorded['realpath']))


def users_after(directory, venv_path, uses):
    """The venvs that would use directory once venv_path uses it (or, with uses false, no longer does)."""
    try:
        names = set(os.listdir(os.path.join(directory, USERS)))
    except OSError:
        names = set()
    mine = os.path.basename(_user_file(directory, venv_path))
    return names | set([mine]) if uses else names - set([mine])


def reconcile(roots, venv_path, used, check_mode=False, warn=None):
    """venv_path as a user of each managed CPython in used (directories) and of no other under roots; a managed
    CPython that it was the last user of goes. Returns the directories removed (in check mode, that would be).
    A root that others control is left alone, with a warning: what is in it is not this module's to remove."""
    removed = []
    for root in sorted(set(roots)):
        try:
            found = installed_pythons(root)
        except VenvkitError as exc:
            if warn is not None:
                warn('managed_pythons: %s; nothing was recorded or removed there' % exc.msg)
            continue
        for facts in found:
            directory = os.path.dirname(os.path.dirname(facts['python']))
            mine = _user_file(directory, venv_path)
            if directory in used:
                if not check_mode and not os.path.exists(mine):
                    make_dirs(os.path.dirname(mine), DIR_MODE)
                    atomic_write(mine, venv_path + '\n', mode=FILE_MODE)
                continue
            if not os.path.lexists(mine):
                continue  # not ours to decide
            if users_after(directory, venv_path, False):
                if not check_mode:
                    os.unlink(mine)
                continue
            removed.append(directory)
            if not check_mode:
                # Renamed first: no venv can start it half-removed under its name.
                aside = os.path.join(root, temp_name('.%s.venvkit-old-' % os.path.basename(directory)[:64]))
                os.rename(directory, aside)
                shutil.rmtree(aside, ignore_errors=True)
    return removed


def used_by(layout):
    """The managed CPython directories the venvs kept for layout's path use, and the roots they are in."""
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import read_state
    states = [read_state(gen + '.json') for dummy, gen in layout.generations()]
    states.append(read_state(layout.state_path(layout.path)))
    used = set(d for d in (managed_dir(state.get('python')) for state in states) if d)
    return used, set(os.path.dirname(d) for d in used)
