"""Containers, and the stand-in semaphore-runner service in those that boot systemd.

The images come from tests/lib/images.sh (localhost/venvkit-debian-systemd
boots systemd) and the stand-in from tests/files/systemd/.

As a program, for demo/run:
    python tests/harness/podman.py systemd-wait CONTAINER
    python tests/harness/podman.py runner-install CONTAINER
    python tests/harness/podman.py runner-wait CONTAINER
    python tests/harness/podman.py runner-seen CONTAINER [KEY]
"""

import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.env import ROOT  # noqa: E402  pylint: disable=wrong-import-position

STANDIN = ROOT / 'tests' / 'files' / 'systemd'


class Failed(Exception):
    """A container did not get where a test needs it."""


def podman(*args: str, check: bool = True) -> str:
    """podman's output; when check, a failure raises Failed with podman's errors."""
    proc = subprocess.run(['podman'] + list(args), capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise Failed('podman %s: exit status %d\n%s' % (' '.join(args), proc.returncode, proc.stderr))
    return proc.stdout


def sh(container: str, script: str, *args: str, user: str | None = None, check: bool = True) -> str:
    """A shell script run as root (or user) in the container; its output."""
    options = ['-u', user] if user else []
    return podman('exec', *options, container, 'sh', '-c', script, 'sh', *args, check=check)


def remove(*containers: str) -> None:
    """Remove the containers, running or not; missing ones are fine."""
    if containers:
        subprocess.run(['podman', 'rm', '-f', '-t', '0'] + list(containers), capture_output=True, check=False)


def images(*names: str) -> None:
    """Build the Debian images tests/lib/images.sh knows, when missing."""
    subprocess.run(['sh', str(ROOT / 'tests' / 'lib' / 'images.sh')] + list(names), check=True)


def _until(what: str, done, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise Failed(what)
        time.sleep(0.1)


def systemd_wait(container: str) -> None:
    """Wait until systemd has booted; fail, naming the failed units, unless it is running."""
    state = ''

    def booted() -> bool:
        nonlocal state
        # Right after `podman run -d` systemctl may find no bus yet and fail
        # at once (or say offline); --wait then covers the rest of the boot.
        state = podman('exec', container, 'systemctl', 'is-system-running', '--wait', check=False).strip()
        return state not in ('', 'offline')

    _until('systemd: %s did not boot within 10 s' % container, booted)
    if state != 'running':
        failed = podman('exec', container, 'systemctl', '--failed', '--no-pager', check=False)
        raise Failed('systemd: %s is %s\n%s' % (container, state, failed))


def runner_install(container: str) -> None:
    """Copy the stand-in semaphore-runner in and load it; it is not started."""
    podman('exec', container, 'mkdir', '-p', '/usr/local/libexec')
    podman('cp', str(STANDIN / 'semaphore-runner.sh'), container + ':/usr/local/libexec/semaphore-runner')
    podman('cp', str(STANDIN / 'semaphore-runner.service'), container + ':/etc/systemd/system/semaphore-runner.service')
    podman('exec', container, 'systemctl', 'daemon-reload')


def runner_seen(container: str, key: str | None = None) -> str:
    """What the service's last child wrote (/run/semaphore-runner/seen), or one key of it."""
    seen = podman('exec', container, 'cat', '/run/semaphore-runner/seen', check=key is None)
    if key is None:
        return seen
    for line in seen.splitlines():
        if line.startswith(key + '='):
            return line[len(key) + 1:]
    return ''


def runner_wait(container: str) -> None:
    """Wait until the service's current process has written `seen` at least once."""
    def written() -> bool:
        pid = podman('exec', container, 'systemctl', 'show', '-p', 'MainPID', '--value', 'semaphore-runner').strip()
        return pid != '0' and runner_seen(container, 'runner') == pid

    try:
        _until('systemd: semaphore-runner in %s wrote nothing within 10 s' % container, written)
    except Failed:
        sys.stderr.write(podman('exec', container, 'systemctl', 'status', '--no-pager', 'semaphore-runner', check=False))
        raise


def main(argv: list[str]) -> int:
    commands = {'systemd-wait': systemd_wait, 'runner-install': runner_install, 'runner-wait': runner_wait}
    try:
        if len(argv) == 3 and argv[1] in commands:
            commands[argv[1]](argv[2])
            return 0
        if len(argv) in (3, 4) and argv[1] == 'runner-seen':
            sys.stdout.write(runner_seen(*argv[2:]) + ('\n' if len(argv) == 4 else ''))
            return 0
    except Failed as exc:
        sys.stderr.write('%s\n' % exc)
        return 1
    sys.stderr.write('usage: podman.py systemd-wait|runner-install|runner-wait CONTAINER'
                     ' | podman.py runner-seen CONTAINER [KEY]\n')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
