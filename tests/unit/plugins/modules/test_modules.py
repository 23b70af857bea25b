"""The modules as Ansible runs them: each through AnsibleModule, from an args file.

The engine does not depend on the ansible-core release; what does (argument
specs, run_command, no_log masking, ansible-doc, the filters) is here, and
the matrix stage runs this directory on every release it supports.
"""

import os
import subprocess
import sys
import threading

import pytest

from helpers import COLLECTIONS, run_module, tree_listing


@pytest.fixture
def etc(tmp_path):
    root = tmp_path / 'etc'
    for name in ('profile.d', 'systemd', 'conf.d'):
        (root / name).mkdir(parents=True)
    return dict(name='tools', bin_dir='/opt/tools/venv/bin', services=['runner'], service_manager='systemd',
                profile_dir=str(root / 'profile.d'), systemd_dir=str(root / 'systemd'),
                openrc_conf_dir=str(root / 'conf.d'))


def test_concurrent_runs_are_serialised(run):
    # The later runs wait for the first build, however slow the machine is.
    args = run.params(packages=['vkdemo==1.0'], lock_timeout=600)
    results = [None] * 4

    def worker(index):
        results[index] = run_module(args, env=run.env)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(rc == 0 for rc, dummy, dummy2 in results), [raw for dummy, dummy2, raw in results]
    changed = [res['changed'] for dummy, res, dummy2 in results]
    assert changed.count(True) == 1, changed
    assert sorted(os.listdir(os.path.join(run.root, '.venv.venvkit'))) == ['g1', 'g1.cdx.json', 'g1.json', 'lock']
    assert max(res['lock_waited'] for dummy, res, dummy2 in results) > 0


def test_credentials_never_reach_the_result(run):
    args = run.params(packages=['vkextra'], no_index=False, find_links=[],
                      index_url='http://deploy:t0p-s3cret@127.0.0.1:9/simple',
                      extra_index_urls=['https://mirror:other-s3cret@127.0.0.1:9/simple'],
                      pip_args=['--retries', '0', '--timeout', '2'])
    rc, result, raw = run_module(args, env=run.env)
    assert rc != 0 and result['failed']
    assert 't0p-s3cret' not in raw and 'other-s3cret' not in raw
    assert 'could not be reached' in result['msg']


def test_module_four_runs_and_owner(run):
    args = run.params(packages=['vkdemo==1.0'], owner=str(os.getuid()), group=str(os.getgid()))
    outcomes = []
    for check in (True, False, True, False):
        rc, result, raw = run_module(args, env=run.env, check=check)
        assert rc == 0, raw
        outcomes.append(result['changed'])
    assert outcomes == [True, True, False, False]


def test_module_check_and_diff(etc):
    args = dict(etc)
    rc, result, raw = run_module(args, check=True, diff=True, module='path_exposure')
    assert rc == 0 and result['changed'], raw
    assert not os.listdir(etc['profile_dir'])
    rc, result, raw = run_module(args, module='path_exposure')
    assert rc == 0 and result['changed'] and os.path.exists(result['profile']), raw
    rc, result, raw = run_module(dict(args, bin_dir=None), module='path_exposure')
    assert rc != 0 and 'bin_dir' in result['msg'], raw


@pytest.mark.parametrize('module', ['pip_venv', 'path_exposure', 'venv_info'])
def test_ansible_doc_renders_every_module(module):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), 'venvkit.python.' + module],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, check=False)
    assert proc.returncode == 0 and 'EXAMPLES' in proc.stdout.decode(), proc.stdout.decode()


def test_venv_info_through_the_module(run):
    run(packages=['vkdemo==1.0'])
    before = tree_listing(run.root)
    rc, result, raw = run_module(dict(path=run.path), env=run.env, module='venv_info')
    assert rc == 0 and result['live'] == 'g1' and result['packages']['vkdemo'] == '1.0', raw
    assert tree_listing(run.root) == before


def test_the_filters_through_ansible(tmp_path):
    play = tmp_path / 'play.yml'
    play.write_text('''
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: "{{ ({'path': '/opt/my tools/venv'} | venvkit.python.pip_venv_problems)
                 + (['venv_pakages'] | venvkit.python.unknown_names(['venv_packages'])) }}"
''')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(play)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, check=False)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    assert "would corrupt a PATH entry" in out and 'did you mean venv_packages?' in out


def test_the_role_s_words_replace_every_option_a_message_names():
    """pip_venv_problems with the role's names: the option a message starts with, and the options it names further
    on (python_archive.url in the middle of a sentence), but never a word of the user's values."""
    from ansible_collections.venvkit.python.plugins.filter.pip_venv_problems import pip_venv_problems
    names = {'path': 'venv_path', 'python_archive': 'venv_python_archive', 'python_archive.url': 'venv_python_archive',
             'python_source': 'venv_python_source', 'python_downloads_json_url': 'venv_python_downloads_json_url'}
    problems = pip_venv_problems({'path': '/opt/python_source/venv', 'python': '3.13',
                                  'python_downloads_json_url': 'http://mirror.example/d.json'}, names)
    assert len(problems) == 1, problems
    assert problems[0].startswith('venv_python_downloads_json_url must be an https:// URL')
    assert 'give venv_python_archive and its sha256' in problems[0] and 'python_archive.url' not in problems[0]
    problems = pip_venv_problems({'path': '/opt/python_source/venv', 'python': 'python3',
                                  'python_source': 'managed'}, names)
    assert problems == ['venv_python_source, venv_python_archive and venv_python_downloads_json_url go with a '
                        'version request in python (such as "3.13" or ">=3.12"), and python is \'python3\'']
