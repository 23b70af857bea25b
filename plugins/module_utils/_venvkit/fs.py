# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files and directories, written and trusted the way a tool run as root must.

Private to the venvkit.python collection.

* Every directory and file gets an explicit mode, whatever the umask.
* ``atomic_write`` is the one way a file is written: a temporary file in the
  same directory, its mode and owner set, optionally validated, renamed over
  the old one.
* ``check_trusted`` walks a path as sshd's StrictModes does: every component
  must belong to root or to a user the caller trusts, and must not be
  writable by anyone else (a sticky directory such as /tmp is allowed on the
  way, since others cannot rename what is in it). The error names the
  component and why.
* ``read_regular`` reads regular files only, never a FIFO or a device, and
  within a size limit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import grp
import os
import pwd
import shutil
import stat
import tempfile

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError

DIR_MODE = 0o755
FILE_MODE = 0o644
PRIVATE_DIR_MODE = 0o700
# Requirements files and the module's own state are small; anything larger
# is a mistake (or /dev/zero behind a link) and is refused, not read.
READ_LIMIT = 8 * 1024 * 1024
_MAX_LINKS = 40


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def describe_uid(uid):
    return 'uid %d (%s)' % (uid, user_name(uid))


class Trust:
    """The users whose files the engine may read, run or build in: root, the
    user the module runs as, and any further user the caller names (the
    venv's owner, for what runs as that owner)."""

    def __init__(self, extra_uids=()):
        self.uids = set([0, os.geteuid()]) | set(u for u in extra_uids if u is not None and u >= 0)
        self._groups = {}

    def with_uid(self, uid):
        return Trust(self.uids | set([uid]))

    def names(self):
        return ', '.join(user_name(u) for u in sorted(self.uids))

    def _group_is_trusted(self, gid):
        """Whether every member of the group is a trusted user."""
        if gid not in self._groups:
            members = set()
            try:
                entry = grp.getgrgid(gid)
                members |= set(entry.gr_mem)
            except KeyError:
                pass
            uids = set()
            for name in members:
                try:
                    uids.add(pwd.getpwnam(name).pw_uid)
                except KeyError:
                    continue
            uids |= set(p.pw_uid for p in pwd.getpwall() if p.pw_gid == gid)
            self._groups[gid] = uids <= self.uids
        return self._groups[gid]

    def problem(self, st, last):
        """Why an entry with this stat is not to be trusted, or None."""
        if st.st_uid not in self.uids:
            return 'is owned by %s, not by %s' % (describe_uid(st.st_uid), self.names())
        if stat.S_ISLNK(st.st_mode):
            return None
        shared = stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX and not last
        if st.st_mode & stat.S_IWOTH and not shared:
            return 'is writable by every user (mode %04o)' % stat.S_IMODE(st.st_mode)
        if st.st_mode & stat.S_IWGRP and not shared and not self._group_is_trusted(st.st_gid):
            try:
                group = grp.getgrgid(st.st_gid).gr_name
            except KeyError:
                group = str(st.st_gid)
            return 'is writable by group %s (mode %04o), which has other members' % (group, stat.S_IMODE(st.st_mode))
        return None


def check_trusted(path, trust, purpose, container=False):
    """Raise unless every existing component of path, through its links, is trusted.

    Returns the real path as far as it exists. purpose completes the message:
    "refusing to <purpose>". With container, path is a directory the caller
    creates entries in and checks each of them itself, so it may be sticky
    and writable by all, like /tmp.
    """
    def fail(where, why):
        raise VenvkitError('%s %s; refusing to %s, since whoever controls it could change what the module '
                           'builds or runs as %s' % (where, why, purpose, user_name(os.geteuid())))

    current = '/'
    why = trust.problem(os.lstat('/'), last=path == '/' and not container)
    if why:
        fail('/', why)
    pending = [part for part in path.split('/') if part]
    links = 0
    while pending:
        part = pending.pop(0)
        if part == '.':
            continue
        if part == '..':
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, part)
        try:
            st = os.lstat(candidate)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return os.path.join(candidate, *pending) if pending else candidate
            raise
        why = trust.problem(st, last=not pending and not container)
        if why:
            fail(candidate, why)
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > _MAX_LINKS:
                raise VenvkitError('%s: too many levels of symbolic links; refusing to %s' % (path, purpose))
            target = os.readlink(candidate)
            if target.startswith('/'):
                current = '/'
            pending = [x for x in target.split('/') if x] + pending
            continue
        current = candidate
    return current


def make_dirs(path, mode=DIR_MODE, uid=-1, gid=-1):
    """Create path and its missing parents with mode (whatever the umask).

    Returns the directories this call created, outermost first, so that a
    failed run can remove exactly those. A directory created meanwhile by a
    concurrent run is not in the list.
    """
    missing = []
    probe = path
    while not os.path.lexists(probe) and probe != os.path.dirname(probe):
        missing.append(probe)
        probe = os.path.dirname(probe)
    created = []
    for directory in reversed(missing):
        try:
            os.mkdir(directory, mode)
        except OSError as exc:
            if exc.errno == errno.EEXIST and os.path.isdir(directory) and not os.path.islink(directory):
                continue
            remove_created(created)
            raise
        os.chmod(directory, mode)
        if uid != -1 or gid != -1:
            os.lchown(directory, uid, gid)
        created.append(directory)
    return created


def remove_created(created):
    """Remove directories make_dirs created, innermost first, where still empty."""
    for directory in reversed(created):
        try:
            os.rmdir(directory)
        except OSError:
            pass


