"""Version requests in the python option, and which interpreter answers them (pythons.py)."""

import os

import pytest

import helpers
from ansible_collections.venvkit.python.plugins.module_utils._venvkit import managed, pythons
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import input_problems

NAME = 'cpython-3.13.5+20250612-x86_64-unknown-linux-gnu-install_only.tar.gz'
SHA = 'ab' * 32


@pytest.mark.parametrize('request_text, yes, no', [
    ('3.13', ['3.13.0', '3.13.9'], ['3.12.9', '3.14.0', '3.1.3']),
    ('3', ['3.9.1', '3.13.0'], ['2.7.18']),
    ('3.13.5', ['3.13.5'], ['3.13.4', '3.13.6']),
    ('==3.13.5', ['3.13.5'], ['3.13.50', '3.13.4']),
    ('==3.13.*', ['3.13.0', '3.13.7'], ['3.12.0']),
    ('>=3.12', ['3.12.0', '3.13.1', '4.0.0'], ['3.11.9']),
    ('>3.12', ['3.12.1', '3.13.0'], ['3.12.0']),
    ('<3.13', ['3.12.9'], ['3.13.0']),
    ('<=3.12', ['3.12.0'], ['3.12.1', '3.13.0']),
    ('>=3.12,<3.14', ['3.12.4', '3.13.9'], ['3.14.0', '3.11.2']),
    ('~=3.12', ['3.12.0', '3.13.2'], ['3.11.0', '4.0.0']),
    ('~=3.12.1', ['3.12.1', '3.12.9'], ['3.12.0', '3.13.0']),
    ('!=3.12.*', ['3.11.9', '3.13.0'], ['3.12.3']),
    (' >= 3.12 , != 3.13.0 ', ['3.12.0', '3.13.1'], ['3.13.0']),
])
def test_a_request_matches_the_releases_it_names(request_text, yes, no):
    request = pythons.parse_request(request_text)
    assert [v for v in yes if not request.matches(v)] == []
    assert [v for v in no if request.matches(v)] == []


@pytest.mark.parametrize('text', ['python3', 'python3.12', '/usr/bin/python3', 'pypy3', ''])
def test_a_name_or_a_path_is_not_a_request(text):
    assert pythons.parse_request(text) is None


@pytest.mark.parametrize('text, words', [
    ('3.x', 'neither an interpreter'),
    ('>=', 'neither an interpreter'),
    ('3.13,', 'neither an interpreter'),
    ('>=3.12.*', '".*" goes only with == or !='),
    ('~=3', '~= needs at least two parts'),
    ('3.13.5.1', 'neither an interpreter'),
])
def test_a_malformed_request_is_named(text, words):
    with pytest.raises(VenvkitError) as info:
        pythons.parse_request(text)
    assert words in info.value.msg and repr(text) in info.value.msg


def test_archive_names_give_version_and_platform():
    assert managed.archive_facts('/srv/' + NAME) == (
        'cpython-3.13.5+20250612-x86_64-unknown-linux-gnu', '3.13.5', 'x86_64-unknown-linux-gnu')
    assert managed.archive_facts('cpython-3.12.8-aarch64-unknown-linux-musl-install_only_stripped.tar.gz')[1:] == (
        '3.12.8', 'aarch64-unknown-linux-musl')
    for bad in ('python-3.13.tar.gz', 'cpython-3.13.5-x86_64-unknown-linux-gnu-pgo+lto-full.tar.zst',
                'cpython-3.13-x86_64-unknown-linux-gnu-install_only.tar.gz'):
        with pytest.raises(VenvkitError) as info:
            managed.archive_facts(bad)
        assert 'python-build-standalone' in info.value.msg


