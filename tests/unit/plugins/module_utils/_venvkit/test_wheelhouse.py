"""The wheelhouse option: a shipped archive of wheels, unpacked by the module in the call that installs from it."""

import io
import os
import tarfile

import pytest


def _archive(path, members):
    """A tar at path; members: (name, bytes) for files, or TarInfo objects as they are."""
    with tarfile.open(path, 'w', format=tarfile.GNU_FORMAT) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
                continue
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _wheels(run):
    return [(name, open(os.path.join(run.wheelhouse, name), 'rb').read()) for name in sorted(os.listdir(run.wheelhouse))
            if name.endswith('.whl')]


@pytest.fixture
def shipped(run):
    wheels_dir = os.path.join(run.root, 'cache', 'tools-wheels')
    os.makedirs(os.path.dirname(wheels_dir))
    archive = _archive(wheels_dir + '.tar', _wheels(run))

    def params(key='k1', **overrides):
        return dict(dict(packages=['vkdemo==1.0'], find_links=[wheels_dir],
                         wheelhouse=dict(archive=archive, dir=wheels_dir, key=key)), **overrides)
    params.dir = wheels_dir
    params.archive = archive
    return params


def test_the_archive_is_unpacked_once_and_installed_from_in_one_call(run, shipped):
    predicted = run(check=True, **shipped())
    assert predicted['changed'] and predicted['packages']['vkdemo'] == '1.0'
    assert not os.path.exists(shipped.dir) and os.path.exists(shipped.archive)
    result = run(**shipped())
    assert result['changed'] and result['wheelhouse'] == dict(changed=True, key='k1', dir=shipped.dir)
    assert run.script('vkdemo') == (0, 'vkdemo 1.0\n')
    assert open(os.path.join(shipped.dir, '.venvkit-key')).read() == 'k1\n'
    assert not os.path.exists(shipped.archive)
    assert oct(os.stat(shipped.dir).st_mode & 0o7777) == '0o755'
    # the same key: nothing to unpack, no archive needed
    again = run(**shipped())
    assert not again['changed'] and 'wheelhouse' not in again


def test_a_new_key_replaces_the_directory_whole(run, shipped):
    run(**shipped())
    os.rename(os.path.join(shipped.dir, '.venvkit-key'), os.path.join(shipped.dir, 'stale.txt'))
    _archive(shipped.archive, _wheels(run))
    result = run(**shipped(key='k2'))
    assert result['wheelhouse']['key'] == 'k2'
    assert 'stale.txt' not in os.listdir(shipped.dir)
    assert sorted(os.listdir(os.path.dirname(shipped.dir))) == ['tools-wheels']


@pytest.mark.parametrize('hostile', ['../evil.whl', '/tmp/evil.whl', 'sub/dir.whl', 'link.whl', 'device.whl',
                                     'notes.sh'])
def test_hostile_members_are_refused_with_nothing_written(run, shipped, hostile):
    if hostile == 'link.whl':
        member = tarfile.TarInfo(hostile)
        member.type, member.linkname = tarfile.SYMTYPE, '/etc/shadow'
    elif hostile == 'device.whl':
        member = tarfile.TarInfo(hostile)
        member.type = tarfile.CHRTYPE
    else:
        member = (hostile, b'x')
    _archive(shipped.archive, _wheels(run) + [member])
    error = run.fails(**shipped())
    assert 'refusing to unpack' in error.msg and hostile.split('/')[-1] in error.msg
    assert sorted(os.listdir(os.path.dirname(shipped.dir))) == ['tools-wheels.tar']
    assert not os.path.lexists(run.path)


def test_a_parent_others_can_write_is_refused_before_anything(run, shipped):
    os.chmod(os.path.dirname(shipped.dir), 0o777)
    error = run.fails(**shipped())
    assert os.path.dirname(shipped.dir) in error.msg and 'writable by every user' in error.msg
    assert sorted(os.listdir(os.path.dirname(shipped.dir))) == ['tools-wheels.tar']


