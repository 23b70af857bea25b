"""Class 2 of SECURITY.md: nothing another user made, or can write, is adopted,
followed or run. The error names the component and why."""

import os

import pytest

from conftest import NOBODY, as_nobody


def test_generations_directory_made_by_another_user_is_refused(open_run, sticky):
    path = os.path.join(sticky, 'venv')
    made = as_nobody(['mkdir', os.path.join(sticky, '.venv.venvkit')])
    assert made.returncode == 0
    error = open_run.fails(path=path, packages=['vkdemo==1.0'])
    assert os.path.join(sticky, '.venv.venvkit') in error.msg and 'uid %d (nobody)' % NOBODY in error.msg
    assert os.listdir(os.path.join(sticky, '.venv.venvkit')) == []
    assert not os.path.lexists(path)


def test_a_link_planted_at_path_is_refused(open_run, sticky):
    path = os.path.join(sticky, 'venv')
    target = os.path.join(sticky, 'theirs')
    as_nobody(['mkdir', target])
    assert as_nobody(['ln', '-s', target, path]).returncode == 0
    error = open_run.fails(path=path, packages=['vkdemo==1.0'])
    assert path in error.msg and 'uid %d' % NOBODY in error.msg
    assert os.readlink(path) == target and os.listdir(target) == []


def test_in_a_sticky_directory_root_builds_and_others_cannot_swap_it(open_run, sticky):
    path = os.path.join(sticky, 'venv')
    result = open_run(path=path, packages=['vkdemo==1.0'])
    assert result['changed']
    for attempt in (['mv', path, path + '.old'], ['rm', '-rf', result['active']],
                    ['ln', '-sfn', '/tmp', path], ['touch', os.path.join(result['active'], 'bin', 'x')]):
        assert as_nobody(attempt).returncode != 0, attempt
    assert os.path.realpath(path) == result['active']


@pytest.mark.parametrize('mode', [0o777, 0o775])
def test_a_directory_on_the_way_that_others_can_write_is_named(open_run, mode):
    loose = os.path.join(open_run.root, 'loose')
    os.mkdir(loose)
    os.chmod(loose, mode)
    os.chown(loose, 0, NOBODY)
    error = open_run.fails(path=os.path.join(loose, 'app', 'venv'), packages=['vkdemo==1.0'])
    assert loose in error.msg and ('writable by every user' in error.msg or 'writable by group' in error.msg)
    assert os.listdir(loose) == []


def test_inputs_another_user_can_write_are_refused_for_a_root_venv(open_run):
    req = open_run.write('theirs/requirements.txt', 'vkdemo==1.0\n')
    os.chown(req, NOBODY, NOBODY)
    error = open_run.fails(requirements=[req])
    assert req in error.msg and 'uid %d' % NOBODY in error.msg
    wheels = os.path.join(open_run.root, 'their-wheels')
    os.mkdir(wheels)
    os.chown(wheels, NOBODY, NOBODY)
    error = open_run.fails(packages=['vkdemo==1.0'], find_links=[wheels, open_run.wheelhouse])
    assert wheels in error.msg
    assert not os.path.lexists(open_run.path)


def test_inputs_of_the_owner_are_fine_for_the_owners_venv(open_run):
    req = open_run.write('theirs/requirements.txt', 'vkdemo==1.0\n')
    os.chown(req, NOBODY, NOBODY)
    result = open_run(requirements=[req], owner='nobody')
    assert result['packages']['vkdemo'] == '1.0'


def test_an_interpreter_others_can_replace_is_not_run(open_run):
    bindir = os.path.join(open_run.root, 'pybin')
    os.mkdir(bindir)
    os.symlink('/usr/bin/python3', os.path.join(bindir, 'python3'))
    os.chown(bindir, NOBODY, NOBODY)
    error = open_run.fails(python=os.path.join(bindir, 'python3'), packages=['vkdemo==1.0'])
    assert bindir in error.msg and 'uid %d' % NOBODY in error.msg
