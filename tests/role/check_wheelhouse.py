"""The venv role's wheelhouse and uv, on Debian 12 and 13 containers that have
no network at all (podman --network none; Ansible reaches them through
podman exec).

- the controller builds the wheels of httpx[cli] once per target Python
  (3.11, 3.13) from a package index served here on 127.0.0.1, ships them and
  the role installs them with no index: first run changes, a second run and
  check mode with the index server stopped change nothing;
- on the Debian 13 host venv_install_uv puts uv there from the wheelhouse,
  the venv is then built by uv and still has pip, while the Debian 12 host
  builds with pip;
- a package with no wheel for the targets' platform (a musllinux-only wheel
  against glibc targets) fails the build with a message naming the package,
  the Python and the platform;
- venv_wheelhouse with target-side requirements files is refused;
- venv_state=absent removes the venv, uv's venv and the wheelhouse.
Run by the wheelhouse session of noxfile.py.
"""

import json
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import collection, index, podman  # noqa: E402  pylint: disable=wrong-import-position
from harness.checks import Checks, changed, playbook, remote_calls  # noqa: E402  pylint: disable=wrong-import-position
from harness.env import ROOT  # noqa: E402  pylint: disable=wrong-import-position

SUITES = ('bookworm', 'trixie')


def uv_spec() -> str:
    """The uv the role installs, from its defaults."""
    defaults = (ROOT / 'roles/venv/defaults/main.yml').read_text()
    return ''.join(re.findall(r'^venv_uv_version: *(.*)$', defaults, re.M)).strip()


def fake_wheel(path: Path, name: str) -> None:
    """An empty wheel: all a resolver needs to pass over it or pick it."""
    with zipfile.ZipFile(path, 'w') as whl:
        whl.writestr('%s-1.0.dist-info/METADATA' % name.replace('-', '_'),
                     'Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n' % name)


def installer_of(host: str, log: str) -> str:
    """What the last task of tests/role/fleet.yml printed for host."""
    match = re.search(r'^ok: \[%s\] => \{\n.*"msg": "installer=([a-z]*)[ "]' % re.escape(host), log, re.M)
    return match.group(1) if match else ''


def packages_of(host: str, log: str) -> str:
    """The packages the last task of tests/role/fleet.yml printed for host (predicted, in check mode)."""
    match = re.search(r'^ok: \[%s\] => \{\n.*"msg": "installer=[a-z]* packages=(.*)"$' % re.escape(host), log, re.M)
    return match.group(1) if match else ''


def wheelhouse_tasks(log: str) -> int:
    """How many hosts ran the wheelhouse's tasks (pip_venv's action ships the archive, the module unpacks it)."""
    count, on = 0, False
    for line in log.splitlines():
        if line.startswith('TASK ['):
            on = 'Describe the wheels this target needs' in line
        elif on and re.match('(ok|changed|fatal):', line):
            count += 1
    return count


