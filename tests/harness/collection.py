"""The collection as users install it, and the collections Molecule needs.

artifact() builds the collection artifact from what a clean clone holds
(tracked files plus untracked ones that are not ignored), filtered by
galaxy.yml's build_ignore, and installs it with no index and no dependencies:
tests then run what would be published, and a file the package misses fails
them. bundle() is containers.podman and the rest of the `ansible` package
from PyPI, since Galaxy cannot be reached.

As a program, for benchmarks/run: python tests/harness/collection.py bundle
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import pins  # noqa: E402  pylint: disable=wrong-import-position
from harness.env import BUILD, ROOT, tool  # noqa: E402  pylint: disable=wrong-import-position

# The `ansible` release whose bundled collections go with ansible-core 2.19.
ANSIBLE_BUNDLE = 'ansible==12.3.0'


def version() -> str:
    """The collection version galaxy.yml builds."""
    for line in (ROOT / 'galaxy.yml').read_text().splitlines():
        if line.startswith('version:'):
            return line.split(':', 1)[1].split('#')[0].strip().strip('\'"')
    raise RuntimeError('galaxy.yml has no version')


def tarball() -> Path:
    """Where artifact() leaves the built artifact."""
    return BUILD / 'dist' / ('venvkit-python-%s.tar.gz' % version())


def bundle() -> Path:
    """The collections of the `ansible` package, installed once under build/ansible-pkg."""
    dest = BUILD / 'ansible-pkg'
    if not (dest / 'ansible_collections' / 'containers' / 'podman').is_dir():
        print('collection: installing the collections of %s' % ANSIBLE_BUNDLE, file=sys.stderr)
        shutil.rmtree(dest, ignore_errors=True)
        # Pinned with its hashes (tests/pins.txt): the bundle changes on purpose only.
        name, version = ANSIBLE_BUNDLE.split('==')
        hashes = pins.allowed().get((name, version))
        if not hashes:
            raise pins.PinError('%s is not in tests/pins.txt' % ANSIBLE_BUNDLE)
        requirement = BUILD / 'pins' / 'ansible-bundle.txt'
        requirement.parent.mkdir(parents=True, exist_ok=True)
        requirement.write_text('%s %s\n' % (ANSIBLE_BUNDLE, ' '.join('--hash=sha256:' + h for h in sorted(hashes))))
        subprocess.run([tool('pip'), 'install', '-qq', '--disable-pip-version-check', '--no-deps', '--require-hashes',
                        '--target', str(dest), '-r', str(requirement)], check=True)
    return dest


def _shipped_files() -> list[str]:
    listing = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                             cwd=ROOT, check=True, capture_output=True, text=True).stdout
    # Tracked files deleted in the working tree are not part of it.
    return [name for name in listing.split('\0') if name and (ROOT / name).is_file()]


def source_tree(top: Path) -> Path:
    """The repository's files (tests included) copied to top/ansible_collections/venvkit/python; returns it.

    ansible-test wants the copy outside this git work tree: inside it, it would
    ask git which files there are, and build/ is ignored.
    """
    src = top / 'ansible_collections' / 'venvkit' / 'python'
    shutil.rmtree(top, ignore_errors=True)
    for file_name in _shipped_files():
        target = src / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / file_name, target, follow_symlinks=False)
    return src


def artifact() -> Path:
    """Build and install the artifact into build/artifact; returns that collections path."""
    src = source_tree(BUILD / 'artifact-src')
    dest = BUILD / 'artifact'
    built = tarball()
    built.parent.mkdir(parents=True, exist_ok=True)
    built.unlink(missing_ok=True)
    subprocess.run([tool('ansible-galaxy'), 'collection', 'build', '--force', '--output-path', str(built.parent),
                    str(src)], check=True, stdout=sys.stderr)
    if not built.is_file():
        raise RuntimeError('collection: %s was not built' % built)
    shutil.rmtree(dest, ignore_errors=True)
    # As the README's install section says and Semaphore does before every task: through a
    # collections/requirements.yml entry of type file.
    requirements = BUILD / 'dist' / 'requirements.yml'
    requirements.write_text('---\ncollections:\n  - name: %s\n    type: file\n' % built)
    subprocess.run([tool('ansible-galaxy'), 'collection', 'install', '--offline', '--no-deps', '--force',
                    '-p', str(dest), '-r', str(requirements)], check=True, stdout=sys.stderr,
                   env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(dest)))
    if not (dest / 'ansible_collections' / 'venvkit' / 'python' / 'MANIFEST.json').is_file():
        raise RuntimeError('collection: %s did not install from %s' % (built, requirements))
    return dest


def collections_path() -> str:
    """ANSIBLE_COLLECTIONS_PATH for tests of the built artifact: it, then the bundle."""
    return '%s:%s' % (artifact(), bundle())


if __name__ == '__main__':
    if sys.argv[1:] != ['bundle']:
        sys.exit('usage: collection.py bundle')
    print(bundle())
