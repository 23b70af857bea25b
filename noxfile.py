"""The test suite, as nox sessions: antsibull-nox's, configured in
antsibull-nox.toml, and the project's own below.

    nox -l                  every session, and what it proves
    nox -s unit             one session (nox -s molecule-offline -- converge: another Molecule action)
    nox -s matrix-2.17      what runs on one ansible-core release
    sh tests/run            all of them, after installing what they need

Run nox from the dev venv (tests/lib/bootstrap.sh makes it): .venv/bin/nox.
"""

import difflib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nox

try:
    import antsibull_nox
    import antsibull_nox.sessions
except ImportError:
    sys.exit('antsibull-nox is missing: run sh tests/lib/bootstrap.sh, then .venv/bin/nox')

sys.path.insert(0, str(Path(__file__).resolve().parent / 'tests'))

from harness import collection, index, pins  # noqa: E402  pylint: disable=wrong-import-position
from harness.env import BUILD, COLLECTIONS, ROOT, VENV, python_version, session_env  # noqa: E402
from harness.sanity import pip_standin, pyenv_pythons  # noqa: E402  pylint: disable=wrong-import-position

# nox's venvs live under build/ with the other caches, are made by uv, and are
# kept between runs: a rerun installs nothing new.
nox.options.envdir = str(BUILD / 'nox')
nox.options.default_venv_backend = 'uv'
nox.options.reuse_venv = 'yes'
# A tool that the dev venv has gets the dev venv's version in every venv nox
# makes; uv, unlike pip, accepts the extras in that file. What else uv
# resolves sees the index as it was when tests/pins.txt was written, so a new
# release cannot change a session (session_env takes both away again from
# the pip and uv that the tests start).
os.environ['UV_CONSTRAINT'] = str(ROOT / 'tests' / 'requirements.txt')
os.environ['UV_EXCLUDE_NEWER'] = pins.SNAPSHOT
# PyPI is reached through a proxy whose CA is in the system's store.
os.environ.setdefault('UV_SYSTEM_CERTS', '1')
# The project's sessions run the dev venv's tools, as the shell helpers do.
os.environ['PATH'] = '%s%s%s' % (VENV / 'bin', os.pathsep, os.environ['PATH'])

antsibull_nox.load_antsibull_nox_toml()


def dev_release() -> str:
    """The dev venv's ansible-core: the one installed in it, else the pin of tests/requirements.txt."""
    try:
        installed = subprocess.run([str(VENV / 'bin' / 'python'), '-c', 'import ansible.release as r;'
                                    ' print(r.__version__)'], capture_output=True, text=True, check=True)
        return installed.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    for line in (ROOT / 'tests' / 'requirements.txt').read_text().splitlines():
        if line.startswith('ansible-core=='):
            return line.split('==', 1)[1].strip()
    sys.exit('tests/requirements.txt pins no ansible-core')


class _ImporterLog:
    """The session, as build-import-check sees it, keeping what galaxy-importer printed."""

    def __init__(self, session: nox.Session) -> None:
        self._session = session
        self.log: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._session, name)

    def run(self, *args: str, **kwargs: object) -> object:
        out = self._session.run(*args, **kwargs)  # type: ignore[call-overload]
        if args[1:3] == ('-m', 'galaxy_importer.main'):
            self.log.extend(str(out).splitlines())
        return out


def _strict_import_check() -> None:
    """build-import-check fails on the importer's errors only, but Galaxy shows its
    warnings (lint findings, docs it cannot render) on the collection's page:
    they fail the session too."""
    registered = nox.registry.get()['build-import-check']
    check = registered.func

    def strict(session: nox.Session) -> None:
        seen = _ImporterLog(session)
        check(seen)
        if not seen.log:
            session.error('galaxy-importer printed nothing that this session could read')
        warnings = [line for line in seen.log if line.startswith(('WARNING', 'ERROR'))]
        if warnings:
            session.error('galaxy-importer reported warnings:\n' + '\n'.join(warnings))

    registered.func = strict


_strict_import_check()

