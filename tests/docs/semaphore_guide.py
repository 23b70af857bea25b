"""docs/semaphore.md, run as a reader would.

The repository of its section 1 is built from the guide's own code blocks,
provisioned with its playbook, checked with its section 7, and its drift check
of section 8 and the rollback of section 9 are run, against containers that
boot systemd and run the stand-in semaphore-runner service
(tests/files/systemd/), standing in for runners.

A code block takes part when an HTML comment right above its fence says how
(a marked block that is missing or not followed by a fence fails):
  <!-- test: file PATH -->        a file of the repository, at PATH
  <!-- test: vault PATH -->       the same, then encrypted with ansible-vault
                                  (the guide's `ansible-vault create`)
  <!-- test: on-runner NAME -->   a shell block, run as root on the runner
  <!-- test: on-runner file PATH -->
                                  the exact content of PATH on the runner

What differs from a real setup, and why:
  - hosts.yml stays as written; host_vars files, added here, reach
    runner-1.example.net and runner-2.example.net as Podman containers
    (ansible_host is the container's name), as root without sudo.
  - the vault's index URL https://deploy:s3cret@pypi.example.net/simple
    becomes http://deploy:s3cret@127.0.0.1:<port>/simple, a simple index
    served here of the wheels the guide's requirements need, since
    containers cannot reach PyPI; the credentials stay, and must never show
    in the log.
  - collections/requirements.yml is checked against galaxy.yml's version,
    then installed with its name replaced by the built artifact, since Galaxy
    cannot be reached.
  - the containers get CAP_SYS_PTRACE, which root has on a real host, so that
    root can read the service's /proc/<pid>/environ as section 7 does.
Run by the semaphore-guide session of noxfile.py; the playbooks' logs stay in
build/guide/.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import collection, index, podman  # noqa: E402  pylint: disable=wrong-import-position
from harness.checks import Checks, Stop, changed, playbook  # noqa: E402  pylint: disable=wrong-import-position
from harness.env import BUILD, ROOT  # noqa: E402  pylint: disable=wrong-import-position

GUIDE = ROOT / 'docs' / 'semaphore.md'
LOGS = BUILD / 'guide'
REPO_FILES = ('semaphore_runner.yml', 'runner_drift.yml', 'runner_venvs.yml', 'runner_rollback.yml', 'task_path.yml',
              'collections/requirements.yml', 'inventory/hosts.yml', 'inventory/requirements.txt',
              'inventory/group_vars/semaphore_runners/main.yml', 'inventory/group_vars/semaphore_runners/vault.yml')
GUIDE_URL = 'https://deploy:s3cret@pypi.example.net/simple'
BIN = '/opt/semaphore/venv/bin'


def marked_blocks(text: str) -> dict[str, str]:
    """The guide's marked code blocks, by marker, in the guide's order."""
    blocks: dict[str, str] = {}
    marker = ''
    block: list[str] | None = None
    lines = text.splitlines()

    def fail(number: int, message: str) -> Stop:
        return Stop('semaphore_guide: %s:%d: %s' % (GUIDE.relative_to(ROOT), number, message))

    for number, line in enumerate(lines, 1):
        if block is not None:
            if line == '```':
                blocks[marker] = ''.join(content + '\n' for content in block)
                marker, block = '', None
            else:
                block.append(line)
        elif re.fullmatch(r'<!-- test: .* -->', line):
            if marker:
                raise fail(number, 'two markers without a code block between them')
            marker = line[len('<!-- test: '):-len(' -->')]
        elif marker:
            if not line.startswith('```'):
                raise fail(number, 'the marker "%s" is not right above a fence' % marker)
            if marker in blocks:
                raise fail(number, 'the marker "%s" is used twice' % marker)
            block = []
    if block is not None:
        raise fail(len(lines), 'a marked code block is not closed')
    return blocks


class Guide:
    def __init__(self, work: Path, blocks: dict[str, str]) -> None:
        self.work = work
        self.repo = work / 'infra'
        self.blocks = blocks
        suffix = os.getpid()
        self.runner1 = 'venvkit-guide-runner-1-%d' % suffix
        self.runner2 = 'venvkit-guide-runner-2-%d' % suffix
        self.trixie = 'venvkit-guide-trixie-%d' % suffix

    def block(self, marker: str) -> str:
        if marker not in self.blocks:
            raise Stop('semaphore_guide: %s has no block marked <!-- test: %s -->' % (GUIDE.relative_to(ROOT), marker))
        return self.blocks[marker]

    def run(self, log: str, *args: str) -> int:
        """ansible-playbook from the repository, as Semaphore runs it; its exit status."""
        proc = subprocess.run(['ansible-playbook', '-i', 'inventory/hosts.yml', '--vault-password-file',
                               str(self.work / 'vault-pass')] + list(args), cwd=self.repo, check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        (LOGS / log).write_text(proc.stdout)
        return proc.returncode

    def play(self, log: str, *args: str) -> str:
        """The same, which must succeed; its output."""
        return playbook(LOGS / log, '-i', 'inventory/hosts.yml', '--vault-password-file', str(self.work / 'vault-pass'),
                        *args, cwd=self.repo)

    def requirements(self, without: str | None = None) -> None:
        """inventory/requirements.txt as the guide gives it, or without the lines of one package."""
        text = self.block('file inventory/requirements.txt')
        if without:
            text = ''.join(line for line in text.splitlines(True) if not line.startswith(without))
        (self.repo / 'inventory/requirements.txt').write_text(text)


def build_repository(guide: Guide) -> None:
    print('--- the repository of section 1')
    for marker, text in guide.blocks.items():
        kind, name = (marker.split(' ', 1) + [''])[:2]
        if kind in ('file', 'vault'):
            (guide.repo / name).parent.mkdir(parents=True, exist_ok=True)
            (guide.repo / name).write_text(text)
    for name in REPO_FILES:
        if not (guide.repo / name).is_file():
            raise Stop('semaphore_guide: the guide gives no %s' % name)
    for path in sorted(p for p in guide.repo.rglob('*') if p.is_file()):
        print('  ./%s' % path.relative_to(guide.repo))


def simple_index(guide: Guide) -> Path:
    """A PEP 503 index of the guide's requirements and its ansible-core specifier."""
    main = (guide.repo / 'inventory/group_vars/semaphore_runners/main.yml').read_text()
    core = re.search(r'^semaphore_runner_ansible_core: "(.*)"$', main, re.M)
    if not core:
        raise Stop('semaphore_guide: no semaphore_runner_ansible_core in section 4')
    specs = [line.split('#')[0].strip() for line in (guide.repo / 'inventory/requirements.txt').read_text().splitlines()]
    wheels = index.wheels('guide', '3.11', [core.group(1)] + [spec for spec in specs if spec], pin_set='guide')
    simple = BUILD / 'wheels' / 'guide-simple'
    shutil.rmtree(simple, ignore_errors=True)
    for whl in wheels.glob('*.whl'):
        # PEP 503: the project's name, lower case, runs of - _ . as one -.
        project = re.sub(r'[-_.]+', '-', whl.name.split('-')[0]).lower()
        (simple / 'simple' / project).mkdir(parents=True, exist_ok=True)
        (simple / 'simple' / project / whl.name).symlink_to(whl)
    return simple


