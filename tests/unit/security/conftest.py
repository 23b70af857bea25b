"""Helpers for the tests of the threat model (SECURITY.md): an unprivileged user, as real as it gets."""

import os
import subprocess

import pytest

NOBODY = 65534


def as_nobody(argv, **kwargs):
    """Run argv as uid/gid 65534 with no supplementary groups, like a local user with no rights."""
    return subprocess.run(['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups', '--'] + list(argv),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, **kwargs)


@pytest.fixture(autouse=True)
def needs_root():
    # These tests act as another user, which takes root; CI runs as root. Not a skip: a failure.
    assert os.geteuid() == 0, 'the threat-model tests act as another user and must run as root'


@pytest.fixture
def sticky(open_run):
    """A sticky, world-writable directory like /tmp, inside the open scratch root."""
    path = os.path.join(open_run.root, 'shared')
    os.mkdir(path)
    os.chmod(path, 0o1777)
    return path