# The ansible-core release of the dev venv (2.19 here, the newest in the
# container of the current session), and the latest patch release of each
# other minor release; bump them with meta/runtime.yml. The dev release is
# the pin of tests/requirements.txt, or in the current session's container
# the release installed there: nox itself may run from any venv (pipx).
DEV = dev_release()
DEV_MINOR = DEV.rsplit('.', 1)[0]
RELEASES = {'2.16': '2.16.19', '2.17': '2.17.14', '2.18': '2.18.19', DEV_MINOR: DEV}
NEWEST, PREVIOUS = '2.21.5', '2.20.10'
# What the host's Python 3.11 runs; 2.20 and later need Python 3.12 and run in
# the current session's container, which has only its own release.
MINORS = sorted(RELEASES) if DEV_MINOR < '2.20' else [DEV_MINOR]
LOWEST = MINORS[0]
# What the unit tests need beside ansible-core.
UNIT_PACKAGES = ['pytest', 'pytest-xdist', 'uv', 'cyclonedx-python-lib[json-validation]']


def install_release(session: nox.Session, release: str, *packages: str) -> None:
    """ansible-core==release and packages into the session's venv, with the dev venv's pins but ansible-core's."""
    constraints = Path(session.create_tmp()) / 'constraints.txt'
    constraints.write_text(''.join(line for line in (ROOT / 'tests' / 'requirements.txt').read_text().splitlines(True)
                                   if not line.startswith('ansible-core==')))
    # In the controller of the current session, which has no network, from its wheel directory.
    offline = os.environ.get('VENVKIT_OFFLINE_WHEELS')
    sources = ['--no-index', '--find-links', offline] if offline else []
    session.install(*sources, 'ansible-core==' + release, *packages, env={'UV_CONSTRAINT': str(constraints)})


def artifact_env(session: nox.Session, url: str, **extra: str) -> dict[str, str | None]:
    """The environment of a Molecule scenario: the built artifact, containers.podman, the index.

    pip and uv on the controller (the role's wheelhouse build) reach no index but the ones a scenario
    names: a wheel from PyPI would be one that tests/pins.txt does not pin.
    """
    return session_env(ANSIBLE_COLLECTIONS_PATH=collection.collections_path(), VENVKIT_INDEX_URL=url,
                       PIP_NO_INDEX='1', PIP_INDEX_URL='http://127.0.0.1:9/no-index-but-the-scenario-s/',
                       PIP_EXTRA_INDEX_URL='', UV_OFFLINE='1', **extra)


def molecule(session: nox.Session, scenario: str, env: dict[str, str | None], program: str = 'molecule') -> None:
    """A Molecule action on the scenario: test, or the one given after --."""
    action = session.posargs or ['test']
    session.run(program, action[0], '-s', scenario, *action[1:], env=env, external=True)


def images(session: nox.Session, *names: str) -> None:
    session.run('sh', 'tests/lib/images.sh', *names, external=True)


# --- checks of the repository ----------------------------------------------------

@nox.session(python=False)
def changelog(session: nox.Session) -> None:
    """antsibull-changelog lints the fragments and changelog.yaml; CHANGELOG.md is what changelog.yaml generates."""
    if not (ROOT / 'changelogs' / 'changelog.yaml').is_file():
        session.error('changelogs/changelog.yaml is missing; run antsibull-changelog release')
    session.run('antsibull-changelog', 'lint')
    session.run('antsibull-changelog', 'lint-changelog-yaml', 'changelogs/changelog.yaml')
    expected = Path(session.create_tmp()) / 'CHANGELOG.md'
    session.run('antsibull-changelog', 'generate', '--output', str(expected), '--output-format', 'md')
    diff = list(difflib.unified_diff((ROOT / 'CHANGELOG.md').read_text().splitlines(),
                                     expected.read_text().splitlines(), 'CHANGELOG.md', 'generated', lineterm=''))
    if diff:
        print('\n'.join(diff))
        session.error('CHANGELOG.md is stale; run antsibull-changelog generate')


@nox.session(python=False)
def docs(session: nox.Session) -> None:
    """The role's README table is rendered from argument_specs.yml; antsibull-docs with what docs-check leaves out:
    rstcheck of the rendered docs, and no reference to a collection this one does not depend on."""
    session.run('python', '-m', 'pytest', '-q', '--tb=line', '-p', 'no:cacheprovider', 'tests/docs', env=session_env())
    session.run('antsibull-docs', 'lint-collection-docs', '--plugin-docs', '--validate-collection-refs', 'dependent',
                '--disallow-unknown-collection-refs', str(COLLECTIONS / 'ansible_collections' / 'venvkit' / 'python'),
                env=session_env())


