# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine behind venvkit.python.pip_venv.

This file is private to the venvkit.python collection: its names may change
in any release. Modules call ``PipVenv(params, ...).execute()``; the unit
tests drive the same class directly.

Layout of a venv managed with ``update=atomic`` at ``/opt/app/venv``::

    /opt/app/venv -> .venv.venvkit/g3        (one symlink, swapped by rename)
    /opt/app/.venv.venvkit/g2/               (kept earlier generation)
    /opt/app/.venv.venvkit/g3/               (active generation)
    /opt/app/.venv.venvkit/g3/.venvkit.json  (state: fingerprint, inputs)
    /opt/app/.venv.venvkit/lock              (serialises concurrent runs)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import grp
import hashlib
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
import time

from ansible_collections.venvkit.python.plugins.module_utils._path_exposure import (
    ExposureError, PathExposure)

STATE_FILE = '.venvkit.json'
STATE_VERSION = 1
GENERATIONS_SUFFIX = '.venvkit'
# Left in a parent directory the module created, so that state=absent
# removes that directory again, once nothing else is in it.
PARENT_MARKER_SUFFIX = '.venvkit-parent'
PARENT_MARKER_RE = re.compile(r'^\..+' + re.escape(PARENT_MARKER_SUFFIX) + '$')
# Distributions a fresh venv brings along; never removed by sync and not
# linked by link_scripts=all.
SEED_DISTRIBUTIONS = frozenset(('pip', 'setuptools', 'wheel'))
# Characters allowed in path: anything else could corrupt a PATH entry, a
# shell line in profile.d or a systemd Environment= assignment.
SAFE_PATH_RE = re.compile(r'^/[A-Za-z0-9._+@/-]*$')
URL_CREDENTIALS_RE = re.compile(r'(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@:\s]*):(?P<password>[^/@\s]*)@')
INSTALL_HINT = ("Install Python with its venv module on the target first: "
                "'apk add python3' on Alpine, 'apt-get install python3 python3-venv' "
                "on Debian and Ubuntu, 'dnf install python3' on Fedora and RHEL, "
                "'zypper install python3' on SUSE, 'pacman -S python' on Arch.")


class VenvError(Exception):
    """A failure to report to the user; nothing on disk was changed by it."""

    def __init__(self, msg, **details):
        super(VenvError, self).__init__(msg)
        self.msg = msg
        self.details = details


def canonical_name(name):
    """PEP 503 normalised project name."""
    return re.sub(r'[-_.]+', '-', name).lower()


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def redact(text, secrets):
    """Mask URL credentials and every known secret in text."""
    if not text:
        return text
    text = URL_CREDENTIALS_RE.sub(lambda m: '%s%s:********@' % (m.group('scheme'), m.group('user')), text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, '********')
    return text


def url_secrets(urls):
    """The passwords embedded in URLs (user:password@host)."""
    found = []
    for url in urls:
        for match in URL_CREDENTIALS_RE.finditer(url or ''):
            if match.group('password'):
                found.append(match.group('password'))
    return found


def validate_path(path, option='path'):
    if not path:
        raise VenvError('%s must not be empty' % option)
    if '\n' in path or '\r' in path or '\0' in path:
        raise VenvError('%s contains a newline or NUL character: %r' % (option, path))
    if not os.path.isabs(path):
        raise VenvError('%s must be an absolute path, got %r' % (option, path))
    if os.path.normpath(path) != path or path.startswith('//'):
        raise VenvError('%s must be a normalised absolute path (no trailing slash, '
                        "'.', '..' or repeated '/'), got %r; use %r"
                        % (option, path, os.path.normpath(path)))
    if path == '/':
        raise VenvError('%s must not be the root directory' % option)
    if not SAFE_PATH_RE.match(path):
        bad = sorted(set(c for c in path if not re.match(r'[A-Za-z0-9._+@/-]', c)))
        raise VenvError('%s contains characters that would corrupt a PATH entry or a shell '
                        'line (%s): %r; use letters, digits and . _ + @ - /'
                        % (option, ' '.join(repr(c) for c in bad), path))


# --------------------------------------------------------------------------
# Requirements files: read them and every file they include.

_INCLUDE_RE = re.compile(r'^(?:(?P<opt>-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?<=-r)|(?<=-c))(?P<target>\S+))')


def _logical_lines(text):
    """Join backslash continuations and drop comments, as pip does."""
    buf = ''
    for raw in text.splitlines():
        line = raw
        if line.endswith('\\'):
            buf += line[:-1] + ' '
            continue
        line = buf + line
        buf = ''
        line = re.sub(r'(^|\s+)#.*$', '', line).strip()
        if line:
            yield line
    if buf.strip():
        yield buf.strip()


def read_requirement_files(files, kind='requirements'):
    """Return [(path, sha256)] for files and, recursively, the files they include.

    A missing file raises VenvError naming it and the file that included it.
    """
    seen = []
    seen_set = set()

    def visit(path, parent):
        if path in seen_set:
            return
        if '://' in path:
            # A remote include cannot be read here; its URL is the input.
            seen_set.add(path)
            seen.append((path, 'url'))
            return
        try:
            with open(path, 'rb') as handle:
                data = handle.read()
        except (IOError, OSError) as exc:
            where = ' (included from %s)' % parent if parent else ''
            raise VenvError('%s file %s%s cannot be read: %s'
                            % (kind, path, where, exc.strerror or exc))
        seen_set.add(path)
        seen.append((path, sha256_bytes(data)))
        text = data.decode('utf-8', 'replace')
        base = os.path.dirname(path)
        for line in _logical_lines(text):
            match = _INCLUDE_RE.match(line)
            if match:
                target = match.group('target')
                if '://' not in target and not os.path.isabs(target):
                    target = os.path.normpath(os.path.join(base, target))
                visit(target, path)

    for name in files:
        if not os.path.isabs(name):
            raise VenvError('%s file must be an absolute path on the target, got %r' % (kind, name))
        visit(name, None)
    return seen


