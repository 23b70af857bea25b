"""The behaviour of venvkit.python.pip_venv, with real venvs and real pip.

Every test installs from a wheelhouse of tiny packages built by wheels.py,
so no test needs a network.
"""

import json
import os
import subprocess
import sys

import pytest

from helpers import BASE_PYTHON, pip_ran, tree_listing
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import installed_packages
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.lock import Lock
import wheels


# --------------------------------------------------------------------------
# 1. Fingerprint


def test_rerun_with_same_inputs_starts_no_process(run, no_processes):
    req = run.write('requirements.txt', 'vkdemo==1.0\n')
    first = run(requirements=[req])
    assert first['changed'] and first['created']
    assert first['packages']['vkdemo'] == '1.0'
    assert pip_ran(no_processes)

    del no_processes[:]
    second = run(requirements=[req])
    assert not second['changed']
    assert no_processes == []
    assert second['fingerprint'] == first['fingerprint']
    assert second['packages'] == first['packages']


def _install_change(run, case):
    """Apply one input change; return the params of the second run."""
    if case == 'packages':
        return dict(packages=['vkdemo==2.0'])
    if case == 'requirements':
        run.write('requirements.txt', 'vkdemo==2.0\n')
        return dict(requirements=[os.path.join(run.root, 'requirements.txt')])
    if case == 'nested requirements':
        run.write('base.txt', 'vkdemo==2.0\n')
        return dict(requirements=[os.path.join(run.root, 'requirements.txt')])
    if case == 'constraints':
        run.write('constraints.txt', 'vkdep==1.0\n')
        return dict(constraints=[os.path.join(run.root, 'constraints.txt')])
    if case == 'pip_args':
        return dict(pip_args=['--upgrade'])
    raise AssertionError(case)


@pytest.mark.parametrize('case, expect', [
    ('packages', ('upgraded', 'vkdemo==2.0')),
    ('requirements', ('upgraded', 'vkdemo==2.0')),
    ('nested requirements', ('upgraded', 'vkdemo==2.0')),
    ('constraints', ('upgraded', 'vkdep==1.0')),
    ('pip_args', ('upgraded', 'vkdemo==2.0')),
])
def test_changing_an_input_installs_the_change(run, no_processes, case, expect):
    run.write('base.txt', 'vkdemo==1.0\n')
    req = run.write('requirements.txt', '# tools\n-r base.txt\n')
    run.write('constraints.txt', '# nothing pinned yet\n')
    first_params = dict(requirements=[req], constraints=[os.path.join(run.root, 'constraints.txt')])
    if case in ('packages', 'pip_args'):
        first_params = dict(packages=['vkdemo' if case == 'pip_args' else 'vkdemo==1.0'],
                            find_links=[_only_version_one(run)] if case == 'pip_args' else [run.wheelhouse])
    first = run(**first_params)
    assert first['packages']['vkdemo'] == '1.0'
    del no_processes[:]

    params = dict(first_params, **_install_change(run, case))
    if case == 'pip_args':
        params['find_links'] = [run.wheelhouse]
    second = run(**params)
    assert second['changed']
    key, item = expect
    assert item in second[key]
    assert pip_ran(no_processes)
    name, version = item.split('==')
    assert second['packages'][name] == version
    assert installed_packages(run.path)[name] == version
    # and the next run with these inputs is a no-op again
    del no_processes[:]
    assert not run(**params)['changed']
    assert no_processes == []


def _only_version_one(run):
    """A wheelhouse with vkdemo 1.0 only, so that unpinned vkdemo resolves to 1.0."""
    path = os.path.join(run.root, 'wheels-v1')
    os.makedirs(path)
    for name in os.listdir(run.wheelhouse):
        if not name.startswith('vkdemo-2.0'):
            os.link(os.path.join(run.wheelhouse, name), os.path.join(path, name))
    return path


def test_input_change_resolving_to_same_set_is_not_a_change(run, no_processes):
    req = run.write('requirements.txt', 'vkdemo==1.0\n')
    run(requirements=[req])
    run.write('requirements.txt', '# a comment only\nvkdemo==1.0\n')
    del no_processes[:]
    result = run(requirements=[req])
    assert not result['changed']
    assert pip_ran(no_processes), 'a changed input must be checked with pip'
    del no_processes[:]
    assert not run(requirements=[req])['changed']
    assert no_processes == []