def check(c: Checks, work: Path, containers: list[str], wheels: Path) -> None:
    hosts = work / 'hosts.yml'
    hosts.write_text(
        'targets:\n'
        '  vars:\n'
        '    ansible_connection: containers.podman.podman\n'
        '    ansible_python_interpreter: /usr/bin/python3\n'
        '  hosts:\n'
        '    %s: {}\n'
        '    %s:\n'
        '      venv_install_uv: true\n' % tuple(containers))
    bookworm, trixie = containers

    def play(name: str, variables: Path, *options: str) -> int:
        start = time.monotonic()
        out = playbook(work / (name + '.log'), '-i', str(hosts), 'tests/role/fleet.yml', '-e', '@%s' % variables,
                       *options, cwd=ROOT)
        print('  (%s: %d s)' % (name, time.monotonic() - start), file=sys.stderr)
        return changed(out)

    def on(container: str, script: str) -> str:
        return 'ok' if podman.sh(container, script + ' >/dev/null 2>&1 && echo ok', check=False).strip() else 'failed'

    # A wheel for musl only: the glibc targets have no wheel of it.
    (work / 'musl').mkdir()
    fake_wheel(work / 'musl/venvkit_musl_only-1.0-py3-none-musllinux_1_2_x86_64.whl', 'venvkit-musl-only')

    with index.Server(wheels) as server:
        reached = podman.sh(bookworm, 'python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1],'
                            ' timeout=2)" "$1" >/dev/null 2>&1 && echo reachable || echo unreachable', server.url)
        c.expect('targets cannot reach the index', 'unreachable', reached.strip())
        settings: dict[str, object] = {
            'venv_name': 'tools',
            'venv_path': '/opt/tools/venv',
            'venv_packages': ['httpx[cli]'],
            'venv_find_links': [server.url],
            'venv_no_index': True,
            'venv_wheelhouse': True,
            'venv_wheelhouse_dir': str(work / 'wheelhouse'),
            'venv_profile_enabled': False,
        }
        fleet = work / 'fleet.json'
        fleet.write_text(json.dumps(settings))

        # Check mode on new hosts: the wheels are built and shipped into the call's temporary
        # directory, so the prediction is exact, and nothing is written on the targets.
        c.expect('check mode on new hosts reports changes', 'yes', 'yes' if play('check0', fleet, '--check') > 0
                 else 'no')
        for ct in containers:
            c.expect('%s: check mode wrote nothing' % ct, '',
                     podman.sh(ct, 'ls -d /opt/tools /var/cache/venvkit 2>/dev/null', check=False).strip())
        c.expect('first run changes', 'yes', 'yes' if play('run1', fleet) > 0 else 'no')
        predicted = packages_of(bookworm, (work / 'check0.log').read_text())
        c.expect('check mode predicted the Debian 12 venv exactly', packages_of(bookworm, (work / 'run1.log').read_text()),
                 predicted)
        print('  predicted for %s: %s' % (bookworm, predicted[:160]), file=sys.stderr)
        c.expect('the prediction names httpx', 'yes', 'yes' if 'httpx' in predicted else 'no')
        c.expect('one build per target Python', 2, len(list((work / 'wheelhouse').rglob('*.tar'))))
        for ct in containers:
            c.expect('%s: httpx runs' % ct, 'ok', on(ct, '/opt/tools/venv/bin/httpx --help'))
            c.expect('%s: only wheels in its wheelhouse, and their key' % ct, '.venvkit-key',
                     podman.sh(ct, "find /var/cache/venvkit/tools-wheels -type f ! -name '*.whl' -printf '%f\\n'")
                     .strip())
            whls = podman.sh(ct, "find /var/cache/venvkit/tools-wheels -name '*.whl'").split()
            c.expect('%s: wheels in its wheelhouse' % ct, 'yes', 'yes' if len(whls) > 5 else 'no')
        run1 = (work / 'run1.log').read_text()
        c.expect('the Debian 12 venv built by pip', 'pip', installer_of(bookworm, run1))
        c.expect('the Debian 13 venv built by uv', 'uv', installer_of(trixie, run1))
        c.expect('uv is on the Debian 13 host', 'ok', on(trixie, '/opt/tools/venv-uv/bin/uv --version'))
        c.expect('the uv-built venv has pip', 'ok', on(trixie, '/opt/tools/venv/bin/pip --version'))

        # A package without a wheel for the targets' platform.
        mismatch = work / 'mismatch.json'
        mismatch.write_text(json.dumps(dict(settings, venv_packages=['httpx[cli]', 'venvkit-musl-only'],
                                            venv_find_links=[server.url, str(work / 'musl')])))
        out = playbook(work / 'mismatch.log', '-i', str(hosts), 'tests/role/fleet.yml', '-e', '@%s' % mismatch,
                       cwd=ROOT, must_fail=True)
        for want in ('venvkit-musl-only for Python 3.11 on manylinux_2_36_x86_64 (glibc 2.36, x86_64), needed by '
                     + bookworm,
                     'venvkit-musl-only for Python 3.13 on manylinux_2_41_x86_64 (glibc 2.41, x86_64), needed by '
                     + trixie):
            c.expect('mismatch: each host fails naming the package, its Python and platform', 'yes',
                     'yes' if re.search('^fatal: .*no wheel of ' + re.escape(want), out, re.M) else 'no')
        for message in sorted(set(re.findall(r'"msg": "(venv wheelhouse: no wheel of .*?, needed by [^.]*)\.', out))):
            print('  %s' % message)
        c.expect('mismatch: the venv is untouched', 'ok', on(trixie, '/opt/tools/venv/bin/httpx --help'))

        # A wheelhouse directory that others than root control is refused before anything is copied there.
        loose = work / 'loose.json'
        loose.write_text(json.dumps(dict(settings, venv_wheelhouse_target_dir='/tmp/tools-wheels')))
        out = playbook(work / 'loose.log', '-i', str(hosts), 'tests/role/fleet.yml', '-e', '@%s' % loose,
                       cwd=ROOT, must_fail=True)
        c.expect('a wheelhouse under /tmp is refused, naming why', 'yes',
                 'yes' if 'venv_wheelhouse_target_dir /tmp/tools-wheels: /tmp is writable by others than root' in out
                 else 'no')
        for ct in containers:
            c.expect('%s: nothing was copied or unpacked there' % ct, '',
                     podman.sh(ct, 'ls -d /tmp/tools-wheels* 2>/dev/null', check=False).strip())

        # Files on the target cannot go into a wheelhouse built elsewhere.
        out = playbook(work / 'refused.log', '-i', str(hosts), 'tests/role/fleet.yml', '-e', '@%s' % fleet,
                       '-e', '{"venv_requirements": ["/srv/requirements.txt"]}', cwd=ROOT, must_fail=True)
        c.expect('venv_requirements with the wheelhouse is refused', 'yes',
                 'yes' if 'can only use venv_packages' in out else 'no')

    # From here on no index exists at all: nothing may need one.
    c.expect('second run, no index anywhere, changes nothing', 0, play('run2', fleet))
    # The raw probe reported the key of the wheels on each host: nothing is copied or unpacked.
    c.expect('second run: no wheelhouse task ran on a host', 0, wheelhouse_tasks((work / 'run2.log').read_text()))
    calls = remote_calls(work / 'run3.log', '-i', str(hosts), 'tests/role/fleet.yml', '-e', '@%s' % fleet, cwd=ROOT)
    c.expect('a no-op reaches the Debian 12 host twice: the raw probe and pip_venv',
             ["Look at the target's interpreter and service account", 'Build or update the venv and put it on PATH'],
             calls.get(bookworm))
    c.expect('a no-op reaches the Debian 13 host once more, for the venv that holds uv', 3, len(calls.get(trixie, [])))
    c.expect('check mode changes nothing', 0, play('check', fleet, '--check'))

    play('absent', fleet, '-e', 'venv_state=absent')
    for ct in containers:
        c.expect('%s: absent removes the venv, uv and the wheelhouse' % ct, '',
                 podman.sh(ct, 'ls -d /opt/tools/venv* /var/cache/venvkit 2>/dev/null', check=False).strip())


def main() -> int:
    podman.images(*SUITES)
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = '%s:%s' % (os.environ['ANSIBLE_COLLECTIONS_PATH'], collection.bundle())
    wheels = index.wheels('wheelhouse', '3.11 3.13', ['httpx[cli]', 'pip', uv_spec()])
    work = Path(tempfile.mkdtemp())
    prefix = 'venvkit-wheelhouse-%d' % os.getpid()
    containers = ['%s-%s' % (prefix, suite) for suite in SUITES]
    try:
        for ct, suite in zip(containers, SUITES):
            podman.podman('run', '-d', '--network', 'none', '--name', ct, 'localhost/venvkit-debian:' + suite,
                          'sleep', 'infinity')
        return Checks('wheelhouse').main(lambda c: check(c, work, containers, wheels))
    finally:
        podman.remove(*containers)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