# --------------------------------------------------------------------------
# What is installed in a venv, read from disk without starting Python.

def site_packages_dirs(venv):
    found = []
    for lib in ('lib', 'lib64'):
        base = os.path.join(venv, lib)
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for name in sorted(names):
            if name.startswith('python'):
                candidate = os.path.join(base, name, 'site-packages')
                if os.path.isdir(candidate) and os.path.realpath(candidate) not in [os.path.realpath(f) for f in found]:
                    found.append(candidate)
    return found


def _dist_info_dirs(venv):
    entries = []
    for site in site_packages_dirs(venv):
        for name in os.listdir(site):
            if name.endswith('.dist-info'):
                entries.append((site, name))
    return sorted(entries, key=lambda e: e[1])


def _parse_dist_info_name(name):
    stem = name[:-len('.dist-info')]
    project, sep, version = stem.partition('-')
    if not sep:
        return canonical_name(stem), ''
    return canonical_name(project), version


def installed_packages(venv):
    """{canonical name: version} for every distribution in the venv."""
    packages = {}
    for dummy, name in _dist_info_dirs(venv):
        project, version = _parse_dist_info_name(name)
        packages[project] = version
    return packages


def listing_signature(venv):
    """A cheap signature of the installed set: the dist-info directory names."""
    names = [name for dummy, name in _dist_info_dirs(venv)]
    return sha256_bytes('\n'.join(names).encode('utf-8'))


def console_scripts(venv):
    """{script name: distribution} from the entry points of every distribution."""
    scripts = {}
    for site, name in _dist_info_dirs(venv):
        project = _parse_dist_info_name(name)[0]
        try:
            with open(os.path.join(site, name, 'entry_points.txt')) as handle:
                text = handle.read()
        except (IOError, OSError):
            continue
        section = None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith('['):
                section = line.strip('[]').strip()
            elif section == 'console_scripts' and '=' in line and not line.startswith('#'):
                script = line.split('=', 1)[0].strip()
                if os.path.exists(os.path.join(venv, 'bin', script)):
                    scripts[script] = project
    return scripts


def format_packages(packages):
    return ''.join('%s==%s\n' % (name, packages[name]) for name in sorted(packages))


def read_pyvenv_cfg(venv):
    values = {}
    try:
        with open(os.path.join(venv, 'pyvenv.cfg')) as handle:
            for line in handle:
                key, sep, value = line.partition('=')
                if sep:
                    values[key.strip()] = value.strip()
    except (IOError, OSError):
        return None
    return values


# --------------------------------------------------------------------------
# Interpreters

def file_signature(path):
    """Identity of an interpreter binary: a package upgrade replaces the file."""
    st = os.stat(path)
    return '%d:%d:%d:%d' % (st.st_dev, st.st_ino, st.st_size, int(st.st_mtime))


def find_python(spec, search_path=None):
    """Resolve the python option to an absolute executable path."""
    if os.path.sep in spec:
        candidate = spec
    else:
        candidate = shutil.which(spec, path=search_path or os.environ.get('PATH', os.defpath))
    if not candidate or not os.path.isfile(candidate) or not os.access(candidate, os.X_OK):
        raise VenvError("python: interpreter %r was not found on the target%s. %s"
                        % (spec, '' if os.path.sep in spec else ' (searched PATH)', INSTALL_HINT))
    return os.path.abspath(candidate)


_PROBE = ('import sys, os; print(".".join(map(str, sys.version_info[:3]))); '
          'print(getattr(sys, "_base_executable", sys.executable)); print(sys.prefix)')


