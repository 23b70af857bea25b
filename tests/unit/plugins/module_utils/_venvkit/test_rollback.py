"""rollback.py: back to an earlier generation in one rename, building nothing."""

import os
import subprocess
import sys

import pytest

from helpers import COLLECTIONS, tree_listing


def two_generations(run):
    run(packages=['vkdemo==1.0'])
    return run(packages=['vkdemo==2.0'])


def test_rollback_goes_back_without_building(run, no_processes):
    second = two_generations(run)
    before = tree_listing(run.root)
    predicted = run(check=True, diff=True, state='rollback')
    assert tree_listing(run.root) == before
    del no_processes[:]
    done = run(diff=True, state='rollback')
    assert [argv for argv in no_processes if '-m' in argv and 'pip' in argv] == []
    for key in ('changed', 'upgraded', 'installed', 'removed', 'diff', 'generation'):
        assert predicted[key] == done[key], key
    assert done['generation'] == 'g1' and done['rolled_back_from'] == 'g2' and done['upgraded'] == ['vkdemo==1.0']
    assert 'vkdemo==2.0' in done['diff']['before'] and 'vkdemo==1.0' in done['diff']['after']
    assert run.script('vkdemo') == (0, 'vkdemo 1.0\n')
    assert os.path.exists(second['active']), 'the newer generation is kept'


def test_rollback_to_a_named_generation_and_the_next_run_rebuilds_forward(run):
    run(packages=['vkdemo==1.0'])
    run(packages=['vkdemo==2.0'])
    run(packages=['vkdemo==2.0', 'vkextra'])
    assert run(state='rollback', generation='1')['generation'] == 'g1'
    assert not run(state='rollback', generation='g1')['changed']
    forward = run(packages=['vkdemo==2.0', 'vkextra'], keep_generations=3)
    assert forward['changed'] and forward['active'].endswith('/g4')
    # To make a rollback stick, declare what the generation holds.
    run(state='rollback', generation='g1')
    assert not run(packages=['vkdemo==1.0'])['changed']


@pytest.mark.parametrize('generation, words', [('g9', 'has no generation g9'), (None, 'no generation older')])
def test_rollback_to_nothing_is_refused(run, generation, words):
    run(packages=['vkdemo==1.0'])
    before = tree_listing(run.root)
    error = run.fails(state='rollback', generation=generation)
    assert words in error.msg and 'g1 (live)' in error.msg
    assert tree_listing(run.root) == before


def test_rollback_to_a_broken_generation_is_refused(run, tmp_path):
    base = tmp_path / 'base'
    base.mkdir()
    (base / 'python3').symlink_to(os.path.realpath(sys.executable))
    run(python=str(base / 'python3'), packages=['vkdemo==1.0'])
    run(python=str(base / 'python3'), packages=['vkdemo==2.0'])
    (base / 'python3').unlink()
    error = run.fails(state='rollback')
    assert 'generation g1 is broken' in error.msg and 'nothing was changed' in error.msg
    assert os.path.realpath(run.path).endswith('/g2')


def test_an_in_place_venv_has_nothing_to_roll_back_to(run):
    run(update='in_place', packages=['vkdemo==1.0'])
    assert 'no generations to roll back to' in run.fails(state='rollback').msg


def test_a_rollback_killed_between_the_swap_and_the_state_recovers(run, tmp_path):
    two_generations(run)
    hook = tmp_path / 'hook'
    hook.mkdir()
    # Loaded by the module's Python before anything else: kill -9 right after the swap.
    (hook / 'sitecustomize.py').write_text(
        'import os, signal\n'
        'from ansible_collections.venvkit.python.plugins.module_utils._venvkit import rollback\n'
        'real_swap = rollback.swap\n'
        'def die(*args, **kwargs):\n'
        '    real_swap(*args, **kwargs)\n'
        '    os.kill(os.getpid(), signal.SIGKILL)\n'
        'rollback.swap = die\n')
    import json
    proc = subprocess.run([sys.executable, '-m', 'ansible_collections.venvkit.python.plugins.modules.pip_venv'],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': run.params(state='rollback')}).encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                          env=dict(run.env, PYTHONPATH='%s:%s' % (hook, COLLECTIONS)))
    assert proc.returncode == -9
    assert run.script('vkdemo') == (0, 'vkdemo 1.0\n'), 'the swap happened before the kill'
    again = run(packages=['vkdemo==2.0'])
    assert again['changed'] and run.script('vkdemo') == (0, 'vkdemo 2.0\n')
    assert not run(packages=['vkdemo==2.0'])['changed']
