"""Fixtures for the engine tests: a local wheelhouse, a hermetic pip, helpers."""

import json
import os
import stat
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wheels  # noqa: E402  pylint: disable=wrong-import-position


def _collections_root():
    """A directory holding ansible_collections/venvkit/python -> this tree."""
    build = os.path.join(ROOT, 'build', 'collections')
    link = os.path.join(build, 'ansible_collections', 'venvkit', 'python')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return build


COLLECTIONS = _collections_root()
sys.path.insert(0, COLLECTIONS)

from ansible_collections.venvkit.python.plugins.module_utils import _pip_venv as engine  # noqa: E402

# The interpreter the test venvs are built with: the one under the test venv.
BASE_PYTHON = os.path.realpath(getattr(sys, '_base_executable', sys.executable))


@pytest.fixture(scope='session')
def wheelhouse(tmp_path_factory):
    return wheels.build_wheelhouse(str(tmp_path_factory.mktemp('wheelhouse')))


@pytest.fixture(scope='session')
def pip_env():
    """The environment pip runs with: the host's pip configuration left out."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('PIP_'))
    env['PIP_CONFIG_FILE'] = os.devnull
    env['PIP_DISABLE_PIP_VERSION_CHECK'] = '1'
    return env


class Runner:
    """Runs the engine with defaults that install from the local wheelhouse."""

    def __init__(self, root, wheelhouse, env):
        self.root = root
        self.path = os.path.join(root, 'venv')
        self.wheelhouse = wheelhouse
        self.env = env

    def params(self, **overrides):
        params = dict(path=self.path, state='present', python=BASE_PYTHON, requirements=[], packages=[],
                      constraints=[], index_url=None, extra_index_urls=[], find_links=[self.wheelhouse],
                      no_index=True, require_hashes=False, pip_args=[], system_site_packages=False, sync=False,
                      force=False, owner=None, group=None, update='atomic', keep_generations=2,
                      link_scripts=None, lock_timeout=30, installer='pip', uv=None, seed_pip=True)
        params.update(overrides)
        return params

    def __call__(self, check=False, diff=False, **overrides):
        return engine.PipVenv(self.params(**overrides), check_mode=check, diff_mode=diff,
                              environ=self.env).execute()

    def fails(self, check=False, **overrides):
        with pytest.raises(engine.VenvError) as info:
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
        with open(path, 'w') as handle:
            handle.write(text)
        return path


@pytest.fixture
def run(tmp_path, wheelhouse, pip_env):
    return Runner(str(tmp_path), wheelhouse, pip_env)


def tree_listing(root):
    """Every entry under root with its type, size, mode, mtime and link target."""
    listing = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(top, name)
            st = os.lstat(full)
            listing[os.path.relpath(full, root)] = (
                stat.S_IFMT(st.st_mode), st.st_size, stat.S_IMODE(st.st_mode), st.st_mtime_ns,
                os.readlink(full) if stat.S_ISLNK(st.st_mode) else None)
    return listing


@pytest.fixture
def no_processes(monkeypatch):
    """Records every process the engine starts."""
    started = []
    real_run = subprocess.run

    def spy(argv, *args, **kwargs):
        started.append(list(argv))
        return real_run(argv, *args, **kwargs)  # pylint: disable=subprocess-run-check

    monkeypatch.setattr(engine.subprocess, 'run', spy)
    return started


def run_module(args, env=None, check=False, diff=False, module='pip_venv'):
    """Run a module as Ansible does on the target, from an args file; returns (rc, result, raw)."""
    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    proc = subprocess.run(
        [sys.executable, '-m', 'ansible_collections.venvkit.python.plugins.modules.' + module],
        input=json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=dict(env or os.environ, PYTHONPATH=COLLECTIONS), check=False)
    raw = proc.stdout.decode() + proc.stderr.decode()
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1]) if proc.stdout.strip() else {}
    return proc.returncode, result, raw


UV = os.path.join(os.path.dirname(sys.executable), 'uv')


def _pip_wheel_copy(dest):
    """Put a pip wheel into dest, for uv to seed venvs with, without a network if possible."""
    import ensurepip
    import glob
    import shutil
    candidates = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled', 'pip-*.whl'))
    candidates += glob.glob('/usr/share/python-wheels/pip-*.whl')
    if candidates:
        shutil.copy(sorted(candidates)[-1], dest)
        return
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary', ':all:',
                    '-d', dest, 'pip'], check=True)


@pytest.fixture(scope='session')
def uv_wheelhouse(tmp_path_factory, wheelhouse):
    """The test wheelhouse plus a pip wheel, for uv --seed."""
    import shutil
    dest = str(tmp_path_factory.mktemp('uv-wheelhouse'))
    for name in os.listdir(wheelhouse):
        shutil.copy(os.path.join(wheelhouse, name), dest)
    _pip_wheel_copy(dest)
    return dest
