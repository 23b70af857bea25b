"""Class 9 of SECURITY.md: one trust gate for every path and name, whatever the syntax that names it.

The attacker is a real unprivileged user (setpriv to uid 65534): it makes a
project, a requirements file, a wheel directory or a symlink where it can
write, and names it in one of the ways pip and uv accept. Every form is
refused before anything is built or written, and the error names the path.
"""

import errno
import os
import subprocess

import helpers
import pytest
from helpers import UV

from conftest import NOBODY, as_nobody

# A project whose build backend is its own code (in-tree, PEP 517): whoever builds it runs that
# code, which leaves the uid that ran it in proof/ and builds a one-file wheel. It needs nothing
# from an index, not even setuptools, so the test sees exactly who runs a project's build.
BACKEND = '''import base64, hashlib, os, zipfile
open(os.path.join(%r, "built-by-%%d" %% os.getuid()), "w").close()


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "vkproj-1.0-py3-none-any.whl"
    files = {"vkproj.py": b"", "vkproj-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: vkproj\\nVersion: 1.0\\n",
             "vkproj-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    record = ["%%s,sha256=%%s,%%d" %% (n, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(),
                                    len(d)) for n, d in files.items()] + ["vkproj-1.0.dist-info/RECORD,,"]
    files["vkproj-1.0.dist-info/RECORD"] = "\\n".join(record).encode()
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as whl:
        for n, d in files.items():
            whl.writestr(n, d)
    return name
'''
PYPROJECT = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'


def _project(directory, proof):
    """Write the project into directory (which exists)."""
    with open(os.path.join(directory, 'backend.py'), 'w') as handle:
        handle.write(BACKEND % proof)
    with open(os.path.join(directory, 'pyproject.toml'), 'w') as handle:
        handle.write(PYPROJECT)


@pytest.fixture
def attacker(open_run, sticky):
    """Paths a local user made in a sticky directory: a project, a requirements file, wheels, a symlink."""
    proof = os.path.join(open_run.root, 'proof')
    os.mkdir(proof)
    os.chmod(proof, 0o1777)
    paths = dict(proof=proof, sticky=sticky)
    paths['proj'] = os.path.join(sticky, 'proj')
    paths['req'] = os.path.join(sticky, 'theirs.txt')
    paths['wheels'] = os.path.join(sticky, 'wheels')
    paths['repo'] = os.path.join(sticky, 'repo')
    script = ('mkdir "$1" "$3" "$4" && printf %%s "$5" > "$1/backend.py" && printf %%s "$6" > "$1/pyproject.toml" && '
              'echo vkdemo==1.0 > "$2" && cp %s/*.whl "$3"/' % open_run.wheelhouse)
    made = as_nobody(['sh', '-c', script, 'sh', paths['proj'], paths['req'], paths['wheels'], paths['repo'],
                      BACKEND % proof, PYPROJECT])
    assert made.returncode == 0, made.stdout
    # A root-owned directory of the run with a link in it that the user owns, to a root-only directory.
    secret = os.path.join(open_run.root, 'root-only')
    os.mkdir(secret, 0o700)
    with open(os.path.join(secret, 'requirements.txt'), 'w') as handle:
        handle.write('vkdemo==1.0\n')
    paths['link'] = os.path.join(open_run.root, 'their-link')
    os.symlink(secret, paths['link'])
    os.lchown(paths['link'], NOBODY, NOBODY)
    paths['secret'] = secret
    return paths


def _requirements(run, text):
    return run.write('reqs/requirements.txt', text)