def test_package_installed_by_hand_is_noticed(run):
    run(packages=['vkdemo==1.0'])
    subprocess.run([os.path.join(run.path, 'bin', 'python'), '-m', 'pip', 'install', '-q', '--no-index',
                    '--find-links', run.wheelhouse, 'vkextra'], check=True, env=run.env)
    kept = run(packages=['vkdemo==1.0'])
    assert not kept['changed'], 'without sync, extra packages are left alone'
    synced = run(packages=['vkdemo==1.0'], sync=True)
    assert synced['changed']
    assert synced['removed'] == ['vkextra==1.0']
    assert 'vkextra' not in installed_packages(run.path)


# --------------------------------------------------------------------------
# 2 and 3. Check mode and diff mode


@pytest.mark.parametrize('step', ['create', 'noop', 'upgrade', 'sync', 'absent'])
def test_check_mode_writes_nothing_and_predicts_the_real_run(run, step):
    if step != 'create':
        run(packages=['vkdemo==1.0', 'vkextra'])
    params = dict(packages=['vkdemo==1.0', 'vkextra'])
    if step == 'upgrade':
        params = dict(packages=['vkdemo==2.0', 'vkextra'])
    elif step == 'sync':
        params = dict(packages=['vkdemo==1.0'], sync=True)
    elif step == 'absent':
        params = dict(state='absent')
    before = tree_listing(run.root)
    predicted = run(check=True, diff=True, **params)
    assert tree_listing(run.root) == before
    real = run(diff=True, **params)
    assert predicted['changed'] == real['changed']
    if step in ('upgrade', 'sync', 'noop'):
        for key in ('installed', 'upgraded', 'removed', 'packages'):
            assert predicted[key] == real[key], key
        assert predicted['diff'] == real['diff']


def test_diff_shows_package_sets(run):
    run(packages=['vkdemo==1.0'])
    result = run(diff=True, packages=['vkdemo==2.0', 'vkextra'])
    before = result['diff']['before'].splitlines()
    after = result['diff']['after'].splitlines()
    assert 'vkdemo==1.0' in before and 'vkdep==2.0' in before and 'vkextra==1.0' not in before
    assert 'vkdemo==2.0' in after and 'vkextra==1.0' in after
    assert result['installed'] == ['vkextra==1.0']
    assert result['upgraded'] == ['vkdemo==2.0']
    assert result['removed'] == []


# --------------------------------------------------------------------------
# 4. Recreate


def test_recreates_when_base_interpreter_was_removed(run, tmp_path):
    base = tmp_path / 'base'
    base.mkdir()
    (base / 'python3').symlink_to(BASE_PYTHON)
    run(python=str(base / 'python3'), packages=['vkdemo==1.0'])
    (base / 'python3').unlink()
    other = tmp_path / 'other'
    other.mkdir()
    (other / 'python3').symlink_to(BASE_PYTHON)
    assert run.script('vkdemo')[0] != 0
    result = run(python=str(other / 'python3'), packages=['vkdemo==1.0'])
    assert result['changed'] and result['recreated']
    assert 'no longer runs' in result['reason']
    assert run.script('vkdemo') == (0, 'vkdemo 1.0\n')


def test_recreates_when_interpreter_was_upgraded_in_place(run):
    first = run(packages=['vkdemo==1.0'])
    # An upgrade replaces the interpreter's files; the venv still records the old version.
    cfg = os.path.join(first['active'], 'pyvenv.cfg')
    with open(cfg) as handle:
        text = handle.read()
    with open(cfg, 'w') as handle:
        handle.write(text.replace('version = %s' % first['python']['version'], 'version = 3.0.1'))
    state_file = first['active'] + '.json'
    with open(state_file) as handle:
        state = json.load(handle)
    state['python']['venv_signature'] = 'replaced-by-upgrade'
    with open(state_file, 'w') as handle:
        json.dump(state, handle)
    result = run(packages=['vkdemo==1.0'])
    assert result['recreated']
    assert 'changed from Python 3.0.1 to %s' % first['python']['version'] in result['reason']
    assert result['active'] != first['active']


