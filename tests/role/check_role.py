"""The venv role on this host, in scratch directories.

- as root, with profile.d, systemd, OpenRC and link directories redirected
  under a scratch root that already holds other files: apply (changed),
  apply again (not changed), check mode (not changed), switch from OpenRC to
  systemd, then venv_state=absent leaves the scratch root exactly as it was;
- mistakes are caught before anything is written: a misspelled variable, a
  controller file that is not there;
- accounts: an existing one is left byte for byte as it was, one the role
  creates goes with its home on venv_service_user_remove;
- as an unprivileged user with system-wide exposure off: the same cycle.
Packages come from a local wheel directory (no index, no network).
Run as root by the role session of noxfile.py.
"""

import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import index  # noqa: E402  pylint: disable=wrong-import-position
from harness.checks import Checks, Stop, changed, playbook, snapshot  # noqa: E402  pylint: disable=wrong-import-position
from harness.env import ROOT, python_version  # noqa: E402  pylint: disable=wrong-import-position

APPLY = 'tests/role/apply.yml'
ACCOUNTS = ('vkexisting', 'vkcreated')


class Role:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.log = work / 'play.log'

    def vars(self, name: str, data: dict) -> Path:
        path = self.work / (name + '.json')
        path.write_text(json.dumps(data))
        return path

    def play(self, variables: Path, *options: str) -> int:
        """Apply the role with these variables; the number of changed tasks."""
        return changed(playbook(self.log, APPLY, '-e', '@%s' % variables, *options, cwd=ROOT), 'localhost')

    def fails(self, variables: Path, *options: str) -> str:
        """Apply the role, which must fail; its output."""
        return playbook(self.work / 'fail.log', APPLY, '-e', '@%s' % variables, *options, cwd=ROOT, must_fail=True)


def yes(condition: bool) -> str:
    return 'yes' if condition else 'no'