# (name, params from the attacker's paths, the path the error must name)
FORMS = [
    ('a path in packages', lambda r, a: dict(packages=[a['proj']]), 'proj'),
    ('name @ file: in packages', lambda r, a: dict(packages=['vkproj @ file://' + a['proj']]), 'proj'),
    ('a path in a requirements file', lambda r, a: dict(requirements=[_requirements(r, a['proj'] + '\n')]), 'proj'),
    ('-e in a requirements file', lambda r, a: dict(requirements=[_requirements(r, '-e %s\n' % a['proj'])]), 'proj'),
    ('name @ file: in a requirements file',
     lambda r, a: dict(requirements=[_requirements(r, 'vkproj @ file://%s\n' % a['proj'])]), 'proj'),
    ('git+file: in a requirements file',
     lambda r, a: dict(requirements=[_requirements(r, 'git+file://%s@main#egg=vkproj\n' % a['repo'])]), 'repo'),
    ('-r file: include', lambda r, a: dict(requirements=[_requirements(r, '-r file://%s\n' % a['req'])]), 'req'),
    ('-c file: include', lambda r, a: dict(packages=['vkdemo==1.0'],
                                           requirements=[_requirements(r, '-c file://%s\n' % a['req'])]), 'req'),
    ('a relative include', lambda r, a: dict(requirements=[_requirements(r, '-r ../shared/theirs.txt\n')]), 'req'),
    ('an include through their symlink',
     lambda r, a: dict(requirements=[_requirements(r, '-r ../their-link/requirements.txt\n')]), 'link'),
    ('a requirements file through their symlink',
     lambda r, a: dict(requirements=[os.path.join(a['link'], 'requirements.txt')]), 'link'),
    ('an inline file naming a path', lambda r, a: dict(inline_requirements=[dict(name='r.txt', content=a['proj'])]),
     'proj'),
    ('--find-links in a requirements file',
     lambda r, a: dict(requirements=[_requirements(r, '--find-links %s\nvkdemo==1.0\n' % a['wheels'])]), 'wheels'),
    ('-e in pip_args', lambda r, a: dict(packages=['vkdemo==1.0'], pip_args=['-e', a['proj']]), 'proj'),
    ('--find-links= in pip_args',
     lambda r, a: dict(packages=['vkdemo==1.0'], pip_args=['--find-links=' + a['wheels']]), 'wheels'),
    ('find_links as a file: URL', lambda r, a: dict(packages=['vkdemo==1.0'], find_links=['file://' + a['wheels']]),
     'wheels'),
    ('index_url as a file: URL', lambda r, a: dict(packages=['vkdemo==1.0'], index_url='file://' + a['wheels']),
     'wheels'),
    ('link_scripts.dest in their directory',
     lambda r, a: dict(packages=['vkdemo==1.0'], link_scripts=dict(dest=a['wheels'], scripts=['vkdemo'])), 'wheels'),
    ('link_scripts.dest through their symlink',
     lambda r, a: dict(packages=['vkdemo==1.0'], link_scripts=dict(dest=os.path.join(a['link'], 'bin'),
                                                                   scripts=['vkdemo'])), 'link'),
]


@pytest.mark.parametrize('installer', ['pip', 'uv'])
@pytest.mark.parametrize('form', FORMS, ids=[f[0] for f in FORMS])
def test_every_form_of_a_path_another_user_controls_is_refused_before_anything(open_run, attacker, form, installer):
    name, params, named = form
    extra = dict(installer='uv', uv=UV) if installer == 'uv' else {}
    options = dict(extra, **params(open_run, attacker))
    options['pip_args'] = ['--no-build-isolation'] + options.get('pip_args', [])
    error = open_run.fails(**options)
    assert attacker[named] in error.msg, (name, error.msg)
    assert 'uid %d' % NOBODY in error.msg, (name, error.msg)
    assert os.listdir(attacker['proof']) == [], 'their build ran'
    assert not os.path.lexists(open_run.path)
    assert not os.path.lexists(os.path.join(open_run.root, '.venv.venvkit'))
    assert os.listdir(attacker['wheels']) and not os.path.lexists(os.path.join(attacker['secret'], 'bin'))


