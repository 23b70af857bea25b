"""What ansible-test sanity needs to run here.

Its pip bootstrap: ansible-test bootstraps pip into each virtual environment
it makes with a script downloaded from ci-files.testing.ansible.com, which CI
cannot reach. It looks in its cache first, so a stand-in goes there: it
installs the packages ansible-test asks for (pip; before 2.17 setuptools and
wheel too), with no index, from wheels fetched beforehand with the dev venv's
pip. Their versions are read from ansible-test's own source, so an
ansible-core upgrade cannot silently bring the download back.

The installed Pythons: pyenv's shims exist for every installed Python but
fail for those not selected, and ansible-test takes any python3.X on PATH as
usable (and runs it with an environment of its own, so PYENV_VERSION would
not reach the shim). Links straight to each installed interpreter, first on
PATH, let the compile and import tests run on every version installed.
"""

import re
import shutil
import subprocess
from pathlib import Path

from harness import pins
from harness.env import BUILD, tool

DEFAULT_PACKAGES = re.compile(r"default_packages = dict\(([^)]*)\)")
PIN = re.compile(r"(\w+)='([^']+)'")
STANDIN = '''\
# Stand-in for get-pip.py, written by the venvkit.python sanity session.
# ansible-test runs it as: python get_pip.py [pip options] pip==X --no-setuptools --no-wheel
# (before 2.17: pip==X setuptools==Y wheel==Z)
# and it installs them from local wheels, with no index.
import sys
sys.path.insert(0, %(wheel)r)
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(main(['install', '--no-index', '--find-links', %(wheels)r] + args))
'''


def bootstrapped_packages(source: str, where: str) -> dict[str, str]:
    """The packages and versions ansible-test bootstraps, from its python_requirements.py."""
    match = DEFAULT_PACKAGES.search(source)
    packages = dict(PIN.findall(match.group(1))) if match else {}
    if 'pip' not in packages:
        raise RuntimeError('cannot find the pip version ansible-test bootstraps in %s' % where)
    return packages


def pip_standin(ansible_test: Path) -> None:
    """Put the stand-in for the pip the ansible_test package at that path bootstraps into its cache."""
    requirements = ansible_test / '_internal' / 'python_requirements.py'
    packages = bootstrapped_packages(requirements.read_text(), str(requirements))
    wheels = BUILD / 'sanity' / 'wheels'
    missing = ['%s==%s' % (name, version) for name, version in packages.items()
               if not list(wheels.glob('%s-%s-*.whl' % (name, version)))]
    if missing:
        subprocess.run([tool('pip'), 'download', '-qq', '--disable-pip-version-check', '--no-deps',
                        '--only-binary', ':all:', '-d', str(wheels)] + missing, check=True)
    # ansible-test names exact versions; their files must be the pinned ones (tests/pins.txt).
    pins.check(wheels)
    wheel = wheels / ('pip-%s-py3-none-any.whl' % packages['pip'])
    cache = Path.home() / '.ansible' / 'test' / 'cache'
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / ('get_pip_%s.py' % packages['pip'].replace('.', '_'))
    part = target.with_suffix('.part')
    part.write_text(STANDIN % {'wheel': str(wheel), 'wheels': str(wheels)})
    part.replace(target)


def pyenv_pythons(dest: Path) -> list[str]:
    """Links to every Python pyenv installed, in dest; [] without pyenv."""
    pyenv = shutil.which('pyenv')
    if not pyenv:
        return []
    dest.mkdir(parents=True, exist_ok=True)
    versions = subprocess.run([pyenv, 'versions', '--bare'], capture_output=True, text=True, check=True).stdout
    for version in versions.split():
        prefix = subprocess.run([pyenv, 'prefix', version], capture_output=True, text=True, check=True).stdout.strip()
        for exe in Path(prefix, 'bin').glob('python[0-9].[0-9]*'):
            if not exe.name.endswith(('-config', '-gdb.py')) and exe.is_file():
                link = dest / exe.name
                link.unlink(missing_ok=True)
                link.symlink_to(exe)
    return [str(dest)]
