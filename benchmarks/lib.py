"""Shared pieces of the benchmarks: running modules from args files, timing, wheelhouses."""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, 'benchmarks', 'results')
CACHE = os.path.join(ROOT, 'build', 'bench')
PINS = os.path.join(ROOT, 'tests', 'harness', 'pins.py')
MODULE = 'ansible_collections.venvkit.python.plugins.modules.pip_venv'
BASE_PYTHON = os.path.realpath(getattr(sys, '_base_executable', sys.executable))


def collections_root():
    build = os.path.join(ROOT, 'build', 'collections')
    link = os.path.join(build, 'ansible_collections', 'venvkit', 'python')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return build


def wheelhouse(name, *groups, **options):
    """A directory of wheels, downloaded once; with pip's own wheel (for uv's seed)
    unless with_pip=False. Each group is a list of specs resolved together."""
    with_pip = options.get('with_pip', True)
    path = os.path.join(CACHE, 'wheels-' + name)
    if not (os.path.isdir(path) and any(n.endswith('.whl') for n in os.listdir(path))):
        os.makedirs(path, exist_ok=True)
        for specs in groups:
            # Within the pinned list (tests/pins.txt): a spec's own pin wins over the set's.
            named = [re.split(r'[=<>\[ ]', spec, 1)[0] for spec in specs]
            constraints = subprocess.run([sys.executable, PINS, 'constraints', 'benchmarks'] + named,
                                         capture_output=True, text=True, check=True).stdout.strip()
            subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--only-binary', ':all:', '-d', path,
                            '--constraint', constraints] + (['pip'] if with_pip else []) + list(specs), check=True)
        subprocess.run([sys.executable, PINS, 'check', path], check=True, stdout=subprocess.DEVNULL)
        if not with_pip:
            for name in os.listdir(path):
                if name.startswith('pip-'):
                    os.unlink(os.path.join(path, name))
    return path


def module_env():
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('PIP_'))
    env.pop('PYTHONDONTWRITEBYTECODE', None)  # every module runs from cached bytecode
    env['PIP_CONFIG_FILE'] = os.devnull
    env['PYTHONPATH'] = collections_root()
    return env


def run_module(module, args, env=None):
    """(seconds, result) of one run of module from an args file."""
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    try:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, '-m', module, handle.name], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env or module_env(), check=False)
        elapsed = time.perf_counter() - start
    finally:
        os.unlink(handle.name)
    lines = proc.stdout.decode().strip().splitlines()
    result = json.loads(lines[-1]) if lines else {'failed': True, 'msg': proc.stderr.decode()[-2000:]}
    if result.get('failed'):
        raise SystemExit('%s failed: %s' % (module, result.get('msg')))
    return elapsed, result


def median(values):
    return statistics.median(values)


def ansible_core_version():
    import ansible
    return ansible.__version__


def write_results(name, data):
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, name + '.json')
    with open(path, 'w') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    return path
