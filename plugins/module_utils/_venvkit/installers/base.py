# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every installer does for the engine, and what they share.

Private to the venvkit.python collection. An installer is a class with a
``name`` (the value of the installer option), built with the run's Context,
the Selection (what to install and from where) and keyword settings
(``system_site_packages``, ``seed_pip``, ``uv``); it reads no option itself.
Its operations:

* ``create(base, target)``: a new venv at target, with pip when seed_pip;
* ``resolve(venv, fresh)``: {name: version} that installing the selection
  into venv would install or change, without changing it; with fresh, the
  whole set the selection resolves to, as for an empty venv;
* ``install(venv)``: install the selection into venv;
* ``uninstall(venv, names)``;
* ``env()``: the index options as environment variables, so that no
  credential is ever on a command line;
* ``broken(venv)``: why an existing venv cannot be updated with it (None
  when it can).

Subclasses register themselves with ``register``; ``select_installer`` in
this package picks one. Every process that runs a venv's code runs as the
venv's owner (ctx.run_as).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import redact, strip_credentials
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import atomic_write
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import INSTALL_HINT
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.requirements import write_inline

REGISTRY = {}


def register(cls):
    """Make cls selectable by its name; returns cls, so it works as a decorator."""
    REGISTRY[cls.name] = cls
    return cls


def disk_full(path, floor=16 * 1024 * 1024):
    """'the disk is full (...)' when the file system of path (or its nearest existing parent) has almost no
    room left, else None."""
    probe = path
    while probe and not os.path.exists(probe) and probe != os.path.dirname(probe):
        probe = os.path.dirname(probe)
    try:
        st = os.statvfs(probe)
    except OSError:
        return None
    free = st.f_bavail * st.f_frsize
    if free < floor or (st.f_files and st.f_favail == 0):
        return 'the disk is full (No space left on device: %d bytes and %d inodes free on the file system of %s)' % (
            free, st.f_favail, probe)
    return None


def _plain_cause(token, text):
    """What an installer's network error means, in words an operator acts on."""
    status = re.search(r'(?:HTTP error|HTTP status [a-z ]*error \(|status code:?) ?(\d{3})', text)
    if status:
        return 'HTTP %s' % status.group(1)
    for pattern, words in ((r'Connection refused|Errno 111', 'connection refused'),
                           (r'Name or service not known|Temporary failure in name resolution|dns error|'
                            r'nodename nor servname', 'name not known'),
                           (r'SSLError|CERTIFICATE_VERIFY_FAILED|certificate verify failed|invalid peer certificate',
                            'TLS: the certificate could not be verified'),
                           (r'timed out|ConnectTimeout', 'timed out'),
                           (r'Network is unreachable|No route to host', 'network unreachable')):
        if re.search(pattern, text):
            return words
    return token


