"""One run, one outcome: where check mode stops writes, how a plan is carried out, what a no-op loads."""

import json
import subprocess
import sys

import pytest

from helpers import COLLECTIONS
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import PIP_VENV_OPTIONS, with_defaults
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.plan import VenvPlan
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.run import Run, StateHandler
from ansible_collections.venvkit.python.plugins.module_utils._venvkit import builds, present, updates


class Recorder(StateHandler):
    """A state whose plan changes something (or not) and whose apply and preview say they ran."""

    def __init__(self, run, changes):
        super(Recorder, self).__init__(run)
        self.changes = changes
        self.calls = []

    def plan(self, lock):
        self.run.outcome.changed_if(self.changes)
        return 'the plan'

    def preview(self, plan):
        self.calls.append(('preview', plan))

    def apply(self, plan, lock):
        self.calls.append(('apply', plan))


@pytest.mark.parametrize('check, changes, calls', [
    (True, True, [('preview', 'the plan')]),
    (True, False, [('preview', 'the plan')]),
    (False, True, [('apply', 'the plan')]),
    (False, False, []),
])
def test_check_mode_reaches_preview_and_never_apply(tmp_path, check, changes, calls):
    run = Run(with_defaults(PIP_VENV_OPTIONS, dict(path=str(tmp_path / 'venv'))), check_mode=check)
    handler = Recorder(run, changes)
    outcome = handler.execute()
    assert handler.calls == calls
    assert outcome.result()['changed'] is changes


class Current:
    def __init__(self, kind):
        self.kind = kind
        self.venv = '/opt/x/venv' if kind != 'missing' else None
        self.state = {}


@pytest.mark.parametrize('action, update, kind, expected', [
    ('none', 'atomic', 'generation', updates.Keep),
    ('refresh', 'in_place', 'in_place', updates.Keep),
    ('update', 'atomic', 'generation', builds.AtomicUpdate),
    ('create', 'atomic', 'missing', builds.AtomicUpdate),
    ('update', 'in_place', 'in_place', builds.InPlaceUpdate),
    ('recreate', 'in_place', 'foreign_dir', builds.InPlaceUpdate),
    # A venv the module keeps as generations is never updated in place: in_place applies to what it finds.
    ('update', 'in_place', 'generation', builds.AtomicUpdate),
])
def test_select_update_picks_one_class_per_way_of_updating(action, update, kind, expected):
    plan = VenvPlan(Current(kind), base=None, fingerprint='f')
    plan.decide(action)
    assert present.select_update(plan, dict(update=update)) is expected


# The module run as Ansible runs it (args on stdin), writing on exit which parts of the engine it loaded.
_PROBE = '''
import atexit, json, os, runpy, sys
prefix = 'ansible_collections.venvkit.python.plugins.module_utils._venvkit.'
def dump():
    with open(os.environ['LOADED'], 'w') as handle:
        json.dump(sorted(m[len(prefix):] for m in sys.modules if m.startswith(prefix)), handle)
atexit.register(dump)
runpy.run_module('ansible_collections.venvkit.python.plugins.modules.pip_venv', run_name='__main__')
'''

# What only a build, a removal, a rollback, a wheelhouse, a PATH file or another installer needs.
BUILDING = ('builds', 'clone', 'sbom', 'removal', 'rollback', 'wheelhouse', 'exposure.plan', 'installers.uv')


def _loaded(run, params, tmp_path):
    listing = str(tmp_path / 'loaded.json')
    proc = subprocess.run([sys.executable, '-c', _PROBE], input=json.dumps(dict(ANSIBLE_MODULE_ARGS=params)).encode(),
                          stdout=subprocess.PIPE, check=False, env=dict(run.env, PYTHONPATH=COLLECTIONS, LOADED=listing))
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert not result.get('failed'), result
    with open(listing) as handle:
        return result, json.load(handle)


def test_a_no_op_loads_none_of_the_code_that_builds_removes_or_rolls_back(run, tmp_path):
    req = run.write('requirements.txt', 'vkdemo==1.0\n')
    params = run.params(requirements=[req])
    first, loaded = _loaded(run, params, tmp_path)
    assert first['changed'] and first['installer'] == 'pip'
    assert 'builds' in loaded and 'sbom' in loaded and 'installers.pip' in loaded
    again, loaded = _loaded(run, params, tmp_path)
    assert not again['changed']
    assert [name for name in BUILDING if name in loaded] == []