@pytest.mark.parametrize('params, words', [
    (dict(python='python3', python_source='managed'), 'go with a version request'),
    (dict(python='/usr/bin/python3', python_archive=dict(path='/srv/' + NAME, sha256=SHA)),
     'go with a version request'),
    (dict(python='3.13', python_source='system', python_archive=dict(path='/srv/' + NAME, sha256=SHA)),
     'python_source is system'),
    (dict(python='3.13', python_archive=dict(path='/srv/' + NAME)), 'python_archive.sha256 must be'),
    (dict(python='3.13', python_archive=dict(path='/srv/' + NAME, sha256='AB' * 32)), 'python_archive.sha256 must be'),
    (dict(python='3.13', python_archive=dict(path='srv/' + NAME, sha256=SHA)), 'python_archive.path must be'),
    (dict(python='3.13', python_archive=dict(path='/srv/python.tgz', sha256=SHA)), 'python-build-standalone'),
    (dict(python='3.13', python_archive=dict(src='/srv/' + NAME, path='/srv/' + NAME, sha256=SHA)), 'not src and path'),
    (dict(python='3.13', managed_pythons='opt/python'), 'managed_pythons must be an absolute path'),
    (dict(python='3.1x'), 'neither an interpreter'),
])
def test_python_options_that_cannot_work_are_refused_before_the_target(params, words):
    problems = input_problems(dict(path='/opt/venv', **params))
    assert any(words in problem for problem in problems), problems


def fake_python(directory, name, version, has_venv=True):
    """An executable answering the chooser's probe as an interpreter of version would."""
    path = os.path.join(directory, name)
    with open(path, 'w') as handle:
        handle.write('#!/bin/sh\necho %s\necho %s\n' % (version, has_venv))
    os.chmod(path, 0o755)
    return path


@pytest.fixture
def system(tmp_path, monkeypatch):
    """A stand-in for the system's directories, as the chooser searches them."""
    bin_dir = tmp_path / 'usr-bin'
    bin_dir.mkdir(mode=0o755)
    os.chmod(str(tmp_path), 0o755)
    monkeypatch.setattr(pythons, 'SYSTEM_PATH', str(bin_dir))
    return str(bin_dir)


class Process:
    """The run's process runner, counting what it starts."""

    def __init__(self):
        self.started = []

    def run(self, argv, what, run_as=None):
        self.started.append(argv[0])
        return helpers.run_command(argv)


def chooser(python, process, recorded=None, **options):
    params = dict(python=python, python_source='auto', managed_pythons='/nonexistent/venvkit-python',
                  python_archive=None)
    params.update(options)
    return pythons.Chooser(params, process, recorded)


def test_the_newest_system_interpreter_that_satisfies_and_has_venv_is_chosen(system):
    fake_python(system, 'python3', '3.11.2')
    fake_python(system, 'python3.12', '3.12.3')
    fake_python(system, 'python3.13', '3.13.1', has_venv=False)
    choice = chooser('>=3.12', Process()).choose(gate=None)
    assert (choice.path, choice.version, choice.source) == (os.path.join(system, 'python3.12'), '3.12.3', 'system')
    assert 'of the system satisfies >=3.12' in choice.reason


def test_nothing_that_satisfies_names_what_was_found_and_what_to_do(system):
    fake_python(system, 'python3', '3.11.2')
    with pytest.raises(VenvkitError) as info:
        chooser('3.13', Process()).choose(gate=None)
    assert '3.11.2' in info.value.msg and 'python_archive' in info.value.msg
    with pytest.raises(VenvkitError) as info:
        chooser('3.13', Process(), python_source='system').choose(gate=None)
    assert 'python_source is system' in info.value.msg


def test_managed_only_never_looks_at_the_system(system):
    fake_python(system, 'python3.13', '3.13.1')
    process = Process()
    with pytest.raises(VenvkitError) as info:
        chooser('3.13', process, python_source='managed').choose(gate=None)
    assert process.started == [] and 'no managed CPython' in info.value.msg


def test_a_recorded_choice_that_still_holds_starts_no_process(system):
    path = fake_python(system, 'python3.13', '3.13.1')
    first = chooser('3.13', Process()).choose(gate=None)
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import BasePython
    base = BasePython(first.path, chosen=first.describe())
    base.version = first.version
    recorded = base.record(str(system))
    process = Process()
    again = chooser('3.13', process, recorded=recorded).choose(gate=None)
    assert process.started == [] and again.path == path and again.version == '3.13.1'
    # Another request, or a changed file, chooses again.
    process = Process()
    with pytest.raises(VenvkitError):
        chooser('3.12', process, recorded=recorded).choose(gate=None)
    assert process.started
    os.utime(path, (1, 1))
    process = Process()
    chooser('3.13', process, recorded=recorded).choose(gate=None)
    assert process.started == [path]
