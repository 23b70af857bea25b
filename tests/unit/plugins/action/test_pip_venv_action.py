"""pip_venv's action, on the controller: the wheelhouse archive it ships is one only this user or root wrote.

The attacker is a real unprivileged user (setpriv to uid 65534) who plants
an archive under the name the role will look for, in a directory others can
write; the action refuses to hash or ship it, naming the path and why.
"""

import hashlib
import os
import subprocess

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.venvkit.python.plugins.action.pip_venv import _digest


def _as_nobody(*argv):
    subprocess.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + list(argv), check=True)


@pytest.fixture
def controller(tmp_path):
    """A directory of root's, 0755, with the way to it made usable (tmp_path's parents may be 0700)."""
    top = tmp_path / 'controller'
    top.mkdir(mode=0o755)
    for parent in [top] + list(top.parents):
        os.chmod(parent, os.stat(parent).st_mode | 0o011)  # search for nobody; writable by no one new
    return top


def test_an_archive_of_this_user_in_its_own_directory_is_hashed(controller):
    archive = controller / 'wh' / 'cp311-key.tar'
    archive.parent.mkdir(mode=0o700)
    archive.write_bytes(b'wheels')
    assert _digest(str(archive), 'wheelhouse.src') == hashlib.sha256(b'wheels').hexdigest()


def test_an_archive_planted_by_another_user_in_a_sticky_directory_is_refused(controller):
    shared = controller / 'shared'
    shared.mkdir()
    os.chmod(shared, 0o1777)
    planted = shared / 'cp311-key.tar'
    _as_nobody('sh', '-c', 'echo evil > "$1"', 'sh', str(planted))
    assert os.stat(planted).st_uid == 65534
    with pytest.raises(AnsibleActionFail) as error:
        _digest(str(planted), 'wheelhouse.src')
    assert str(shared) in str(error.value) and 'writable by others' in str(error.value)


@pytest.mark.parametrize('case', ['file of another user', 'directory of another user', 'directory others can write',
                                  'link of another user'])
def test_what_another_user_controls_is_refused_naming_it(controller, case):
    wh = controller / 'wh'
    wh.mkdir(mode=0o755)
    archive = wh / 'cp311-key.tar'
    archive.write_bytes(b'wheels')
    culprit = archive
    if case == 'file of another user':
        os.chown(archive, 65534, 65534)
    elif case == 'directory of another user':
        os.chown(wh, 65534, 65534)
        culprit = wh
    elif case == 'directory others can write':
        os.chmod(wh, 0o777)
        culprit = wh
    else:
        link = controller / 'link.tar'
        os.symlink(archive, link)
        os.lchown(link, 65534, 65534)
        archive, culprit = link, link
    with pytest.raises(AnsibleActionFail) as error:
        _digest(str(archive), 'wheelhouse.src')
    assert str(culprit) in str(error.value) and 'refusing to ship it' in str(error.value)
