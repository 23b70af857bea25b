"""Managed CPython: a python-build-standalone install_only archive, verified and unpacked safely (managed.py).

The archives here hold a stand-in interpreter (a shell script that answers
the checks as CPython 3.13.5 would): what is tested is what the module does
with an archive. tests/managed/ builds venvs with a real one.
"""

import hashlib
import io
import json
import os
import stat
import tarfile

import pytest

import helpers
from ansible_collections.venvkit.python.plugins.module_utils._venvkit import managed
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.gate import Gate

PLATFORM = managed.host_platform()
NAME = 'cpython-3.13.5+20250612-%s-install_only.tar.gz' % PLATFORM
DIRNAME = NAME[:-len('-install_only.tar.gz')]


def info(name, kind=tarfile.REGTYPE, data=b'', mode=0o644, link=''):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.mode = mode
    member.linkname = link
    member.size = len(data) if kind == tarfile.REGTYPE else 0
    return member, data


def interpreter(version='3.13.5'):
    """The members of an install_only tree whose python3 answers as `version`."""
    script = ('#!/bin/sh\necho %s\n' % version).encode()
    return [info('python', tarfile.DIRTYPE, mode=0o755), info('python/bin', tarfile.DIRTYPE, mode=0o755),
            info('python/bin/python3.13', data=script, mode=0o755),
            info('python/bin/python3', tarfile.SYMTYPE, link='python3.13'),
            info('python/lib', tarfile.DIRTYPE, mode=0o755),
            info('python/lib/python3.13', tarfile.DIRTYPE, mode=0o755),
            info('python/lib/python3.13/os.py', data=b'# os\n'),
            # What uv looks for in a build it installs (test_uv_takes_the_same_downloads_json_and_mirror).
            info('python/lib/python3.13/_sysconfigdata__linux_x86_64-linux-gnu.py',
                 data=b"# system configuration generated and used by the sysconfig module\n"
                      b"build_time_vars = {\n    'prefix': '/install',\n}\n")]


def write_archive(path, members):
    with tarfile.open(path, 'w:gz', format=tarfile.GNU_FORMAT) as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture
def place(tmp_path):
    """A managed_pythons directory (not made yet) under a parent of root's, and an archive beside it."""
    os.chmod(str(tmp_path), 0o755)
    root = str(tmp_path / 'opt' / 'python')
    archive = str(tmp_path / NAME)

    def install(members=None, sha256=None, name=NAME, into=None):
        digest = write_archive(archive, interpreter() if members is None else members)
        spec = dict(path=archive, name=name, sha256=sha256 or digest)
        unit = managed.Install(root, spec, Gate())
        if not unit.installed():
            unit.install(helpers.process_runner(), into=into)
        return unit
    install.root = root
    install.parent = str(tmp_path / 'opt')
    install.archive = archive
    return install


def test_an_archive_is_installed_once_under_its_own_name_with_modes_of_its_own(place):
    unit = place(members=interpreter()[:2] + [info('python/bin/python3.13', data=b'#!/bin/sh\necho 3.13.5\n',
                                                   mode=0o6777)] + interpreter()[3:])
    top = os.path.join(place.root, DIRNAME)
    assert unit.python == os.path.join(top, 'bin', 'python3') and os.path.realpath(unit.python).endswith('python3.13')
    assert sorted(os.listdir(place.root)) == [DIRNAME]
    modes = dict((os.path.relpath(os.path.join(d, n), top), stat.S_IMODE(os.lstat(os.path.join(d, n)).st_mode))
                 for d, dirs, files in os.walk(top) for n in dirs + files if not os.path.islink(os.path.join(d, n)))
    # setuid, setgid and write for others are not taken from the archive.
    assert modes['bin/python3.13'] == 0o755 and modes['lib/python3.13/os.py'] == 0o644
    assert modes['bin'] == modes['lib'] == 0o755 and stat.S_IMODE(os.stat(top).st_mode) == 0o755
    marker = json.load(open(os.path.join(top, managed.MARKER)))
    assert marker == dict(name=NAME, version='3.13.5', platform=PLATFORM, sha256=unit.sha256)
    assert [m['version'] for m in managed.installed_pythons(place.root)] == ['3.13.5']
    # The same build again: installed, nothing unpacked.
    again = managed.Install(place.root, dict(path=place.archive, name=NAME, sha256=unit.sha256), Gate())
    assert again.installed()