def test_system_site_packages_change_recreates(run):
    run(packages=['vkdemo==1.0'])
    result = run(packages=['vkdemo==1.0'], system_site_packages=True)
    assert result['recreated'] and 'system_site_packages' in result['reason']
    with open(os.path.join(run.path, 'pyvenv.cfg')) as handle:
        assert 'include-system-site-packages = true' in handle.read()


def test_force_rebuilds(run):
    first = run(packages=['vkdemo==1.0'])
    result = run(packages=['vkdemo==1.0'], force=True)
    assert result['changed'] and result['recreated'] and result['active'] != first['active']


# --------------------------------------------------------------------------
# 5. Atomic update


def test_script_started_from_old_venv_keeps_running_during_swap(run):
    run(packages=['vkdemo==1.0'])
    release = os.path.join(run.root, 'release')
    proc = subprocess.Popen([os.path.join(run.path, 'bin', 'vkdemo'), '--hold', release], stdout=subprocess.PIPE)
    result = run(packages=['vkdemo==2.0'])
    assert result['upgraded'] == ['vkdemo==2.0', 'vkdep==2.0'] or 'vkdemo==2.0' in result['upgraded']
    with open(release, 'w'):
        pass
    out, dummy = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert out.decode().strip() == 'vkdemo 1.0 late'
    assert run.script('vkdemo') == (0, 'vkdemo 2.0\n')


def test_failed_pip_leaves_previous_venv_live(run):
    first = run(packages=['vkdemo==1.0'])
    freeze = run.freeze()
    for params in (dict(packages=['vkdemo==2.0', 'vkbroken'], force=True),
                   dict(packages=['vkdemo==2.0', 'vkbroken'])):
        error = run.fails(**params)
        assert 'pip failed' in error.msg
        assert os.path.realpath(run.path) == first['active']
        assert run.freeze() == freeze
        assert run.script('vkdemo') == (0, 'vkdemo 1.0\n')
        gens = os.listdir(os.path.dirname(first['active']))
        assert sorted(gens) == ['g1', 'g1.cdx.json', 'g1.json', 'lock'], 'the failed generation is not left behind'


def test_in_place_update_and_failed_create_leaves_nothing(run):
    error = run.fails(update='in_place', packages=['vkbroken'])
    assert 'pip failed' in error.msg
    assert not os.path.exists(run.path)
    result = run(update='in_place', packages=['vkdemo==1.0'])
    assert os.path.isdir(run.path) and not os.path.islink(run.path)
    assert result['active'] == run.path
    result = run(update='in_place', packages=['vkdemo==2.0'])
    assert result['upgraded'] == ['vkdemo==2.0']
    assert run.script('vkdemo') == (0, 'vkdemo 2.0\n')


def test_real_directory_at_path_is_migrated(run):
    subprocess.run([BASE_PYTHON, '-m', 'venv', run.path], check=True)
    subprocess.run([os.path.join(run.path, 'bin', 'python'), '-m', 'pip', 'install', '-q', '--no-index',
                    '--find-links', run.wheelhouse, 'vkextra'], check=True, env=run.env)
    result = run(packages=['vkdemo==1.0'])
    assert result['changed']
    assert os.path.islink(run.path)
    assert result['migrated'] and os.path.isfile(os.path.join(result['migrated'], 'pyvenv.cfg'))
    assert 'moving the directory' in result['reason'] and 'kept' in result['reason']
    # what was in the directory is still there, in the new generation too
    assert result['packages']['vkextra'] == '1.0'
    assert run.script('vkextra') == (0, 'vkextra 1.0\n')
    assert run.script('vkdemo') == (0, 'vkdemo 1.0\n')
    assert not run(packages=['vkdemo==1.0'])['changed']


def test_generations_are_pruned(run):
    for version in ('1.0', '2.0', '1.0', '2.0'):
        result = run(packages=['vkdemo==%s' % version], keep_generations=1)
    gens = sorted(g for g in os.listdir(os.path.dirname(result['active'])) if g.startswith('g'))
    assert gens == ['g3', 'g3.cdx.json', 'g3.json', 'g4', 'g4.cdx.json', 'g4.json']
    assert os.path.realpath(run.path).endswith('/g4')