# --- one ansible-core release ----------------------------------------------------

def add_sanity(minor: str) -> None:
    def sanity(session: nox.Session) -> None:
        install_release(session, RELEASES[minor])
        tree = antsibull_nox.sessions.prepare_collections(
            session, install_in_site_packages=False, install_out_of_tree=True)
        if tree is None:
            session.error('the collection tree could not be prepared (ansible-test needs a venv)')
        located = session.run('python', '-c', 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))',
                              silent=True)
        pip_standin(Path(str(located).strip()))
        path = os.pathsep.join(pyenv_pythons(Path(session.create_tmp()) / 'pythons') + [os.environ['PATH']])
        with session.chdir(tree.current_path):
            session.run('ansible-test', 'sanity', '--venv', '--requirements', '--color', 'no', *session.posargs,
                        env={'PATH': path})

    sanity.__doc__ = ('ansible-test sanity of ansible-core %s, offline: every test, no ignore file; --venv makes its'
                      ' venvs, pip comes from a local stand-in of its bootstrap script' % RELEASES[minor])
    nox.session(name='ansible-test-sanity-' + minor, python=python_version(), tags=[minor])(sanity)


def run_units(session: nox.Session, paths: list[str], *options: str) -> None:
    session.run('python', '-m', 'pytest', '-q', '-n', '2', '-p', 'no:cacheprovider', *options,
                *(session.posargs or paths), env=session_env())


def run_integration(session: nox.Session, name: str) -> None:
    """ansible-test integration of tests/integration/targets, in a copy of the collection where it looks for one."""
    # Outside this git work tree: ansible-test asks git for the files of a tree inside one.
    top = Path(tempfile.mkdtemp(prefix='venvkit-%s-' % name))
    tree = collection.source_tree(top)
    # The host's pip configuration (indexes, find-links) stays out of the test.
    env = session_env(PIP_CONFIG_FILE=os.devnull, PIP_FIND_LINKS=None, PIP_INDEX_URL=None, PIP_EXTRA_INDEX_URL=None,
                      ANSIBLE_COLLECTIONS_PATH=None)
    try:
        with session.chdir(tree):
            session.run('ansible-test', 'integration', '--local', '--color', 'no', '-v', *session.posargs, env=env)
    finally:
        shutil.rmtree(top, ignore_errors=True)


@nox.session(python=False, tags=[DEV_MINOR])
def unit(session: nox.Session) -> None:
    """pytest drives the module's engine with real venvs and real pip and uv (tests/unit), on the dev venv's
    ansible-core; arguments after -- pick the tests."""
    run_units(session, ['tests/unit'])


@nox.session(python=False, tags=[DEV_MINOR])
def integration(session: nox.Session) -> None:
    """ansible-test integration --local of tests/integration/targets (pip_venv, venv_info, path_exposure), each with
    the setup_venvkit target's wheelhouse: check, real, check, real; arguments after -- go to ansible-test."""
    run_integration(session, 'integration')


def add_release(minor: str) -> None:
    release = RELEASES[minor]
    # The whole unit suite on the lowest release, as unit does on the dev
    # venv's and current on the newest; on the releases between, what depends
    # on ansible-core: the modules as Ansible runs them, the filters,
    # ansible-doc (the engine itself uses nothing of ansible-core's).
    paths = ['tests/unit'] if minor == LOWEST else ['tests/unit/plugins/modules']

    def unit_release(session: nox.Session) -> None:
        install_release(session, release, *UNIT_PACKAGES)
        # A temporary directory of its own keeps concurrent pytest runs apart.
        run_units(session, paths, '--basetemp', os.path.join(session.create_tmp(), 'pytest'))
        out = session.run('ansible-doc', 'venvkit.python.pip_venv', silent=True, env=session_env())
        if 'pip_venv' not in str(out) or any(line.startswith(('[ERROR]', 'ERROR!')) for line in str(out).splitlines()):
            print(out)
            session.error('ansible-doc failed on ansible-core %s' % release)
        session.log('ansible-doc rendered %d lines' % len(str(out).splitlines()))

    def integration_release(session: nox.Session) -> None:
        install_release(session, release)
        run_integration(session, 'integration-' + minor)

    unit_release.__doc__ = 'pytest %s on ansible-core %s, and ansible-doc renders pip_venv' % (' '.join(paths), release)
    integration_release.__doc__ = 'ansible-test integration of ansible-core %s on the integration targets' % release
    nox.session(name='unit-' + minor, python=python_version(), tags=[minor])(unit_release)
    nox.session(name='integration-' + minor, python=python_version(), tags=[minor])(integration_release)


