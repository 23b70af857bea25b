"""requirements.py: includes followed with their content fingerprinted, inline files among them."""

import os

import pytest

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import Trust
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import PIP_VENV_OPTIONS, with_defaults
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.requirements import logical_lines, read_inputs


def inputs(**params):
    return read_inputs(with_defaults(PIP_VENV_OPTIONS, dict(params, path='/opt/x')), Trust())


def test_logical_lines_join_continuations_and_drop_comments():
    text = 'a \\\n  b  # note\n# whole line\n\nc==1 ; python_version>"3"\n'
    assert list(logical_lines(text)) == ['a    b', 'c==1 ; python_version>"3"']


def test_includes_are_followed_in_every_spelling(tmp_path):
    for name in ('b.txt', 'c.txt', 'd.txt', 'e.txt'):
        (tmp_path / name).write_text('x\n')
    top = tmp_path / 'a.txt'
    top.write_text('-r b.txt\n--requirement=c.txt\n-cd.txt\n--constraint e.txt\n')
    found = inputs(requirements=[str(top)])
    assert [os.path.basename(p) for p, d in found.files['requirements']] == ['a.txt', 'b.txt', 'c.txt']
    assert [os.path.basename(p) for p, d in found.files['constraints']] == ['d.txt', 'e.txt']


def test_inline_files_include_each_other_and_files_on_the_target(tmp_path):
    (tmp_path / 'target.txt').write_text('vkdep\n')
    found = inputs(inline_requirements=[dict(name='main.txt', content='-r more.txt\n-r %s\n' % (tmp_path / 'target.txt')),
                                        dict(name='more.txt', content='vkdemo\n')])
    labels = [p for p, d in found.files['requirements']]
    assert labels == ['main.txt', 'more.txt', str(tmp_path / 'target.txt')]


def test_an_inline_include_of_a_missing_name_is_named():
    with pytest.raises(VenvkitError) as info:
        inputs(inline_requirements=[dict(name='main.txt', content='-r other.txt\n')])
    assert 'other.txt' in info.value.msg and 'inline' in info.value.msg


def test_the_same_file_twice_is_not_a_loop(tmp_path):
    (tmp_path / 'common.txt').write_text('x\n')
    (tmp_path / 'a.txt').write_text('-r common.txt\n')
    (tmp_path / 'b.txt').write_text('-r common.txt\n')
    found = inputs(requirements=[str(tmp_path / 'a.txt'), str(tmp_path / 'b.txt')])
    assert len(found.files['requirements']) == 3
