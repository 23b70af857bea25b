"""Fixtures for the unit tests: a local wheelhouse, a hermetic pip, helpers (helpers.py)."""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers  # noqa: E402  pylint: disable=wrong-import-position
import wheels  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope='session')
def wheelhouse(tmp_path_factory):
    path = wheels.build_wheelhouse(str(tmp_path_factory.mktemp('wheelhouse')))
    # Readable by the unprivileged users some tests run as.
    os.chmod(os.path.dirname(path), 0o755)
    return path


@pytest.fixture(scope='session')
def pip_env():
    """The environment pip runs with: the host's pip configuration left out."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('PIP_', 'UV_')))
    env['PIP_CONFIG_FILE'] = os.devnull
    env['PIP_DISABLE_PIP_VERSION_CHECK'] = '1'
    return env


@pytest.fixture
def run(tmp_path, wheelhouse, pip_env):
    return helpers.Runner(str(tmp_path), wheelhouse, pip_env)


@pytest.fixture
def no_processes(monkeypatch):
    """Records every process the engine starts."""
    started = []
    real_run = subprocess.run

    def spy(argv, *args, **kwargs):
        started.append(helpers.program(argv))
        return real_run(argv, *args, **kwargs)  # pylint: disable=subprocess-run-check

    monkeypatch.setattr(subprocess, 'run', spy)
    return started


@pytest.fixture(scope='session')
def uv_wheelhouse(tmp_path_factory, wheelhouse):
    """The test wheelhouse plus a pip wheel, for uv to seed venvs from the index."""
    import shutil
    dest = str(tmp_path_factory.mktemp('uv-wheelhouse'))
    os.chmod(os.path.dirname(dest), 0o755)
    for name in os.listdir(wheelhouse):
        shutil.copy(os.path.join(wheelhouse, name), dest)
    helpers.pip_wheel_copy(dest)
    return dest


@pytest.fixture
def open_run(tmp_path_factory, wheelhouse, pip_env):
    """A runner in a directory every user can read, with the system's Python: for
    tests where the venv belongs to, or is used by, another user than root."""
    import shutil
    import tempfile
    root = tempfile.mkdtemp(prefix='venvkit-open-', dir='/var/tmp')
    os.chmod(root, 0o755)
    wheels_dir = os.path.join(root, 'wheels')
    shutil.copytree(wheelhouse, wheels_dir)
    for name in os.listdir(wheels_dir):
        os.chmod(os.path.join(wheels_dir, name), 0o644)
    os.chmod(wheels_dir, 0o755)
    runner = helpers.Runner(root, wheels_dir, pip_env)
    runner.base_python = '/usr/bin/python3'
    yield runner
    shutil.rmtree(root, ignore_errors=True)
