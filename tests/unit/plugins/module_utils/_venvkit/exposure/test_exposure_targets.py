"""exposure/targets.py: each kind of PATH file, what it holds and how it knows its own."""

import subprocess

import pytest

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.targets import (
    CREATED, HEADER, OpenRCBlock, ProfileScript, SystemdDropin, systemd_unit)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import EXPOSE_OPTIONS, with_defaults

BIN = '/opt/tools/venv/bin'


def params(**overrides):
    return with_defaults(EXPOSE_OPTIONS, dict(dict(name='tools'), **overrides))


def test_whole_files_are_known_by_their_first_line():
    assert ProfileScript.owns(None) and ProfileScript.owns(HEADER + 'x')
    assert not ProfileScript.owns('PATH=/mine\n') and not SystemdDropin.owns('[Service]\n')


@pytest.mark.parametrize('target', [ProfileScript(params(), BIN), OpenRCBlock(params(), BIN, 'runner')])
def test_shell_targets_parse_in_every_posix_shell(tmp_path, target):
    script = tmp_path / 'f.sh'
    script.write_text(target.after(None))
    for shell in ('sh', 'dash', 'bash'):
        assert subprocess.run([shell, '-n', str(script)], check=False).returncode == 0, shell


def test_dropin_path_and_content():
    dropin = SystemdDropin(params(systemd_dir='/etc/systemd/system', position='append'), BIN, systemd_unit('runner'))
    assert dropin.path == '/etc/systemd/system/runner.service.d/tools-path.conf'
    assert 'Environment="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:%s"' % BIN \
        in dropin.render().splitlines()


def test_a_block_keeps_the_rest_of_the_file_and_a_created_file_goes_with_it():
    block = OpenRCBlock(params(), BIN, 'runner')
    theirs = 'command_args="x"\n'
    with_block = block.after(theirs)
    assert with_block.startswith(theirs) and block.holds_block(with_block)
    assert OpenRCBlock(params(), None, 'runner').after(with_block) == theirs
    created = block.after(None)
    assert created.startswith(CREATED)
    assert OpenRCBlock(params(), None, 'runner').after(created) is None


def test_two_names_keep_two_blocks():
    one = OpenRCBlock(params(name='one'), '/a/bin', 'runner')
    two = OpenRCBlock(params(name='two'), '/b/bin', 'runner')
    text = two.after(one.after(None))
    assert one.holds_block(text) and two.holds_block(text)
    left = OpenRCBlock(params(name='one'), None, 'runner').after(text)
    assert 'one venv PATH' not in left and left.count('two venv PATH') == 2 and left.startswith(CREATED)


# What a shell makes of the files, sourced twice as a login shell or openrc-run
# may: the bin directory once, first or last, whatever PATH was before (set,
# empty or unset). busybox ash under Alpine's own /etc/profile and openrc-run
# are covered by Molecule's alpine scenario; here the host's POSIX shells.
SHELLS = [['sh'], ['dash'], ['bash'], ['bash', '--posix']]
DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


def path_after_sourcing(shell, script, before):
    """PATH after sourcing script twice; before is a PATH value, '' or None (unset)."""
    setup = 'unset PATH; ' if before is None else 'PATH=%s; ' % before
    code = setup + '. "$1"; . "$1"; printf %s "$PATH"'
    result = subprocess.run(['/usr/bin/env', '-i', '/bin/' + shell[0]] + shell[1:] + ['-c', code, 'sh', str(script)],
                            stdout=subprocess.PIPE, check=True)
    return result.stdout.decode()


@pytest.mark.parametrize('shell', SHELLS, ids=' '.join)
@pytest.mark.parametrize('position', ['prepend', 'append'])
@pytest.mark.parametrize('kind', [ProfileScript, OpenRCBlock])
def test_sourced_twice_the_bin_directory_is_on_path_once(tmp_path, kind, position, shell):
    script = tmp_path / 'f.sh'
    script.write_text(kind(params(position=position), BIN, 'runner').after(None))
    path = path_after_sourcing(shell, script, '/usr/bin:/bin').split(':')
    assert path.count(BIN) == 1
    assert path == ([BIN, '/usr/bin', '/bin'] if position == 'prepend' else ['/usr/bin', '/bin', BIN])


@pytest.mark.parametrize('shell', SHELLS, ids=' '.join)
@pytest.mark.parametrize('before', ['', None], ids=['empty', 'unset'])
def test_without_a_path_login_shells_get_the_bin_directory_and_services_a_default_too(tmp_path, before, shell):
    profile, block = tmp_path / 'profile.sh', tmp_path / 'conf.d'
    profile.write_text(ProfileScript(params(), BIN).after(None))
    block.write_text(OpenRCBlock(params(), BIN, 'runner').after(None))
    assert path_after_sourcing(shell, profile, before) == BIN
    # openrc-run always sets a PATH; a conf.d file read without one must not
    # leave a service that finds nothing but the venv.
    assert path_after_sourcing(shell, block, before) == BIN + ':' + DEFAULT_PATH
