"""installer=uv: the same package sets as pip, the same exactness, much faster."""

import os
import subprocess

import pytest

from helpers import UV, tree_listing
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    SEED_DISTRIBUTIONS, installed_packages)


def uv_params(run, uv_wheelhouse, **overrides):
    params = dict(installer='uv', uv=UV, find_links=[uv_wheelhouse])
    params.update(overrides)
    return params


def without_seeds(packages):
    return dict((n, v) for n, v in packages.items() if n not in SEED_DISTRIBUTIONS)


@pytest.mark.parametrize('inputs', [
    dict(packages=['vkdemo']),
    dict(packages=['vkdemo==1.0', 'vkextra']),
    dict(packages=['vkdemo<2', 'vkother'], constraints=['vkdep==1.0']),
])
def test_uv_and_pip_install_the_same_set(run, uv_wheelhouse, tmp_path, inputs):
    inputs = dict(inputs)
    if 'constraints' in inputs:
        inputs['constraints'] = [run.write('constraints.txt', '\n'.join(inputs['constraints']) + '\n')]
    with_pip = run(path=str(tmp_path / 'with-pip'), find_links=[uv_wheelhouse], **inputs)
    with_uv = run(path=str(tmp_path / 'with-uv'), **uv_params(run, uv_wheelhouse, **inputs))
    assert with_pip['installer'] == 'pip' and with_uv['installer'] == 'uv'
    assert without_seeds(with_uv['packages']) == without_seeds(with_pip['packages'])
    assert without_seeds(installed_packages(str(tmp_path / 'with-uv'))) == \
        without_seeds(installed_packages(str(tmp_path / 'with-pip')))


def test_uv_four_runs_and_exact_check_mode(run, uv_wheelhouse, no_processes):
    params = uv_params(run, uv_wheelhouse, packages=['vkdemo==1.0'])
    before = tree_listing(run.root)
    assert run(check=True, **params)['changed']
    assert tree_listing(run.root) == before
    created = run(**params)
    assert created['changed'] and created['created'] and created['installer'] == 'uv'
    assert 'vkdemo==1.0' in created['installed']
    del no_processes[:]
    assert not run(check=True, **params)['changed']
    assert not run(**params)['changed']
    assert no_processes == []

    bump = uv_params(run, uv_wheelhouse, packages=['vkdemo==2.0', 'vkextra'])
    before = tree_listing(run.root)
    predicted = run(check=True, diff=True, **bump)
    assert tree_listing(run.root) == before
    real = run(diff=True, **bump)
    for key in ('changed', 'installed', 'upgraded', 'removed', 'packages', 'diff'):
        assert predicted[key] == real[key], key
    assert real['upgraded'] == ['vkdemo==2.0'] and real['installed'] == ['vkextra==1.0']
    assert run.script('vkdemo') == (0, 'vkdemo 2.0\n')

    synced = uv_params(run, uv_wheelhouse, packages=['vkdemo==2.0'], sync=True)
    predicted = run(check=True, **synced)
    real = run(**synced)
    assert predicted['removed'] == real['removed'] == ['vkextra==1.0']


def test_uv_venv_still_has_pip(run, uv_wheelhouse):
    run(**uv_params(run, uv_wheelhouse, packages=['vkdemo==1.0']))
    proc = subprocess.run([os.path.join(run.path, 'bin', 'pip'), '--version'], stdout=subprocess.PIPE, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith(b'pip ')
    bare_params = uv_params(run, uv_wheelhouse, packages=['vkdemo==1.0'], seed_pip=False)
    bare = run(path=os.path.join(run.root, 'bare'), **bare_params)
    assert 'pip' not in bare['packages']


def test_uv_failure_leaves_previous_venv_live(run, uv_wheelhouse):
    first = run(**uv_params(run, uv_wheelhouse, packages=['vkdemo==1.0']))
    freeze = run.freeze()
    before = tree_listing(run.root)
    error = run.fails(**uv_params(run, uv_wheelhouse, packages=['vkdemo==2.0', 'no-such-project-vk']))
    assert 'no-such-project-vk' in error.msg and 'uv' in error.msg
    error = run.fails(**uv_params(run, uv_wheelhouse, packages=['vkdemo==2.0', 'vkbroken'], force=True))
    assert 'uv failed' in error.msg
    assert os.path.realpath(run.path) == first['active']
    assert run.freeze() == freeze
    assert tree_listing(run.root) == before


def test_installer_uv_without_uv_says_so(run, pip_env):
    run.env = dict(pip_env, PATH='/usr/bin:/bin')
    error = run.fails(installer='uv', uv=None, packages=['vkdemo'])
    assert 'uv was not found' in error.msg and 'installer=pip' in error.msg
    assert not os.path.lexists(run.path)


def test_auto_uses_uv_when_the_target_has_it(run, uv_wheelhouse, pip_env):
    run.env = dict(pip_env, PATH=os.path.dirname(UV) + os.pathsep + pip_env.get('PATH', ''))
    assert run(installer='auto', find_links=[uv_wheelhouse], packages=['vkdemo==1.0'])['installer'] == 'uv'
    run.env = dict(pip_env, PATH='/usr/bin:/bin')
    other = run(path=os.path.join(run.root, 'other'), installer='auto', packages=['vkdemo==1.0'])
    assert other['installer'] == 'pip'


def test_uv_works_for_a_user_without_a_usable_home(run, uv_wheelhouse, pip_env):
    # A home under a regular file can be created by nobody, root included.
    blocker = run.write('not-a-directory', '')
    run.env = dict((k, v) for k, v in pip_env.items() if not k.startswith(('UV_', 'XDG_')))
    run.env['HOME'] = os.path.join(blocker, 'home')
    result = run(**uv_params(run, uv_wheelhouse, packages=['vkdemo==1.0']))
    assert result['installer'] == 'uv' and result['packages']['vkdemo'] == '1.0'
    assert os.path.isfile(blocker)


def test_uv_seeds_pip_offline_when_the_index_has_none(run, wheelhouse):
    # wheelhouse has no pip wheel: the interpreter's bundled pip wheel is used, without ensurepip.
    result = run(**uv_params(run, wheelhouse, packages=['vkdemo==1.0']))
    assert result['installer'] == 'uv' and 'pip' in result['packages']
    assert result['pip_seeded_from'] == "the interpreter's bundled wheel"
    proc = subprocess.run([os.path.join(run.path, 'bin', 'pip'), '--version'], stdout=subprocess.PIPE, check=False)
    assert proc.returncode == 0