def test_absent_removes_venv_generations_and_links(run):
    dest = os.path.join(run.root, 'bin')
    run(packages=['vkdemo==1.0'], link_scripts=dict(dest=dest, scripts=['all']))
    foreign = run.write('bin/mine', '#!/bin/sh\n')
    result = run(state='absent')
    assert result['changed']
    assert result['removed_links'] == [os.path.join(dest, 'vkdemo')]
    assert not os.path.lexists(run.path)
    assert not os.path.exists(os.path.join(run.root, '.venv.venvkit'))
    assert os.listdir(dest) == ['mine'] and os.path.exists(foreign)
    assert not run(state='absent')['changed']


# --------------------------------------------------------------------------
# 6. Lock


def test_lock_timeout_fails_cleanly(run):
    run(packages=['vkdemo==1.0'])
    lock_path = os.path.join(run.root, '.venv.venvkit', 'lock')
    with Lock(lock_path, 1):
        error = run.fails(packages=['vkdemo==2.0'], lock_timeout=1)
    assert 'lock' in error.msg and 'lock_timeout' in error.msg
    assert run.script('vkdemo') == (0, 'vkdemo 1.0\n')


# --------------------------------------------------------------------------
# 7. Links


def test_links_follow_the_console_scripts(run):
    dest = os.path.join(run.root, 'bin')
    links = dict(dest=dest, scripts=['all'])
    result = run(packages=['vkdemo==2.0'], link_scripts=links)
    assert result['links'] == [os.path.join(dest, 'vkdemo'), os.path.join(dest, 'vkdemo-admin')]
    assert subprocess.run([os.path.join(dest, 'vkdemo')], stdout=subprocess.PIPE,
                          check=True).stdout == b'vkdemo 2.0\n'
    assert not run(packages=['vkdemo==2.0'], link_scripts=links)['changed']
    result = run(packages=['vkdemo==1.0'], link_scripts=links)
    assert result['links'] == [os.path.join(dest, 'vkdemo')]
    assert sorted(os.listdir(dest)) == ['vkdemo']
    assert result['links_changed']['removed'] == [os.path.join(dest, 'vkdemo-admin')]


def test_links_refuse_to_overwrite_what_they_did_not_make(run):
    dest = os.path.join(run.root, 'bin')
    first = run(packages=['vkdemo==1.0'], link_scripts=dict(dest=dest, scripts=['vkdemo']))
    foreign = run.write('bin/vkdemo-admin', '#!/bin/sh\necho mine\n')
    before = tree_listing(run.root)
    error = run.fails(packages=['vkdemo==2.0'], link_scripts=dict(dest=dest, scripts=['all']))
    assert foreign in error.msg and 'refusing to overwrite' in error.msg
    assert tree_listing(run.root) == before
    assert os.path.realpath(run.path) == first['active']


def test_links_to_unknown_script_fail(run):
    dest = os.path.join(run.root, 'bin')
    error = run.fails(packages=['vkdemo==1.0'], link_scripts=dict(dest=dest, scripts=['nope']))
    assert "no console script named nope" in error.msg and 'vkdemo' in error.msg
    assert not os.path.lexists(run.path)


# --------------------------------------------------------------------------
# 8. Bad input


@pytest.mark.parametrize('path, words', [
    ('relative/venv', 'absolute'),
    ('/opt/./venv', 'normalised'),
    ('/opt/venv/', 'normalised'),
    ('/opt//venv', 'normalised'),
    ('/opt/a:b', "':'"),
    ('/opt/a\nb', 'newline'),
    ('/opt/a b', "' '"),
    ('/opt/$HOME', "'$'"),
    ('/opt/a"b', "'\"'"),
])
def test_bad_path_is_refused_before_anything_is_written(run, path, words):
    before = tree_listing(run.root)
    error = run.fails(path=path, packages=['vkdemo'])
    assert words in error.msg
    assert tree_listing(run.root) == before


def test_missing_requirements_file_is_named(run):
    req = run.write('requirements.txt', '-r missing-base.txt\n')
    error = run.fails(requirements=[req])
    assert os.path.join(run.root, 'missing-base.txt') in error.msg and req in error.msg
    assert not os.path.lexists(run.path) and not os.path.exists(os.path.join(run.root, '.venv.venvkit'))


def test_missing_interpreter_says_how_to_get_one(run):
    error = run.fails(python='python3.99-nonexistent', packages=['vkdemo'])
    assert 'python3.99-nonexistent' in error.msg
    assert 'apk add python3' in error.msg and 'apt-get install python3 python3-venv' in error.msg
    assert os.listdir(run.root) == []