def test_the_directory_must_be_among_find_links(run, shipped):
    error = run.fails(**shipped(find_links=[run.wheelhouse]))
    assert 'wheelhouse.dir must be among find_links' in error.msg


def _sha256(path):
    import hashlib  # pylint: disable=import-outside-toplevel
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture
def in_users_tmp(run, shipped):
    """The archive where the action ships it: a directory and a file of the connection's user (here nobody)."""
    tmp = os.path.join(run.root, 'remote-tmp')
    os.mkdir(tmp, 0o700)
    os.chown(tmp, 65534, 65534)
    archive = os.path.join(tmp, 'wheelhouse.tar')
    os.rename(shipped.archive, archive)
    os.chown(archive, 65534, 65534)
    return archive


def test_a_shipped_archive_of_another_user_is_unpacked_when_its_sha256_matches(run, shipped, in_users_tmp):
    spec = dict(archive=in_users_tmp, sha256=_sha256(in_users_tmp), dir=shipped.dir, key='k1')
    assert run(check=True, **shipped(wheelhouse=spec))['packages']['vkdemo'] == '1.0'
    assert not os.path.exists(shipped.dir)
    result = run(**shipped(wheelhouse=spec))
    assert result['wheelhouse'] == dict(changed=True, key='k1', dir=shipped.dir)
    assert run.script('vkdemo') == (0, 'vkdemo 1.0\n')
    for name in os.listdir(shipped.dir):
        st = os.lstat(os.path.join(shipped.dir, name))
        assert (st.st_uid, oct(st.st_mode & 0o7777)) == (0, '0o644'), name
    # the archive belongs to the action's directory, which removes it
    assert os.path.exists(in_users_tmp)


def test_without_sha256_an_archive_of_another_user_is_refused(run, shipped, in_users_tmp):
    error = run.fails(**shipped(wheelhouse=dict(archive=in_users_tmp, dir=shipped.dir, key='k1')))
    assert 'owned by uid 65534 (nobody)' in error.msg and in_users_tmp in error.msg
    assert os.listdir(os.path.dirname(shipped.dir)) == []
    assert not os.path.lexists(run.path)


def test_an_archive_changed_after_it_was_hashed_is_refused_with_nothing_written(run, shipped, in_users_tmp):
    digest = _sha256(in_users_tmp)
    # what the connection's user (or anyone who can write there) does between the transfer and the module
    with open(in_users_tmp, 'r+b') as handle:
        handle.seek(600)
        handle.write(b'tampered')
    spec = dict(archive=in_users_tmp, sha256=digest, dir=shipped.dir, key='k1')
    for check in (True, False):
        error = run.fails(check=check, **shipped(wheelhouse=spec))
        assert 'does not match its sha256' in error.msg and digest in error.msg and 'nothing was written' in error.msg
        assert os.listdir(os.path.dirname(shipped.dir)) == []
        assert not os.path.lexists(run.path)


def test_a_wheelhouse_without_its_key_and_without_an_archive_names_both(run, shipped):
    error = run.fails(**shipped(wheelhouse=dict(dir=shipped.dir, key='k9')))
    assert shipped.dir in error.msg and 'k9' in error.msg and 'no archive' in error.msg
    assert not os.path.lexists(run.path)


@pytest.mark.parametrize('spec, problem', [
    (dict(src='/srv/w.tar', archive='/srv/w.tar'), 'give src'),
    (dict(src='w.tar'), 'wheelhouse.src must be an absolute path'),
    (dict(archive='/srv/w.tar', sha256='ABC'), 'wheelhouse.sha256 must be 64 lowercase hexadecimal digits'),
    (dict(src='/srv/w.tar'), 'reached the module unshipped'),
])
def test_wheelhouse_input_mistakes_are_named(run, shipped, spec, problem):
    error = run.fails(**shipped(wheelhouse=dict(spec, dir=shipped.dir, key='k1')))
    assert problem in error.msg
    assert not os.path.lexists(run.path)