def account(name: str) -> str:
    proc = subprocess.run(['getent', 'passwd', name], capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def runs(*argv: str) -> str:
    return 'ok' if subprocess.run(list(argv), capture_output=True, check=False).returncode == 0 else 'failed'


def package_managers(c: Checks, role: Role) -> None:
    try:
        playbook(role.work / 'prerequisites.log', 'tests/role/prerequisites.yml', cwd=ROOT)
    except Stop as exc:
        raise Stop("FAIL: a package manager's command is not the one expected") from exc
    c.expect('the commands that install Python on Alpine, RHEL/Fedora, SUSE and Arch', 'ok', 'ok')


def as_root(c: Checks, role: Role, wheels: Path) -> tuple[Path, Path]:
    root = role.work / 'root'
    for directory in ('etc/profile.d', 'etc/conf.d', 'etc/systemd/system/semaphore-runner.service.d',
                      'usr/local/bin', 'opt'):
        (root / directory).mkdir(parents=True)
    # What others made, which must survive.
    (root / 'etc/conf.d/semaphore-runner').write_text('command_args="--config /etc/semaphore/config.json"\n')
    (root / 'etc/systemd/system/semaphore-runner.service.d/user.conf').write_text('[Service]\nUser=semaphore\n')
    (root / 'usr/local/bin/other-tool').write_text('#!/bin/sh\n')
    (root / 'etc/profile.d/other.sh').write_text('PATH="$PATH:/opt/other/bin"\n')
    before = snapshot(root)

    settings = {
        'venv_name': 'semaphore',
        'venv_path': '%s/opt/semaphore/venv' % root,
        'venv_requirements_files': [str(ROOT / 'molecule/shared/requirements.txt')],
        'venv_find_links': [str(wheels)],
        'venv_no_index': True,
        'venv_profile_dir': '%s/etc/profile.d' % root,
        'venv_systemd_dir': '%s/etc/systemd/system' % root,
        'venv_openrc_conf_dir': '%s/etc/conf.d' % root,
        'venv_service_units': ['semaphore-runner'],
        'venv_service_manager': 'openrc',
        'venv_link_scripts': ['httpx'],
        'venv_link_dir': '%s/usr/local/bin' % root,
    }
    openrc = role.vars('root', settings)
    c.expect('root: first run changes', 'yes', yes(role.play(openrc) > 0))
    c.expect('root: second run changes nothing', 0, role.play(openrc))
    # The playbook's own task is one of them; the rest are the role's.
    c.expect('root: an unchanged run prints at most 8 task headers', 'yes',
             yes(len(re.findall(r'^TASK \[', role.log.read_text(), re.M)) <= 8))
    c.expect('root: check mode changes nothing', 0, role.play(openrc, '--check', '--diff'))
    c.expect('root: the link runs httpx', 'ok', runs(str(root / 'usr/local/bin/httpx'), '--help'))
    conf = (root / 'etc/conf.d/semaphore-runner').read_text()
    c.expect('root: conf.d keeps its own line', 1, len(re.findall(r'^command_args=', conf, re.M)))
    c.expect('root: conf.d block present', 1, conf.count('BEGIN semaphore venv PATH'))
    c.expect('root: profile.d script mode', '644', '%o' % stat.S_IMODE((root / 'etc/profile.d/semaphore.sh').stat().st_mode))

    systemd = role.vars('root-systemd', dict(settings, venv_service_manager='systemd'))
    c.expect('root: switching to systemd changes', 'yes', yes(role.play(systemd) > 0))
    c.expect('root: the OpenRC block is gone', 0,
             (root / 'etc/conf.d/semaphore-runner').read_text().count('semaphore venv PATH'))
    dropin = (root / 'etc/systemd/system/semaphore-runner.service.d/semaphore-path.conf').read_text()
    c.expect('root: the drop-in is there', 1, len(re.findall(r'^Environment="PATH=', dropin, re.M)))
    c.expect('root: again, nothing changes', 0, role.play(systemd))

    c.expect('root: absent in check mode changes', 'yes',
             yes(role.play(systemd, '-e', 'venv_state=absent', '--check') > 0))
    role.play(systemd, '-e', 'venv_state=absent')
    c.expect('root: absent restores the scratch root exactly', before, snapshot(root))
    c.expect('root: absent again changes nothing', 0, role.play(systemd, '-e', 'venv_state=absent'))
    return openrc, systemd


def mistakes(c: Checks, role: Role, openrc: Path) -> None:
    root = role.work / 'root'
    before = snapshot(root)
    out = role.fails(openrc, '-e', '{"venv_pakages": ["httpx"]}')
    c.expect('a misspelled variable is named, with the right one', 'yes',
             yes('unknown variable venv_pakages; did you mean venv_packages?' in out))
    missing = role.work / 'no-such-requirements.txt'
    out = role.fails(openrc, '-e', json.dumps({'venv_requirements_files': [str(missing)]}))
    c.expect('a missing controller file is named', 'yes',
             yes(bool(re.search('Not a file on the controller.*' + re.escape(str(missing)), out))))
    out = role.fails(openrc, '-e', '{"venv_path": "/opt/my tools/venv"}')
    c.expect("the module's own rules run on the controller first", 'yes', yes('would corrupt a PATH entry' in out))
    c.expect('and name the role variable, not the option', 'yes',
             yes('venv_path contains characters that would corrupt a PATH entry' in out))
    out = role.fails(openrc, '-e', '{"venv_python": "python3.99", "venv_install_prerequisites": true}')
    c.expect('an interpreter the packages would not provide is named before any package manager runs', 'yes',
             yes('venv_python python3.99 is not on the target, and the packages the role installs provide python3'
                 in out and 'Install Python with' not in out))
    out = role.fails(openrc, '-e', json.dumps({'venv_python': '>=3.12', 'venv_wheelhouse': True,
                                               'venv_python_downloads_json_url': 'http://mirror.example/d.json'}))
    c.expect('a downloads JSON over plain HTTP is refused, in the role\'s words', 'yes',
             yes('venv_python_downloads_json_url must be an https:// URL' in out))
    c.expect('and a wheelhouse for a Python the targets choose', 'yes',
             yes('give venv_python as one minor version, such as "3.13", not ">=3.12"' in out))
    c.expect('none of them wrote anything', before, snapshot(root))
    # The runner playbook with no requirements.txt beside its inventory: check
    # mode, so that nothing could be written even if the check were missing.
    inventory = role.work / 'inventory'
    inventory.mkdir()
    (inventory / 'hosts.ini').write_text('[semaphore_runners]\nlocalhost ansible_connection=local\n')
    out = playbook(role.work / 'runner.log', '-i', str(inventory / 'hosts.ini'), 'playbooks/semaphore_runner.yml',
                   '--check', cwd=ROOT, must_fail=True)
    c.expect('the runner playbook stops when requirements.txt is missing', 'yes',
             yes('The requirements file %s/requirements.txt is not there' % inventory in out))
    # A misspelled variable of the playbook's own: the default index must not be used silently.
    out = playbook(role.work / 'runner-typo.log', '-i', str(inventory / 'hosts.ini'), 'playbooks/semaphore_runner.yml',
                   '--check', '-e', 'semaphore_runner_index_ur=http://127.0.0.1:9/simple', cwd=ROOT, must_fail=True)
    c.expect('the runner playbook names an unknown variable and its closest', 'yes',
             yes('unknown variable semaphore_runner_index_ur; did you mean semaphore_runner_index_url?' in out))
    c.expect('and stops before the requirements check', 'no', yes('is not there' in out))


def accounts(c: Checks, role: Role, systemd: Path) -> None:
    subprocess.run(['useradd', '--system', '--home-dir', '/var/lib/vkexisting', '--shell', '/usr/sbin/nologin',
                    '--no-create-home', 'vkexisting'], check=True)
    passwd_before = account('vkexisting')
    settings = json.loads(systemd.read_text())
    existing = role.vars('existing', dict(settings, venv_service_user='vkexisting', venv_service_user_create=True))
    c.expect('existing account: the role runs', 'yes', yes(role.play(existing) >= 0))
    c.expect('existing account: its passwd line is byte for byte the same', passwd_before, account('vkexisting'))
    c.expect('existing account: no home was made for it', 'no', yes(os.path.exists('/home/vkexisting')))
    out = playbook(role.work / 'update.log', APPLY, '-e', '@%s' % existing, '-e', 'venv_service_user_update=true',
                   '--check', cwd=ROOT)
    c.expect('existing account: check mode says what an update would change', 'yes',
             yes('would change the account vkexisting: home /var/lib/vkexisting -> /home/vkexisting' in out))
    c.expect('existing account: and changes nothing', passwd_before, account('vkexisting'))
    role.play(existing, '-e', 'venv_state=absent', '-e', 'venv_service_user_remove=true')
    c.expect('existing account: removed, and a home it had is not touched', 'no', yes(bool(account('vkexisting'))))

    created = role.vars('created', dict(settings, venv_service_user='vkcreated', venv_service_user_create=True,
                                        venv_service_user_home='/var/lib/vkcreated'))
    role.play(created)
    gecos = account('vkcreated').split(':')[4] if account('vkcreated') else ''
    c.expect("created account: it exists, marked as the role's", 'yes',
             yes(gecos.startswith('venvkit.python created this account')))
    c.expect('created account: its home was made', 'yes', yes(os.path.isdir('/var/lib/vkcreated')))
    role.play(created, '-e', 'venv_state=absent', '-e', 'venv_service_user_remove=true')
    c.expect('created account: removed with the home the role made', 'no no',
             '%s %s' % (yes(bool(account('vkcreated'))), yes(os.path.exists('/var/lib/vkcreated'))))


def unprivileged(c: Checks, role: Role, wheels: Path) -> None:
    # The controller stays root (its Python may live where others cannot
    # read); the role runs as `nobody` through su, with the system Python, and
    # pip, since nobody's home (/nonexistent) has no room for uv's cache.
    user = 'nobody'
    home = role.work / 'user'
    home.mkdir()
    shutil.chown(home, user)
    # nobody's login shell is nologin: su needs one that runs commands.
    become = role.vars('unprivileged', {
        'ansible_become': True,
        'ansible_become_method': 'su',
        'ansible_become_user': user,
        'ansible_become_flags': '-s /bin/sh',
        'ansible_python_interpreter': '/usr/bin/python3',
    })
    options = ('-e', '@%s' % become)
    before = snapshot(home)
    tools = role.vars('user', {
        'venv_path': '%s/tools/venv' % home,
        'venv_python': '/usr/bin/python3',
        'venv_installer': 'pip',
        'venv_packages': ['httpx[cli]'],
        'venv_find_links': [str(wheels)],
        'venv_no_index': True,
        'venv_profile_enabled': False,
        'venv_profile_dir': '%s/no-profile.d' % home,
    })
    c.expect('user: first run changes', 'yes', yes(role.play(tools, *options) > 0))
    c.expect('user: second run changes nothing', 0, role.play(tools, *options))
    c.expect('user: check mode changes nothing', 0, role.play(tools, *options, '--check'))
    httpx = home / 'tools/venv/bin/httpx'
    c.expect("user: the venv is the user's", user, pwd.getpwuid(httpx.lstat().st_uid).pw_name)
    c.expect('user: httpx runs as the user', 'ok', runs('runuser', '-u', user, '--', str(httpx), '--help'))
    role.play(tools, *options, '-e', 'venv_state=absent')
    c.expect('user: absent leaves nothing behind', before, snapshot(home))


def main() -> int:
    # pip too: with uv on PATH the module seeds the venv with pip from here.
    wheels = index.wheels('httpx-pip', python_version(), ['httpx[cli]', 'pip'])
    work = Path(tempfile.mkdtemp())
    work.chmod(0o755)
    role = Role(work)

    def body(c: Checks) -> None:
        package_managers(c, role)
        openrc, systemd = as_root(c, role, wheels)
        mistakes(c, role, openrc)
        accounts(c, role, systemd)
        unprivileged(c, role, wheels)

    try:
        return Checks('role').main(body)
    finally:
        for name in ACCOUNTS:
            if subprocess.run(['userdel', '-r', name], capture_output=True, check=False).returncode != 0:
                subprocess.run(['userdel', name], capture_output=True, check=False)
            subprocess.run(['groupdel', name], capture_output=True, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
