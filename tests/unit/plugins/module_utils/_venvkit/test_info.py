"""info.py (venv_info): what each generation holds, whether the live one matches, and no write ever."""

import json
import os
import subprocess
import sys

import pytest

from helpers import UV, run_module, tree_listing


def info(run, check=False, **params):
    rc, result, raw = run_module(dict(dict(path=run.path), **params), env=run.env, check=check, diff=True,
                                 module='venv_info')
    assert rc == 0, raw
    return result


def test_generations_and_what_they_hold(run, tmp_path):
    expose = dict(name='tools', profile_dir=str(tmp_path / 'profile.d'))
    run(packages=['vkdemo==1.0'])
    run(packages=['vkdemo==2.0'], expose=expose, link_scripts=dict(dest=str(tmp_path / 'bin')))
    result = info(run)
    assert result['live'] == 'g2' and [g['id'] for g in result['generations']] == ['g1', 'g2']
    first, second = result['generations']
    assert first['packages']['vkdemo'] == '1.0' and second['packages']['vkdemo'] == '2.0'
    assert second['live'] and not first['live'] and second['built'] and second['python']['version']
    assert second['installer'] == 'pip' and 'vkdemo-admin' in second['console_scripts']
    assert result['exposed_by'] == [str(tmp_path / 'profile.d' / 'tools.sh')]
    assert sorted(result['links']) == [str(tmp_path / 'bin' / 'vkdemo'), str(tmp_path / 'bin' / 'vkdemo-admin')]


def test_matches_and_drift_against_declared_inputs(run):
    run(packages=['vkdemo==1.0'])
    declared = dict(python=run.base_python, find_links=[run.wheelhouse], no_index=True, installer='pip')
    same = info(run, declared=dict(declared, packages=['vkdemo==1.0']))
    assert same['matches'] is True
    other = info(run, declared=dict(declared, packages=['vkdemo==2.0', 'vkextra']))
    assert other['matches'] is False
    assert other['drift']['upgraded'] == ['vkdemo==2.0'] and other['drift']['installed'] == ['vkextra==1.0']
    assert 'vkdemo==1.0' in other['diff']['before'] and 'vkdemo==2.0' in other['diff']['after']
    missing = info(run, declared=dict(declared, packages=['vkdemo==1.0']), path=os.path.join(run.root, 'none'))
    assert missing['exists'] is False and missing['matches'] is False


def test_it_never_writes(run):
    run(packages=['vkdemo==1.0'])
    run(packages=['vkdemo==2.0'])
    before = tree_listing(run.root)
    declared = dict(python=run.base_python, find_links=[run.wheelhouse], no_index=True, packages=['vkdemo==1.0'])
    for check in (False, True):
        info(run, check=check, sbom=True, declared=declared)
    assert tree_listing(run.root) == before


def test_the_bill_of_materials_is_cyclonedx_1_5(run):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    run(packages=['vkdemo==1.0', 'vkextra'])
    document = info(run, sbom=True)['generations'][0]['sbom']
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(json.dumps(document)) is None
    components = dict((c['name'], c) for c in document['components'])
    assert components['vkdemo']['purl'] == 'pkg:pypi/vkdemo@1.0'
    # The interpreter is named too, and every library runs on it.
    python = components['CPython']
    assert python['version'] == '.'.join(map(str, sys.version_info[:3])) and python['type'] == 'platform'
    assert {'name': 'venvkit:python:source', 'value': 'given'} in python['properties']
    assert {'ref': 'pkg:pypi/vkdemo@1.0', 'dependsOn': ['python']} in document['dependencies']
    wheel = os.path.join(run.wheelhouse, 'vkdemo-1.0-py3-none-any.whl')
    import hashlib
    with open(wheel, 'rb') as handle:
        assert components['vkdemo']['hashes'] == [{'alg': 'SHA-256', 'content': hashlib.sha256(handle.read()).hexdigest()}]
    # The next generation keeps the hashes of what it carried over, and adds the new ones.
    run(packages=['vkdemo==2.0', 'vkextra'])
    later = dict((c['name'], c) for c in info(run, sbom=True)['generations'][-1]['sbom']['components'])
    assert later['vkextra'].get('hashes') == components['vkextra'].get('hashes') and later['vkdemo']['version'] == '2.0'


# -- venv_info's drift and pip_venv's check mode are the same prediction ---------------

DRIFT_CASES = {
    'sync': dict(packages=['vkdemo==1.0'], sync=True),
    'upgrade': dict(packages=['vkdemo'], upgrade=True),
    'constraints': dict(packages=['vkdemo'], inline_constraints=[dict(name='c.txt', content='vkdemo<2\n')]),
    'a new pin': dict(packages=['vkdemo==2.0']),
    'the installer': dict(packages=['vkdemo==2.0'], installer='uv', uv=UV),
    'the installer with sync': dict(packages=['vkdemo==1.0'], installer='uv', uv=UV, sync=True),
}


@pytest.mark.parametrize('case', sorted(DRIFT_CASES))
def test_drift_names_only_the_real_difference_as_check_mode_does(run, case):
    run(packages=['vkdemo==1.0'])
    subprocess.run([os.path.join(run.path, 'bin', 'python'), '-m', 'pip', 'install', '-q', '--no-index',
                    '--find-links', run.wheelhouse, 'vkextra'], check=True, env=run.env)
    declared = dict(dict(find_links=[run.wheelhouse], no_index=True, installer='pip', python=run.base_python),
                    **DRIFT_CASES[case])
    drift = info(run, declared=declared)['drift']
    predicted = run(check=True, **declared)
    for key in ('installed', 'upgraded', 'upgraded_from', 'removed'):
        assert drift[key] == predicted.get(key, []), (case, key, drift, predicted)
    if case == 'sync':
        assert drift['removed'] == ['vkextra==1.0'] and drift['installed'] == []
    if case == 'upgrade':
        assert drift['upgraded'] == ['vkdemo==2.0'] and drift['upgraded_from'] == ['vkdemo==1.0']