@pytest.mark.parametrize('variable', ['PIP_FIND_LINKS', 'UV_FIND_LINKS', 'PIP_CONSTRAINT', 'UV_INDEX'])
def test_the_installers_variables_in_the_environment_pass_the_gate_too(open_run, attacker, variable):
    value = {'PIP_CONSTRAINT': attacker['req'], 'UV_INDEX': 'theirs=' + attacker['wheels']}.get(
        variable, attacker['wheels'])
    open_run.env = dict(open_run.env, **{variable: value})
    error = open_run.fails(packages=['vkdemo==1.0'])
    assert value.split('=')[-1] in error.msg and 'uid %d' % NOBODY in error.msg
    assert variable in error.msg and not os.path.lexists(open_run.path)


def test_a_root_project_with_a_file_others_can_write_is_refused(open_run, attacker):
    proj = os.path.join(open_run.root, 'rootproj')
    os.mkdir(proj)
    _project(proj, attacker['proof'])
    os.chmod(os.path.join(proj, 'backend.py'), 0o666)
    error = open_run.fails(packages=[proj], pip_args=['--no-build-isolation'])
    assert os.path.join(proj, 'backend.py') in error.msg and 'writable by every user' in error.msg
    assert os.listdir(attacker['proof']) == []


def test_the_owners_project_is_built_by_the_owner_only(open_run, attacker):
    result = open_run(packages=[attacker['proj']], owner='nobody', pip_args=['--no-build-isolation'])
    assert result['changed'] and result['packages']['vkproj'] == '1.0'
    assert os.listdir(attacker['proof']) == ['built-by-%d' % NOBODY]


def test_root_builds_its_own_project(open_run, attacker):
    proj = os.path.join(open_run.root, 'rootproj')
    os.mkdir(proj)
    _project(proj, attacker['proof'])
    result = open_run(packages=[proj], pip_args=['--no-build-isolation'])
    assert result['changed'] and result['packages']['vkproj'] == '1.0'
    assert os.listdir(attacker['proof']) == ['built-by-0']


# -- names on root's PATH ----------------------------------------------------------

@pytest.fixture
def root_bin(open_run, monkeypatch):
    """A root-owned directory on root's PATH (as /usr/local/bin is)."""
    path = os.path.join(open_run.root, 'rootbin')
    os.mkdir(path)
    monkeypatch.setenv('PATH', path + os.pathsep + os.environ['PATH'])
    return path


def test_names_the_owner_chose_reach_roots_path_only_when_listed(open_run, root_bin):
    error = open_run.fails(packages=['vkdemo==2.0'], owner='nobody', link_scripts=dict(dest=root_bin))
    assert "on root's PATH" in error.msg and 'link_scripts.scripts' in error.msg and 'vkdemo-admin' in error.msg
    assert os.listdir(root_bin) == [] and not os.path.lexists(open_run.path)
    result = open_run(packages=['vkdemo==2.0'], owner='nobody', link_scripts=dict(dest=root_bin, scripts=['vkdemo']))
    assert result['links'] == [os.path.join(root_bin, 'vkdemo')] and os.listdir(root_bin) == ['vkdemo']


def test_a_script_named_ls_planted_by_the_owner_is_never_linked(open_run, root_bin):
    open_run(packages=['vkdemo==1.0'], owner='nobody', link_scripts=dict(dest=root_bin, scripts=['vkdemo']))
    bindir = os.path.join(os.path.realpath(open_run.path), 'bin')
    site = [os.path.join(r, d) for r, ds, dummy in os.walk(os.path.realpath(open_run.path)) for d in ds
            if d.startswith('vkdemo-') and d.endswith('.dist-info')][0]
    planted = as_nobody(['sh', '-c', 'printf "[console_scripts]\\nls = x:y\\n" >> "$1/entry_points.txt" && '
                         'printf "#!/bin/sh\\ntouch /tmp/owned\\n" > "$2/ls" && chmod +x "$2/ls"', 'sh', site, bindir])
    assert planted.returncode == 0, planted.stdout
    error = open_run.fails(packages=['vkdemo==1.0'], owner='nobody', link_scripts=dict(dest=root_bin))
    assert 'link_scripts.scripts' in error.msg
    listed = dict(dest=root_bin, scripts=['vkdemo', 'ls'])
    error = open_run.fails(packages=['vkdemo==1.0'], owner='nobody', link_scripts=listed)
    assert 'ls' in error.msg and ('/usr/bin/ls' in error.msg or '/bin/ls' in error.msg)
    assert os.listdir(root_bin) == ['vkdemo']


