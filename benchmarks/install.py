"""Cold installs and a one-version bump: pip_venv with pip, with uv, and ansible.builtin.pip.

Cold: a new venv with httpx[cli], and with a heavier set (ansible-core,
boto3, requests, pywinrm, as Semaphore's own image installs), from a local
wheel directory; each method gets a fresh directory every run, with its
download cache warm. "httpx-nopip" is httpx[cli] from a wheel directory
without a pip wheel, as a find_links directory of a user's own packages
usually is: uv then seeds pip from the interpreter's own wheel.
Incremental: a requirements.txt whose one pin moves between two versions,
each run one bump, with the atomic update (a new generation) for pip_venv.
Module time from an args file, median of --runs runs; the methods take turns
in every round, so a busy moment weighs on all of them alike.

Usage: python benchmarks/install.py [--runs N]
"""

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402  pylint: disable=wrong-import-position

SETS = {
    'httpx': ['httpx[cli]'],
    'heavy': ['ansible-core', 'boto3', 'requests', 'pywinrm'],
    'httpx-nopip': ['httpx[cli]'],
}
BUMP = ('click==8.1.8', 'click==8.2.1')
UV = os.path.join(os.path.dirname(sys.executable), 'uv')


def methods(path, req, wheels):
    """(name, module, args) of each way to install req into path."""
    ours = dict(path=path, python=lib.BASE_PYTHON, requirements=[req], find_links=[wheels], no_index=True)
    return [
        ('pip_venv (pip)', lib.MODULE, dict(ours, installer='pip')),
        ('pip_venv (uv)', lib.MODULE, dict(ours, installer='uv', uv=UV)),
        ('ansible.builtin.pip', 'ansible.modules.pip',
         dict(virtualenv=path, virtualenv_command='%s -m venv' % lib.BASE_PYTHON, requirements=req,
              extra_args='--no-index --find-links %s' % wheels)),
    ]


def cold(runs):
    env = lib.module_env()
    out = {}
    for name, specs in SETS.items():
        wheels = lib.wheelhouse(name, specs, with_pip=not name.endswith('-nopip'))
        out[name] = {}
        work = tempfile.mkdtemp(prefix='venvkit-bench-')
        try:
            req = os.path.join(work, 'requirements.txt')
            with open(req, 'w') as handle:
                handle.write(''.join(s + '\n' for s in specs))
            for label, module, args in methods(os.path.join(work, 'warm'), req, wheels):
                lib.run_module(module, args, env)  # warms the caches of every method alike
            for index in range(runs):
                for label, module, args in methods(os.path.join(work, 'run%d' % index), req, wheels):
                    key = 'path' if 'path' in args else 'virtualenv'
                    args = dict(args, **{key: os.path.join(work, 'run%d-%s' % (index, label.split()[-1].strip('()')))})
                    elapsed, result = lib.run_module(module, args, env)
                    assert result['changed']
                    out[name].setdefault(label, []).append(elapsed)
        finally:
            shutil.rmtree(work)
    return out


def incremental(runs):
    env = lib.module_env()
    wheels = lib.wheelhouse('bump', ['httpx[cli]', BUMP[0]], [BUMP[1]])
    out = {}
    work = tempfile.mkdtemp(prefix='venvkit-bench-')
    try:
        for label, module, args in methods(None, None, wheels):
            tag = label.split()[-1].strip('()').replace('.', '-')
            req = os.path.join(work, 'req-%s.txt' % tag)
            key = 'path' if 'path' in args else 'virtualenv'
            args = dict(args, **{key: os.path.join(work, 'venv-' + tag)})
            args['requirements'] = [req] if key == 'path' else req
            times = []
            for index in range(runs + 1):
                with open(req, 'w') as handle:
                    handle.write('httpx[cli]\n%s\n' % BUMP[index % 2])
                elapsed, result = lib.run_module(module, args, env)
                if index:  # the first run builds the venv
                    assert result['changed']
                    times.append(elapsed)
            out[label] = times
    finally:
        shutil.rmtree(work)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    opts = parser.parse_args()
    res = dict(runs=opts.runs, python=sys.version.split()[0], ansible_core=lib.ansible_core_version(),
               cold=cold(opts.runs), incremental=incremental(opts.runs), bump=list(BUMP))
    res['cold_median'] = dict((s, dict((m, lib.median(t)) for m, t in v.items())) for s, v in res['cold'].items())
    res['incremental_median'] = dict((m, lib.median(t)) for m, t in res['incremental'].items())
    for name, meds in res['cold_median'].items():
        base = meds['ansible.builtin.pip']
        origin = ', from a wheel directory without pip' if name.endswith('-nopip') else ''
        print('cold install of %s%s (median of %d)' % (' '.join(SETS[name]), origin, opts.runs))
        for label, value in meds.items():
            print('  %-22s %7.2f s  %5.1fx' % (label, value, base / value))
    base = res['incremental_median']['ansible.builtin.pip']
    print('one version bump (%s <-> %s), median of %d' % (BUMP[0], BUMP[1], opts.runs))
    for label, value in res['incremental_median'].items():
        print('  %-22s %7.2f s  %5.1fx' % (label, value, base / value))
    print('written: %s' % os.path.relpath(lib.write_results('install', res), lib.ROOT))


if __name__ == '__main__':
    main()
