"""The PATH exposure: venvkit.python.path_exposure and pip_venv's expose option.

Files go under a scratch root that stands in for /etc; what a user checks is
what a shell or a service manager would read there.
"""

import os
import subprocess

import pytest

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure import plan as exposure
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure import targets
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import DEFAULT_SERVICE_PATH

BIN = '/opt/semaphore/venv/bin'


class Etc:
    """A scratch /etc and the exposure engine pointed at it."""

    def __init__(self, root):
        self.root = root
        self.profile_dir = os.path.join(root, 'profile.d')
        self.systemd_dir = os.path.join(root, 'systemd', 'system')
        self.conf_dir = os.path.join(root, 'conf.d')
        for directory in (self.profile_dir, self.systemd_dir, self.conf_dir):
            os.makedirs(directory)

    def params(self, **overrides):
        params = dict(name='semaphore', bin_dir=BIN, state='present', profile=True, profile_dir=self.profile_dir,
                      position='prepend', services=[], service_manager='systemd', systemd_dir=self.systemd_dir,
                      openrc_conf_dir=self.conf_dir, default_path=DEFAULT_SERVICE_PATH)
        params.update(overrides)
        return params

    def __call__(self, check=False, diff=False, **overrides):
        return exposure.PathExposure(self.params(**overrides), check_mode=check, diff_mode=diff).apply()

    def fails(self, **overrides):
        with pytest.raises(VenvkitError) as info:
            self(**overrides)
        return info.value.msg

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def read(self, *parts):
        with open(self.path(*parts)) as handle:
            return handle.read()

    def write(self, text, *parts):
        os.makedirs(os.path.dirname(self.path(*parts)), exist_ok=True)
        with open(self.path(*parts), 'w') as handle:
            handle.write(text)

    def contents(self):
        """Every file and directory with its content and mode: what a user would diff."""
        seen = {}
        for top, dirs, files in os.walk(self.root):
            for name in dirs:
                seen[os.path.relpath(os.path.join(top, name), self.root) + '/'] = None
            for name in files:
                full = os.path.join(top, name)
                with open(full) as handle:
                    seen[os.path.relpath(full, self.root)] = (handle.read(), os.stat(full).st_mode & 0o7777)
        return seen


@pytest.fixture
def etc(tmp_path):
    return Etc(str(tmp_path / 'etc'))


def sh_path(script, start):
    """PATH after sourcing script twice in sh, starting from start (None: unset)."""
    unset = 'unset PATH; ' if start is None else ''
    proc = subprocess.run(['/bin/sh', '-c', unset + '. "$1"; . "$1"; printf %s "$PATH"', 'sh', script],
                          stdout=subprocess.PIPE, env=dict(PATH=start or '/usr/bin:/bin'), check=True)
    return proc.stdout.decode()


@pytest.mark.parametrize('position, expect', [('prepend', BIN + ':/usr/bin:/bin'),
                                              ('append', '/usr/bin:/bin:' + BIN)])
def test_profile_puts_bin_on_path_once(etc, position, expect):
    result = etc(position=position)
    script = etc.path('profile.d', 'semaphore.sh')
    assert result['changed'] and result['profile'] == script
    assert os.stat(script).st_mode & 0o777 == 0o644
    assert sh_path(script, '/usr/bin:/bin') == expect
    assert sh_path(script, None) == BIN
    assert not etc(position=position)['changed']


def test_systemd_dropin_and_stale_units(etc):
    etc.write('[Service]\nUser=semaphore\n', 'systemd', 'system', 'other.service.d', 'user.conf')
    first = etc(services=['runner', 'other', 'web.socket'])
    assert first['services'] == ['runner.service', 'other.service', 'web.socket']
    assert first['services_changed'] == first['services'] and first['systemd_changed']
    dropin = etc.read('systemd', 'system', 'runner.service.d', 'semaphore-path.conf')
    assert 'Environment="PATH=%s:%s"' % (BIN, DEFAULT_SERVICE_PATH) in dropin.splitlines()
    assert not etc(services=['runner', 'other', 'web.socket'])['changed']

    second = etc(services=['runner'])
    assert second['changed'] and second['services_changed'] == []
    assert sorted(f['action'] for f in second['files']) == ['removed', 'removed']
    # The emptied drop-in directory goes; the one holding another drop-in stays.
    assert not os.path.exists(etc.path('systemd', 'system', 'web.socket.d'))
    assert os.listdir(etc.path('systemd', 'system', 'other.service.d')) == ['user.conf']


def test_openrc_block_keeps_the_file_and_leaves_no_trace(etc):
    etc.write('command_args="--config /etc/semaphore.json"\n', 'conf.d', 'runner')
    before = etc.contents()
    first = etc(service_manager='openrc', services=['runner', 'worker'])
    assert first['services_changed'] == ['runner', 'worker'] and not first['systemd_changed']
    text = etc.read('conf.d', 'runner')
    assert text.startswith('command_args="--config /etc/semaphore.json"\n')
    # openrc-run sources it into a service's environment, which may have no PATH.
    assert sh_path(etc.path('conf.d', 'runner'), None) == BIN + ':' + DEFAULT_SERVICE_PATH
    assert not etc(service_manager='openrc', services=['runner', 'worker'])['changed']

    # Over to systemd: the blocks go, and the file only the block was in.
    switched = etc(service_manager='systemd', services=['runner'])
    assert etc.read('conf.d', 'runner') == 'command_args="--config /etc/semaphore.json"\n'
    assert not os.path.exists(etc.path('conf.d', 'worker'))
    assert switched['services'] == ['runner.service']

    etc(state='absent')
    assert etc.contents() == before