for _minor in MINORS:
    add_sanity(_minor)
    if _minor != DEV_MINOR:
        add_release(_minor)


# --- the role and Molecule -------------------------------------------------------

@nox.session(python=False)
def role(session: nox.Session) -> None:
    """The venv role on this host under a scratch root: four-run idempotence, absent restoring the host byte for byte,
    mistakes caught before anything is written, accounts, and as an unprivileged user (tests/role/check_role.py)."""
    session.run('python', 'tests/role/check_role.py', env=session_env())


@nox.session(python=False)
def wheelhouse(session: nox.Session) -> None:
    """The role's wheelhouse and uv on Debian 12 and 13 containers with no network at all: built once per target
    Python, no index needed on a rerun, a platform mismatch named, absent removing it (tests/role/check_wheelhouse.py)."""
    session.run('python', 'tests/role/check_wheelhouse.py', env=session_env())


@nox.session(name='molecule-default', python=False)
def molecule_default(session: nox.Session) -> None:
    """molecule syntax of the default scenario (Alpine 3.20 to 3.23 for users with a registry and PyPI, which CI
    lacks: its full test cannot run here); -- test runs it where they can be reached."""
    action = session.posargs or ['syntax']
    session.run('molecule', action[0], '-s', 'default', *action[1:], env=session_env())


def offline(session: nox.Session, program: str = 'molecule') -> None:
    images(session, 'bookworm', 'trixie', 'bullseye')
    # pip: Debian 11's venvs start with pip 20.3.4, which the module upgrades from the index.
    with index.Server(index.wheels('httpx', '3.9 3.11 3.13', ['httpx[cli]', 'pip'])) as server:
        molecule(session, 'offline', artifact_env(session, server.url), program)


@nox.session(name='molecule-offline', python=False)
def molecule_offline(session: nox.Session) -> None:
    """The offline scenario on Debian 11, 12 and 13 containers (Python 3.9, 3.11, 3.13) built locally, installing
    the built artifact from an index on 127.0.0.1: check, converge, idempotence, a failing requirement, verify, absent."""
    offline(session)


@nox.session(name='molecule-offline-' + LOWEST, python=python_version(), tags=[LOWEST])
def molecule_offline_lowest(session: nox.Session) -> None:
    """The offline scenario with ansible-playbook of the lowest supported ansible-core release."""
    install_release(session, RELEASES[LOWEST])
    # Molecule runs whichever ansible-playbook comes first on PATH: this venv's.
    version = str(session.run('ansible-playbook', '--version', silent=True)).splitlines()[0]
    if '[core %s]' % RELEASES[LOWEST] not in version:
        session.error('ansible-playbook is %s, not ansible-core %s' % (version, RELEASES[LOWEST]))
    session.log(version)
    offline(session, str(VENV / 'bin' / 'molecule'))


@nox.session(name='molecule-alpine', python=False)
def molecule_alpine(session: nox.Session) -> None:
    """The alpine scenario on a real Alpine 3.23 userland built locally (busybox init booting OpenRC, a musl python3
    with PEP 668's marker), from musllinux wheels: login shells, the running service, restarts, a reboot, the
    wheelhouse built for musl, absent."""
    session.run('sh', 'tests/lib/alpine-image.sh', external=True)
    wheels = index.wheels('alpine', '3.11', ['httpx[cli]', 'markupsafe', 'pip'], platforms=index.MUSL)
    # The fault step's requirement: a wheel for glibc only, which pip on musl must pass over.
    fake = wheels / 'vkglibc-1.0-py3-none-manylinux_2_17_x86_64.whl'
    if not fake.is_file():
        with zipfile.ZipFile(fake, 'w') as whl:
            whl.writestr('vkglibc-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\nName: vkglibc\nVersion: 1.0\n')
    with index.Server(wheels) as server:
        # The wheelhouse step downloads from the directory itself, which only the controller can read.
        molecule(session, 'alpine', artifact_env(session, server.url, VENVKIT_INDEX_DIR=str(wheels)))