def substitutions(c: Checks, guide: Guide, url: str) -> None:
    print('--- the substitutions for this test')
    vault = guide.repo / 'inventory/group_vars/semaphore_runners/vault.yml'
    if GUIDE_URL not in vault.read_text():
        raise Stop('semaphore_guide: the vault block no longer holds the URL this test replaces')
    port = url.rstrip('/').rsplit(':', 1)[1]
    vault.write_text(vault.read_text().replace(GUIDE_URL, 'http://deploy:s3cret@127.0.0.1:%s/simple' % port))
    (guide.work / 'vault-pass').write_text('test-vault-password\n')
    subprocess.run(['ansible-vault', 'encrypt', '--vault-password-file', str(guide.work / 'vault-pass'), str(vault)],
                   check=True, capture_output=True)
    (guide.repo / 'inventory/host_vars').mkdir()
    for host, ct in (('runner-1.example.net', guide.runner1), ('runner-2.example.net', guide.runner2)):
        (guide.repo / 'inventory/host_vars' / (host + '.yml')).write_text(
            'ansible_host: %s\nansible_connection: containers.podman.podman\nansible_become: false\n' % ct)
    requirements = (guide.repo / 'collections/requirements.yml').read_text()
    named = re.findall(r'^\s*- name:\s*(\S+)$', requirements, re.M)
    c.check('collections/requirements.yml names the tarball galaxy.yml builds',
            'collections/%s' % collection.tarball().name, '\n'.join(named))
    bundle = collection.bundle()
    collection.artifact()
    # The tarball committed beside it, installed exactly as Semaphore does: from the repository's root.
    shutil.copy(collection.tarball(), guide.repo / 'collections' / collection.tarball().name)
    subprocess.run(['ansible-galaxy', 'collection', 'install', '--offline', '-r', 'collections/requirements.yml',
                    '-p', 'collections'], cwd=guide.repo, check=True,
                   capture_output=True, env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(guide.repo / 'collections')))
    # The repository's collections (beside the playbooks), and containers.podman
    # for the connection to the containers.
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = '%s:%s' % (guide.repo / 'collections', bundle)


