"""Checks for the scripts that drive ansible-playbook and podman, and their plays.

Each check prints "ok: DESCRIPTION" or what failed. expect() stops the
script at the first failure, since what follows builds on it; check() counts
the failure and goes on, for checks that stand on their own.
"""

import difflib
import hashlib
import json
import os
import pwd
import re
import stat
import subprocess
import sys
from pathlib import Path

RECAP = re.compile(r'^(\S+)\s*: ok=\d+\s+changed=(\d+)', re.M)


class Stop(Exception):
    """A check failed that the rest of the script builds on."""


class Checks:
    def __init__(self, name: str) -> None:
        self.name = name
        self.failures = 0

    @staticmethod
    def _explain(expected: str, actual: str) -> str:
        if '\n' in expected or '\n' in actual:
            return '\n'.join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), 'expected', 'actual',
                                                  lineterm=''))
        return '  expected: [%s]\n  actual:   [%s]' % (expected, actual)

    def expect(self, description: str, expected: object, actual: object) -> None:
        """A check the rest builds on: stop unless actual is expected."""
        if str(expected) == str(actual):
            print('ok: %s' % description, flush=True)
            return
        raise Stop('FAIL: %s\n%s' % (description, self._explain(str(expected), str(actual))))

    def check(self, description: str, expected: object, actual: object) -> bool:
        """A check that stands alone: count it when it fails, and go on."""
        if str(expected) == str(actual):
            print('ok: %s' % description, flush=True)
            return True
        print('FAILED: %s\n%s' % (description, self._explain(str(expected), str(actual))), flush=True)
        self.failures += 1
        return False

    def contains(self, description: str, needle: str, path: Path) -> bool:
        """Count a failure unless the file holds needle."""
        text = path.read_text(errors='replace')
        if needle in text:
            return self.check(description, True, True)
        return self.check(description, needle, '(not in %s)\n%s' % (path, text))

    def lacks(self, description: str, needle: str, path: Path) -> bool:
        """Count a failure when the file holds needle."""
        return self.check(description, 'not found in %s' % path,
                          ('found in %s' if needle in path.read_text(errors='replace') else 'not found in %s') % path)

    def main(self, body) -> int:
        """Run body(self); the exit status of the script."""
        try:
            body(self)
        except Stop as exc:
            print(exc, file=sys.stderr)
            return 1
        if self.failures:
            print('%s: %d check(s) failed' % (self.name, self.failures))
            return 1
        print('%s: every check passed' % self.name)
        return 0


def changed(log: str, host: str | None = None) -> int:
    """The changed= count of the play recap in log: host's, or every host's summed."""
    return sum(int(count) for name, count in RECAP.findall(log) if host is None or name == host)


def playbook(log: Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
             must_fail: bool = False) -> str:
    """ansible-playbook ARGS, its output kept in log and returned.

    A play that fails (or, with must_fail, one that succeeds) stops the script,
    and its output is shown.
    """
    proc = subprocess.run(['ansible-playbook'] + list(args), cwd=cwd, env=env, check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write_text(proc.stdout)
    if (proc.returncode != 0) != must_fail:
        print(proc.stdout, file=sys.stderr)
        raise Stop('FAIL: ansible-playbook %s %s' % (' '.join(args), 'should have failed' if must_fail else 'failed'))
    return proc.stdout


def remote_calls(log: Path, *args: str, cwd: Path | None = None) -> dict[str, list[str]]:
    """ansible-playbook ARGS, and the tasks of the venv role that reached each host (callbacks/remote_calls.py)."""
    record = log.with_suffix('.calls.json')
    env = dict(os.environ, ANSIBLE_CALLBACK_PLUGINS=str(Path(__file__).resolve().parent / 'callbacks'),
               ANSIBLE_CALLBACKS_ENABLED='remote_calls', VENVKIT_REMOTE_CALLS=str(record))
    playbook(log, *args, cwd=cwd, env=env)
    return json.loads(record.read_text())


def snapshot(top: Path) -> str:
    """Every path under top with its type, mode, owner, link target and content hash."""
    lines = [_describe(top, top)]
    for directory, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(directory, name)
            lines.append(_describe(top, path))
            if stat.S_ISREG(path.lstat().st_mode):
                lines.append('%s sha256 %s' % (path.relative_to(top), hashlib.sha256(path.read_bytes()).hexdigest()))
    return '\n'.join(sorted(lines))


def _describe(top: Path, path: Path) -> str:
    info = path.lstat()
    kind = 'l' if stat.S_ISLNK(info.st_mode) else 'd' if stat.S_ISDIR(info.st_mode) else 'f'
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    return '%s %s %o %s %s' % (path.relative_to(top), kind, stat.S_IMODE(info.st_mode), owner,
                               os.readlink(path) if kind == 'l' else '')
