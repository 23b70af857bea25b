"""Class 6 of SECURITY.md: input that could escape its place is refused, with
the option named, before anything is written."""

import os
import threading

import pytest

from helpers import tree_listing


@pytest.mark.parametrize('overrides, words', [
    (dict(expose=dict(name='x\n')), 'name must be a plain file name'),
    (dict(expose=dict(name='x', services=['foo\n'])), 'services must be plain'),
    (dict(expose=dict(name='x', default_path='/usr/bin\n')), 'default_path must be'),
    (dict(expose=dict(name='x', profile_dir='/etc/profile.d\n')), 'profile_dir contains a newline'),
    (dict(path='/opt/venv\n'), 'newline'),
    (dict(link_scripts=dict(dest='/usr/local/bin\n')), 'link_scripts.dest contains a newline'),
])
def test_a_trailing_newline_does_not_pass(run, overrides, words):
    before = tree_listing(run.root)
    error = run.fails(**dict(dict(packages=['vkdemo==1.0']), **overrides))
    assert words in error.msg
    assert tree_listing(run.root) == before


@pytest.mark.parametrize('spec', ['--target=/tmp/x', '-rfile.txt', '-e .', ' --user'])
def test_options_are_not_packages(run, spec):
    error = run.fails(packages=[spec, 'vkdemo==1.0'])
    assert repr(spec) in error.msg and 'is an option' in error.msg
    assert not os.path.lexists(run.path)


@pytest.mark.parametrize('spec', ['<2.22', '>=1.0', '==2.0', '~=1.0', ',<2'])
def test_a_specifier_split_from_its_name_is_refused(run, spec):
    # packages: [vkdemo>=1.0,<2.22] in YAML's flow style gives 'vkdemo>=1.0' and '<2.22'.
    error = run.fails(packages=['vkdemo>=1.0', spec])
    assert repr(spec) in error.msg and 'names no package' in error.msg and 'quote' in error.msg
    assert not os.path.lexists(run.path)


@pytest.mark.parametrize('arg', ['--target=/tmp/x', '--prefix', '--root=/', '--user', '-t/tmp/x'])
def test_pip_args_that_install_elsewhere_are_refused(run, arg):
    error = run.fails(packages=['vkdemo==1.0'], pip_args=[arg])
    assert 'would install outside the venv' in error.msg


def test_a_fifo_is_refused_at_once(run):
    fifo = os.path.join(run.root, 'requirements.txt')
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(run.fails(requirements=[fifo])))
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), 'reading the FIFO blocked'
    assert 'is not a regular file' in outcome[0].msg


def test_a_device_is_refused(run):
    error = run.fails(requirements=['/dev/zero'])
    assert 'is not a regular file' in error.msg


def test_non_utf8_requirements_fail_before_anything_is_built(run):
    req = os.path.join(run.root, 'requirements.txt')
    with open(req, 'wb') as handle:
        handle.write(b'vkdemo==1.0 # caf\xe9\n')
    error = run.fails(requirements=[req])
    assert req in error.msg and 'not UTF-8' in error.msg and 'offset' in error.msg
    assert not os.path.lexists(run.path) and not os.path.exists(os.path.join(run.root, '.venv.venvkit'))


def test_an_include_loop_is_named(run):
    a = run.write('a.txt', '-r b.txt\nvkdemo==1.0\n')
    run.write('b.txt', '-r a.txt\n')
    error = run.fails(requirements=[a])
    assert 'includes itself' in error.msg and 'a.txt -> ' in error.msg and 'b.txt' in error.msg
    assert not os.path.lexists(run.path)


@pytest.mark.parametrize('option', ['lock_timeout', 'keep_generations'])
def test_negative_numbers_are_refused(run, option):
    error = run.fails(packages=['vkdemo==1.0'], **{option: -1})
    assert '%s must be 0 or more' % option in error.msg


def test_a_path_too_long_for_the_system_is_refused_and_leaves_nothing(run):
    path = os.path.join(run.root, *(['d' * 200] * 21), 'venv')
    before = tree_listing(run.root)
    error = run.fails(path=path, packages=['vkdemo==1.0'])
    assert 'the system allows 4096 for a path' in error.msg
    assert tree_listing(run.root) == before
    long_name = os.path.join(run.root, 'n' * 250)
    error = run.fails(path=long_name, packages=['vkdemo==1.0'])
    assert 'allows 255 for a name' in error.msg
