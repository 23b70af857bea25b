"""A controller on Python 3.13 for ansible-core releases that the host's
Python cannot run (2.20 and later need 3.12): a container of the image
tests/lib/controller-image.sh builds, with a venv per ansible-core release.

run(VERSION, COMMAND) runs COMMAND in the checkout, mounted at its own path,
where the venv of ansible-core==VERSION takes the place of the dev venv
(.venv) and build/ is a tree of the container's own: nox runs there, with
Ansible from that release.

The container has no network. Everything it installs comes from a wheel
directory the host's pip fills, for Python 3.13, and which the image's
/etc/pip.conf names with no index: the venv's pins (tests/requirements.txt
but the Ansible and docs tools, whose versions are the dev venv's), every
package ansible-test of that release installs (its sanity requirements, the
pip it bootstraps), and the specs a session that installs more passes.

Cached under build/controller/ and build/wheels/controller-cp313/: a venv is
made again when its pins or the image change, and the wheels are fetched
once per set of specs.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from harness import pins
from harness.env import BUILD, ROOT, tool
from harness.podman import podman
from harness.sanity import bootstrapped_packages

PYTHON = '3.13'
BASE = BUILD / 'controller'
WHEELS = BUILD / 'wheels' / 'controller-cp313'


def _key(*parts: str) -> str:
    return hashlib.sha256('\n'.join(parts).encode()).hexdigest()[:16]


def requirements() -> Path:
    """The venv's requirements: the dev venv's, but what the container does not run."""
    lines = (ROOT / 'tests' / 'requirements.txt').read_text().splitlines()
    path = BASE / 'requirements.txt'
    BASE.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(line + '\n' for line in lines if line and not line.startswith('#')
                            and not pins.HOST_ONLY.match(line)))
    return path


def download(*specs: str, within: str | None = None) -> None:
    """Wheels for the container's Python. pip evaluates environment markers for
    the host's Python (3.11); nothing pinned here depends on a marker that
    differs between 3.11 and 3.13."""
    subprocess.run([tool('pip'), 'download', '-qq', '--disable-pip-version-check', '-d', str(WHEELS),
                    '--only-binary=:all:', '--python-version', PYTHON, '--implementation', 'cp',
                    '--platform', 'manylinux_2_28_x86_64', '--platform', 'manylinux_2_17_x86_64',
                    '--platform', 'manylinux2014_x86_64']
                   + (['--constraint', str(pins.constraints(within))] if within else []) + list(specs), check=True)


def _ansible_test_pins() -> dict[tuple[str, str], set[str] | None]:
    """The exact pins of ansible-test's own requirement files, of every release in the wheel directory."""
    allowed: dict[tuple[str, str], set[str] | None] = {}
    pin = re.compile(r'^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)')
    for wheel in WHEELS.glob('ansible_core-*.whl'):
        with tempfile.TemporaryDirectory() as tmp:
            for path in _ansible_test_requirements(wheel.name.split('-')[1], Path(tmp)):
                for line in path.read_text().splitlines():
                    match = pin.match(line.strip())
                    if match:
                        allowed[(pins.normalize(match.group(1)), match.group(2))] = None
    return allowed


def _ansible_test_requirements(version: str, dest: Path) -> list[Path]:
    """What ansible-test of that release installs into the venvs it makes, read from its own files."""
    files = []
    with zipfile.ZipFile(WHEELS / ('ansible_core-%s-py3-none-any.whl' % version)) as wheel:
        for name in wheel.namelist():
            base = os.path.basename(name)
            if name.startswith('ansible_test/_data/requirements/') and (
                    base == 'ansible.txt' or (base.startswith('sanity.') and base.endswith('.txt'))):
                files.append(dest / base)
                files[-1].write_bytes(wheel.read(name))
        source = wheel.read('ansible_test/_internal/python_requirements.py').decode()
    files.append(dest / 'pip.txt')
    files[-1].write_text(''.join('%s==%s\n' % pin for pin in
                                 bootstrapped_packages(source, 'ansible-core %s' % version).items()))
    return files


def _exact(path: Path) -> bool:
    """Whether every requirement of the file names one version."""
    lines = [line.split('#', 1)[0].strip() for line in path.read_text().splitlines()]
    return all('==' in line for line in lines if line)


def wheels(version: str, extra: list[str]) -> str:
    """Fill the wheel directory for that release; returns the venv's pins."""
    key = 'ansible-core==%s %s' % (version, _key(requirements().read_text(), pins.PINS.read_text()))
    stamp = WHEELS / ('.stamp-' + _key(key, ' '.join(extra)))
    if stamp.is_file():
        return key
    print('controller: fetching wheels for ansible-core %s into %s' % (version, WHEELS), file=sys.stderr)
    WHEELS.mkdir(parents=True, exist_ok=True)
    # The venv's packages within the pinned list of that release, and the
    # sessions' own (httpx for the role) within the scenarios' pins.
    download('ansible-core==' + version, '-r', str(requirements()), within='controller-' + version.rsplit('.', 1)[0])
    if extra:
        download(*extra, within='scenarios')
    with tempfile.TemporaryDirectory() as tmp:
        files = _ansible_test_requirements(version, Path(tmp))
        # ansible.txt names ranges (cryptography, with no bound at all): those
        # resolve within the release's pinned set, or a release that reaches
        # the index tomorrow would be fetched. The sanity files pin exactly.
        loose = [path for path in files if not _exact(path)]
        exact = [path for path in files if path not in loose]
        if loose:
            download(*[option for path in loose for option in ('-r', str(path))],
                     within='controller-' + version.rsplit('.', 1)[0])
        # One resolution for all of them is four times faster than one per
        # file; ansible-test resolves each on its own, so should their pins
        # ever disagree, fall back to that.
        try:
            download(*[option for path in exact for option in ('-r', str(path))])
        except subprocess.CalledProcessError:
            for path in exact:
                download('-r', str(path))
    # Every file is pinned: by tests/pins.txt, or exactly by ansible-test's own files.
    pins.check(WHEELS, also=_ansible_test_pins())
    stamp.write_text('%s\n%s\n' % (key, ' '.join(extra)))
    return key


