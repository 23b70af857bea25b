"""Helpers for the unit tests: the collection on sys.path, a runner for the
engine with defaults that install from a local wheelhouse, the module run
as Ansible runs it, and tree listings to compare before and after."""

import json
import os
import stat
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root():
    """A directory holding ansible_collections/venvkit/python -> this tree."""
    build = os.path.join(ROOT, 'build', 'collections')
    link = os.path.join(build, 'ansible_collections', 'venvkit', 'python')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return build


COLLECTIONS = _collections_root()
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

# pylint: disable=wrong-import-position
from ansible_collections.venvkit.python.plugins.module_utils._venvkit import engine, process  # noqa: E402
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError  # noqa: E402
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (  # noqa: E402
    installed_packages)


def run_command(args, environ_update=None, cwd=None, **dummy):
    """What AnsibleModule.run_command does for the engine, for tests that drive it directly."""
    env = dict(os.environ)
    env.update(environ_update or {})
    proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          cwd=cwd, check=False)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')


process.use(run_command)
LAUNCHER_ARGS = 8


def program(argv):
    """The program a launcher command line starts (see process.py)."""
    argv = list(argv)
    if len(argv) > LAUNCHER_ARGS and argv[1:4] == ['-I', '-S', '-c']:
        return argv[LAUNCHER_ARGS:]
    return argv


# The interpreter the test venvs are built with: the one under the test venv.
BASE_PYTHON = os.path.realpath(getattr(sys, '_base_executable', sys.executable))
UV = os.path.join(os.path.dirname(sys.executable), 'uv')


class Runner:
    """Runs the engine with defaults that install from the local wheelhouse."""

    def __init__(self, root, wheelhouse, env):
        self.root = root
        self.path = os.path.join(root, 'venv')
        self.wheelhouse = wheelhouse
        self.env = env
        self.base_python = BASE_PYTHON

    def params(self, **overrides):
        params = dict(path=self.path, python=self.base_python, find_links=[self.wheelhouse], no_index=True,
                      lock_timeout=30, installer='pip')
        params.update(overrides)
        return params

    def __call__(self, check=False, diff=False, **overrides):
        return engine.PipVenv(self.params(**overrides), check_mode=check, diff_mode=diff,
                              environ=self.env).execute()

    def fails(self, check=False, **overrides):
        with pytest.raises(VenvkitError) as info:
            self(check=check, **overrides)
        return info.value

    def script(self, name, *args):
        """(exit code, output) of a console script of the venv; 127 when it cannot start."""
        if not os.path.exists(os.path.join(self.path, 'bin', name)):
            return 127, ''
        try:
            proc = subprocess.run([os.path.join(self.path, 'bin', name)] + list(args),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        except OSError:
            return 127, ''
        return proc.returncode, proc.stdout.decode()

    def freeze(self, path=None):
        proc = subprocess.run([os.path.join(path or self.path, 'bin', 'python'), '-m', 'pip', 'freeze', '--all'],
                              stdout=subprocess.PIPE, check=True, env=self.env)
        return proc.stdout.decode()

    def write(self, name, text):
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write(text)
        return path

    def state(self, venv=None):
        """The state the engine keeps for the live venv (or venv)."""
        venv = venv or os.path.realpath(self.path)
        name = venv + '.json' if os.path.dirname(venv).endswith('.venvkit') else os.path.join(
            os.path.dirname(venv), '.%s.venvkit' % os.path.basename(venv), 'in-place.json')
        with open(name) as handle:
            return json.load(handle)


def tree_listing(root):
    """Every entry under root with its type, size, mode, mtime, owner and link target."""
    listing = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(top, name)
            st = os.lstat(full)
            listing[os.path.relpath(full, root)] = (
                stat.S_IFMT(st.st_mode), st.st_size, stat.S_IMODE(st.st_mode), st.st_mtime_ns, st.st_uid,
                os.readlink(full) if stat.S_ISLNK(st.st_mode) else None)
    return listing


def run_module(args, env=None, check=False, diff=False, module='pip_venv', verbosity=0):
    """Run a module as Ansible does on the target, from an args file; returns (rc, result, raw)."""
    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff, _ansible_verbosity=verbosity)
    proc = subprocess.run(
        [sys.executable, '-m', 'ansible_collections.venvkit.python.plugins.modules.' + module],
        input=json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=dict(env or os.environ, PYTHONPATH=COLLECTIONS), check=False)
    raw = proc.stdout.decode() + proc.stderr.decode()
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1]) if proc.stdout.strip() else {}
    return proc.returncode, result, raw


def pip_wheel_copy(dest):
    """Put a pip wheel into dest, for uv to seed venvs with, without a network if possible."""
    import glob
    import shutil
    import ensurepip
    candidates = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled', 'pip-*.whl'))
    candidates += glob.glob('/usr/share/python-wheels/pip-*.whl')
    if candidates:
        shutil.copy(sorted(candidates)[-1], dest)
        return
    # Pinned, and checked against tests/pins.txt: never whatever pip the index has today.
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary', ':all:',
                    '-d', dest, 'pip==26.3'], check=True)
    subprocess.run([sys.executable, os.path.join(ROOT, 'tests', 'harness', 'pins.py'), 'check',
                    os.path.join(dest, 'pip-26.3-py3-none-any.whl')], check=True, stdout=subprocess.DEVNULL)


def pip_ran(started):
    return [argv for argv in started if program(argv)[1:3] == ['-m', 'pip']]


def packages(venv):
    return installed_packages(venv)


def process_runner(environ=None):
    """The engine's process runner, as a run makes it."""
    return process.Process(environ)