def test_another_build_under_the_same_name_is_never_replaced(place):
    first = place()
    other = write_archive(place.archive, interpreter() + [info('python/extra.txt', data=b'x')])
    unit = managed.Install(place.root, dict(path=place.archive, name=NAME, sha256=other), Gate())
    with pytest.raises(VenvkitError) as error:
        unit.installed()
    assert first.sha256 in error.value.msg and other in error.value.msg and 'refusing to replace' in error.value.msg


def test_bytes_that_do_not_match_the_sha256_are_never_unpacked(place):
    with pytest.raises(VenvkitError) as error:
        place(sha256='0' * 64)
    assert 'does not match its sha256' in error.value.msg and 'nothing was written' in error.value.msg
    assert not os.path.lexists(place.parent)


HOSTILE = [
    ('absolute', [info('/etc/venvkit-owned', data=b'x')], 'outside its python/ directory'),
    ('dot-dot', [info('python/../../venvkit-owned', data=b'x')], 'outside its python/ directory'),
    ('beside python/', [info('other/file', data=b'x')], 'outside its python/ directory'),
    ('link out, absolute', [info('python/lib/evil', tarfile.SYMTYPE, link='/etc')], 'points outside the tree'),
    ('link out, relative', [info('python/lib/evil', tarfile.SYMTYPE, link='../../..')], 'points outside the tree'),
    ('write through a link', [info('python/lib/sub', tarfile.SYMTYPE, link='python3.13'),
                              info('python/lib/sub/planted.py', data=b'x')], 'written through the link'),
    ('hard link', [info('python/lib/hard', tarfile.LNKTYPE, link='python/bin/python3.13')], 'hard link'),
    ('fifo', [info('python/lib/fifo', tarfile.FIFOTYPE)], 'device or FIFO'),
    ('device', [info('python/lib/null', tarfile.CHRTYPE)], 'device or FIFO'),
    ('python/ a link', [info('python', tarfile.SYMTYPE, link='/tmp')], 'python is not a directory'),
]


