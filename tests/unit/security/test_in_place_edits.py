"""Class 10 of SECURITY.md: generations share unchanged files through hard links, so an edit made in
place reaches them all. venv_info's verify finds such edits by the wheels' RECORD hashes, a stale bill
of materials is flagged, and a rollback warns before it uses a generation whose bytes changed."""

import glob
import json
import os
import subprocess

from helpers import run_module


def _info(run, **params):
    rc, result, raw = run_module(dict(dict(path=run.path), **params), env=run.env, module='venv_info')
    assert rc == 0, raw
    return dict((g['id'], g) for g in result['generations'])


def test_an_edit_in_place_shows_in_every_generation_that_shares_the_file(run):
    run(packages=['vkdemo==1.0'])
    run(packages=['vkdemo==1.0', 'vkextra'])
    live = os.path.realpath(run.path)
    module = glob.glob(os.path.join(live, 'lib', 'python*', 'site-packages', 'vkdemo', 'late.py'))[0]
    clean = _info(run, verify=True)
    assert clean['g1']['files_changed'] == [] and clean['g2']['files_changed'] == []
    with open(module, 'a') as handle:  # in place: the inode the earlier generation shares
        handle.write('\n# edited by hand\n')
    edited = _info(run, verify=True)
    relative = os.path.relpath(module, live)
    assert edited['g2']['files_changed'] == ['%s (changed since it was installed)' % relative]
    assert edited['g1']['files_changed'] == ['%s (changed since it was installed)' % relative]
    rc, rolled, raw = run_module(run.params(state='rollback'), env=run.env)
    assert rc == 0 and rolled['changed'], raw
    # (ansible-core 2.19 and later give warnings as structures)
    warned = json.dumps(rolled['warnings'])
    assert 'g1 no longer holds the bytes' in warned and relative in warned, warned


def test_a_bill_of_materials_that_no_longer_matches_is_flagged_stale(run):
    run(packages=['vkdemo==1.0'])
    assert _info(run)['g1']['sbom_stale'] is False
    subprocess.run([os.path.join(run.path, 'bin', 'python'), '-m', 'pip', 'install', '-q', '--no-index',
                    '--find-links', run.wheelhouse, 'vkextra'], check=True, env=run.env)
    assert _info(run)['g1']['sbom_stale'] is True
