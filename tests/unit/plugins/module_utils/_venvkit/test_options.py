"""options.py: defaults stated once, and the rules the module and the role's filter share."""

import pytest

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import (
    EXPOSE_OPTIONS, PIP_VENV_OPTIONS, input_problems, path_problem, with_defaults)


def test_with_defaults_fills_every_option_and_suboption():
    full = with_defaults(PIP_VENV_OPTIONS, dict(path='/opt/x', expose=dict(name='x'),
                                                inline_requirements=[dict(name='r.txt', content='a')]))
    assert set(full) == set(PIP_VENV_OPTIONS)
    assert set(full['expose']) == set(EXPOSE_OPTIONS) and full['expose']['profile_dir'] == '/etc/profile.d'
    assert full['keep_generations'] == 2 and full['packages'] == []
    # a default list is never shared between calls
    full['packages'].append('x')
    assert with_defaults(PIP_VENV_OPTIONS, dict(path='/opt/x'))['packages'] == []


@pytest.mark.parametrize('path, words', [
    ('relative', 'absolute'), ('/opt//x', 'normalised'), ('/', 'root directory'), ('/opt/a b', "' '"),
    ('/opt/x\n', 'newline'), ('/opt/' + 'x' * 250, 'allows 255'),
])
def test_path_problems(path, words):
    assert words in path_problem(path)


def test_a_good_path_has_no_problem():
    assert path_problem('/opt/semaphore/venv') is None


def test_input_problems_lists_every_problem_at_once():
    problems = input_problems(dict(path='/opt/a:b', packages=['-r x'], lock_timeout=-1,
                                   pip_args=['--user'], usable_by=['bad user'],
                                   inline_requirements=[dict(name='../x', content='')]))
    joined = ' | '.join(problems)
    for words in ("':'", 'is an option', 'lock_timeout must be 0', 'install outside the venv', 'not a user name',
                  'inline_requirements: name must be'):
        assert words in joined
    assert input_problems(dict(path='/opt/x', packages=['httpx[cli]>=0.28'], index_url='')) == []
