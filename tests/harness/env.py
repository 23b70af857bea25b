"""Where the checkout, its build directory and the dev venv are.

tests/lib/env.sh says the same to the shell helpers and the scripts outside
tests/ (demo/run, benchmarks/run).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / 'build'
VENV = ROOT / '.venv'
# The working tree, seen by Ansible as the installed collection venvkit.python.
COLLECTIONS = BUILD / 'collections'


def python_version() -> str:
    """This interpreter's version, as 3.11."""
    return '%d.%d' % sys.version_info[:2]


def tool(name: str) -> str:
    """A program of the venv this interpreter runs in (pip, uv, ansible-galaxy)."""
    return str(Path(sys.executable).parent / name)


def session_env(**extra: str | None) -> dict[str, str | None]:
    """The environment of the commands the project's sessions run.

    None removes a variable: the constraints noxfile.py gives nox's own venv
    installs must not reach the pip and uv the tests start.
    """
    env: dict[str, str | None] = {
        'VENVKIT_ROOT': str(ROOT),
        'VENVKIT_BUILD': str(BUILD),
        'PATH': str(VENV / 'bin') + os.pathsep + os.environ.get('PATH', ''),
        'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        # Podman's default runtime and rlimits do not work on the CI machines.
        'CONTAINERS_CONF': str(ROOT / 'tests' / 'lib' / 'containers.conf'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'UV_CONSTRAINT': None,
        'UV_EXCLUDE_NEWER': None,
        'PIP_CONSTRAINT': None,
    }
    env.update(extra)
    return env


def apply(env: dict[str, str | None]) -> None:
    """Make env this process's environment, for checks run as scripts."""
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