def test_check_mode_writes_nothing_and_predicts_the_real_run(etc):
    etc.write('x=1\n', 'conf.d', 'runner')
    before = etc.contents()
    predicted = etc(check=True, diff=True, service_manager='openrc', services=['runner'])
    assert etc.contents() == before
    assert predicted['changed']
    real = etc(service_manager='openrc', services=['runner'])
    assert predicted['files'] == real['files']
    diff = dict((d['after_header'], d) for d in predicted['diff'])
    runner = diff[etc.path('conf.d', 'runner')]
    assert runner['before'] == 'x=1\n' and runner['after'] == etc.read('conf.d', 'runner')
    assert not etc(check=True, service_manager='openrc', services=['runner'])['changed']


@pytest.mark.parametrize('overrides, words', [
    (dict(name='../evil'), 'name must be a plain file name'),
    (dict(services=['ok', '../../etc/passwd']), "refusing '../../etc/passwd'"),
    (dict(bin_dir='/opt/my venv/bin'), 'bin_dir must be an absolute path'),
    (dict(bin_dir='/opt/a:b/bin'), 'bin_dir must be an absolute path'),
    (dict(default_path='/usr/bin"; rm -rf /'), 'default_path must be'),
    (dict(systemd_dir='etc/systemd'), 'systemd_dir must be an absolute path'),
])
def test_bad_input_is_named_and_nothing_is_written(etc, overrides, words):
    before = etc.contents()
    assert words in etc.fails(**dict(dict(services=['runner']), **overrides))
    assert etc.contents() == before


def test_something_else_at_the_profile_path_is_not_replaced(etc):
    os.makedirs(etc.path('profile.d', 'semaphore.sh'))
    etc.write('x=1\n', 'conf.d', 'runner')
    before = etc.contents()
    assert 'is not a regular file' in etc.fails(service_manager='openrc', services=['runner'])
    assert etc.contents() == before


def test_auto_finds_openrc_without_facts(tmp_path):
    assert exposure.detect_service_manager(str(tmp_path)) == 'systemd'
    os.makedirs(str(tmp_path / 'sbin'))
    (tmp_path / 'sbin' / 'openrc-run').write_text('')
    assert exposure.detect_service_manager(str(tmp_path)) == 'openrc'


# --------------------------------------------------------------------------
# pip_venv with expose: one call for the venv and its PATH


def test_expose_with_the_venv_in_one_run(run, etc, no_processes):
    expose = dict(name='tools', profile_dir=etc.profile_dir, services=['runner'], service_manager='systemd',
                  systemd_dir=etc.systemd_dir, openrc_conf_dir=etc.conf_dir)
    first = run(packages=['vkdemo==1.0'], expose=expose)
    assert first['changed'] and first['exposure']['changed']
    script = etc.path('profile.d', 'tools.sh')
    assert sh_path(script, '/usr/bin') == os.path.join(run.path, 'bin') + ':/usr/bin'
    del no_processes[:]
    second = run(packages=['vkdemo==1.0'], expose=expose)
    assert not second['changed'] and not second['exposure']['changed']
    assert no_processes == []

    # A failed build exposes nothing new.
    before = etc.contents()
    run.fails(packages=['vkdemo==9.9'], expose=dict(expose, services=['runner', 'worker']))
    assert etc.contents() == before

    removed = run(state='absent', expose=expose)
    assert removed['changed'] and removed['exposure']['changed']
    assert not os.path.exists(script)
    assert not os.path.exists(etc.path('systemd', 'system', 'runner.service.d'))


def test_parent_the_module_made_goes_with_the_venv(run):
    path = os.path.join(run.root, 'made', 'venv')
    run(path=path, packages=['vkdemo==1.0'])
    beside = os.path.join(run.root, 'made', 'venv-uv')
    run(path=beside, packages=['vkdemo==1.0'])
    # Removed in either order, the directory goes with the last venv in it.
    assert not run(path=beside, state='absent').get('removed_parent')
    assert run(path=path, state='absent')['removed_parent'] == os.path.dirname(path)
    assert os.listdir(run.root) == []

    # A parent that was already there, or holds something else, stays.
    os.makedirs(os.path.join(run.root, 'kept'))
    run(path=os.path.join(run.root, 'kept', 'venv'), packages=['vkdemo==1.0'])
    run(path=os.path.join(run.root, 'kept', 'venv'), state='absent')
    assert os.listdir(os.path.join(run.root, 'kept')) == []
    run(path=path, packages=['vkdemo==1.0'])
    run.write('made/notes.txt', 'mine\n')
    run(path=path, state='absent')
    assert sorted(os.listdir(os.path.join(run.root, 'made'))) == ['.venv.venvkit-parent', 'notes.txt']


