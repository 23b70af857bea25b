"""Class 8 of SECURITY.md: crashes, races and a full disk leave a working state and a short message."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from helpers import COLLECTIONS, run_module
from ansible_collections.venvkit.python.plugins.module_utils._venvkit import clone
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers.base import classify_failure


def start_module(args, env):
    import json
    proc = subprocess.Popen(
        [sys.executable, '-m', 'ansible_collections.venvkit.python.plugins.modules.pip_venv'],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(env, PYTHONPATH=COLLECTIONS), start_new_session=True)
    proc.stdin.write(json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode())
    proc.stdin.close()
    return proc


def test_an_in_place_build_killed_during_ensurepip_leaves_no_venv_at_path(run):
    building = os.path.join(run.root, '.venv.venvkit', 'in-place-new', 'bin', 'python')
    proc = start_module(run.params(update='in_place', packages=['vkdemo==1.0']), run.env)
    deadline = time.time() + 60
    while not os.path.exists(building) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert os.path.exists(building), 'the build finished before it could be killed'
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not os.path.lexists(run.path)
    result = run(update='in_place', packages=['vkdemo==1.0'])
    assert result['created'] and run.script('vkdemo') == (0, 'vkdemo 1.0\n')
    assert sorted(os.listdir(os.path.join(run.root, '.venv.venvkit'))) == ['in-place.cdx.json', 'in-place.json', 'lock']


def test_an_in_place_venv_without_pip_is_rebuilt(run):
    result = run(update='in_place', packages=['vkdemo==1.0'])
    site = [os.path.join(run.path, 'lib', d, 'site-packages') for d in os.listdir(os.path.join(run.path, 'lib'))][0]
    for name in os.listdir(site):
        if name == 'pip' or name.startswith('pip-'):
            shutil.rmtree(os.path.join(site, name))
    again = run(update='in_place', packages=['vkdemo==2.0'])
    assert again['recreated'] and "pip is missing" in again['reason']
    assert run.script('vkdemo') == (0, 'vkdemo 2.0\n') and result['active'] == run.path


def test_concurrent_first_runs_do_not_race(run):
    parent = os.path.join(run.root, 'fresh', 'deeper')
    args = run.params(path=os.path.join(parent, 'venv'), packages=['vkdemo==1.0'], lock_timeout=120)
    barrier = threading.Barrier(12)
    results = [None] * 12

    def worker(index):
        barrier.wait()
        results[index] = run_module(args, env=run.env)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [rc for rc, dummy, dummy2 in results] == [0] * 12, [raw for dummy, dummy2, raw in results if dummy]
    assert [res['changed'] for dummy, res, dummy2 in results].count(True) == 1


def test_a_full_disk_during_the_copy_gives_one_short_line(run, monkeypatch):
    run(packages=['vkdemo==1.0'])
    live = os.listdir(os.path.realpath(run.path))
    real_copy = shutil.copy2
    copied = []

    def fill_up(src, dst, **kwargs):
        copied.append(src)
        if len(copied) > 3:
            raise OSError(errno.ENOSPC, 'No space left on device', dst)
        return real_copy(src, dst, **kwargs)

    monkeypatch.setattr(clone.shutil, 'copy2', fill_up)
    error = run.fails(packages=['vkdemo==2.0'])
    assert 'No space left on device' in error.msg and 'copying the venv' in error.msg
    assert len(error.msg) < 600
    assert os.listdir(os.path.realpath(run.path)) == live
    assert sorted(os.listdir(os.path.join(run.root, '.venv.venvkit'))) == ['g1', 'g1.cdx.json', 'g1.json', 'lock']


def test_a_full_disk_is_not_blamed_on_python3_venv():
    assert classify_failure('Error: [Errno 28] No space left on device: ensurepip') == \
        'the disk is full (No space left on device)'


def test_no_temporary_file_is_left_in_tmpdir(run, tmp_path):
    tmpdir = tmp_path / 'tmpdir'
    tmpdir.mkdir()
    run.env = dict(run.env, TMPDIR=str(tmpdir))
    args = run.params(packages=['vkdemo==1.0'])
    for check in (True, False):
        rc, dummy, raw = run_module(args, env=run.env, check=check)
        assert rc == 0, raw
    rc, dummy, raw = run_module(run.params(packages=['vkdemo==2.0', 'vkbroken']), env=run.env)
    assert rc != 0
    assert os.listdir(str(tmpdir)) == []


def test_what_a_killed_run_left_in_the_generations_is_cleaned(run):
    run(packages=['vkdemo==1.0'])
    gens = os.path.join(run.root, '.venv.venvkit')
    for leftover in ('tmp-abc123', 'g7', 'in-place-new'):
        os.mkdir(os.path.join(gens, leftover))
    run(packages=['vkdemo==2.0'])
    # g7 had no state: incomplete, removed before the next number was chosen.
    assert sorted(os.listdir(gens)) == ['g1', 'g1.cdx.json', 'g1.json', 'g2', 'g2.cdx.json', 'g2.json', 'lock']


@pytest.mark.parametrize('case', ['atomic', 'in_place'])
def test_killed_anywhere_the_venv_still_answers(run, case):
    """kill -9 at random moments of updates: afterwards the venv at path runs, and a rerun converges."""
    run(update=case, packages=['vkdemo==1.0'])
    for delay in (0.2, 0.6, 1.0, 1.5):
        version = '2.0' if delay in (0.2, 1.0) else '1.0'
        proc = start_module(run.params(update=case, packages=['vkdemo==%s' % version]), run.env)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        code, out = run.script('vkdemo')
        if case == 'atomic':
            assert code == 0 and out in ('vkdemo 1.0\n', 'vkdemo 2.0\n'), (delay, out)
    final = run(update=case, packages=['vkdemo==2.0'])
    assert run.script('vkdemo') == (0, 'vkdemo 2.0\n'), final
