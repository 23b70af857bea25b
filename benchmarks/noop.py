#!/usr/bin/env python3
"""No-op re-run: venvkit.python.pip_venv against ansible.builtin.pip.

Both modules run directly from an args file, as Ansible runs them on a
target, against the same venv and the same requirements file (httpx[cli]
from a local wheel directory). Each is timed over --runs runs after one
warm-up; the medians and their ratio are printed and written as JSON.

Usage: python benchmarks/noop.py [--runs N] [--wheels DIR] [--out FILE]
Needs ansible-core in the running interpreter and, unless --wheels is given,
pip access to an index to download httpx[cli] once.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collections_root():
    build = os.path.join(ROOT, 'build', 'collections')
    link = os.path.join(build, 'ansible_collections', 'venvkit', 'python')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return build


def wheelhouse(path, spec):
    """A directory of wheels for spec, downloaded once."""
    if not (os.path.isdir(path) and any(name.endswith('.whl') for name in os.listdir(path))):
        os.makedirs(path, exist_ok=True)
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--only-binary', ':all:', '-d', path, spec],
                       check=True)
    return path


def module_env():
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('PIP_'))
    env.pop('PYTHONDONTWRITEBYTECODE', None)  # both modules run from cached bytecode
    env['PIP_CONFIG_FILE'] = os.devnull
    env['PYTHONPATH'] = collections_root()
    return env


def run_module(module, args, env):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    try:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, '-m', module, handle.name], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, check=False)
        elapsed = time.perf_counter() - start
    finally:
        os.unlink(handle.name)
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    if result.get('failed'):
        raise SystemExit('%s failed: %s' % (module, result.get('msg')))
    return elapsed, result


def timed(module, args, env, runs):
    run_module(module, args, env)  # warm-up: bytecode, page cache
    times = []
    for _ in range(runs):
        elapsed, result = run_module(module, args, env)
        if result.get('changed'):
            raise SystemExit('%s reported a change on a no-op run' % module)
        times.append(elapsed)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=7)
    parser.add_argument('--wheels', default=os.path.join(ROOT, 'build', 'bench', 'wheels-httpx'))
    parser.add_argument('--spec', default='httpx[cli]')
    parser.add_argument('--out', default=os.path.join(ROOT, 'benchmarks', 'results', 'noop.json'))
    opts = parser.parse_args()
    if opts.runs < 5:
        parser.error('--runs must be at least 5 for a median')

    wheels = wheelhouse(opts.wheels, opts.spec)
    env = module_env()
    work = tempfile.mkdtemp(prefix='venvkit-bench-')
    venv = os.path.join(work, 'venv')
    req = os.path.join(work, 'requirements.txt')
    with open(req, 'w') as handle:
        handle.write(opts.spec + '\n')
    base_python = os.path.realpath(getattr(sys, '_base_executable', sys.executable))

    pip_venv_args = dict(path=venv, python=base_python, requirements=[req], find_links=[wheels], no_index=True)
    builtin_args = dict(virtualenv=venv, requirements=req, extra_args='--no-index --find-links %s' % wheels)
    module_venv = 'ansible_collections.venvkit.python.plugins.modules.pip_venv'
    run_module(module_venv, pip_venv_args, env)  # builds the venv both modules use
    builtin = timed('ansible.modules.pip', builtin_args, env, opts.runs)
    ours = timed(module_venv, pip_venv_args, env, opts.runs)
    ping = timed('ansible.modules.ping', {}, env, opts.runs)
    subprocess.run(['rm', '-rf', work], check=True)

    med = dict(pip_venv=statistics.median(ours), builtin_pip=statistics.median(builtin),
               ping=statistics.median(ping))
    results = dict(
        benchmark='no-op re-run, module time from an args file',
        requirements=opts.spec, runs=opts.runs, python=sys.version.split()[0],
        ansible_core=subprocess.run([sys.executable, '-c', 'import ansible; print(ansible.__version__)'],
                                    stdout=subprocess.PIPE, check=True).stdout.decode().strip(),
        seconds=dict(pip_venv=ours, builtin_pip=builtin, ping=ping),
        median=med,
        ratio=med['builtin_pip'] / med['pip_venv'],
        ratio_above_ping=(med['builtin_pip'] - med['ping']) / max(med['pip_venv'] - med['ping'], 1e-3),
    )
    os.makedirs(os.path.dirname(opts.out), exist_ok=True)
    with open(opts.out, 'w') as handle:
        json.dump(results, handle, indent=1)
    print('no-op re-run of %s, median of %d runs (Python %s, ansible-core %s)'
          % (opts.spec, opts.runs, results['python'], results['ansible_core']))
    print('  ansible.builtin.pip       %.3f s' % med['builtin_pip'])
    print('  venvkit.python.pip_venv   %.3f s' % med['pip_venv'])
    print('  ansible.builtin.ping      %.3f s  (the floor: Python and AnsibleModule start-up)' % med['ping'])
    print('  ratio builtin/pip_venv    %.1fx' % results['ratio'])
    print('  ratio above the floor     %.1fx' % results['ratio_above_ping'])
    print('written: %s' % os.path.relpath(opts.out, ROOT))


if __name__ == '__main__':
    main()