@pytest.mark.parametrize('case', ['missing requirement', 'unreachable index', 'hash mismatch'])
def test_install_failures_name_the_problem_and_keep_the_venv(run, case):
    first = run(packages=['vkdemo==1.0'])
    freeze = run.freeze()
    wheel = os.path.join(run.wheelhouse, 'vkextra-1.0-py3-none-any.whl')
    hashed = run.write('hashed.txt', 'vkextra==1.0 --hash=sha256:%s\n' % ('0' * 64))
    before = tree_listing(run.root)
    if case == 'missing requirement':
        error = run.fails(packages=['vkdemo==1.0', 'no-such-project-vk'])
        assert 'no-such-project-vk was not found' in error.msg
    elif case == 'unreachable index':
        error = run.fails(packages=['vkdemo==1.0', 'vkextra'], no_index=False, find_links=[],
                          index_url='http://user:s3cret-pw@127.0.0.1:9/simple',
                          pip_args=['--retries', '0', '--timeout', '2'])
        assert 'could not be reached' in error.msg
        # the index named, masked, with the cause
        assert '127.0.0.1:9/simple (connection refused)' in error.msg, error.msg
        assert 's3cret-pw' not in error.msg + json.dumps(error.details)
    else:
        assert wheels.sha256_file(wheel) != '0' * 64
        error = run.fails(requirements=[hashed], packages=[], require_hashes=True)
        assert 'hash mismatch' in error.msg and 'vkextra' in error.msg
    assert os.path.realpath(run.path) == first['active']
    assert run.freeze() == freeze
    assert tree_listing(run.root) == before


def test_require_hashes_installs_when_hashes_match(run):
    wheel = os.path.join(run.wheelhouse, 'vkextra-1.0-py3-none-any.whl')
    req = run.write('hashed.txt', 'vkextra==1.0 --hash=sha256:%s\n' % wheels.sha256_file(wheel))
    result = run(requirements=[req], require_hashes=True)
    assert result['packages']['vkextra'] == '1.0'


# --------------------------------------------------------------------------
# 9. Return values and the module itself


def test_return_values(run):
    result = run(packages=['vkdemo==2.0'])
    assert result['path'] == run.path
    assert result['active'] == os.path.realpath(run.path)
    assert result['python']['path'] == os.path.join(run.path, 'bin', 'python')
    assert result['python']['version'] == '.'.join(map(str, sys.version_info[:3]))
    assert result['packages']['vkdemo'] == '2.0' and result['packages']['vkdep'] == '2.0'
    assert {'vkdemo', 'vkdemo-admin', 'pip'} <= set(result['console_scripts'])
    assert 'vkdemo==2.0' in result['installed']
    assert result['created'] is True and result['recreated'] is False
    assert len(result['fingerprint']) == 64


def test_venv_is_readable_by_others_under_a_strict_umask(run):
    old = os.umask(0o077)
    try:
        result = run(packages=['vkdemo==1.0'])
    finally:
        os.umask(old)
    script = os.path.join(result['active'], 'bin', 'vkdemo')
    assert os.stat(script).st_mode & 0o005 == 0o005
    assert os.stat(result['active']).st_mode & 0o005 == 0o005


def test_owner_and_group_own_every_file(open_run):
    import pwd
    run = open_run
    nobody = pwd.getpwnam('nobody')
    result = run(packages=['vkdemo==1.0'], owner='nobody', group=str(nobody.pw_gid))
    owners = set()
    for top, dirs, files in os.walk(result['active']):
        for name in dirs + files:
            st = os.lstat(os.path.join(top, name))
            owners.add((st.st_uid, st.st_gid))
    assert owners == {(nobody.pw_uid, nobody.pw_gid)}
    # The link, the generations directory and the state stay root's: the owner cannot re-point them.
    assert os.lstat(run.path).st_uid == 0
    assert os.stat(os.path.dirname(result['active'])).st_uid == 0
    assert os.stat(result['active'] + '.json').st_uid == 0
    # handing it back to root is a change: a rebuild, never a chown of files that may share inodes
    back = run(packages=['vkdemo==1.0'], owner='root', group='0')
    assert back['changed'] and back['recreated'] and 'owner changed' in back['reason']
    assert back['installed'] == back['upgraded'] == []
    assert os.stat(os.path.join(back['active'], 'bin', 'vkdemo')).st_uid == 0
    assert not run(packages=['vkdemo==1.0'], owner='root', group='0')['changed']