def classify_failure(stderr, stdout=''):
    """A one-line explanation of why pip or uv failed, from its own output."""
    text = (stderr or '') + '\n' + (stdout or '')
    # uv wraps its explanations to the terminal's width: match on the text as one line.
    flat = ' '.join(text.replace('\u2570\u2500\u25b6', ' ').split())
    if 'No space left on device' in text:
        return 'the disk is full (No space left on device)'
    # pip: "satisfies the requirement exceptiongroup>=1.0.2; python_version < "3.11" (from anyio)".
    wanted = re.search(r'satisfies the requirement (?P<name>[^;,( ]+)[^(]*?(?: \(from (?P<by>[^)]+)\))?'
                       r' \(from versions', flat)
    match = (re.search(r'No matching distribution found for ([^;,\s]+)', flat)
             or re.search(r'Because (\S+?)(?:\[\S*\])? was not found in the (?:package registry|provided package '
                          r'locations)', flat))
    unreachable = re.search(r'(Failed to establish a new connection|Connection refused|NewConnectionError|'
                            r'Name or service not known|Temporary failure in name resolution|'
                            r'Max retries exceeded|timed out|Could not fetch URL|ConnectTimeout|'
                            r'Network is unreachable|No route to host|Errno 111|SSLError|'
                            r'error sending request|dns error|tcp connect error)', flat)
    name = match.group(1).rstrip(',.;') if match else None
    if name and wanted and wanted.group('by'):
        name = '%s (needed by %s)' % (name, wanted.group('by'))
    # pip lists what the index has: "(from versions: 1.0, 2.0)".
    offered = re.search(r'\(from versions: ([^)]*)\)', flat)
    if name and offered and offered.group(1).strip() not in ('', 'none') and not unreachable:
        return ('requirement %s: no version on the package index satisfies it; the index has %s'
                % (name, offered.group(1).strip()))
    absent = re.search(r'Because there is no version of (\S+?) and', flat)
    if absent and not unreachable:
        return 'requirement %s: no version on the package index satisfies it' % absent.group(1)
    if unreachable and name:
        return ('the package index could not be reached (%s), so %s could not be found'
                % (_plain_cause(unreachable.group(1), flat), name))
    if unreachable:
        return 'the package index could not be reached (%s)' % _plain_cause(unreachable.group(1), flat)
    if name:
        return ('requirement %s was not found on the package index: no such project or no version that satisfies it'
                % name)
    if 'THESE PACKAGES DO NOT MATCH THE HASHES' in text or 'Hash mismatch' in text:
        lines = [line.strip() for line in text.splitlines() if re.match(r'\s+\S+ from ', line)]
        return 'hash mismatch under require_hashes: %s' % ('; '.join(lines) or 'see stderr')
    if 'Hashes are required in --require-hashes mode' in text or 'In --require-hashes mode' in text:
        return 'require_hashes is on but a requirement is not pinned with ==, or has no --hash'
    if 'ResolutionImpossible' in text or 'conflicting dependencies' in text:
        # pip names the pair under "The conflict is caused by:".
        caused = re.search(r'The conflict is caused by:\s*\n((?:[ \t]+\S[^\n]*\n?)+)', text)
        pair = '; '.join(line.strip() for line in caused.group(1).splitlines() if line.strip()) if caused else ''
        return 'the requirements conflict with each other: %s' % (pair or 'no set of versions satisfies them all')
    unsatisfiable = re.search(r'cause: (Because .*?unsatisfiable\.)', flat)
    if unsatisfiable:
        return 'the requirements conflict with each other: %s' % unsatisfiable.group(1)
    errors = [line.strip() for line in text.splitlines() if line.strip().startswith(('ERROR:', 'error:'))]
    if errors:
        return ' '.join(errors[:3])
    tail = [line for line in text.strip().splitlines() if line.strip()][-5:]
    return ' '.join(line.strip() for line in tail) or 'the installer exited with an error'


def bundled_pip_wheels(base):
    """pip wheels the interpreter ships (ensurepip's bundle, Debian's python-wheels), newest first."""
    prefix = os.path.dirname(os.path.dirname(base.realpath))
    short = '.'.join((base.version or '').split('.')[:2])
    patterns = [os.path.join(prefix, 'lib', 'python%s' % short, 'ensurepip', '_bundled', 'pip-*.whl'),
                '/usr/share/python-wheels/pip-*.whl']
    found = []
    for pattern in patterns:
        found += glob.glob(pattern)

    def version(path):
        match = re.match(r'pip-([0-9.]+)-', os.path.basename(path))
        return tuple(int(x) for x in match.group(1).split('.') if x) if match else ()
    return sorted(found, key=version, reverse=True)


