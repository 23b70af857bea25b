"""Managed interpreters and version requests, against a local user with no rights (SECURITY.md, promise 11).

A root run installs a CPython that every venv on the host then runs, and
picks an interpreter from the system's directories to run as root: neither
may come from anything another user could have written.
"""

import os
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import NOBODY, as_nobody

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'plugins', 'module_utils',
                                '_venvkit'))

from test_managed import NAME, interpreter, write_archive  # noqa: E402  pylint: disable=wrong-import-position
from test_pythons import Process, chooser  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.venvkit.python.plugins.module_utils._venvkit import pythons  # noqa: E402


@pytest.fixture
def scratch(open_run):
    """A directory every user can reach (pytest's own is root's alone)."""
    return Path(open_run.root)


def test_a_managed_pythons_directory_another_user_made_is_refused(open_run, scratch):
    run = open_run
    theirs = scratch / 'theirs'
    theirs.mkdir()
    os.chown(str(theirs), NOBODY, NOBODY)
    archive = str(scratch / NAME)
    digest = write_archive(archive, interpreter())
    error = run.fails(python='3.13', python_source='managed', managed_pythons=str(theirs / 'python'),
                      python_archive=dict(path=archive, sha256=digest), packages=['vkdemo'])
    assert str(theirs) in error.msg and "refusing" in error.msg, error.msg
    assert os.listdir(str(theirs)) == [] and not os.path.lexists(run.path)


def test_an_archive_another_user_changed_is_refused_with_nothing_written(open_run, scratch):
    run = open_run
    shared = scratch / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o1777)
    archive = str(shared / NAME)
    good = write_archive(str(scratch / 'good.tar.gz'), interpreter())
    # The user puts their own tree where the archive is expected.
    planted = str(scratch / 'planted.tar.gz')
    write_archive(planted, interpreter() + [(tarfile.TarInfo('python/lib/sitecustomize.py'), b'')])
    os.chmod(planted, 0o644)
    assert as_nobody(['cp', planted, archive]).returncode == 0
    root = str(scratch / 'managed')
    error = run.fails(python='3.13', python_source='managed', managed_pythons=root,
                      python_archive=dict(path=archive, sha256=good), packages=['vkdemo'])
    assert 'does not match its sha256' in error.msg and 'nothing was written' in error.msg
    assert not os.path.lexists(root) and not os.path.lexists(run.path)


def test_an_interpreter_planted_where_others_can_write_is_never_run(scratch, monkeypatch):
    theirs = scratch / 'bin'
    theirs.mkdir()
    os.chown(str(theirs), NOBODY, NOBODY)
    ran = scratch / 'ran-as-root'
    script = '#!/bin/sh\ntouch %s\necho 3.13.9\necho True\n' % ran
    assert as_nobody(['sh', '-c', 'printf "%%s" "$1" > %s/python3.13 && chmod 755 %s/python3.13'
                      % (theirs, theirs), 'sh', script]).returncode == 0
    monkeypatch.setattr(pythons, 'SYSTEM_PATH', str(theirs))
    process = Process()
    with pytest.raises(Exception) as error:
        chooser('3.13', process).choose(gate=None)
    assert 'no interpreter satisfies 3.13' in str(error.value)
    assert process.started == [] and not ran.exists()


def test_interpreters_in_a_directory_another_user_controls_are_never_used(open_run, scratch):
    run = open_run
    theirs = scratch / 'pythons'
    theirs.mkdir()
    os.chown(str(theirs), NOBODY, NOBODY)
    error = run.fails(python='3.13', python_source='managed', managed_pythons=str(theirs), packages=['vkdemo'])
    assert str(theirs) in error.msg and 'refusing to use the managed interpreters' in error.msg
    assert not os.path.lexists(run.path)


def test_check_mode_unpacks_where_the_venvs_owner_cannot_swap_what_root_runs(open_run, scratch, monkeypatch):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit import managed
    run = open_run
    archive = str(scratch / NAME)
    digest = write_archive(archive, interpreter())
    seen = []
    real_install = managed.Install.install

    def spy(self, process, into=None):
        st = os.lstat(into)
        seen.append((into, st.st_uid, st.st_mode & 0o7777))
        return real_install(self, process, into=into)
    monkeypatch.setattr(managed.Install, 'install', spy)
    # The stand-in cannot make the venv check mode predicts from: the run fails after the unpack.
    run.fails(check=True, python='3.13', python_source='managed', managed_pythons=str(scratch / 'managed'),
              python_archive=dict(path=archive, sha256=digest), packages=['vkdemo'], owner='nobody')
    assert len(seen) == 1
    into, uid, mode = seen[0]
    assert uid == 0 and mode == 0o755, seen
    # Its parent is sticky (others cannot rename root's entries) or root's alone.
    parent = os.lstat(os.path.dirname(into))
    assert parent.st_uid == 0 and (parent.st_mode & 0o1000 or not parent.st_mode & 0o022)
    assert not os.path.lexists(into) and not os.path.lexists(str(scratch / 'managed'))
