"""Class 7 of SECURITY.md: a run is all or nothing, and the lock covers the PATH files."""

import os

import pytest

from helpers import run_module
from ansible_collections.venvkit.python.plugins.module_utils._venvkit import fs
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure import plan as exposure_plan
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.lock import Lock


def contents(root):
    seen = {}
    for top, dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(top, name)) as handle:
                seen[os.path.relpath(os.path.join(top, name), root)] = handle.read()
        for name in dirs:
            seen[os.path.relpath(os.path.join(top, name), root) + '/'] = None
    return seen


def etc_params(root, **overrides):
    params = dict(name='tools', bin_dir='/opt/tools/venv/bin', profile_dir=os.path.join(root, 'profile.d'),
                  systemd_dir=os.path.join(root, 'systemd'), openrc_conf_dir=os.path.join(root, 'conf.d'))
    params.update(overrides)
    return params


def test_a_plan_that_fails_on_its_third_file_writes_nothing(tmp_path):
    root = str(tmp_path)
    # Written by an earlier run for systemd: a drop-in that a switch to OpenRC removes.
    exposure_plan.PathExposure(etc_params(root, services=['a'], service_manager='systemd')).apply()
    os.makedirs(os.path.join(root, 'conf.d'))
    for name, text in (('a', 'x=1\n'), ('b', 'y=2\n'), ('c', 'z="never closed\n')):
        with open(os.path.join(root, 'conf.d', name), 'w') as handle:
            handle.write(text)
    before = contents(root)
    with pytest.raises(VenvkitError) as info:
        exposure_plan.PathExposure(etc_params(root, bin_dir='/opt/other/bin', services=['a', 'b', 'c'],
                                              service_manager='openrc')).apply()
    assert os.path.join(root, 'conf.d', 'c') in info.value.msg and 'would not parse as sh' in info.value.msg
    assert contents(root) == before


def test_a_failed_path_write_after_the_swap_puts_everything_back(run, tmp_path, monkeypatch):
    root = str(tmp_path / 'etc')
    expose = dict(name='tools', profile_dir=os.path.join(root, 'profile.d'), services=['runner'],
                  service_manager='systemd', systemd_dir=os.path.join(root, 'systemd'),
                  openrc_conf_dir=os.path.join(root, 'conf.d'))
    first = run(packages=['vkdemo==1.0'], expose=dict(expose, position='append'))
    before = contents(root)
    gens = sorted(os.listdir(os.path.dirname(first['active'])))
    real_write = fs.atomic_write
    calls = []

    def second_write_fails(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, 'No space left on device')
        return real_write(path, *args, **kwargs)

    monkeypatch.setattr(exposure_plan, 'atomic_write', second_write_fails)
    error = run.fails(packages=['vkdemo==2.0'], expose=expose)
    assert 'No space left on device' in error.msg and 'put back' in error.msg
    assert len(calls) >= 2
    assert os.path.realpath(run.path) == first['active']
    assert run.script('vkdemo') == (0, 'vkdemo 1.0\n')
    assert contents(root) == before
    assert sorted(os.listdir(os.path.dirname(first['active']))) == gens


def test_the_path_files_are_written_under_the_venvs_lock(run, tmp_path):
    expose = dict(name='tools', profile_dir=str(tmp_path / 'profile.d'))
    run(packages=['vkdemo==1.0'])
    with Lock(os.path.join(run.root, '.venv.venvkit', 'lock'), 1):
        rc, result, raw = run_module(run.params(packages=['vkdemo==1.0'], expose=expose, lock_timeout=1),
                                     env=run.env)
    assert rc != 0 and 'holds the lock' in result['msg']
    assert not os.path.exists(str(tmp_path / 'profile.d'))
