"""Class 5 of SECURITY.md: only what the collection provably made is removed or replaced."""

import os
import subprocess

import pytest

from helpers import BASE_PYTHON, tree_listing, run_module


def someone_elses_venv(run):
    """A venv built by hand outside the module's area, with a file of the user's in it."""
    theirs = os.path.join(run.root, 'theirs', 'venv')
    subprocess.run([BASE_PYTHON, '-m', 'venv', '--without-pip', theirs], check=True)
    run.write('theirs/venv/notes.txt', 'mine\n')
    return theirs


@pytest.mark.parametrize('params', [dict(update='in_place', force=True), dict(update='in_place'),
                                    dict(force=True), dict()])
def test_a_link_to_someone_elses_venv_is_never_followed_into_rmtree(run, params):
    theirs = someone_elses_venv(run)
    os.symlink(theirs, run.path)
    before = tree_listing(os.path.dirname(theirs))
    error = run.fails(packages=['vkdemo==1.0'], **params)
    assert 'did not make' in error.msg and theirs in error.msg
    assert tree_listing(os.path.dirname(theirs)) == before
    assert os.readlink(run.path) == theirs


@pytest.mark.parametrize('target', ['plain', '/etc'])
def test_a_link_to_a_plain_directory_is_not_re_pointed(run, target):
    if target == 'plain':
        target = os.path.join(run.root, 'files')
        run.write('files/keep.txt', 'mine\n')
    os.symlink(target, run.path)
    error = run.fails(packages=['vkdemo==1.0'])
    assert 'did not make' in error.msg
    assert os.readlink(run.path) == target


def test_absent_leaves_a_link_it_did_not_make(run):
    theirs = someone_elses_venv(run)
    os.symlink(theirs, run.path)
    rc, result, raw = run_module(run.params(state='absent'), env=run.env)
    assert rc == 0, raw
    assert os.readlink(run.path) == theirs and os.path.exists(os.path.join(theirs, 'notes.txt'))
    # Warnings are strings before ansible-core 2.19, structured after.
    assert any('not made by this module; left alone' in str(w) for w in result.get('warnings', []))


def test_a_venv_directory_it_did_not_make_is_moved_aside_never_deleted(run):
    theirs = run.path
    subprocess.run([BASE_PYTHON, '-m', 'venv', '--without-pip', theirs], check=True)
    run.write('venv/notes.txt', 'mine\n')
    result = run(packages=['vkdemo==1.0'], force=True)
    assert os.path.exists(os.path.join(result['migrated'], 'notes.txt'))
    removed = run(state='absent')
    assert removed['kept'] == [result['migrated']]
    assert os.path.exists(os.path.join(result['migrated'], 'notes.txt'))


def test_a_drop_in_an_admin_wrote_is_neither_replaced_nor_removed(tmp_path):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.plan import PathExposure
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
    systemd = tmp_path / 'systemd'
    (systemd / 'runner.service.d').mkdir(parents=True)
    admin = systemd / 'runner.service.d' / 'tools-path.conf'
    admin.write_text('[Service]\nEnvironment="PATH=/opt/mine/bin:/usr/bin"\n')
    params = dict(name='tools', bin_dir='/opt/tools/venv/bin', profile=False, services=['runner'],
                  service_manager='systemd', systemd_dir=str(systemd), profile_dir=str(tmp_path / 'p'),
                  openrc_conf_dir=str(tmp_path / 'c'))
    with pytest.raises(VenvkitError) as info:
        PathExposure(params).apply()
    assert 'was not written by venvkit.python' in info.value.msg
    removal = PathExposure(dict(params, state='absent'))
    result = removal.apply()
    assert not result['changed'] and admin.read_text().startswith('[Service]')
    assert any('left alone' in w for w in removal.warnings)


def test_a_parent_with_a_marker_it_did_not_write_is_kept(run):
    parent = os.path.join(run.root, 'app')
    os.mkdir(parent)
    run.write('app/.venv.venvkit-parent', 'not ours\n')
    run(path=os.path.join(parent, 'venv'), packages=['vkdemo==1.0'])
    result = run(path=os.path.join(parent, 'venv'), state='absent')
    assert 'removed_parent' not in result
    assert os.listdir(parent) == ['.venv.venvkit-parent']


def test_a_parent_it_made_goes_and_one_it_did_not_make_stays(run):
    made = os.path.join(run.root, 'made', 'venv')
    run(path=made, packages=['vkdemo==1.0'])
    assert run(path=made, state='absent')['removed_parent'] == os.path.dirname(made)
    # Same name, same marker text, but another directory: the identity in the marker differs.
    os.mkdir(os.path.dirname(made))
    run(path=made, packages=['vkdemo==1.0'])
    marker = os.path.join(os.path.dirname(made), '.venv.venvkit-parent')
    assert not os.path.exists(marker), 'the module made no parent this time, so it wrote no marker'