def start_runners(guide: Guide) -> None:
    print('--- two runners: runner-1 to provision, runner-2 never provisioned')
    podman.images('bookworm-systemd')
    for ct in (guide.runner1, guide.runner2):
        podman.podman('run', '-d', '--name', ct, '--network', 'host', '--cap-add', 'SYS_PTRACE',
                      'localhost/venvkit-debian-systemd:bookworm')
    for ct in (guide.runner1, guide.runner2):
        podman.systemd_wait(ct)
        podman.runner_install(ct)


def provisioning(c: Checks, guide: Guide) -> None:
    print('--- section 5: the provisioning template, twice')
    first = guide.play('provision-1.log', 'semaphore_runner.yml', '--limit', 'runner-1.example.net')
    c.check('the first run changes runner-1', 'yes', 'yes' if changed(first, 'runner-1.example.net') > 0 else 'no')
    second = guide.play('provision-2.log', 'semaphore_runner.yml', '--limit', 'runner-1.example.net', '--diff')
    c.check('a second run reports no change', 0, changed(second, 'runner-1.example.net'))
    c.lacks('the index password never shows in the log', 's3cret', LOGS / 'provision-1.log')
    c.lacks('the index password never shows in the log of --diff', 's3cret', LOGS / 'provision-2.log')
    c.check('the playbook did not start the runner (venv_service_restart is off)', 'inactive',
            podman.podman('exec', guide.runner1, 'systemctl', 'is-active', 'semaphore-runner', check=False).strip())
    podman.podman('exec', guide.runner1, 'sh', '-e', '-c', guide.block('on-runner restart'))
    podman.runner_wait(guide.runner1)