def _git_mount() -> list[str]:
    """A worktree's .git is a file that names a directory elsewhere: git in the
    container needs that directory too, read-only."""
    proc = subprocess.run(['git', '-C', str(ROOT), 'rev-parse', '--path-format=absolute', '--git-common-dir'],
                          capture_output=True, text=True, check=False)
    git_dir = proc.stdout.strip()
    if proc.returncode != 0 or not git_dir or git_dir.startswith(str(ROOT) + '/'):
        return []
    return ['--volume=%s:%s:ro' % (git_dir, git_dir)]


def _podman_run(image: str, venv: Path, envs: list[str], command: list[str], log: Path | None = None,
                show: bool = True) -> int:
    """COMMAND in a container; its output goes to log too when given, and to ours when show."""
    build, home = BASE / 'build', BASE / 'home'
    # --network=none: nothing in the container may reach an index.
    # --init: a reaper as PID 1, for the processes tests leave behind.
    # The checkout at its own path, so the links under build/collections and
    # the venv's scripts resolve the same inside and out; the venv first on
    # PATH, as the dev venv is on the host. uv reads no pip.conf, and no
    # variable makes it skip the index: VENVKIT_OFFLINE_WHEELS names the
    # wheels for the installs that use uv (index.py, noxfile.py).
    argv = ['podman', 'run', '--rm', '--network=none', '--init',
            '--name', 'venvkit-controller-%s-%d' % (venv.name, os.getpid()),
            '--volume=%s:%s' % (ROOT, ROOT), '--volume=%s:%s/.venv' % (venv, ROOT),
            '--volume=%s:%s/build' % (build, ROOT), '--volume=%s:/root' % home,
            '--volume=%s:/srv/wheels:ro' % WHEELS,
            '--env=PATH=%s/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' % ROOT,
            '--env=VENVKIT_OFFLINE_WHEELS=/srv/wheels'] + _git_mount()
    argv += ['--env=' + name for name in envs] + ['--workdir=%s' % ROOT, image] + command
    if log is None:
        return subprocess.run(argv, check=False).returncode
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc, \
            log.open('w') as out:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            if show:
                sys.stdout.write(line)
                sys.stdout.flush()
    return proc.returncode


def run(version: str, command: list[str], envs: tuple[str, ...] = (), extra: tuple[str, ...] = (),
        log: Path | None = None) -> int:
    """COMMAND in the controller of ansible-core==version; its exit status.

    envs: names of variables of this environment to pass in. extra: more
    specs to have wheels of. log: a file that keeps the output too.
    """
    image = subprocess.run(['sh', str(ROOT / 'tests' / 'lib' / 'controller-image.sh')], check=True,
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    image_key = podman('image', 'inspect', '--format', '{{ index .Config.Labels "venvkit.inputs" }}', image).strip()
    key = wheels(version, list(extra))
    venv = BASE / ('ansible-core-' + version)
    # The container's build/ and home: caches that outlive one run (the
    # collection tree link, nox's and ansible-test's venvs, uv's cache).
    link = BASE / 'build' / 'collections' / 'ansible_collections' / 'venvkit' / 'python'
    link.parent.mkdir(parents=True, exist_ok=True)
    (BASE / 'home').mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(ROOT)
    stamp = '%s %s' % (key, image_key)
    if (venv / '.stamp').is_file() and (venv / '.stamp').read_text().strip() == stamp:
        return _podman_run(image, venv, list(envs), command, log)
    # It lives here and is mounted as the checkout's .venv, so it is made
    # inside the container, at the path it is used from.
    print('controller: creating the venv of ansible-core %s' % version, file=sys.stderr)
    shutil.rmtree(venv, ignore_errors=True)
    venv.mkdir(parents=True)
    shutil.copy(requirements(), venv / '.requirements.txt')
    create = ['sh', '-c', 'python3 -m venv .venv && .venv/bin/pip install -q "$1" -r .venv/.requirements.txt', 'sh',
              'ansible-core==' + version]
    made = BASE / ('ansible-core-%s.log' % version)
    if _podman_run(image, venv, [], create, made, show=False) != 0:
        print(made.read_text(), file=sys.stderr)
        raise RuntimeError('controller: the venv of ansible-core %s could not be made' % version)
    (venv / '.stamp').write_text(stamp + '\n')
    return _podman_run(image, venv, list(envs), command, log)