@nox.session(name='molecule-systemd', python=False)
def molecule_systemd(session: nox.Session) -> None:
    """The systemd scenario on Debian 12 and 13 containers that boot systemd, against the running stand-in
    semaphore-runner service: its process's PATH, restarts only where the PATH changed, a failing requirement."""
    images(session, 'bookworm-systemd', 'trixie-systemd')
    # jmespath: a package to add, for a change of the package set alone.
    with index.Server(index.wheels('systemd', '3.11 3.13', ['httpx[cli]', 'jmespath'])) as server:
        molecule(session, 'systemd', artifact_env(session, server.url))


def managed_python() -> tuple[str, str]:
    """The relocatable CPython 3.13 archive tests/lib/cpython.sh builds (cached), and its SHA-256."""
    archive = subprocess.run(['sh', 'tests/lib/cpython.sh'], check=True, stdout=subprocess.PIPE,
                             text=True).stdout.strip()
    return archive, hashlib.sha256(Path(archive).read_bytes()).hexdigest()


@nox.session(name='molecule-managed', python=False)
def molecule_managed(session: nox.Session) -> None:
    """Managed interpreters on Debian 12 runners with no network: the runner playbook with venv_python "3.13"
    gets ansible-core 2.21 on a CPython shipped from the controller, shared, predicted by check mode;
    a tampered archive is refused with nothing written."""
    images(session, 'bookworm-systemd')
    archive, digest = managed_python()
    # pip: the wheelhouse holds it too, for the venvs that seed it.
    with index.Server(index.wheels('managed', '3.13', ['ansible-core>=2.21,<2.22', 'pip'])) as server:
        molecule(session, 'managed', artifact_env(session, server.url, VENVKIT_PYTHON_ARCHIVE=archive,
                                                  VENVKIT_PYTHON_ARCHIVE_SHA256=digest))


@nox.session(name='semaphore-guide', python=False)
def semaphore_guide(session: nox.Session) -> None:
    """docs/semaphore.md's code blocks run against two runners that boot systemd: provisioning, the drop-in,
    the checks of section 7, the drift check, a rollback (tests/docs/semaphore_guide.py)."""
    session.run('python', 'tests/docs/semaphore_guide.py', env=session_env())


def add_matrix(minor: str) -> None:
    def matrix_release(session: nox.Session) -> None:  # pylint: disable=unused-argument
        pass

    own = ['unit', 'integration'] if minor == DEV_MINOR else ['unit-' + minor, 'integration-' + minor]
    extra = ['molecule-offline-' + minor] if minor == LOWEST else []
    matrix_release.__doc__ = 'Everything run on ansible-core %s: %s' % (
        RELEASES[minor], ', '.join(['ansible-test-sanity-' + minor] + own + extra))
    nox.session(name='matrix-' + minor, python=False, default=False,
                requires=['ansible-test-sanity-' + minor] + own + extra)(matrix_release)


for _minor in MINORS:
    add_matrix(_minor)


@nox.session(python=False, default=False, requires=['matrix-' + minor for minor in MINORS if minor != DEV_MINOR])
def matrix(session: nox.Session) -> None:  # pylint: disable=unused-argument
    """Every release below the dev venv's: sanity, unit tests and integration, Molecule on the lowest."""


@nox.session(python=False)
def current(session: nox.Session) -> None:
    """ansible-core 2.21 and 2.20, which need Python 3.12, on a Python 3.13 controller in an offline container:
    sanity, unit, integration and role on 2.21 with no deprecation warning from the plays; unit tests on 2.20."""
    if DEV_MINOR >= '2.20':
        session.skip('this is the controller the current session starts')
    session.run('python', 'tests/harness/current.py', NEWEST, PREVIOUS, env=session_env())


if __name__ == '__main__':
    nox.main()