def test_unknown_owner_is_refused(run):
    error = run.fails(packages=['vkdemo==1.0'], owner='no-such-user-vk')
    assert "user 'no-such-user-vk' does not exist" in error.msg
    assert os.listdir(run.root) == []


def test_in_place_sync_removes_extras(run):
    run(update='in_place', packages=['vkdemo==1.0', 'vkextra'])
    result = run(update='in_place', packages=['vkdemo==1.0'], sync=True)
    assert result['removed'] == ['vkextra==1.0']
    assert 'vkextra' not in installed_packages(run.path)
    assert not run(update='in_place', packages=['vkdemo==1.0'], sync=True)['changed']


# --------------------------------------------------------------------------
# 10. What an operator sees first


def test_check_mode_on_a_fresh_venv_gives_real_versions_and_no_warning(run):
    req = run.write('requirements.txt', 'vkdemo\n')
    before = tree_listing(run.root)
    predicted = run(check=True, diff=True, requirements=[req])
    assert tree_listing(run.root) == before
    assert 'vkdemo==2.0' in predicted['installed'] and 'vkdep==2.0' in predicted['installed']
    assert not any('to be resolved' in v for v in predicted['packages'].values())
    real = run(diff=True, requirements=[req])
    assert predicted['packages'] == real['packages'] and predicted['diff'] == real['diff']


def test_check_mode_with_force_predicts_the_rebuild(run):
    run(packages=['vkdemo==1.0'])
    predicted = run(check=True, packages=['vkdemo==1.0'], force=True)
    real = run(packages=['vkdemo==1.0'], force=True)
    assert predicted['changed'] and predicted['packages'] == real['packages']


def test_a_failed_first_build_leaves_nothing_behind(run):
    path = os.path.join(run.root, 'new', 'venv')
    error = run.fails(path=path, packages=['vkdemo==1.0', 'vkbroken'])
    assert 'failed' in error.msg
    assert os.listdir(run.root) == []


def test_absent_without_expose_removes_the_path_files_the_venv_recorded(run, tmp_path):
    etc = str(tmp_path / 'etc')
    expose = dict(name='tools', profile_dir=os.path.join(etc, 'profile.d'), services=['runner'],
                  service_manager='systemd', systemd_dir=os.path.join(etc, 'systemd'))
    run(packages=['vkdemo==1.0'], expose=expose)
    assert os.listdir(os.path.join(etc, 'profile.d')) == ['tools.sh']
    removed = run(state='absent')
    assert removed['exposure']['changed']
    assert os.listdir(os.path.join(etc, 'profile.d')) == [] and os.listdir(os.path.join(etc, 'systemd')) == []


def test_usable_by_names_what_stops_the_user(open_run):
    hidden = os.path.join(open_run.root, 'hidden')
    os.mkdir(hidden, 0o700)
    path = os.path.join(hidden, 'venv')
    error = open_run.fails(path=path, packages=['vkdemo==1.0'], usable_by=['nobody'])
    assert 'nobody cannot run' in error.msg and 'the directory %s is mode 0700' % hidden in error.msg
    assert not os.path.lexists(path)
    ok = open_run(packages=['vkdemo==1.0'], usable_by=['nobody'])
    assert ok['changed']
    error = open_run.fails(packages=['vkdemo==1.0'], usable_by=['no-such-user-vk'])
    assert 'user no-such-user-vk does not exist' in error.msg


def test_the_default_python_is_the_systems_not_the_callers(run, pip_env):
    run.env = dict(pip_env, PATH=os.path.dirname(BASE_PYTHON) + ':/usr/bin:/bin')
    result = run(python='python3', packages=['vkdemo==1.0'])
    assert result['python']['executable'].startswith(('/usr/', '/bin/'))


# --------------------------------------------------------------------------
# 11. The cheap atomic update: shared links where nothing writes in place


def file_digests(top):
    import hashlib
    digests = {}
    for base, dirs, files in os.walk(top):
        for name in files:
            full = os.path.join(base, name)
            if not os.path.islink(full):
                with open(full, 'rb') as handle:
                    digests[os.path.relpath(full, top)] = hashlib.sha256(handle.read()).hexdigest()
    return digests


