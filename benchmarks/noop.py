"""No-op re-run: venvkit.python.pip_venv against ansible.builtin.pip, and as shipped.

Both modules run directly from an args file, as Ansible runs them on a
target, against the same venv and the same requirements file (httpx[cli]
from a local wheel directory). Each is timed over --runs runs after one
warm-up, with ansible.builtin.ping as the start-up floor every module pays.

Then the same no-op as Ansible ships it: a play on localhost runs pip_venv
and ping once with ANSIBLE_KEEP_REMOTE_FILES=1, and their kept AnsiballZ
payloads (whose module_utils Python compiles from source on every run, as
on a target) are timed side by side, taking turns; the report gives
pip_venv's time over ping's.

Usage: python benchmarks/noop.py [--runs N]
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402  pylint: disable=wrong-import-position


def timed(modules, env, runs):
    """{name: [seconds, ...]}, the modules taking turns in every round, so that a
    busy moment of the machine weighs on all of them alike."""
    for module, args in modules.values():
        lib.run_module(module, args, env)  # warm-up: bytecode, page cache
    times = dict((name, []) for name in modules)
    for dummy in range(runs):
        for name, (module, args) in modules.items():
            elapsed, result = lib.run_module(module, args, env)
            if result.get('changed'):
                raise SystemExit('%s reported a change on a no-op run' % module)
            times[name].append(elapsed)
    return times


def shipped(args, work, runs):
    """{name: [seconds, ...]} of the kept AnsiballZ payloads of pip_venv and ping, taking turns."""
    play = os.path.join(work, 'play.json')
    with open(play, 'w') as handle:
        json.dump([dict(hosts='localhost', gather_facts=False,
                        tasks=[{'venvkit.python.pip_venv': args}, {'ansible.builtin.ping': {}}])], handle)
    tmp = os.path.join(work, 'remote-tmp')
    env = dict(os.environ, ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=tmp, ANSIBLE_PIPELINING='0')
    subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', 'local', '-e',
                    'ansible_python_interpreter=%s' % sys.executable, play],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    payloads = {}
    for name in ('pip_venv', 'ping'):
        found = glob.glob(os.path.join(tmp, '*', 'AnsiballZ_%s.py' % name))
        if len(found) != 1:
            raise SystemExit('expected one kept AnsiballZ payload of %s, found %d' % (name, len(found)))
        payloads[name] = found[0]
    times = dict((name, []) for name in payloads)
    for dummy in range(runs + 1):
        for name, payload in payloads.items():
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, payload], stdout=subprocess.PIPE, check=True)
            elapsed = time.perf_counter() - start
            result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
            if result.get('changed') or result.get('failed'):
                raise SystemExit('%s as shipped did not report a no-op: %s' % (name, result))
            if dummy:  # the first round warms the page cache
                times[name].append(elapsed)
    return times


def measure(runs, spec='httpx[cli]'):
    wheels = lib.wheelhouse('httpx', [spec])
    env = lib.module_env()
    work = tempfile.mkdtemp(prefix='venvkit-bench-')
    try:
        venv = os.path.join(work, 'venv')
        req = os.path.join(work, 'requirements.txt')
        with open(req, 'w') as handle:
            handle.write(spec + '\n')
        ours_args = dict(path=venv, python=lib.BASE_PYTHON, requirements=[req], find_links=[wheels], no_index=True)
        builtin_args = dict(virtualenv=venv, requirements=req, extra_args='--no-index --find-links %s' % wheels)
        lib.run_module(lib.MODULE, ours_args, env)  # builds the venv both modules then use
        seconds = timed(dict(builtin_pip=('ansible.modules.pip', builtin_args), pip_venv=(lib.MODULE, ours_args),
                             ping=('ansible.modules.ping', {})), env, runs)
        as_shipped = shipped(ours_args, work, runs)
    finally:
        shutil.rmtree(work)
    med = dict((k, lib.median(v)) for k, v in seconds.items())
    shipped_med = dict((k, lib.median(v)) for k, v in as_shipped.items())
    return dict(benchmark='no-op re-run, module time from an args file', requirements=spec, runs=runs,
                seconds=seconds, median=med, ratio=med['builtin_pip'] / med['pip_venv'],
                ratio_above_floor=(med['builtin_pip'] - med['ping']) / max(med['pip_venv'] - med['ping'], 1e-3),
                shipped=dict(seconds=as_shipped, median=shipped_med,
                             ratio_to_ping=shipped_med['pip_venv'] / shipped_med['ping']))


def report(res):
    med = res['median']
    print('no-op re-run of %s, median of %d runs' % (res['requirements'], res['runs']))
    print('  ansible.builtin.pip       %.3f s' % med['builtin_pip'])
    print('  venvkit.python.pip_venv   %.3f s' % med['pip_venv'])
    print('  ansible.builtin.ping      %.3f s  (floor: Python and AnsibleModule start-up)' % med['ping'])
    print('  ratio builtin/pip_venv    %.1fx' % res['ratio'])
    print('  ratio above the floor     %.0fx' % res['ratio_above_floor'])
    shipped_med = res['shipped']['median']
    print('as shipped (kept AnsiballZ payloads, module_utils compiled on every run):')
    print('  venvkit.python.pip_venv   %.3f s' % shipped_med['pip_venv'])
    print('  ansible.builtin.ping      %.3f s' % shipped_med['ping'])
    print('  ratio pip_venv/ping       %.2fx' % res['shipped']['ratio_to_ping'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=7)
    opts = parser.parse_args()
    if opts.runs < 5:
        parser.error('--runs must be at least 5 for a median')
    res = measure(opts.runs)
    res.update(python=sys.version.split()[0], ansible_core=lib.ansible_core_version())
    report(res)
    print('written: %s' % os.path.relpath(lib.write_results('noop', res), lib.ROOT))


if __name__ == '__main__':
    main()
