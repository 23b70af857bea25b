"""Class 1 of SECURITY.md: every directory and file the collection creates gets
an explicit mode, whatever the caller's umask."""

import os
import stat

from conftest import as_nobody
from helpers import run_module

UMASKS = (0o000, 0o077)


def modes_under(root):
    """{relative path: mode} of everything under root, links left out."""
    found = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(top, name)
            st = os.lstat(full)
            if not stat.S_ISLNK(st.st_mode):
                found[os.path.relpath(full, root)] = stat.S_IMODE(st.st_mode)
    return found


def build_under_umask(run, mask, **params):
    old = os.umask(mask)
    try:
        return run(**params)
    finally:
        os.umask(old)


def test_nothing_is_writable_by_others_under_umask_000(open_run):
    path = os.path.join(open_run.root, 'made', 'deeper', 'venv')
    etc = os.path.join(open_run.root, 'etc')
    expose = dict(name='tools', profile_dir=os.path.join(etc, 'profile.d'), services=['runner'],
                  service_manager='systemd', systemd_dir=os.path.join(etc, 'systemd'), openrc_conf_dir=etc)
    build_under_umask(open_run, 0o000, path=path, packages=['vkdemo==1.0'], expose=expose)
    writable = dict((p, oct(m)) for p, m in modes_under(open_run.root).items()
                    if m & 0o022 and not p.startswith('wheels'))
    assert writable == {}
    made = modes_under(os.path.join(open_run.root, 'made'))
    assert made['deeper'] == 0o755 and made['deeper/.venv.venvkit'] == 0o755
    assert made['deeper/.venv.venvkit-parent'] == 0o644
    assert made['deeper/.venv.venvkit/lock'] == 0o600
    assert made['deeper/.venv.venvkit/g1.json'] == 0o644
    assert modes_under(etc)['systemd/runner.service.d'] == 0o755
    assert modes_under(etc)['profile.d/tools.sh'] == 0o644


def test_the_attack_of_the_review_fails_under_umask_000(open_run):
    """nobody renamed the parent made under umask 000 and planted bin/python; root ran it."""
    path = os.path.join(open_run.root, 'made', 'venv')
    build_under_umask(open_run, 0o000, path=path, packages=['vkdemo==1.0'])
    moved = as_nobody(['mv', os.path.dirname(path), os.path.join(open_run.root, 'taken')])
    assert moved.returncode != 0, moved.stdout
    planted = as_nobody(['sh', '-c', 'echo pwned > "$1/bin/planted"', 'sh', path])
    assert planted.returncode != 0 and not os.path.exists(os.path.join(path, 'bin', 'planted'))


def test_others_can_run_the_venv_under_umask_077(open_run):
    path = os.path.join(open_run.root, 'made', 'venv')
    build_under_umask(open_run, 0o077, path=path, packages=['vkdemo==1.0'])
    ran = as_nobody([os.path.join(path, 'bin', 'vkdemo')])
    assert ran.returncode == 0 and ran.stdout.decode() == 'vkdemo 1.0\n'
    assert all(m & 0o005 == 0o005 for p, m in modes_under(os.path.join(open_run.root, 'made')).items()
               if stat.S_ISDIR(os.lstat(os.path.join(open_run.root, 'made', p)).st_mode) and 'lock' not in p)


def test_the_module_sets_its_umask_before_anything_else(open_run):
    """Through the module as Ansible runs it, with the umask it inherits."""
    path = os.path.join(open_run.root, 'new', 'venv')
    old = os.umask(0)
    try:
        rc, result, raw = run_module(open_run.params(path=path, packages=['vkdemo==1.0']), env=open_run.env)
    finally:
        os.umask(old)
    assert rc == 0, raw
    assert os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o755
