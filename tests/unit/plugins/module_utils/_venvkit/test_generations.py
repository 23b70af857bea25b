"""generations.py: what is at path, what the module made, and the swap."""

import os
import subprocess

from helpers import BASE_PYTHON
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.generations import Layout


def test_what_is_at_path(run):
    layout = Layout(run.path)
    assert layout.current().kind == 'missing'
    os.mkdir(run.path)
    assert layout.current().kind == 'empty'
    os.rmdir(run.path)
    os.symlink('.venv.venvkit/g9', run.path)
    assert layout.current().kind == 'dangling'
    os.unlink(run.path)
    os.symlink('/usr', run.path)
    assert layout.current().kind == 'foreign_link'
    os.unlink(run.path)
    subprocess.run([BASE_PYTHON, '-m', 'venv', '--without-pip', run.path], check=True)
    assert layout.current().kind == 'foreign_dir'


def test_generations_are_the_module_only_with_their_state(run):
    result = run(packages=['vkdemo==1.0'])
    layout = Layout(run.path)
    current = layout.current()
    assert current.kind == 'generation' and current.venv == result['active']
    assert current.state['fingerprint'] == result['fingerprint']
    os.mkdir(os.path.join(layout.gens_dir, 'g5'))
    assert [p for dummy, p in layout.generations()] == [result['active']]
    assert layout.incomplete(result['active']) == [os.path.join(layout.gens_dir, 'g5')]
    assert layout.next_generation().endswith('/g6')


def test_an_in_place_venv_is_the_module_only_while_its_identity_holds(run):
    run(update='in_place', packages=['vkdemo==1.0'])
    layout = Layout(run.path)
    assert layout.current().kind == 'in_place'
    os.rename(run.path, run.path + '.moved')
    subprocess.run([BASE_PYTHON, '-m', 'venv', '--without-pip', run.path], check=True)
    assert layout.current().kind == 'foreign_dir'
