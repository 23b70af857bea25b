"""No-op re-run: venvkit.python.pip_venv against ansible.builtin.pip.

Both modules run directly from an args file, as Ansible runs them on a
target, against the same venv and the same requirements file (httpx[cli]
from a local wheel directory). Each is timed over --runs runs after one
warm-up, with ansible.builtin.ping as the start-up floor every module pays.

Usage: python benchmarks/noop.py [--runs N]
"""

import argparse
import os
import shutil
import sys
import tempfile

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
    finally:
        shutil.rmtree(work)
    med = dict((k, lib.median(v)) for k, v in seconds.items())
    return dict(benchmark='no-op re-run, module time from an args file', requirements=spec, runs=runs,
                seconds=seconds, median=med, ratio=med['builtin_pip'] / med['pip_venv'],
                ratio_above_floor=(med['builtin_pip'] - med['ping']) / max(med['pip_venv'] - med['ping'], 1e-3))


def report(res):
    med = res['median']
    print('no-op re-run of %s, median of %d runs' % (res['requirements'], res['runs']))
    print('  ansible.builtin.pip       %.3f s' % med['builtin_pip'])
    print('  venvkit.python.pip_venv   %.3f s' % med['pip_venv'])
    print('  ansible.builtin.ping      %.3f s  (floor: Python and AnsibleModule start-up)' % med['ping'])
    print('  ratio builtin/pip_venv    %.1fx' % res['ratio'])
    print('  ratio above the floor     %.0fx' % res['ratio_above_floor'])


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