def test_unwritable_directory_fails_before_the_venv_changes(run, etc, monkeypatch):
    run(packages=['vkdemo==1.0'])
    active = os.path.realpath(run.path)
    real_access = os.access
    # As a user without write access to profile.d (the tests run as root, who has it anyway).
    monkeypatch.setattr(exposure.os, 'access',
                        lambda path, mode: path != etc.profile_dir and real_access(path, mode))
    expose = dict(name='tools', profile_dir=etc.profile_dir, systemd_dir=etc.systemd_dir)
    error = run.fails(packages=['vkdemo==2.0'], expose=expose)
    assert 'cannot write %s' % etc.path('profile.d', 'tools.sh') in error.msg
    assert error.msg.startswith('expose: ')
    assert os.path.realpath(run.path) == active and run.freeze().count('vkdemo==1.0') == 1
    assert os.listdir(etc.profile_dir) == []


# -- a misspelled unit fails before anything moves ------------------------------------

def test_a_unit_systemd_does_not_know_fails_naming_the_closest_and_moves_nothing(tmp_path, monkeypatch):
    etc = Etc(str(tmp_path))
    with open(os.path.join(etc.systemd_dir, 'semaphore-runner.service'), 'w') as handle:
        handle.write('[Service]\nExecStart=/bin/true\n')
    monkeypatch.setattr(exposure, 'manager_running', lambda manager, root='/': manager == 'systemd')
    etc(services=['semaphore-runner'])
    dropin = os.path.join(etc.systemd_dir, 'semaphore-runner.service.d', 'semaphore-path.conf')
    before = open(dropin).read()
    error = etc.fails(services=['semaphore-runnr'])
    assert 'systemd does not know semaphore-runnr.service (closest: semaphore-runner.service' in error
    assert 'nothing was written' in error
    # the real unit keeps its drop-in; nothing was written for the typo
    assert open(dropin).read() == before
    assert not os.path.exists(os.path.join(etc.systemd_dir, 'semaphore-runnr.service.d'))
    # installed later, on purpose
    result = etc(services=['semaphore-runner', 'later'], services_may_be_missing=True)
    assert result['changed'] and os.path.isdir(os.path.join(etc.systemd_dir, 'later.service.d'))


def test_a_template_instance_is_known_by_its_template(tmp_path):
    etc = Etc(str(tmp_path))
    with open(os.path.join(etc.systemd_dir, 'runner@.service'), 'w') as handle:
        handle.write('[Service]\nExecStart=/bin/true\n')
    assert exposure.unknown_services('systemd', ['runner@a.service'], etc.systemd_dir, root=str(tmp_path)) == []


def test_an_openrc_service_without_its_init_script_is_unknown(tmp_path):
    os.makedirs(str(tmp_path / 'etc' / 'init.d'))
    (tmp_path / 'etc' / 'init.d' / 'semaphore-runner').write_text('#!/sbin/openrc-run\n')
    unknown = exposure.unknown_services('openrc', ['semaphore-runner', 'semaphore-runer'], '/nonexistent',
                                        root=str(tmp_path))
    assert unknown == [('semaphore-runer', ['semaphore-runner'])]


class EnvironmentFile(targets.WholeFile):
    """A fourth target, as /etc/environment.d would take it: PATH=... in a file of its own."""

    dir_option = 'profile_dir'

    @staticmethod
    def path_for(p):
        return os.path.join(p['profile_dir'], '%s.env' % p['name'])

    @property
    def path(self):
        return self.path_for(self.p)

    @classmethod
    def wanted(cls, p, bin_dir, manager):
        return [cls(p, bin_dir)]

    @classmethod
    def found(cls, p, read):
        return [cls(p, None)] if os.path.lexists(cls.path_for(p)) else []

    def render(self):
        return targets.HEADER + 'PATH=%s:/usr/bin:/bin\n' % self.bin_dir


def test_a_fourth_target_is_one_class_in_the_registry(etc, monkeypatch):
    monkeypatch.setattr(exposure, 'TARGETS', targets.TARGETS + (EnvironmentFile,))
    env_file = etc.path('profile.d', 'semaphore.env')
    predicted = etc(check=True, diff=True)
    assert not os.path.exists(env_file)
    assert {'path': env_file, 'action': 'created'} in predicted['files']
    assert etc()['changed'] and etc.read('profile.d', 'semaphore.env').endswith('PATH=%s:/usr/bin:/bin\n' % BIN)
    assert not etc()['changed']
    # One of its files that someone else wrote is refused, as for every target.
    os.unlink(env_file)
    etc.write('PATH=/mine\n', 'profile.d', 'semaphore.env')
    assert 'was not written by venvkit.python' in etc.fails()
    os.unlink(env_file)
    etc()
    removed = etc(state='absent')
    assert {'path': env_file, 'action': 'removed'} in removed['files'] and not os.path.exists(env_file)