def test_rollback_applies_the_same_rules_to_names(open_run, root_bin):
    open_run(packages=['vkdemo==2.0'], owner='nobody', link_scripts=dict(dest=root_bin, scripts=['vkdemo']))
    open_run(packages=['vkdemo==1.0'], owner='nobody', link_scripts=dict(dest=root_bin, scripts=['vkdemo']))
    error = open_run.fails(state='rollback', owner='nobody', link_scripts=dict(dest=root_bin))
    assert 'link_scripts.scripts' in error.msg
    assert os.path.realpath(open_run.path).endswith('/g2')
    result = open_run(state='rollback', owner='nobody', link_scripts=dict(dest=root_bin, scripts=['vkdemo']))
    assert result['changed'] and os.path.realpath(open_run.path).endswith('/g1')


# -- rollback across owners, all or nothing ------------------------------------------

def test_rollback_to_a_generation_of_another_owner_needs_force(open_run):
    open_run(packages=['vkdemo==1.0'], owner='nobody')
    open_run(packages=['vkdemo==1.0'])
    error = open_run.fails(state='rollback')
    assert 'uid %d (nobody)' % NOBODY in error.msg and 'force: true' in error.msg and 'nothing was changed' in error.msg
    assert os.path.realpath(open_run.path).endswith('/g2')
    result = open_run(state='rollback', force=True)
    assert result['changed'] and os.path.realpath(open_run.path).endswith('/g1')


def test_a_full_disk_during_rollback_leaves_the_link_where_it_was(open_run, monkeypatch):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit import rollback
    open_run(packages=['vkdemo==1.0'])
    open_run(packages=['vkdemo==2.0'])

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(rollback, 'write_state', full)
    error = open_run.fails(state='rollback')
    assert 'disk is full' in error.msg and 'nothing was changed' in error.msg
    assert os.path.realpath(open_run.path).endswith('/g2')


def test_links_that_fail_after_a_rollback_swap_put_the_link_back(open_run, root_bin, monkeypatch):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit import links
    open_run(packages=['vkdemo==1.0'], link_scripts=dict(dest=root_bin))
    open_run(packages=['vkdemo==2.0'], link_scripts=dict(dest=root_bin))

    def broken(self):
        raise OSError(errno.EIO, 'Input/output error')

    monkeypatch.setattr(links.LinkPlan, 'apply', broken)
    with pytest.raises(OSError):
        open_run(state='rollback', link_scripts=dict(dest=root_bin))
    assert os.path.realpath(open_run.path).endswith('/g2')


# -- predictable names, leftovers, reads below a venv ---------------------------------

def test_squatted_swap_names_cannot_block_an_update(open_run, sticky):
    path = os.path.join(sticky, 'venv')
    open_run(path=path, packages=['vkdemo==1.0'])
    names = ['.venv.venvkit-swap-%d' % pid for pid in range(max(1, os.getpid() - 20), os.getpid() + 20)]
    squat = as_nobody(['sh', '-c', 'cd "$1" && shift && touch "$@"', 'sh', sticky] + names)
    assert squat.returncode == 0, squat.stdout
    result = open_run(path=path, packages=['vkdemo==2.0'])
    assert result['changed']
    assert subprocess.run([os.path.join(path, 'bin', 'vkdemo')], stdout=subprocess.PIPE,
                          check=False).stdout == b'vkdemo 2.0\n'
    assert all(os.lstat(os.path.join(sticky, n)).st_uid == NOBODY for n in names)


