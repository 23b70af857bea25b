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