def atomic_write(path, data, mode=FILE_MODE, owner=(-1, -1), validate=None):
    """Replace path with data in one rename; nothing changes when anything fails.

    data is text or bytes; owner is (uid, gid), -1 for either keeps the
    writer's; validate, when given, is called with the temporary file's path
    and raises to stop the rename.
    """
    uid, gid = owner
    if not isinstance(data, bytes):
        data = data.encode('utf-8')
    directory, base = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix='.%s.venvkit-' % base[:64], dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if uid != -1 or gid != -1:
                os.fchown(handle.fileno(), uid, gid)
            os.fsync(handle.fileno())
        if validate is not None:
            validate(tmp)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_regular(path, limit=READ_LIMIT, owners=None, what='file'):
    """The bytes of path, or None when it does not exist.

    Refuses a symlink at the last component, anything but a regular file,
    more than limit bytes, and, with owners, a file owned by anyone else.
    """
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_CLOEXEC', 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if exc.errno == errno.ELOOP:
            raise VenvkitError('%s %s is a symbolic link; refusing to read it' % (what, path))
        raise VenvkitError('%s %s cannot be read: %s' % (what, path, exc.strerror or exc))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise VenvkitError('%s %s is not a regular file; refusing to read it' % (what, path))
        if owners is not None and st.st_uid not in owners:
            raise VenvkitError('%s %s is owned by %s; refusing to read it' % (what, path, describe_uid(st.st_uid)))
        data = _read_fd(fd, limit)
        if data is None:
            raise VenvkitError('%s %s is larger than %d bytes; refusing to read it' % (what, path, limit))
        return data
    finally:
        os.close(fd)


def _read_fd(fd, limit):
    """The bytes left in fd, or None when they are more than limit."""
    chunks = []
    size = 0
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b''.join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def open_beneath(top, relative, what='file'):
    """A read-only descriptor of top/relative, or None when missing, following no symlink below top.

    Each component is opened relative to the one before with O_NOFOLLOW (an
    openat walk), so a directory another user swaps for a link on the way,
    even between a check and the read, is never crossed. top itself is the
    caller's (a venv the module made or resolved). The caller closes it.
    """
    flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
    parts = [part for part in relative.split('/') if part and part != '.']
    if '..' in parts or not parts:
        raise VenvkitError('%s %s: refusing a path outside %s' % (what, relative, top))
    try:
        fd = os.open(top, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) | getattr(os, 'O_CLOEXEC', 0))
    except OSError:
        return None
    try:
        for part, last in [(p, False) for p in parts[:-1]] + [(parts[-1], True)]:
            extra = getattr(os, 'O_NONBLOCK', 0) if last else getattr(os, 'O_DIRECTORY', 0)
            try:
                child = os.open(part, flags | extra, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                    return None
                raise
            os.close(fd)
            fd = child
        fd, opened = None, fd
        return opened
    finally:
        if fd is not None:
            os.close(fd)


def read_beneath(top, relative, owners=None, what='file'):
    """The bytes of top/relative (see open_beneath), or None when missing, not a regular file of owners,
    or larger than READ_LIMIT."""
    fd = open_beneath(top, relative, what)
    if fd is None:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (owners is not None and st.st_uid not in owners):
            return None
        return _read_fd(fd, READ_LIMIT)
    finally:
        os.close(fd)


def read_text(path, owners=None, what='file'):
    """read_regular() decoded as UTF-8; None when missing, '' when it cannot be read as the owner's."""
    try:
        data = read_regular(path, owners=owners, what=what)
    except VenvkitError:
        return ''
    return None if data is None else data.decode('utf-8', 'replace')


def private_dir(parent=None, uid=-1, gid=-1, prefix='venvkit-'):
    """A new directory, mode 0700, for one run's temporary files, optionally given to another user."""
    path = tempfile.mkdtemp(prefix=prefix, dir=parent)
    os.chmod(path, PRIVATE_DIR_MODE)
    if uid != -1 or gid != -1:
        os.lchown(path, uid, gid)
    return path


def temp_name(prefix, length=7):
    """prefix and length random characters: a name nobody can guess, so none can be squatted."""
    alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
    return prefix + ''.join(alphabet[b % len(alphabet)] for b in bytearray(os.urandom(length)))


def symlink_beside(target, directory, prefix):
    """A new symlink to target in directory, under an unguessable name made exclusively; returns its path.

    symlink() fails on any existing name, so a name another user took (a
    file, a link) is never used or removed: the next random name is tried.
    """
    for dummy in range(100):
        candidate = os.path.join(directory, temp_name(prefix))
        try:
            os.symlink(target, candidate)
            return candidate
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
    raise VenvkitError('%s: could not find a free temporary name after 100 tries' % directory)


def no_write_for_others(top):
    """Take write access for others from everything below top (a venv the collection built).

    Installers leave such files (uv's .lock is 0666); links are left as they are.
    """
    for directory, dirs, files in os.walk(top):
        for name in [''] + dirs + files if directory == top else dirs + files:
            entry = os.path.join(directory, name) if name else directory
            st = os.lstat(entry)
            if not stat.S_ISLNK(st.st_mode) and st.st_mode & stat.S_IWOTH:
                os.chmod(entry, stat.S_IMODE(st.st_mode) & ~stat.S_IWOTH)


def remove_tree(path):
    """Remove a tree the collection made. Symlinks inside are removed, never followed."""
    if os.path.islink(path) or not os.path.isdir(path):
        os.unlink(path)
        return
    shutil.rmtree(path)


def same_file(st_a, st_b):
    return (st_a.st_dev, st_a.st_ino) == (st_b.st_dev, st_b.st_ino)


def identity(path):
    """'dev:ino' of path itself (not followed), or None when it is missing."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return '%d:%d' % (st.st_dev, st.st_ino)