def _writable_by_others(top):
    found = []
    for directory, dirs, files in os.walk(top):
        for name in dirs + files:
            st = os.lstat(os.path.join(directory, name))
            if not os.path.islink(os.path.join(directory, name)) and st.st_mode & 0o002:
                found.append(os.path.join(directory, name))
    return found


def _installer(run, name):
    """The options of an installer; uv seeds pip from the run's wheel directory."""
    if name == 'pip':
        return dict(installer='pip')
    helpers.pip_wheel_copy(run.wheelhouse)
    for wheel in os.listdir(run.wheelhouse):
        os.chmod(os.path.join(run.wheelhouse, wheel), 0o644)
    return dict(installer='uv', uv=UV)


@pytest.mark.parametrize('installer', ['pip', 'uv'])
def test_nothing_in_a_built_venv_is_writable_by_others(open_run, installer):
    options = _installer(open_run, installer)
    result = open_run(packages=['vkdemo==1.0'], **options)
    assert _writable_by_others(result['active']) == []
    result = open_run(packages=['vkdemo==2.0'], **options)
    assert _writable_by_others(result['active']) == []


def test_a_dist_info_link_the_owner_planted_is_not_read_as_root(open_run):
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
        console_scripts, installed_packages)
    result = open_run(packages=['vkdemo==1.0'], owner='nobody')
    venv = result['active']
    site = [os.path.join(r, d) for r, ds, dummy in os.walk(venv) for d in ds if d == 'site-packages'][0]
    secret = os.path.join(open_run.root, 'root-only-dist')
    os.mkdir(secret, 0o700)
    with open(os.path.join(secret, 'entry_points.txt'), 'w') as handle:
        handle.write('[console_scripts]\nroot-secret-name = x:y\n')
    planted = as_nobody(['sh', '-c', 'ln -s "$1" "$2/evil-1.0.dist-info" && touch "$3/root-secret-name"', 'sh',
                         secret, site, os.path.join(venv, 'bin')])
    assert planted.returncode == 0, planted.stdout
    assert 'root-secret-name' not in console_scripts(venv, owners={0, NOBODY})
    assert 'evil' not in installed_packages(venv)


# -- the owner's processes get their own temporary and cache directories -----------------

@pytest.mark.parametrize('installer', ['pip', 'uv'])
def test_roots_private_tmpdir_and_cache_do_not_reach_the_owner(open_run, installer, tmp_path):
    private = tmp_path / 'root-only'
    private.mkdir(mode=0o700)
    open_run.env = dict(open_run.env, TMPDIR=str(private), UV_CACHE_DIR=str(private / 'uv'),
                        PIP_CACHE_DIR=str(private / 'pip'))
    result = open_run(packages=['vkdemo==1.0'], owner='nobody', **_installer(open_run, installer))
    assert result['changed'] and 'vkdemo' in result['packages']


# -- refused runs leave nothing --------------------------------------------------------

REFUSED = {
    'a directory of their files': 'mkdir "$1" && touch "$1/notes.txt"',
    'their file': 'touch "$1"',
    'their venv': '/usr/bin/python3 -m venv --without-pip "$1"',
}


@pytest.mark.parametrize('what', sorted(REFUSED))
def test_a_refused_path_leaves_no_trace(open_run, sticky, what):
    path = os.path.join(sticky, 'venv')
    script = REFUSED[what]
    assert as_nobody(['sh', '-c', script, 'sh', path]).returncode == 0
    before = sorted(os.listdir(sticky))
    error = open_run.fails(path=path, packages=['vkdemo==1.0'])
    assert path in error.msg
    assert sorted(os.listdir(sticky)) == before
    # and a later absent has nothing of the module's to remove
    assert not open_run(path=path, state='absent')['changed']