def dropin(c: Checks, guide: Guide) -> None:
    print('--- section 6: the drop-in')
    path = next(marker[len('on-runner file '):] for marker in guide.blocks if marker.startswith('on-runner file '))
    c.check('the drop-in is what section 6 shows', guide.block('on-runner file ' + path),
            podman.podman('exec', guide.runner1, 'cat', path))
    # systemd's own PATH, as section 6 gives it for Debian 12 and 13, against
    # what systemd says on each (a Debian 13 container only for this).
    podman.images('trixie-systemd')
    podman.podman('run', '-d', '--name', guide.trixie, '--network', 'none', 'localhost/venvkit-debian-systemd:trixie')
    podman.systemd_wait(guide.trixie)
    prose = re.sub(' +', ' ', GUIDE.read_text().replace('\n', ' '))
    for ct, debian in ((guide.runner1, '12'), (guide.trixie, '13')):
        systemd = re.findall(r'^systemd (\d+)', podman.podman('exec', ct, 'systemctl', '--version'))
        default = re.findall(r'^PATH=(.*)$', podman.podman('exec', ct, 'systemctl', 'show-environment'), re.M)
        said = '`%s` on Debian %s (systemd %s)' % (' '.join(default), debian, ' '.join(systemd))
        c.check("section 6 names systemd's own PATH on Debian %s" % debian, 'yes',
                'yes' if said in prose else 'no %s' % said)


