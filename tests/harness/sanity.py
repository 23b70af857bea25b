"""What ansible-test sanity needs to run here.

Its pip bootstrap: ansible-test bootstraps pip into each virtual environment
it makes with a script downloaded from ci-files.testing.ansible.com, which CI
cannot reach. It looks in its cache first, so a stand-in goes there: it
installs the pip ansible-test asks for, with no index, from a wheel fetched
beforehand with the dev venv's pip. The pip version is read from
ansible-test's own source, so an ansible-core upgrade cannot silently bring
the download back.

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

from harness.env import BUILD, tool

PIP_PIN = re.compile(r"default_packages = dict\(\s*pip='([^']+)'")
STANDIN = '''\
# Stand-in for get-pip.py, written by the venvkit.python sanity session.
# ansible-test runs it as: python get_pip.py [pip options] pip==X --no-setuptools --no-wheel
# and it installs pip from a local wheel, with no index.
import sys
sys.path.insert(0, %(wheel)r)
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(main(['install', '--no-index', '--find-links', %(wheels)r] + args))
'''


def bootstrapped_pip(source: str, where: str) -> str:
    """The pip version ansible-test bootstraps, from its python_requirements.py."""
    match = PIP_PIN.search(source)
    if not match:
        raise RuntimeError('cannot find the pip version ansible-test bootstraps in %s' % where)
    return match.group(1)


def pip_standin(ansible_test: Path) -> None:
    """Put the stand-in for the pip the ansible_test package at that path bootstraps into its cache."""
    requirements = ansible_test / '_internal' / 'python_requirements.py'
    version = bootstrapped_pip(requirements.read_text(), str(requirements))
    wheels = BUILD / 'sanity' / 'wheels'
    wheel = wheels / ('pip-%s-py3-none-any.whl' % version)
    if not wheel.is_file():
        subprocess.run([tool('pip'), 'download', '-qq', '--disable-pip-version-check', '--no-deps',
                        '--only-binary', ':all:', '-d', str(wheels), 'pip==' + version], check=True)
    cache = Path.home() / '.ansible' / 'test' / 'cache'
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / ('get_pip_%s.py' % version.replace('.', '_'))
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