def probe_python(executable):
    """(version, base executable, prefix) of an interpreter, or None when it does not run."""
    try:
        proc = subprocess.run([executable, '-I', '-S', '-c', _PROBE], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    lines = proc.stdout.decode('utf-8', 'replace').splitlines()
    if len(lines) < 3:
        return None
    return lines[0], lines[1], lines[2]


# --------------------------------------------------------------------------
# Locking

class Lock:
    """An exclusive flock on a file, waited for up to timeout seconds."""

    def __init__(self, path, timeout, create=True):
        self.path = path
        self.timeout = timeout
        self.create = create
        self.fd = None
        self.waited = 0.0

    def __enter__(self):
        if not self.create and not os.path.exists(self.path):
            return self
        if self.create:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        else:
            self.fd = os.open(self.path, os.O_RDONLY)
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() - start >= self.timeout:
                    os.close(self.fd)
                    self.fd = None
                    raise VenvError('another run holds the lock %s: waited %d seconds (lock_timeout); '
                                    'nothing was changed' % (self.path, self.timeout))
                time.sleep(0.1)
        self.waited = time.monotonic() - start
        return self

    def __exit__(self, *exc_info):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


# --------------------------------------------------------------------------
# pip output

def classify_pip_failure(stderr, stdout=''):
    """A one-line explanation of why pip failed, from its own output."""
    text = (stderr or '') + '\n' + (stdout or '')
    match = re.search(r'No matching distribution found for (\S+)', text)
    unreachable = re.search(r'(Failed to establish a new connection|Connection refused|NewConnectionError|'
                            r'Name or service not known|Temporary failure in name resolution|'
                            r'Max retries exceeded|timed out|Could not fetch URL|ConnectTimeout|'
                            r'Network is unreachable|No route to host|Errno 111|SSLError)', text)
    if unreachable and match:
        return ('the package index could not be reached (%s), so %s could not be found'
                % (unreachable.group(1), match.group(1)))
    if unreachable:
        return 'the package index could not be reached (%s)' % unreachable.group(1)
    if match:
        return ('requirement %s was not found on the package index: no such project or no '
                'version that satisfies it' % match.group(1))
    if 'THESE PACKAGES DO NOT MATCH THE HASHES' in text:
        lines = [line.strip() for line in text.splitlines() if re.match(r'\s+\S+ from ', line)]
        return 'hash mismatch under require_hashes: %s' % ('; '.join(lines) or 'see stderr')
    if 'Hashes are required in --require-hashes mode' in text or 'In --require-hashes mode' in text:
        return 'require_hashes is on but a requirement is not pinned with ==, or has no --hash'
    if 'ResolutionImpossible' in text or 'conflicting dependencies' in text:
        return 'the requirements conflict with each other: pip found no set of versions that satisfies them all'
    errors = [line.strip() for line in text.splitlines() if line.strip().startswith('ERROR:')]
    if errors:
        return ' '.join(errors[:3])
    tail = [line for line in text.strip().splitlines() if line.strip()][-5:]
    return ' '.join(line.strip() for line in tail) or 'pip exited with an error'


# --------------------------------------------------------------------------
# The engine

class PipVenv:
    """Create, update or remove one venv. See the module's documentation."""

    def __init__(self, params, check_mode=False, diff_mode=False, environ=None):
        self.params = dict(params)
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.environ = dict(os.environ if environ is None else environ)
        self.path = params['path']
        self.parent = os.path.dirname(self.path) if self.path else ''
        self.name = os.path.basename(self.path) if self.path else ''
        self.gens_dir = os.path.join(self.parent, '.' + self.name + GENERATIONS_SUFFIX)
        self.lock_path = os.path.join(self.gens_dir, 'lock')
        self.secrets = url_secrets([params.get('index_url')] + list(params.get('extra_index_urls') or [])
                                   + list(params.get('find_links') or []))
        self.warnings = []
        self.result = dict(changed=False, path=self.path)
        self.exposure = None
        if params.get('expose'):
            self.exposure = PathExposure(dict(params['expose'], bin_dir=os.path.join(self.path or '', 'bin'),
                                              state=params.get('state', 'present')),
                                         check_mode=check_mode, diff_mode=diff_mode)

    # -- helpers ----------------------------------------------------------

    def _fail(self, msg, **details):
        raise VenvError(redact(msg, self.secrets), **dict((k, redact(v, self.secrets) if isinstance(v, str) else v)
                                                          for k, v in details.items()))

    def _run(self, argv, what, cwd=None):
        env = dict(self.environ)
        env.setdefault('PIP_DISABLE_PIP_VERSION_CHECK', '1')
        env['PIP_NO_INPUT'] = '1'
        env.pop('PYTHONHOME', None)
        env.pop('PYTHONPATH', None)
        env.pop('VIRTUAL_ENV', None)
        env.pop('PIP_REQUIRE_VIRTUALENV', None)
        env.pop('PIP_USER', None)
        if self._installer()[0] == 'uv' and argv[0] == self._installer()[1]:
            self._uv_cache_env(env)
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd or '/',
                                  check=False)
        except OSError as exc:
            self._fail('%s: cannot run %s: %s' % (what, argv[0], exc))
        return (proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace'))

    @staticmethod
    def _uv_cache_env(env):
        """uv caches under the home directory; a user without a writable one runs uncached."""
        if env.get('UV_CACHE_DIR') or env.get('UV_NO_CACHE') or env.get('XDG_CACHE_HOME'):
            return
        home = env.get('HOME') or os.path.expanduser('~')
        probe = home
        while probe and not os.path.exists(probe):
            probe = os.path.dirname(probe)
        if not probe or not os.path.isdir(probe) or not os.access(probe, os.W_OK):
            env['UV_NO_CACHE'] = '1'

    def _ids(self):
        uid = gid = -1
        owner, group = self.params.get('owner'), self.params.get('group')
        if owner not in (None, ''):
            try:
                uid = int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid
            except KeyError:
                self._fail('owner: user %r does not exist on the target' % owner)
        if group not in (None, ''):
            try:
                gid = int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid
            except KeyError:
                self._fail('group: group %r does not exist on the target' % group)
        return uid, gid

    # -- inspection -------------------------------------------------------

    def _current(self):
        """Describe what is at path: (kind, venv directory or None)."""
        try:
            st = os.lstat(self.path)
        except OSError:
            return 'missing', None
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(self.path)
            if os.path.isdir(target) and os.path.exists(os.path.join(target, 'pyvenv.cfg')):
                return 'link', target
            return 'dangling', None
        if stat.S_ISDIR(st.st_mode):
            if os.path.exists(os.path.join(self.path, 'pyvenv.cfg')):
                return 'dir', self.path
            if not os.listdir(self.path):
                return 'empty', None
            self._fail('path %s is a directory that is not a virtual environment (no pyvenv.cfg); '
                       'refusing to replace it' % self.path)
        self._fail('path %s exists and is not a directory or a symlink to a venv' % self.path)

    def _read_state(self, venv):
        try:
            with open(os.path.join(venv, STATE_FILE)) as handle:
                state = json.load(handle)
        except (IOError, OSError, ValueError):
            return {}
        return state if state.get('version') == STATE_VERSION else {}

    def _write_state(self, venv, state):
        state = dict(state, version=STATE_VERSION)
        target = os.path.join(venv, STATE_FILE)
        fd, tmp = tempfile.mkstemp(prefix='.venvkit-', dir=venv)
        with os.fdopen(fd, 'w') as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
        os.chmod(tmp, 0o644)
        os.rename(tmp, target)

    def _python_health(self, venv, state, base):
        """None when the venv's interpreter is usable as is, else the reason to recreate.

        Runs no process when the interpreter files are the ones recorded at
        build time; a package upgrade replaces them and so is noticed.
        """
        vpython = os.path.join(venv, 'bin', 'python')
        if not os.path.exists(vpython):
            return "the venv's python no longer runs: %s points to a missing interpreter" % vpython
        recorded = state.get('python') or {}
        cfg = read_pyvenv_cfg(venv) or {}
        vreal = os.path.realpath(vpython)
        if recorded.get('venv_realpath') == vreal and recorded.get('venv_signature') == file_signature(vreal):
            version = recorded.get('version')
        else:
            probed = probe_python(vpython)
            if probed is None:
                return "the venv's python no longer runs (%s)" % vpython
            version = probed[0]
            cfg_version = cfg.get('version') or cfg.get('version_info') or ''
            if cfg_version and cfg_version != version:
                return ("the venv's interpreter changed from Python %s to %s (upgraded in place)"
                        % (cfg_version, version))
            if recorded.get('version') and recorded.get('version') != version:
                return "the venv's interpreter changed from Python %s to %s" % (recorded.get('version'), version)
        if not (recorded.get('realpath') == base['realpath'] and recorded.get('signature') == base['signature']):
            probed = probe_python(base['path'])
            if probed is None:
                self._fail('python: %s does not run. %s' % (base['path'], INSTALL_HINT))
            base['version'] = probed[0]
            if os.path.realpath(probed[1]) != vreal:
                return ('the interpreter changed from %s (Python %s) to %s (Python %s)'
                        % (vreal, version, os.path.realpath(probed[1]), probed[0]))
        base['version'] = base['version'] or version
        want_system = bool(self.params.get('system_site_packages'))
        have_system = (cfg.get('include-system-site-packages', 'false').lower() == 'true')
        if want_system != have_system:
            return 'system_site_packages changed from %s to %s' % (have_system, want_system)
        return None

    def _base_python(self, state=None):
        executable = find_python(self.params.get('python') or 'python3', self.environ.get('PATH'))
        real = os.path.realpath(executable)
        info = dict(path=executable, realpath=real, signature=file_signature(real), version=None)
        recorded = (state or {}).get('python') or {}
        if recorded.get('realpath') == real and recorded.get('signature') == info['signature']:
            info['version'] = recorded.get('version')
        return info

    def _ensure_version(self, base):
        if base['version'] is None:
            probed = probe_python(base['path'])
            if probed is None:
                self._fail('python: %s does not run. %s' % (base['path'], INSTALL_HINT))
            base['version'] = probed[0]
        return base

    def _fingerprint(self, base, inputs):
        p = self.params
        material = dict(
            python=[base['realpath'], base['signature']],
            requirements=inputs['requirements'],
            constraints=inputs['constraints'],
            packages=list(p.get('packages') or []),
            index_url=p.get('index_url'),
            extra_index_urls=list(p.get('extra_index_urls') or []),
            find_links=list(p.get('find_links') or []),
            no_index=bool(p.get('no_index')),
            require_hashes=bool(p.get('require_hashes')),
            pip_args=list(p.get('pip_args') or []),
            system_site_packages=bool(p.get('system_site_packages')),
            sync=bool(p.get('sync')),
            installer=self._installer()[0],
            seed_pip=bool(p.get('seed_pip', True)),
        )
        return sha256_bytes(json.dumps(material, sort_keys=True).encode('utf-8'))

    # -- pip --------------------------------------------------------------

    def _pip_selection(self):
        """Arguments naming what to install, with the index options."""
        p = self.params
        args = self._index_args()
        if p.get('require_hashes'):
            args.append('--require-hashes')
        for name in p.get('constraints') or []:
            args += ['-c', name]
        for name in p.get('requirements') or []:
            args += ['-r', name]
        args += list(p.get('pip_args') or [])
        args += list(p.get('packages') or [])
        return args

    def _index_args(self):
        """Where packages come from, in the words pip and uv share."""
        p = self.params
        args = []
        if p.get('index_url'):
            args += ['--index-url', p['index_url']]
        for url in p.get('extra_index_urls') or []:
            args += ['--extra-index-url', url]
        for url in p.get('find_links') or []:
            args += ['--find-links', url]
        if p.get('no_index'):
            args.append('--no-index')
        return args

    def _has_selection(self):
        p = self.params
        return bool(p.get('requirements') or p.get('packages'))

    def _installer(self):
        """('pip', None) or ('uv', path to uv), from the installer option."""
        if getattr(self, '_installer_cache', None):
            return self._installer_cache
        choice = self.params.get('installer') or 'auto'
        uv = None
        if choice in ('uv', 'auto'):
            uv = self.params.get('uv') or shutil.which('uv', path=self.environ.get('PATH', os.defpath))
            if uv and not os.access(uv, os.X_OK):
                uv = None
            if choice == 'uv' and not uv:
                self._fail('installer=uv but uv was not found (option uv, or on PATH). Install it with '
                           "'pip install uv' (the role venvkit.python.venv can: venv_install_uv), or use "
                           'installer=pip.')
        self._installer_cache = ('uv', uv) if uv else ('pip', None)
        return self._installer_cache

    def _installer_argv(self, venv, args):
        name, uv = self._installer()
        if name == 'uv':
            return [uv, 'pip'] + args[:1] + ['--python', os.path.join(venv, 'bin', 'python')] + args[1:]
        return [os.path.join(venv, 'bin', 'python'), '-m', 'pip'] + args

    def _pip(self, venv, args, what):
        name = self._installer()[0]
        what = what.replace('with pip', 'with %s' % name)
        rc, out, err = self._run(self._installer_argv(venv, args), what)
        if rc != 0:
            why = classify_pip_failure(err, out)
            unreachable = self._unreachable_indexes() if 'was not found' in why else []
            if unreachable:
                why = 'the package index could not be reached: %s' % '; '.join(unreachable)
            self._fail('%s failed: %s' % (what, why), stderr=err[-4000:], stdout=out[-2000:], rc=rc)
        return out, err

    def _unreachable_indexes(self):
        """The configured index URLs that do not answer, with the reason."""
        p = self.params
        if p.get('no_index'):
            return []
        # Imported on this failure path only: it is heavy for a no-op run.
        from ansible.module_utils.urls import open_url
        failures = []
        for url in [p.get('index_url')] + list(p.get('extra_index_urls') or []):
            if not url:
                continue
            bare = URL_CREDENTIALS_RE.sub(lambda m: m.group('scheme'), url)
            try:
                open_url(bare, method='HEAD', timeout=10, validate_certs=True).close()
            except Exception as exc:  # pylint: disable=broad-except
                code = getattr(exc, 'code', None)
                if code is None:  # an HTTP status means the server answered
                    failures.append('%s (%s)' % (redact(url, self.secrets), getattr(exc, 'reason', exc)))
        return failures

    def _dry_run(self, venv, ignore_installed):
        """What pip would install into venv: {name: version}, without changing it.

        With ignore_installed, the whole set the requirements resolve to.
        """
        if not self._has_selection():
            return {}
        if self._installer()[0] == 'uv':
            return self._uv_dry_run(venv, ignore_installed)
        fd, report = tempfile.mkstemp(prefix='venvkit-report-', suffix='.json')
        os.close(fd)
        try:
            args = ['install', '--dry-run', '--quiet', '--report', report]
            if ignore_installed:
                args.append('--ignore-installed')
            if self.check_mode:
                args.append('--no-cache-dir')
            self._pip(venv, args + self._pip_selection(), 'resolving the requirements with pip')
            with open(report) as handle:
                data = json.load(handle)
        finally:
            os.unlink(report)
        wanted = {}
        for item in data.get('install', []):
            meta = item.get('metadata', {})
            wanted[canonical_name(meta.get('name', ''))] = meta.get('version', '')
        return wanted

    def _uv_dry_run(self, venv, ignore_installed):
        p = self.params
        if ignore_installed:
            # The full resolution, as a fresh venv would get it.
            fd, extra = tempfile.mkstemp(prefix='venvkit-packages-', suffix='.txt')
            with os.fdopen(fd, 'w') as handle:
                handle.write(''.join(spec + '\n' for spec in p.get('packages') or []))
            try:
                args = ['compile', '--quiet', '--no-header', '--no-annotate'] + self._index_args()
                for name in p.get('constraints') or []:
                    args += ['-c', name]
                args += list(p.get('pip_args') or []) + list(p.get('requirements') or []) + [extra]
                if self.check_mode:
                    args.append('--no-cache')
                out = self._pip(venv, args, 'resolving the requirements with uv')[0]
            finally:
                os.unlink(extra)
            wanted = {}
            for line in out.splitlines():
                match = re.match(r'^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)', line.strip())
                if match:
                    wanted[canonical_name(match.group(1))] = match.group(2)
            return wanted
        args = ['install', '--dry-run'] + self._pip_selection()
        if self.check_mode:
            args.append('--no-cache')
        out, err = self._pip(venv, args, 'resolving the requirements with uv')
        wanted = {}
        for line in (err + '\n' + out).splitlines():
            match = re.match(r'^ \+ ([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)', line)
            if match:
                wanted[canonical_name(match.group(1))] = match.group(2)
        return wanted

    # -- building ---------------------------------------------------------

    def _create_venv(self, base, target):
        name, uv = self._installer()
        if name == 'uv':
            args = [uv, 'venv', '--quiet', '--python', base['path']]
            if self.params.get('system_site_packages'):
                args.append('--system-site-packages')
            rc, out, err = self._run(args + [target], 'creating the venv with uv')
            if rc == 0 and self.params.get('seed_pip', True):
                # pip for whoever calls it in the venv later (users, Semaphore):
                # from the index options like any package, or else from the
                # interpreter's own bundled copy (slower, but offline).
                rc, out, err = self._run(self._installer_argv(target, ['install'] + self._index_args() + ['pip']),
                                         'installing pip into the venv with uv')
                if rc != 0:
                    rc, out, err2 = self._run([os.path.join(target, 'bin', 'python'), '-m', 'ensurepip',
                                               '--default-pip'], 'installing pip into the venv with ensurepip')
                    err = err + err2
                if rc != 0:
                    err += ('\nseed_pip needs pip: from the index or find_links, or from the interpreter '
                            "(ensurepip: 'apt-get install python3-venv' on Debian and Ubuntu); or set "
                            'seed_pip=false.')
            if rc != 0:
                shutil.rmtree(target, ignore_errors=True)
                self._fail('creating the venv with uv failed: %s' % classify_pip_failure(err, out),
                           stderr=err[-4000:])
            return
        args = [base['path'], '-m', 'venv']
        if self.params.get('system_site_packages'):
            args.append('--system-site-packages')
        rc, out, err = self._run(args + [target], 'creating the venv')
        if rc != 0:
            hint = ''
            if 'ensurepip' in err or 'No module named venv' in err:
                hint = ' ' + INSTALL_HINT
            self._fail('creating the venv with %s failed: %s%s'
                       % (base['path'], classify_pip_failure(err, out), hint), stderr=err[-4000:])

    def _clone_venv(self, source, target):
        """Copy a venv to a new directory and point its absolute paths there."""
        shutil.copytree(source, target, symlinks=True)
        old, new = source.encode(), target.encode()
        rewrite = [os.path.join(target, 'pyvenv.cfg')]
        bindir = os.path.join(target, 'bin')
        rewrite += [os.path.join(bindir, n) for n in os.listdir(bindir)]
        for name in rewrite:
            if os.path.islink(name) or not os.path.isfile(name) or os.path.getsize(name) > 1 << 20:
                continue
            with open(name, 'rb') as handle:
                data = handle.read()
            if old in data:
                # only whole path components: old followed by '/' or a delimiter
                data = re.sub(re.escape(old) + br'(?=[/\s"\'\n]|$)', new, data)
                mode = os.stat(name).st_mode
                with open(name, 'wb') as handle:
                    handle.write(data)
                os.chmod(name, stat.S_IMODE(mode))
        try:
            os.unlink(os.path.join(target, STATE_FILE))
        except OSError:
            pass

    def _next_generation(self):
        numbers = [0]
        try:
            for entry in os.listdir(self.gens_dir):
                if re.match(r'^g\d+$', entry):
                    numbers.append(int(entry[1:]))
        except OSError:
            pass
        return os.path.join(self.gens_dir, 'g%d' % (max(numbers) + 1))

    def _generations(self):
        gens = []
        try:
            entries = os.listdir(self.gens_dir)
        except OSError:
            return gens
        for entry in entries:
            match = re.match(r'^(?:g(\d+)|migrated-(\d+))$', entry)
            if match:
                number = int(match.group(1)) if match.group(1) else 0
                gens.append((number, os.path.join(self.gens_dir, entry)))
        return [path for dummy, path in sorted(gens)]

    def _chown_tree(self, top, uid, gid):
        if uid == -1 and gid == -1:
            return
        os.lchown(top, uid, gid)
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), uid, gid)

    def _owner_differs(self, venv, uid, gid):
        st = os.lstat(venv)
        return (uid != -1 and st.st_uid != uid) or (gid != -1 and st.st_gid != gid)

    def _swap(self, new_gen, current_kind):
        """Point path at new_gen with one rename; migrate a real directory first."""
        relative = os.path.relpath(new_gen, self.parent)
        tmp = os.path.join(self.parent, '.%s.venvkit-swap-%d' % (self.name, os.getpid()))
        try:
            os.unlink(tmp)
        except OSError:
            pass
        os.symlink(relative, tmp)
        uid, gid = self._ids()
        if uid != -1 or gid != -1:
            os.lchown(tmp, uid, gid)
        migrated = None
        if current_kind == 'dir':
            migrated = os.path.join(self.gens_dir, 'migrated-%d' % int(time.time()))
            os.rename(self.path, migrated)
        elif current_kind == 'empty':
            os.rmdir(self.path)
        try:
            os.rename(tmp, self.path)
        except OSError:
            if migrated:
                os.rename(migrated, self.path)
            raise
        return migrated

    def _prune(self, active):
        keep = max(0, int(self.params.get('keep_generations', 2)))
        earlier = [g for g in self._generations() if os.path.realpath(g) != os.path.realpath(active)]
        removed = []
        for gen in earlier[:max(0, len(earlier) - keep)]:
            shutil.rmtree(gen, ignore_errors=True)
            removed.append(gen)
        return removed

    # -- links ------------------------------------------------------------

    def _link_plan(self, scripts):
        """(dest, {name: link target}) for link_scripts, or (None, {})."""
        spec = self.params.get('link_scripts') or None
        if not spec:
            return None, {}
        dest = spec.get('dest')
        names = list(spec.get('scripts') or ['all'])
        if names == ['all']:
            chosen = sorted(n for n, dist in scripts.items() if dist not in SEED_DISTRIBUTIONS)
        else:
            missing = [n for n in names if n not in scripts]
            if missing:
                self._fail('link_scripts: the venv provides no console script named %s; it provides: %s'
                           % (', '.join(missing), ', '.join(sorted(scripts)) or 'none'))
            chosen = sorted(set(names))
        return dest, dict((n, os.path.join(self.path, 'bin', n)) for n in chosen)

    def _ours(self, link):
        try:
            target = os.readlink(link)
        except OSError:
            return False
        return target.startswith(os.path.join(self.path, 'bin') + '/')

    def _link_changes(self, dest, wanted):
        """(to_create, to_remove, conflicts) for the links in dest."""
        create, remove, conflicts = [], [], []
        if dest is None:
            return create, remove, conflicts
        for name, target in sorted(wanted.items()):
            link = os.path.join(dest, name)
            if os.path.lexists(link):
                if self._ours(link):
                    if os.readlink(link) != target:
                        create.append(name)
                else:
                    conflicts.append(link)
            else:
                create.append(name)
        try:
            entries = os.listdir(dest)
        except OSError:
            entries = []
        for name in sorted(entries):
            link = os.path.join(dest, name)
            if name not in wanted and os.path.islink(link) and self._ours(link):
                remove.append(name)
        return create, remove, conflicts

    def _apply_links(self, dest, wanted, create, remove):
        if dest is None:
            return
        if not os.path.isdir(dest):
            os.makedirs(dest, 0o755)
        for name in remove:
            os.unlink(os.path.join(dest, name))
        for name in create:
            link = os.path.join(dest, name)
            tmp = os.path.join(dest, '.%s.venvkit-%d' % (name, os.getpid()))
            os.symlink(wanted[name], tmp)
            os.rename(tmp, link)

    # -- state=absent -----------------------------------------------------

    def _absent(self):
        kind, venv = self._current()
        links = []
        state = self._read_state(venv) if venv else {}
        dests = set(state.get('link_dirs') or [])
        if self.params.get('link_scripts'):
            dests.add(self.params['link_scripts']['dest'])
        for dest in sorted(dests):
            try:
                entries = os.listdir(dest)
            except OSError:
                continue
            links += [os.path.join(dest, n) for n in sorted(entries) if self._ours(os.path.join(dest, n))]
        exists = kind != 'missing' or os.path.isdir(self.gens_dir)
        parent_goes = self._parent_removable()
        self.result.update(changed=bool(exists or links or parent_goes), removed_links=links)
        if self.diff_mode:
            self.result['diff'] = dict(before=format_packages(installed_packages(venv)) if venv else '', after='',
                                       before_header=self.path, after_header=self.path + ' (absent)')
        if self.check_mode or not self.result['changed']:
            return self.result
        for link in links:
            os.unlink(link)
        if kind in ('link', 'dangling'):
            os.unlink(self.path)
        elif kind in ('dir', 'empty'):
            shutil.rmtree(self.path)
        shutil.rmtree(self.gens_dir, ignore_errors=True)
        if parent_goes:
            for entry in os.listdir(self.parent):
                os.unlink(os.path.join(self.parent, entry))
            os.rmdir(self.parent)
            self.result['removed_parent'] = self.parent
        return self.result

    def _parent_removable(self):
        """Whether this module made the parent (for this venv or one beside it) and it
        holds nothing but this venv and the marks."""
        mine = (self.name, os.path.basename(self.gens_dir))
        try:
            entries = os.listdir(self.parent)
        except OSError:
            return False
        marks = [e for e in entries if PARENT_MARKER_RE.match(e) and os.path.isfile(os.path.join(self.parent, e))]
        return bool(marks) and all(e in mine or e in marks for e in entries)

    # -- state=present ----------------------------------------------------

    def execute(self):
        validate_path(self.path)
        if self.params.get('link_scripts'):
            validate_path(self.params['link_scripts'].get('dest') or '', 'link_scripts.dest')
        if self.params.get('keep_generations', 2) < 0:
            self._fail('keep_generations must be 0 or more')
        if self.exposure:
            # Planned before the venv changes, so a problem with them changes nothing.
            try:
                self.exposure.make_plan()
            except ExposureError as exc:
                self._fail('expose: %s' % exc.msg)
        result = self._execute()
        if self.exposure:
            self._expose()
        return result

    def _expose(self):
        try:
            exposed = self.exposure.apply()
        except ExposureError as exc:
            self._fail('expose: %s' % exc.msg)
        except (IOError, OSError) as exc:
            self._fail('expose: writing the PATH files failed: %s' % exc)
        diffs = exposed.pop('diff', [])
        self.result['exposure'] = exposed
        self.result['changed'] = self.result['changed'] or exposed['changed']
        if self.diff_mode and diffs:
            own = self.result.get('diff')
            self.result['diff'] = ([own] if own else []) + diffs

    def _execute(self):
        if self.params.get('state', 'present') == 'absent':
            with Lock(self.lock_path, self.params.get('lock_timeout', 300), create=False):
                return self._absent()
        # Everything that can be validated without touching the disk, first.
        inputs = dict(requirements=read_requirement_files(self.params.get('requirements') or []),
                      constraints=read_requirement_files(self.params.get('constraints') or [], 'constraints'))
        self._ids()
        find_python(self.params.get('python') or 'python3', self.environ.get('PATH'))
        if not os.path.isdir(self.parent):
            if self.check_mode:
                self.warnings.append('parent directory %s does not exist yet' % self.parent)
            else:
                os.makedirs(self.parent, 0o755)
                with open(os.path.join(self.parent, '.' + self.name + PARENT_MARKER_SUFFIX), 'w') as handle:
                    handle.write('Made by venvkit.python.pip_venv for %s; removed with it.\n' % self.path)
        if self.check_mode:
            with Lock(self.lock_path, self.params.get('lock_timeout', 300), create=False):
                return self._present(inputs)
        if not os.path.isdir(self.gens_dir):
            os.makedirs(self.gens_dir, 0o755)
        with Lock(self.lock_path, self.params.get('lock_timeout', 300)) as lock:
            self.result['lock_waited'] = round(lock.waited, 3)
            return self._present(inputs)

    def _present(self, inputs):
        p = self.params
        old_umask = os.umask(0o022)
        try:
            return self._present_locked(inputs, p)
        finally:
            os.umask(old_umask)

    def _present_locked(self, inputs, p):
        kind, live = self._current()
        state = self._read_state(live) if live else {}
        base = self._base_python(state)
        fingerprint = self._fingerprint(base, inputs)
        uid, gid = self._ids()
        atomic = p.get('update', 'atomic') == 'atomic'
        reason = None
        action = 'update'
        if live is None:
            action, reason = 'create', 'no venv at %s' % self.path
        else:
            health = self._python_health(live, state, base)
            if health:
                action, reason = 'recreate', health
            elif p.get('force'):
                action, reason = 'recreate', 'force is set'
        before = installed_packages(live) if live else {}
        listing = listing_signature(live) if live else None
        if action == 'update' and state.get('fingerprint') == fingerprint and state.get('listing') == listing:
            action = 'none'
        if action == 'update' and atomic and kind == 'dir':
            # A real directory made by someone else: moved aside into the
            # generations only once a new generation has been built.
            reason = 'migrating the directory at %s to an atomically swapped symlink' % self.path

        self.result.update(created=action == 'create', recreated=action == 'recreate', reason=reason,
                           fingerprint=fingerprint, installer=self._installer()[0])

        if action == 'none':
            return self._finish_noop(live, state, before, uid, gid)

        base = self._ensure_version(base)
        predicted = None
        if action == 'update':
            predicted = self._predict(live, before)
            if not predicted['changes'] and not (atomic and kind == 'dir') and not p.get('force'):
                # Inputs changed but resolve to the same package set.
                return self._finish_same_set(live, state, before, fingerprint, listing, base, uid, gid)
        if self.check_mode:
            return self._finish_check(live, before, predicted, action)
        return self._build(action, kind, live, before, fingerprint, base, uid, gid, atomic)

    def _predict(self, live, before):
        sync = bool(self.params.get('sync'))
        wanted = self._dry_run(live, ignore_installed=sync)
        after = dict(before)
        if sync:
            keep = dict((n, v) for n, v in before.items() if n in SEED_DISTRIBUTIONS)
            after = dict(keep, **wanted)
        else:
            after.update(wanted)
        return dict(after=after, changes=self._changes(before, after))

    @staticmethod
    def _changes(before, after):
        installed = ['%s==%s' % (n, after[n]) for n in sorted(after) if n not in before]
        upgraded = ['%s==%s' % (n, after[n]) for n in sorted(after) if n in before and before[n] != after[n]]
        removed = ['%s==%s' % (n, before[n]) for n in sorted(before) if n not in after]
        if not (installed or upgraded or removed):
            return {}
        return dict(installed=installed, upgraded=upgraded, removed=removed)

    def _report(self, venv, before, after, changed):
        changes = self._changes(before, after)
        self.result.update(changed=changed, active=venv, packages=after,
                           installed=changes.get('installed', []), upgraded=changes.get('upgraded', []),
                           removed=changes.get('removed', []))
        if self.diff_mode:
            self.result['diff'] = dict(before=format_packages(before), after=format_packages(after),
                                       before_header='%s (packages)' % self.path,
                                       after_header='%s (packages)' % self.path)

    def _python_result(self, venv, base_version=None):
        vpython = os.path.join(venv or self.path, 'bin', 'python')
        return dict(path=os.path.join(self.path, 'bin', 'python'),
                    executable=os.path.realpath(vpython) if venv else None,
                    version=base_version)

    def _plan_links(self, scripts):
        """(dest, wanted, to_create, to_remove) for link_scripts; fails on a file it did not make."""
        dest, wanted = self._link_plan(scripts)
        create, remove, conflicts = self._link_changes(dest, wanted)
        if conflicts:
            self._fail('link_scripts: refusing to overwrite %s: not a link made for %s; remove it or '
                       'leave that script out of link_scripts.scripts' % (', '.join(conflicts), self.path))
        return dest, wanted, create, remove

    def _apply_link_plan(self, plan):
        """Make the planned links (not in check mode); returns True when links changed."""
        dest, wanted, create, remove = plan
        self.result['links'] = [os.path.join(dest, n) for n in sorted(wanted)] if dest else []
        if (create or remove) and not self.check_mode:
            self._apply_links(dest, wanted, create, remove)
        self.result['links_changed'] = dict(created=[os.path.join(dest, n) for n in create],
                                            removed=[os.path.join(dest, n) for n in remove]) if dest else {}
        return bool(create or remove)

    def _finish_noop(self, live, state, before, uid, gid):
        scripts = console_scripts(live)
        changed = False
        if self._owner_differs(live, uid, gid):
            changed = True
            if not self.check_mode:
                self._chown_tree(live, uid, gid)
        changed = self._apply_link_plan(self._plan_links(scripts)) or changed
        self._report(live, before, before, changed)
        self.result.update(console_scripts=sorted(scripts),
                           python=self._python_result(live, (state.get('python') or {}).get('version')))
        return self.result

    def _finish_same_set(self, live, state, before, fingerprint, listing, base, uid, gid):
        if not self.check_mode:
            self._write_state(live, dict(state, fingerprint=fingerprint, listing=listing,
                                         python=self._state_python(live, base)))
        return self._finish_noop(live, dict(state, python=self._state_python(live, base)), before, uid, gid)

    def _finish_check(self, live, before, predicted, action):
        if predicted is not None:
            after = predicted['after']
        else:
            # No venv to resolve in: report what was asked for.
            after = {}
            for spec in self.params.get('packages') or []:
                after[canonical_name(re.split(r'[\[<>=!~;@ ]', spec, 1)[0])] = '(to be resolved)'
            if self.params.get('requirements'):
                self.warnings.append('check mode: the venv does not exist yet, so the packages of the '
                                     'requirements files are not resolved')
        self._report(live, before, after, True)
        return self.result

    def _state_python(self, venv, base):
        vreal = os.path.realpath(os.path.join(venv, 'bin', 'python'))
        return dict(path=base['path'], realpath=base['realpath'], signature=base['signature'],
                    venv_realpath=vreal, venv_signature=file_signature(vreal), version=base['version'])

    def _build(self, action, kind, live, before, fingerprint, base, uid, gid, atomic):
        p = self.params
        sync = bool(p.get('sync'))
        if not atomic:
            target = live or self.path
            if action == 'recreate' and live:
                shutil.rmtree(live)
                live = None
            if kind == 'empty':
                os.rmdir(self.path)
            fresh = live is None
            try:
                if fresh:
                    self._create_venv(base, target)
                self._install(target, sync)
            except BaseException:
                if fresh:
                    # A venv that never worked is not left behind.
                    shutil.rmtree(target, ignore_errors=True)
                raise
            return self._commit(target, before, fingerprint, base, uid, gid, swapped=False)

        new_gen = self._next_generation()
        # A failed build leaves the generations directory as it found it,
        # down to its modification time.
        gens_times = os.stat(self.gens_dir)
        try:
            if action == 'update' and live and not sync:
                self._clone_venv(live, new_gen)
            else:
                self._create_venv(base, new_gen)
            # A fresh generation holds exactly what is required: sync is implied.
            self._install(new_gen, False)
            return self._commit(new_gen, before, fingerprint, base, uid, gid, swapped=True, kind=kind)
        except BaseException:
            if os.path.realpath(self.path) != os.path.realpath(new_gen):
                shutil.rmtree(new_gen, ignore_errors=True)
                os.utime(self.gens_dir, ns=(gens_times.st_atime_ns, gens_times.st_mtime_ns))
            raise

    def _install(self, venv, sync):
        if self._has_selection():
            self._pip(venv, ['install'] + self._pip_selection(), 'installing the requirements with pip')
        if sync:
            wanted = self._dry_run(venv, ignore_installed=True)
            extra = sorted(n for n in installed_packages(venv) if n not in wanted and n not in SEED_DISTRIBUTIONS)
            if extra:
                yes = ['--yes'] if self._installer()[0] == 'pip' else []
                self._pip(venv, ['uninstall'] + yes + extra, 'removing packages not required (sync)')

    def _commit(self, venv, before, fingerprint, base, uid, gid, swapped, kind=None):
        after = installed_packages(venv)
        scripts = console_scripts(venv)
        # Links are planned before the swap, so that a conflict fails with nothing changed.
        links = self._plan_links(scripts)
        state = dict(fingerprint=fingerprint, listing=listing_signature(venv), python=self._state_python(venv, base),
                     link_dirs=[links[0]] if links[0] else [], created=int(time.time()))
        self._write_state(venv, state)
        self._chown_tree(venv, uid, gid)
        if swapped:
            migrated = self._swap(venv, kind)
            if migrated:
                self.result['migrated'] = migrated
            self.result['pruned'] = self._prune(venv)
        self._apply_link_plan(links)
        self._report(venv, before, after, True)
        self.result.update(console_scripts=sorted(scripts), python=self._python_result(venv, base['version']))
        return self.result