def runner_checks(c: Checks, guide: Guide) -> None:
    print('--- section 7: checking the runner')
    proc = subprocess.run(['podman', 'exec', guide.runner1, 'sh', '-e', '-c', guide.block('on-runner checks')],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    log = LOGS / 'checks.log'
    log.write_text(proc.stdout)
    if proc.returncode != 0:
        raise Stop('%s\nFAIL: the checks of section 7 failed' % proc.stdout)
    print(''.join('  ' + line for line in proc.stdout.splitlines(True)), end='')
    c.contains("systemd gives the unit the venv's PATH", 'Environment=PATH=%s:' % BIN, log)
    c.contains('the running process has it', 'PATH=%s:' % BIN, log)
    lines = proc.stdout.splitlines()
    found = [' '.join(lines[i:i + 3]) for i, line in enumerate(lines) if line == BIN + '/ansible-playbook']
    c.check("a task's view finds ansible-playbook and httpx in the venv, and httpx runs",
            '%s/ansible-playbook %s/httpx ok' % (BIN, BIN), ' -- '.join(found))
    c.contains('a login shell finds httpx in the venv', BIN + '/httpx', log)
    c.contains('nothing under ~/.local', 'nothing under ~/.local', log)
    c.contains('the venv holds the pinned httpx', 'httpx==0.28.1', log)
    c.check("the running service's child finds httpx in the venv", BIN + '/httpx',
            podman.runner_seen(guide.runner1, 'found'))

    # task_path.yml as a Semaphore task on the runner: the semaphore user, an
    # empty environment but the service's PATH, another HOME, ansible-playbook
    # found on that PATH.
    podman.podman('cp', str(guide.repo / 'task_path.yml'), guide.runner1 + ':/tmp/task_path.yml')
    podman.podman('exec', guide.runner1, 'chmod', '0644', '/tmp/task_path.yml')
    service_path = podman.sh(guide.runner1, 'tr "\\0" "\\n" <"/proc/$(systemctl show -p MainPID --value '
                             'semaphore-runner)/environ" | sed -n "s/^PATH=//p"').strip()
    proc = subprocess.run(['podman', 'exec', '-u', 'semaphore', guide.runner1, 'env', '-i', 'PATH=' + service_path,
                           'HOME=/tmp/task-home', 'ansible-playbook', '/tmp/task_path.yml'],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    log = LOGS / 'task_path.log'
    log.write_text(proc.stdout)
    if proc.returncode != 0:
        raise Stop('%s\nFAIL: task_path.yml failed on the runner' % proc.stdout)
    c.contains("task_path.yml shows the task's PATH", '"PATH=%s:' % BIN, log)
    c.contains('task_path.yml shows ansible-playbook in the venv', '"%s/ansible-playbook"' % BIN, log)
    c.contains('task_path.yml shows httpx in the venv', '"%s/httpx"' % BIN, log)


def drift(c: Checks, guide: Guide) -> None:
    print('--- section 8: the drift check')
    check_runner1 = ('runner_drift.yml', '--check', '--diff', '--limit', 'runner-1.example.net')
    rc = guide.run('drift-1.log', *check_runner1)
    if not c.check('the drift check passes on the freshly provisioned runner', 0, rc):
        print((LOGS / 'drift-1.log').read_text())

    guide.requirements(without='jmespath')
    c.check('the drift check fails after requirements.txt lost a package', 2, guide.run('drift-2.log', *check_runner1))
    c.contains('it names the package a real run would remove', 'would remove jmespath==1.0.1', LOGS / 'drift-2.log')
    guide.requirements()

    c.check('the drift check fails on a runner never provisioned', 2,
            guide.run('drift-3.log', 'runner_drift.yml', '--check', '--diff', '--limit', 'runner-2.example.net'))
    c.contains('it says runner-2 drifted',
               'runner-2.example.net drifted from what venvkit.python.semaphore_runner would make', LOGS / 'drift-3.log')
    c.contains('it names a package a real run would install', 'httpx==0.28.1', LOGS / 'drift-3.log')
    c.check('check mode left runner-2 untouched', 'absent',
            podman.sh(guide.runner2, 'test -e /opt/semaphore || getent passwd semaphore || echo absent',
                      check=False).strip())
    c.lacks('the index password never shows in the drift logs', 's3cret', LOGS / 'drift-2.log')


def rollback(c: Checks, guide: Guide) -> None:
    print('--- section 9: what a runner holds, and a rollback')
    runner1 = ('--limit', 'runner-1.example.net')
    guide.requirements(without='jmespath')
    guide.play('provision-2.log', 'semaphore_runner.yml', *runner1)
    guide.play('venvs-1.log', 'runner_venvs.yml', *runner1)
    c.contains('runner_venvs.yml shows the new generation live, the first kept', 'live g2, kept to roll back to g1;',
               LOGS / 'venvs-1.log')
    c.contains('and that it matches requirements.txt', 'matches requirements.txt: True', LOGS / 'venvs-1.log')
    guide.play('rollback-check.log', 'runner_rollback.yml', '--check', '--diff', *runner1)
    c.contains('a rollback in check mode shows jmespath coming back', '+jmespath==1.0.1', LOGS / 'rollback-check.log')
    guide.play('rollback.log', 'runner_rollback.yml', *runner1)
    c.check('after the rollback the first generation is live', '/opt/semaphore/.venv.venvkit/g1',
            podman.podman('exec', guide.runner1, 'readlink', '-f', '/opt/semaphore/venv').strip())
    c.check('and jmespath is back', 'ok',
            podman.sh(guide.runner1, "/opt/semaphore/venv/bin/python -c 'import jmespath' && echo ok",
                      check=False).strip())
    guide.play('venvs-2.log', 'runner_venvs.yml', *runner1)
    c.contains('runner_venvs.yml says the live one no longer matches requirements.txt',
               'matches requirements.txt: False', LOGS / 'venvs-2.log')
    guide.requirements()


def check(c: Checks, guide: Guide) -> None:
    print("--- the guide's marked code blocks")
    print(''.join('  %s\n' % marker for marker in guide.blocks), end='')
    build_repository(guide)
    with index.Server(simple_index(guide)) as server:
        substitutions(c, guide, server.url)
        start_runners(guide)
        provisioning(c, guide)
        dropin(c, guide)
        runner_checks(c, guide)
        drift(c, guide)
        rollback(c, guide)


def main() -> int:
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    work = Path(tempfile.mkdtemp())
    c = Checks('semaphore_guide')
    guide = None
    try:
        def body(checks: Checks) -> None:
            nonlocal guide
            guide = Guide(work, marked_blocks(GUIDE.read_text()))
            check(checks, guide)
        return c.main(body)
    finally:
        if guide is not None:
            podman.remove(guide.runner1, guide.runner2, guide.trixie)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
