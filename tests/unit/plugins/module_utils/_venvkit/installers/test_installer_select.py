"""installers/select.py and base.py: one place chooses the installer, and a third
installer is one class, registered, with no change to the engine."""

import os
import shutil
import subprocess

import pytest

from helpers import UV, tree_listing
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    canonical_name, installed_packages, site_packages_dirs)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers import base
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers.select import select_installer
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers.selection import Selection


class FakeInstaller(base.Installer):
    """Installs 'name==version' packages by writing their metadata: no pip, no network."""

    name = 'fake'
    calls = []

    @classmethod
    def locate(cls, environ, uv=None):
        return 'fake'

    def wanted(self):
        return dict((canonical_name(s.split('==')[0]), s.split('==')[1]) for s in self.selection.packages)

    def create(self, base, target):
        self.calls.append('create')
        rc, out, err = self.run([base.path, '-m', 'venv', '--without-pip', target], 'creating the venv')
        assert rc == 0, err

    def resolve(self, venv, fresh):
        self.calls.append('resolve')
        have = installed_packages(venv)
        return dict((n, v) for n, v in self.wanted().items() if fresh or have.get(n) != v)

    def install(self, venv):
        self.calls.append('install')
        site = site_packages_dirs(venv)[0]
        for name, version in self.wanted().items():
            self.uninstall(venv, [name])
            dist = os.path.join(site, '%s-%s.dist-info' % (name.replace('-', '_'), version))
            os.mkdir(dist)
            with open(os.path.join(dist, 'METADATA'), 'w') as handle:
                handle.write('Name: %s\nVersion: %s\n' % (name, version))

    def uninstall(self, venv, names):
        site = site_packages_dirs(venv)[0]
        for entry in os.listdir(site):
            if entry.endswith('.dist-info') and canonical_name(entry.split('-')[0]) in names:
                shutil.rmtree(os.path.join(site, entry))


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(base.REGISTRY, 'fake', FakeInstaller)
    FakeInstaller.calls = []
    return FakeInstaller


def test_a_third_installer_works_without_touching_the_engine(run, fake, no_processes):
    created = run(installer='fake', packages=['alpha==1.0'], find_links=[])
    assert created['installer'] == 'fake' and created['installed'] == ['alpha==1.0']
    del no_processes[:]
    assert not run(installer='fake', packages=['alpha==1.0'], find_links=[])['changed']
    assert no_processes == []
    before = tree_listing(run.root)
    predicted = run(check=True, diff=True, installer='fake', packages=['alpha==2.0', 'beta==1.0'], find_links=[])
    assert tree_listing(run.root) == before
    real = run(diff=True, installer='fake', packages=['alpha==2.0', 'beta==1.0'], find_links=[])
    for key in ('changed', 'installed', 'upgraded', 'removed', 'packages', 'diff'):
        assert predicted[key] == real[key], key
    assert real['upgraded'] == ['alpha==2.0'] and real['installed'] == ['beta==1.0']
    assert 'install' in fake.calls and 'resolve' in fake.calls


def test_auto_prefers_uv_and_falls_back_to_pip(run, pip_env):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.context import Context
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import PIP_VENV_OPTIONS, with_defaults
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import Process

    def chosen(path):
        params = with_defaults(PIP_VENV_OPTIONS, dict(path='/opt/x', installer='auto'))
        return select_installer(Context(Process(dict(pip_env, PATH=path))), Selection.from_options(params),
                                params['installer']).name

    assert chosen(os.path.dirname(UV) + ':/usr/bin:/bin') == 'uv'
    assert chosen('/usr/bin:/bin') == 'pip'


def test_an_unknown_installer_is_named(run):
    error = run.fails(installer='conda', packages=['x==1'])
    assert "unknown installer 'conda'" in error.msg and 'pip' in error.msg and 'uv' in error.msg