@pytest.mark.parametrize('installer', ['pip', 'uv'])
def test_an_update_shares_files_but_a_failure_changes_no_byte_of_the_live_venv(run, uv_wheelhouse, installer):
    from helpers import UV
    extra = dict(installer=installer, uv=UV, find_links=[uv_wheelhouse]) if installer == 'uv' else {}
    first = run(packages=['vkdemo==1.0', 'vkextra'], **extra)
    digests = file_digests(first['active'])
    second = run(packages=['vkdemo==2.0', 'vkextra'], **extra)
    shared = [p for p in file_digests(second['active'])
              if os.path.exists(os.path.join(first['active'], p))
              and os.stat(os.path.join(first['active'], p)).st_ino == os.stat(os.path.join(second['active'], p)).st_ino]
    assert shared, 'nothing was shared: the update copied the whole venv'
    assert not any(p.startswith('bin/') or p.endswith(('.pth', 'pyvenv.cfg')) for p in shared)
    assert file_digests(first['active']) == digests
    live = file_digests(second['active'])
    for params in (dict(packages=['vkdemo==1.0', 'vkbroken']), dict(packages=['vkdemo==1.0', 'vkextra'], sync=True,
                                                                    pip_args=['--no-such-option'])):
        run.fails(**dict(extra, **params))
        assert file_digests(second['active']) == live


def test_a_write_in_place_through_the_copy_never_reaches_the_live_venv(run):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.clone import clone_venv
    first = run(packages=['vkdemo==1.0'])
    target = os.path.join(run.root, 'copy')
    os.mkdir(target)
    clone_venv(first['active'], target)
    before = file_digests(first['active'])
    for base, dirs, files in os.walk(target):
        for name in files:
            full = os.path.join(base, name)
            relative = os.path.relpath(full, target)
            if os.path.islink(full):
                continue
            if os.stat(full).st_nlink > 1:
                # Shared: pip and uv replace such files by unlink or rename, as here.
                os.unlink(full)
            with open(full, 'ab') as handle:
                handle.write(b'\n# changed in the copy: %s\n' % relative.encode())
    assert file_digests(first['active']) == before


# --------------------------------------------------------------------------
# 12. Day 2: upgrade on purpose, activation that follows the link


def test_upgrade_takes_newer_releases_only_when_asked(run, no_processes):
    first = run(packages=['vkdemo'], find_links=[_only_version_one(run)])
    assert first['packages']['vkdemo'] == '1.0'
    # Now the index has 2.0: an ordinary run keeps 1.0, and the next one starts no process.
    assert not run(packages=['vkdemo'])['changed'], 'an ordinary run does not upgrade'
    del no_processes[:]
    assert not run(packages=['vkdemo'])['changed']
    assert no_processes == []
    before = tree_listing(run.root)
    predicted = run(check=True, diff=True, packages=['vkdemo'], upgrade=True)
    assert tree_listing(run.root) == before
    assert predicted['upgraded'] == ['vkdemo==2.0', 'vkdep==2.0'] or 'vkdemo==2.0' in predicted['upgraded']
    real = run(diff=True, packages=['vkdemo'], upgrade=True)
    for key in ('changed', 'installed', 'upgraded', 'removed', 'diff'):
        assert predicted[key] == real[key], key
    assert 'upgrade' in real['reason'] and run.script('vkdemo') == (0, 'vkdemo 2.0\n')
    assert not run(packages=['vkdemo'], upgrade=True)['changed']


def test_a_shell_activated_before_a_swap_follows_it(run):
    run(packages=['vkdemo==1.0'], keep_generations=0)
    release = os.path.join(run.root, 'swapped')
    shell = subprocess.Popen(['sh', '-c', '. "$1/bin/activate"; while [ ! -e "$2" ]; do sleep 0.05; done; '
                              'echo "$VIRTUAL_ENV"; vkdemo', 'sh', run.path, release], stdout=subprocess.PIPE)
    run(packages=['vkdemo==2.0'], keep_generations=0)
    with open(release, 'w'):
        pass
    out = shell.communicate(timeout=60)[0].decode().splitlines()
    assert out == [run.path, 'vkdemo 2.0']
