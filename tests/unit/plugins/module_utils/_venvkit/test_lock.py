"""lock.py: no other user can hold the lock, and a removed lock file is noticed."""

import os
import stat

import pytest

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.lock import Lock


def test_the_lock_file_is_private(tmp_path):
    with Lock(str(tmp_path / 'lock'), 1):
        pass
    assert stat.S_IMODE(os.stat(str(tmp_path / 'lock')).st_mode) == 0o600


def test_a_link_is_not_used_as_the_lock(tmp_path):
    (tmp_path / 'elsewhere').write_text('')
    (tmp_path / 'lock').symlink_to(tmp_path / 'elsewhere')
    with pytest.raises(VenvkitError) as info:
        with Lock(str(tmp_path / 'lock'), 1):
            pass
    assert 'symbolic link' in info.value.msg


def test_without_create_a_missing_lock_means_nothing_to_lock(tmp_path):
    with Lock(str(tmp_path / 'lock'), 1, create=False) as lock:
        assert lock.fd is None
    assert not os.path.exists(str(tmp_path / 'lock'))


def test_release_with_remove_unlinks_while_held(tmp_path):
    lock = Lock(str(tmp_path / 'lock'), 1)
    lock.__enter__()
    lock.release(remove=True)
    assert not os.path.exists(str(tmp_path / 'lock'))