@pytest.mark.parametrize('text, expect', [
    ('ERROR: No matching distribution found for nope', 'requirement nope was not found'),
    ('error: No solution found when resolving dependencies\n  cause: Because nope was not found in the package\n'
     '  registry and you require nope', 'requirement nope was not found'),
    ('WARNING: Retrying ... NewConnectionError\nERROR: No matching distribution found for x',
     'could not be reached (NewConnectionError), so x could not be found'),
    ('THESE PACKAGES DO NOT MATCH THE HASHES\n    vk from file:///x', 'hash mismatch'),
    # the cause of an unreachable index, in an operator's words
    ("WARNING: Retrying ... Failed to establish a new connection: [Errno 111] Connection refused')\n"
     'ERROR: No matching distribution found for x', 'could not be reached (connection refused)'),
    ("Failed to establish a new connection: [Errno -2] Name or service not known')\nERROR: No matching distribution "
     'found for x', 'could not be reached (name not known)'),
    ("Could not fetch URL https://i.example/simple/x/: There was a problem confirming the ssl certificate: "
     "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED]'))\nERROR: No matching distribution "
     'found for x', 'could not be reached (TLS: the certificate could not be verified)'),
    ('OSError: [Errno 28] No space left on device', 'the disk is full'),
    # a version the index does not have: what it has instead
    ('ERROR: Could not find a version that satisfies the requirement vkdemo==3.0 (from versions: 1.0, 2.0)\n'
     'ERROR: No matching distribution found for vkdemo==3.0',
     'requirement vkdemo==3.0: no version on the package index satisfies it; the index has 1.0, 2.0'),
    ('error: No solution found when resolving dependencies\n  cause: Because there is no version of vkdemo==3.0 '
     'and you require vkdemo==3.0, we can conclude that your requirements are unsatisfiable.',
     'requirement vkdemo==3.0: no version on the package index satisfies it'),
    # conflicting pins: the pair
    ('ERROR: Cannot install vkdemo==2.0 and vkdep<2 because these package versions have conflicting dependencies.\n'
     '\nThe conflict is caused by:\n    The user requested vkdep<2\n    vkdemo 2.0 depends on vkdep>=2\n\nTo fix '
     'this you could try to:\nERROR: ResolutionImpossible: for help visit https://pip.pypa.io',
     'conflict with each other: The user requested vkdep<2; vkdemo 2.0 depends on vkdep>=2'),
    ('error: No solution found when resolving dependencies\n  cause: Because vkdemo>=2.0 depends on vkdep>=2 and you '
     'require vkdemo==2.0, we can conclude that you require vkdep>=2.\n         And because you require vkdep<2, we '
     'can conclude that your requirements are unsatisfiable.',
     'conflict with each other: Because vkdemo>=2.0 depends on vkdep>=2 and you require vkdemo==2.0'),
])
def test_failures_are_explained_in_one_line(text, expect):
    assert expect in base.classify_failure(text)


def test_bundled_pip_wheels_are_found_newest_first(tmp_path):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import BasePython
    prefix = tmp_path / 'py'
    bundled = prefix / 'lib' / 'python3.11' / 'ensurepip' / '_bundled'
    bundled.mkdir(parents=True)
    (prefix / 'bin').mkdir()
    for version in ('9.0.1', '23.2.1', '23.10'):
        (bundled / ('pip-%s-py3-none-any.whl' % version)).write_text('')
    exe = prefix / 'bin' / 'python3.11'
    shutil.copy(subprocess.check_output(['readlink', '-f', '/usr/bin/python3']).decode().strip(), str(exe))
    base_python = BasePython(str(exe))
    base_python.version = '3.11.2'
    names = [os.path.basename(p) for p in base.bundled_pip_wheels(base_python) if str(bundled) in p]
    assert names == ['pip-23.10-py3-none-any.whl', 'pip-23.2.1-py3-none-any.whl', 'pip-9.0.1-py3-none-any.whl']


@pytest.mark.parametrize('raised, blamed', [
    (NameError("name 'ssl' is not defined"), None),
    (OSError('[Errno 111] Connection refused'), 'connection refused'),
])
def test_only_a_failed_request_blames_the_index(monkeypatch, pip_env, raised, blamed):
    """A Python without ssl makes open_url itself fail: that says nothing of the index."""
    from ansible.module_utils import urls
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.context import Context
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import PIP_VENV_OPTIONS, with_defaults
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import Process

    def broken(*args, **kwargs):
        raise raised

    monkeypatch.setattr(urls, 'open_url', broken)
    params = with_defaults(PIP_VENV_OPTIONS, dict(path='/opt/x', installer='pip', index_url='http://127.0.0.1:9/simple'))
    failures = select_installer(Context(Process(dict(pip_env))), Selection.from_options(params),
                                params['installer']).unreachable_indexes()
    assert failures == (['http://127.0.0.1:9/simple (%s)' % blamed] if blamed else [])