class Installer:
    """The base of every installer; see the module docstring."""

    name = None

    def __init__(self, ctx, selection, system_site_packages=False, seed_pip=True, uv=None):
        self.ctx = ctx
        self.selection = selection
        self.system_site_packages = system_site_packages
        self.seed_pip = seed_pip
        self.uv_option = uv
        self._inline = None

    @classmethod
    def locate(cls, environ, uv=None):
        """The installer's program when the target has it, else None (for installer=auto)."""
        return None

    # -- what subclasses implement -------------------------------------------

    def create(self, base, target):
        raise NotImplementedError

    def fresh_seeds(self, base):
        """The distributions a venv this installer creates starts with (before any requirement)."""
        return set(['pip'])

    def resolve(self, venv, fresh):
        raise NotImplementedError

    def install(self, venv):
        raise NotImplementedError

    def uninstall(self, venv, names):
        raise NotImplementedError

    def env(self):
        return {}

    def broken(self, venv):
        """Why the venv cannot be updated with this installer (it is then rebuilt), or None."""
        return None

    # -- shared ---------------------------------------------------------------

    def selection_args(self, with_packages=True):
        """Arguments naming what to install, the same words for pip and uv."""
        sel = self.selection
        inline = self.inline_files()
        args = []
        if sel.no_index:
            args.append('--no-index')
        if sel.require_hashes:
            args.append('--require-hashes')
        for name in sel.constraints + inline['constraints']:
            args += ['-c', name]
        for name in sel.requirements + inline['requirements']:
            args += ['-r', name]
        args += sel.pip_args
        if sel.upgrade:
            args += self.upgrade_args()
        if with_packages and sel.packages:
            args += ['-r', self.packages_file()]
        return args

    def inline_files(self):
        """{'requirements': [...], 'constraints': [...]}: the inline files, written into the run's directory once."""
        if self._inline is None:
            sel = self.selection
            if sel.inline_requirements or sel.inline_constraints:
                uid = self.ctx.run_as.uid if self.ctx.run_as else -1
                self._inline = write_inline(sel.inline_requirements, sel.inline_constraints, self.ctx.workdir(),
                                            uid=uid)
            else:
                self._inline = {'requirements': [], 'constraints': []}
        return self._inline

    def index_env(self, prefix, separator):
        """The index settings as the installer's environment variables (PIP_..., UV_...)."""
        sel = self.selection
        env = {}
        if sel.index_url:
            env[prefix + 'INDEX_URL'] = sel.index_url
        if sel.extra_index_urls:
            env[prefix + 'EXTRA_INDEX_URL'] = ' '.join(sel.extra_index_urls)
        if sel.find_links:
            env[prefix + 'FIND_LINKS'] = separator.join(sel.find_links)
        return env

    def upgrade_args(self):
        """What makes the installer take newer releases of what is already installed."""
        return ['--upgrade']

    def packages_file(self):
        """The packages option as a requirements file: a direct URL's credentials stay off the command line."""
        path = os.path.join(self.ctx.workdir(), 'packages.txt')
        if not os.path.exists(path):
            uid = self.ctx.run_as.uid if self.ctx.run_as else -1
            atomic_write(path, ''.join(spec.strip() + '\n' for spec in self.selection.packages), mode=0o600,
                         owner=(uid, -1))
        return path

    def has_selection(self):
        return self.selection.installs_anything()

    def run(self, argv, what):
        env = self.ctx.process.env(extra=self.env(), run_as=self.ctx.run_as)
        env.update(self.ctx.owner_env())
        return self.ctx.process.run(argv, what, env=env, run_as=self.ctx.run_as)

    def check(self, result, what):
        """Fail with the cause when a run of the installer failed; returns (stdout, stderr)."""
        rc, out, err = result
        if rc != 0:
            why = classify_failure(err, out)
            unreachable = self.unreachable_indexes() if ('was not found' in why or 'could not be reached' in why) else []
            if unreachable:
                why = 'the package index could not be reached or read: %s' % '; '.join(unreachable)
            elif 'was not found' in why and self.runs_on_musl():
                why += ('. The venv\'s Python runs on musl libc (Alpine): only musllinux or pure-Python wheels fit '
                        'it, so a package that the index has for manylinux (glibc) only is not found here')
            self.ctx.fail('%s failed: %s' % (what, why), stderr=err[-4000:], stdout=out[-2000:], rc=rc)
        return out, err

    def runs_on_musl(self):
        """Whether the venv the installer last worked on has a Python built for musl (on the failure path only)."""
        if not getattr(self, 'venv', None):
            return False
        rc, out, dummy = self.run([os.path.join(self.venv, 'bin', 'python'), '-I', '-S', '-c',
                                   'import sys; print(getattr(sys.implementation, "_multiarch", ""))'],
                                  'checking the venv\'s libc')
        return rc == 0 and 'musl' in out

    def create_failed(self, base, err, out, target=None):
        hint = ''
        why = classify_failure(err, out)
        full = disk_full(target) if target else None
        if full and 'the disk is full' not in why:
            # ensurepip's own error names only the command that failed; the file system says why.
            why = '%s; %s' % (full, why)
        elif 'No space left on device' not in err and ('ensurepip' in err or 'No module named venv' in err):
            hint = ' ' + INSTALL_HINT
        self.ctx.fail('creating the venv with %s failed: %s%s' % (base.path, why, hint), stderr=err[-4000:])

    def unreachable_indexes(self):
        """The configured indexes and find_links URLs that cannot be read, with the reason."""
        sel = self.selection
        # Imported on this failure path only: it is heavy for a no-op run.
        from ansible.module_utils.urls import open_url
        failures = []
        indexes = [] if sel.no_index else [sel.index_url] + sel.extra_index_urls
        links = [url for url in sel.find_links if url and url.startswith(('http://', 'https://'))]
        for url in indexes + links:
            if not url:
                continue
            try:
                open_url(strip_credentials(url), method='GET' if url in links else 'HEAD', timeout=10,
                         validate_certs=True).close()
            except (NameError, AttributeError, TypeError, ImportError):
                # The probe cannot run on this Python (open_url needs the ssl
                # module, which some builds lack): it proves nothing about the URL.
                continue
            except Exception as exc:  # pylint: disable=broad-except
                code = getattr(exc, 'code', None)
                # An index that answers at all is there; a find_links page must be readable.
                if code is None or (url in links and code >= 400):
                    reason = str(getattr(exc, 'reason', exc))
                    failures.append('%s (%s)' % (redact(url, self.ctx.secrets),
                                                 'HTTP %s' % code if code else _plain_cause(reason, reason)))
        return failures
