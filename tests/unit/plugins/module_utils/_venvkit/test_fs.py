"""fs.py: explicit modes, one atomic writer, trust checks that name the component."""

import os
import stat

import pytest

from ansible_collections.venvkit.python.plugins.module_utils._venvkit import fs
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError


def test_make_dirs_sets_the_mode_whatever_the_umask_and_says_what_it_made(tmp_path):
    old = os.umask(0o077)
    try:
        made = fs.make_dirs(str(tmp_path / 'a' / 'b' / 'c'))
    finally:
        os.umask(old)
    assert made == [str(tmp_path / 'a'), str(tmp_path / 'a' / 'b'), str(tmp_path / 'a' / 'b' / 'c')]
    assert all(stat.S_IMODE(os.stat(d).st_mode) == 0o755 for d in made)
    assert fs.make_dirs(str(tmp_path / 'a' / 'b')) == []
    fs.remove_created(made)
    assert os.listdir(str(tmp_path)) == []


def test_atomic_write_sets_mode_and_leaves_nothing_when_validation_fails(tmp_path):
    target = str(tmp_path / 'file')
    fs.atomic_write(target, 'one\n', mode=0o640)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640

    def refuse(path):
        raise VenvkitError('no')

    with pytest.raises(VenvkitError):
        fs.atomic_write(target, 'two\n', validate=refuse)
    assert open(target).read() == 'one\n' and os.listdir(str(tmp_path)) == ['file']


def test_read_regular_refuses_links_fifos_and_too_much(tmp_path):
    real = tmp_path / 'real'
    real.write_text('x')
    (tmp_path / 'link').symlink_to(real)
    os.mkfifo(str(tmp_path / 'fifo'))
    assert fs.read_regular(str(real)) == b'x'
    assert fs.read_regular(str(tmp_path / 'missing')) is None
    for name, words in (('link', 'symbolic link'), ('fifo', 'not a regular file')):
        with pytest.raises(VenvkitError) as info:
            fs.read_regular(str(tmp_path / name))
        assert words in info.value.msg
    with pytest.raises(VenvkitError) as info:
        fs.read_regular(str(real), limit=0)
    assert 'larger than' in info.value.msg


def test_check_trusted_walks_links_and_allows_sticky_containers(tmp_path):
    trust = fs.Trust()
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o1777)
    assert fs.check_trusted(str(shared / 'venv'), trust, 'x') == str(shared / 'venv')
    fs.check_trusted(str(shared), trust, 'x', container=True)
    with pytest.raises(VenvkitError) as info:
        fs.check_trusted(str(shared), trust, 'build there')
    assert 'writable by every user' in info.value.msg and 'refusing to build there' in info.value.msg
    loose = tmp_path / 'loose'
    loose.mkdir()
    os.chmod(str(loose), 0o777)
    (tmp_path / 'via').symlink_to(loose)
    with pytest.raises(VenvkitError) as info:
        fs.check_trusted(str(tmp_path / 'via' / 'file'), trust, 'read it')
    assert str(loose) in info.value.msg
