"""The current ansible-core releases, which the host's Python cannot run (2.20
and later need Python 3.12 on the controller), on a Python 3.13 controller in
a container (controller.py), running the project's nox sessions unchanged:

- newest release: ansible-test sanity, the unit tests, the integration
  playbook and the role session; then the collection's plays must have
  printed no deprecation warning and no "does not support Ansible version"
  warning;
- previous minor release: the unit tests of what depends on ansible-core
  (tests/unit/plugins/modules: the modules through AnsibleModule, the
  filters, ansible-doc), as the matrix does between the ends.
Every part runs even when one before it failed; the run fails if any did.
Usage: python tests/harness/current.py NEWEST PREVIOUS   (the current session)
"""

import collections
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import controller  # noqa: E402  pylint: disable=wrong-import-position
from harness.env import BUILD, ROOT  # noqa: E402  pylint: disable=wrong-import-position

LOGS = BUILD / 'current'
# The role session installs httpx[cli] and seeds venvs with pip.
PACKAGES = ('httpx[cli]', 'pip')


class Parts:
    def __init__(self) -> None:
        self.results: list[str] = []
        self.failed = False

    def run(self, name: str, version: str, nox_args: list[str], envs: tuple[str, ...] = ()) -> Path:
        """nox NOX_ARGS in the controller of that release, timed, its output shown and kept in a log."""
        print('--- ansible-core %s: %s' % (version, name), flush=True)
        log = LOGS / ('%s-%s.log' % (name, version))
        start = time.monotonic()
        status = controller.run(version, ['nox', '--no-color'] + nox_args, envs, PACKAGES, log)
        self.record(version, name, status == 0, '%4d s' % (time.monotonic() - start))
        return log

    def record(self, version: str, name: str, ok: bool, seconds: str = '') -> None:
        self.failed = self.failed or not ok
        self.results.append('%-8s %-12s %-7s %s' % (version, name, 'ok' if ok else 'FAILED', seconds))


def sanity_summary(log: Path) -> None:
    """Each sanity test: ran, had no tests applicable, was skipped, or failed."""
    test, state, failing = '', '', False
    for line in log.read_text(errors='replace').splitlines():
        if line.startswith('Running sanity test "'):
            if test:
                print('%s: %s' % (state, test))
            test, state, failing = line.split('"')[1], 'ran', False
        elif line.startswith('No tests applicable.'):
            state = 'no tests applicable'
        elif line.startswith('WARNING: Skipping sanity test "'):
            if test:
                print('%s: %s' % (state, test))
                test = ''
            print('skipped: %s' % line.split('"')[1])
        elif re.match(r'FATAL: The \d+ sanity test', line):
            if test:
                print('%s: %s' % (state, test))
                test = ''
            failing = True
        elif line.startswith('FATAL:'):
            failing = False
        elif failing:
            print('failed: %s' % line)
    if test:
        print('%s: %s' % (state, test))


def plays_warned(log: Path) -> bool:
    """Print each distinct warning of the plays with its count; whether one is a
    deprecation or an unsupported-version warning."""
    warnings = [line.split(' WARNING| ', 1)[1] for line in log.read_text(errors='replace').splitlines()
                if ' WARNING| ' in line]
    for message, count in collections.Counter(warnings).most_common():
        print('%7d %s' % (count, message))
    text = log.read_text(errors='replace')
    return '[DEPRECATION WARNING]' in text or 'does not support Ansible version' in text


def main(newest: str, previous: str) -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    parts = Parts()
    # -v: ansible-test says "No tests applicable." for a test with nothing to
    # check, which the summary below needs.
    minor = newest.rsplit('.', 1)[0]
    sanity = parts.run('sanity', newest, ['-s', 'ansible-test-sanity-' + minor, '--', '-v'])
    parts.run('unit', newest, ['-s', 'unit'])

    # Every message of the plays below goes to this log, the role session's
    # too, which shows a play's output only when it fails. The container's
    # build/ is build/controller/build/ here.
    plays = 'current/plays-%s.log' % newest
    host_plays = controller.BASE / 'build' / plays
    host_plays.parent.mkdir(parents=True, exist_ok=True)
    host_plays.unlink(missing_ok=True)
    os.environ['ANSIBLE_LOG_PATH'] = str(ROOT / 'build' / plays)
    os.environ['ANSIBLE_DEPRECATION_WARNINGS'] = 'true'
    envs = ('ANSIBLE_LOG_PATH', 'ANSIBLE_DEPRECATION_WARNINGS')
    parts.run('integration', newest, ['-s', 'integration'], envs)
    parts.run('role', newest, ['-s', 'role'], envs)

    parts.run('unit', previous, ['-s', 'unit', '--', 'tests/unit/plugins/modules'])

    print('--- ansible-core %s: sanity tests' % newest)
    sanity_summary(sanity)
    print("--- ansible-core %s: warnings of the collection's plays" % newest)
    if not host_plays.is_file():
        print('current: no play wrote %s' % host_plays, file=sys.stderr)
        parts.record(newest, 'warnings', False)
    elif plays_warned(host_plays):
        print('current: the plays printed a deprecation or unsupported-version warning (above)', file=sys.stderr)
        parts.record(newest, 'warnings', False)
    else:
        print('no deprecation warning, no unsupported-version warning')
        parts.record(newest, 'warnings', True)

    print('--- parts')
    print('\n'.join(parts.results))
    return 1 if parts.failed else 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: current.py NEWEST PREVIOUS')
    sys.exit(main(sys.argv[1], sys.argv[2]))