@pytest.mark.parametrize('case, extra, words', HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_members_refuse_the_whole_archive_and_leave_nothing(place, tmp_path, case, extra, words):
    members = interpreter()
    members = members + extra if case != 'python/ a link' else extra + members[1:]
    with pytest.raises(VenvkitError) as error:
        place(members=members)
    assert words in error.value.msg and NAME in error.value.msg
    assert not os.path.lexists(place.root), os.listdir(place.root)
    assert not os.path.lexists('/etc/venvkit-owned') and not os.path.lexists(str(tmp_path / 'venvkit-owned'))


def test_an_archive_whose_interpreter_is_not_the_version_its_name_says_is_refused(place):
    with pytest.raises(VenvkitError) as error:
        place(members=interpreter('3.13.4'))
    assert 'holds CPython 3.13.4, not 3.13.5' in error.value.msg
    assert not os.path.lexists(place.root)


def test_an_archive_for_another_platform_is_refused_before_anything(place):
    other = NAME.replace(PLATFORM, 'aarch64-unknown-linux-gnu' if 'x86_64' in PLATFORM else 'x86_64-unknown-linux-gnu')
    with pytest.raises(VenvkitError) as error:
        place(name=other)
    assert 'is built for' in error.value.msg and PLATFORM in error.value.msg
    assert not os.path.lexists(place.root)


def test_not_a_gzip_tar_is_named(place):
    with open(place.archive, 'wb') as handle:
        handle.write(b'not an archive')
    digest = hashlib.sha256(b'not an archive').hexdigest()
    unit = managed.Install(place.root, dict(path=place.archive, name=NAME, sha256=digest), Gate())
    assert not unit.installed()
    with pytest.raises(VenvkitError) as error:
        unit.install(helpers.process_runner())
    assert 'is not a gzip-compressed tar archive' in error.value.msg and not os.path.lexists(place.root)


def test_check_mode_installs_into_the_private_directory_only(place, tmp_path):
    scratch = tmp_path / 'scratch'
    scratch.mkdir(mode=0o700)
    unit = place(into=str(scratch))
    assert not os.path.lexists(place.root)
    assert os.listdir(str(scratch)) == [DIRNAME] and unit.made is None


def test_without_the_archive_the_module_asks_for_it_and_writes_nothing(run, tmp_path):
    root = str(tmp_path / 'managed')
    error = run.fails(python='3.13', python_source='managed', managed_pythons=root,
                      python_archive=dict(name=NAME, sha256='a' * 64), packages=['vkdemo'])
    assert error.details.get('needs') == 'python_archive'
    assert not os.path.lexists(root) and not os.path.lexists(run.path)
    assert not os.path.lexists(os.path.join(run.root, '.venv.venvkit'))


def test_a_run_that_fails_after_installing_the_interpreter_takes_it_away(run, tmp_path):
    root = str(tmp_path / 'managed')
    archive = str(tmp_path / NAME)
    digest = write_archive(archive, interpreter())
    # The stand-in cannot make a venv: the run fails after the install.
    error = run.fails(python='3.13', python_source='managed', managed_pythons=root,
                      python_archive=dict(path=archive, sha256=digest), packages=['vkdemo'])
    assert error.msg
    assert not os.path.lexists(root) and not os.path.lexists(run.path)


# -- a managed CPython stays while a kept generation of any venv uses it ------------------------------


def _generation(layout, number, python_dir):
    """A generation of layout's path whose state says it runs on the managed CPython in python_dir."""
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import write_state
    gen = layout.generation(number)
    os.makedirs(gen)
    record = dict(source='given') if python_dir is None else dict(
        source='managed', realpath=os.path.join(python_dir, 'bin', 'python3.13'), version='3.13.5')
    write_state(gen + '.json', dict(python=record))
    return gen


def test_a_managed_cpython_goes_with_the_last_venv_that_uses_it(place, tmp_path):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import Layout
    python_dir = os.path.dirname(os.path.dirname(place().python))
    tools, runner = Layout(str(tmp_path / 'tools' / 'venv')), Layout(str(tmp_path / 'runner' / 'venv'))
    for layout in (tools, runner):
        _generation(layout, 1, python_dir)
        used, roots = managed.used_by(layout)
        assert used == set([python_dir]) and roots == set([place.root])
        assert managed.reconcile(roots, layout.path, used) == []
    assert len(os.listdir(os.path.join(python_dir, managed.USERS))) == 2
    # tools moves to the system's Python, and its old generation is pruned: runner still uses it.
    os.unlink(tools.generation(1) + '.json')
    _generation(tools, 2, None)
    assert managed.used_by(tools) == (set(), set())
    assert managed.reconcile([place.root], tools.path, set()) == []
    assert os.path.isdir(python_dir) and len(os.listdir(os.path.join(python_dir, managed.USERS))) == 1
    # runner goes: check mode says the interpreter would go, and leaves it; then it goes.
    assert managed.reconcile([place.root], runner.path, set(), check_mode=True) == [python_dir]
    assert os.path.isdir(python_dir)
    assert managed.reconcile([place.root], runner.path, set()) == [python_dir]
    assert os.listdir(place.root) == []


def test_a_managed_cpython_no_venv_of_this_module_recorded_is_never_removed(place, tmp_path):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import Layout
    python_dir = os.path.dirname(os.path.dirname(place().python))
    # Installed, but the venv that recorded itself is another path: this one is not its user.
    assert managed.reconcile([place.root], str(tmp_path / 'other' / 'venv'), set()) == []
    assert managed.reconcile([place.root], Layout(str(tmp_path / 'x' / 'venv')).path, set()) == []
    assert os.path.isdir(python_dir)


# -- from a mirror: python_archive.url -------------------------------------------------------------


@pytest.fixture
def mirror(tmp_path):
    """An HTTP server on 127.0.0.1 serving a directory, as a company's mirror of the releases would."""
    import http.server
    import threading
    served = tmp_path / 'mirror'
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.dir = served
    server.url = 'http://127.0.0.1:%d/' % server.server_address[1]
    yield server
    server.shutdown()


def test_an_archive_from_a_mirror_is_downloaded_verified_and_installed(place, mirror):
    digest = write_archive(str(mirror.dir / NAME), interpreter())
    unit = managed.Install(place.root, dict(url=mirror.url + NAME, sha256=digest), Gate())
    assert unit.name == NAME and not unit.installed()
    python = unit.install(helpers.process_runner())
    assert os.path.realpath(python).endswith('/bin/python3.13') and unit.installed()


def test_a_mirror_that_serves_other_bytes_or_nothing_is_refused_with_nothing_written(place, mirror):
    digest = write_archive(str(mirror.dir / NAME), interpreter())
    other = managed.Install(place.root, dict(url=mirror.url + NAME, sha256='0' * 64), Gate())
    with pytest.raises(VenvkitError) as error:
        other.install(helpers.process_runner())
    assert 'does not match its sha256' in error.value.msg and not os.path.lexists(place.root)
    secret = mirror.url.replace('http://', 'http://deploy:s3cret@') + 'missing/' + NAME
    gone = managed.Install(place.root, dict(url=secret, sha256=digest), Gate())
    with pytest.raises(VenvkitError) as error:
        gone.install(helpers.process_runner())
    assert 'HTTP 404' in error.value.msg and 'could not be downloaded' in error.value.msg
    assert 's3cret' not in error.value.msg and 'deploy:' in error.value.msg
    assert not os.path.lexists(place.root)


@pytest.mark.parametrize('archive, words', [
    (dict(url='ftp://mirror/' + NAME, sha256='a' * 64), 'must be an http:// or https:// URL'),
    (dict(url='https://mirror/' + NAME), 'python_archive.sha256 must be'),
    (dict(url='https://mirror/' + NAME, path='/srv/' + NAME, sha256='a' * 64), 'not path and url'),
    (dict(url='https://mirror/python.tgz', sha256='a' * 64), 'python-build-standalone'),
])
def test_a_mirror_url_that_cannot_work_is_refused_before_the_target(archive, words):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import input_problems
    problems = input_problems(dict(path='/opt/venv', python='3.13', python_archive=archive))
    assert any(words in problem for problem in problems), problems


# -- from a downloads JSON in uv's format: python_downloads_json_url, python_install_mirror -------------


def _entry(version, url, sha256, **changes):
    """One entry of uv's download-metadata.json, for this host unless changes say otherwise."""
    major, minor, patch = (int(part) for part in version.split('.'))
    entry = dict(name='cpython', arch=dict(family=PLATFORM.split('-')[0], variant=None), os='linux',
                 libc=PLATFORM.rsplit('-', 1)[1], major=major, minor=minor, patch=patch, prerelease='',
                 url=url, sha256=sha256, variant=None, build='20250612')
    entry.update(changes)
    return entry


def _publish(mirror, versions, base=None, **changes):
    """Archives of versions on the mirror, and a downloads JSON that lists them (under base when given, as
    python-build-standalone's own URLs; %2B for the +, as uv's file has it). Returns the JSON's URL."""
    listing = {}
    for version in versions:
        name = 'cpython-%s+20250612-%s-install_only_stripped.tar.gz' % (version, PLATFORM)
        digest = write_archive(str(mirror.dir / name), interpreter(version))
        url = (base or mirror.url.rstrip('/')) + '/' + name.replace('+', '%2B')
        listing['cpython-%s-linux-%s' % (version, PLATFORM)] = dict(_entry(version, url, digest), **changes)
    # What the chooser must pass over: other platforms, variants and prereleases, newer than the rest.
    listing['other-arch'] = _entry('3.13.9', mirror.url + 'x.tar.gz', '0' * 64, arch=dict(family='riscv64'))
    listing['freethreaded'] = _entry('3.13.9', mirror.url + 'y.tar.gz', '0' * 64, variant='freethreaded')
    listing['prerelease'] = _entry('3.13.9', mirror.url + 'z.tar.gz', '0' * 64, prerelease='rc1')
    (mirror.dir / 'download-metadata.json').write_text(json.dumps(listing))
    return mirror.url + 'download-metadata.json'


def _chooser(place, url, recorded=None, **options):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.pythons import Chooser
    params = dict(python='3.13', python_source='managed', python_archive=None, managed_pythons=place.root,
                  python_downloads_json_url=url, python_install_mirror=None, upgrade=False)
    params.update(options)
    return Chooser(params, helpers.process_runner(), recorded)


def test_the_newest_build_a_downloads_json_lists_for_this_host_is_installed_verified(place, mirror):
    url = _publish(mirror, ['3.12.11', '3.13.4', '3.13.5'])
    choice = _chooser(place, url).choose(Gate())
    assert (choice.version, choice.source) == ('3.13.5', 'managed')
    assert 'python_downloads_json_url' in choice.reason and choice.install is not None
    assert choice.install.name == 'cpython-3.13.5+20250612-%s-install_only_stripped.tar.gz' % PLATFORM
    assert choice.install.url.startswith(mirror.url) and not os.path.lexists(place.root)
    python = choice.install.install(helpers.process_runner())
    assert os.path.realpath(python).endswith('/bin/python3.13') and choice.install.installed()
    # Installed: the next venv on the host takes it without reading the list (now gone).
    os.unlink(str(mirror.dir / 'download-metadata.json'))
    again = _chooser(place, url).choose(Gate())
    assert again.version == '3.13.5' and again.install is None


def test_python_install_mirror_takes_the_place_of_python_build_standalone(place, mirror):
    url = _publish(mirror, ['3.13.5'], base=managed.PBS_RELEASES + '/20250612')
    choice = _chooser(place, url, python_install_mirror=mirror.url + 'pbs/').choose(Gate())
    assert choice.install.url == '%spbs/20250612/cpython-3.13.5%%2B20250612-%s-install_only_stripped.tar.gz' % (
        mirror.url, PLATFORM)
    # The mirror has no pbs/ tree: the download fails, naming the mirror's URL, and nothing is written.
    with pytest.raises(VenvkitError) as error:
        choice.install.install(helpers.process_runner())
    assert 'HTTP 404' in error.value.msg and mirror.url + 'pbs/' in error.value.msg
    assert not os.path.lexists(place.root)


@pytest.mark.parametrize('case, words', [
    ('no-match', 'lists no CPython for %s that satisfies 3.14 (it lists 3.13.5)' % PLATFORM),
    ('no-sha256', 'gives CPython 3.13.5'),
    ('missing', 'could not be read (HTTP 404)'),
    ('not-json', 'is not JSON'),
    ('tampered', 'does not match its sha256'),
])
def test_a_downloads_json_that_cannot_be_trusted_or_answer_fails_with_nothing_written(place, mirror, case, words):
    url = _publish(mirror, ['3.13.5'], sha256=None) if case == 'no-sha256' else _publish(mirror, ['3.13.5'])
    if case == 'missing':
        url += '.gone'
    elif case == 'not-json':
        (mirror.dir / 'download-metadata.json').write_text('<html>')
    elif case == 'tampered':
        name = 'cpython-3.13.5+20250612-%s-install_only_stripped.tar.gz' % PLATFORM
        write_archive(str(mirror.dir / name), interpreter('3.13.6'))
    with pytest.raises(VenvkitError) as error:
        choice = _chooser(place, url, python='3.14' if case == 'no-match' else '3.13').choose(Gate())
        choice.install.install(helpers.process_runner())
    assert words in error.value.msg, error.value.msg
    assert not os.path.lexists(place.root)


def test_upgrade_moves_a_venv_to_the_newest_release_the_list_gives_and_only_then(place, mirror):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import file_signature
    installed = place()  # 3.13.5, from an archive
    recorded = dict(request='3.13', source='managed', version='3.13.5', path=installed.python,
                    signature=file_signature(os.path.realpath(installed.python)), sha256=installed.sha256)
    gone = mirror.url + 'nothing-here.json'
    # Without upgrade the recorded interpreter stands, and the list is not read (it does not exist).
    assert _chooser(place, gone, recorded).choose(Gate()).version == '3.13.5'
    url = _publish(mirror, ['3.13.5', '3.13.7'])
    choice = _chooser(place, url, recorded, upgrade=True).choose(Gate())
    assert choice.version == '3.13.7' and choice.install is not None
    assert choice.reason.startswith('upgrade: CPython 3.13.7') and 'replaces 3.13.5' in choice.reason
    # Nothing newer listed: upgrade keeps what is there.
    url = _publish(mirror, ['3.13.5'])
    assert _chooser(place, url, recorded, upgrade=True).choose(Gate()).install is None


@pytest.mark.parametrize('options, words', [
    (dict(python_downloads_json_url='http://mirror.example/d.json'), 'must be an https:// URL (or http:// on'),
    # Hosts that only look like this one: the host is the one urllib connects to.
    (dict(python_downloads_json_url='http://127.mirror.example/d.json'), 'must be an https:// URL (or http:// on'),
    (dict(python_downloads_json_url='http://mirror.example#@127.0.0.1/d.json'), 'must be an https:// URL (or http'),
    (dict(python_downloads_json_url='http://mirror.example?@localhost/d.json'), 'must be an https:// URL (or http'),
    # This host, on a port any local user could have bound first.
    (dict(python_downloads_json_url='http://127.0.0.1:8080/d.json'), 'on a port below 1024, which only root can'),
    (dict(python_downloads_json_url='http://[::1]:65000/d.json'), 'on a port below 1024, which only root can'),
    (dict(python_downloads_json_url='file:///srv/d.json'), 'must be an https:// URL'),
    (dict(python_install_mirror='https://mirror.example/pbs'), 'give python_downloads_json_url too'),
    (dict(python_downloads_json_url='https://m/d.json', python_install_mirror='ftp://m'),
     'python_install_mirror must be an http'),
    (dict(python_downloads_json_url='https://m/d.json', python_source='system'), 'and python_source is system'),
    (dict(python_downloads_json_url='https://m/d.json', python='python3'), 'go with a version request'),
    (dict(python_downloads_json_url='https://m/d.json', python_archive=dict(url='https://m/' + NAME, sha256='a' * 64)),
     'not both'),
])
def test_downloads_options_that_cannot_work_are_refused_before_the_target(options, words):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import input_problems
    params = dict(path='/opt/venv', python='3.13')
    params.update(options)
    problems = input_problems(params)
    assert any(words in problem for problem in problems), problems


def test_downloads_from_this_host_over_http_are_allowed():
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import input_problems
    for url in ('http://127.0.0.1:842/d.json', 'http://localhost/d.json', 'http://[::1]:842/d.json',
                'http://deploy:secret@127.0.0.1/d.json', 'https://mirror.example/d.json'):
        assert input_problems(dict(path='/opt/venv', python='3.13', python_downloads_json_url=url)) == []


def test_uv_takes_the_same_downloads_json_and_mirror(mirror, tmp_path):
    """The list and the mirror as the module reads them are what uv itself reads (uv python install
    --python-downloads-json-url --mirror), with the uv the tests pin."""
    import subprocess
    url = _publish(mirror, ['3.13.5'], base=managed.PBS_RELEASES + '/20250612')
    os.makedirs(str(mirror.dir / 'pbs' / '20250612'))
    for name in os.listdir(str(mirror.dir)):
        if name.endswith('.tar.gz'):
            os.rename(str(mirror.dir / name), str(mirror.dir / 'pbs' / '20250612' / name))
    env = dict(os.environ, UV_PYTHON_INSTALL_DIR=str(tmp_path / 'uv-pythons'), UV_CACHE_DIR=str(tmp_path / 'uv-cache'),
               UV_NO_CONFIG='1')
    proc = subprocess.run([helpers.UV, 'python', 'install', '3.13', '--no-bin', '--python-downloads-json-url', url,
                           '--mirror', mirror.url + 'pbs'], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    out = proc.stdout.decode()
    assert proc.returncode == 0 and 'Installed Python 3.13.5' in out, out
