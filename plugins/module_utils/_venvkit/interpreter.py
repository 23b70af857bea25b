# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The interpreter a venv is built with, and whether a venv's still runs.

Private to the venvkit.python collection. A bare name such as ``python3``
is looked up in the system's directories only, like sudo's secure_path:
not on the PATH of whoever runs Ansible, which under ``connection: local``
may hold an interpreter in a home directory that nobody else can run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import check_trusted
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import read_pyvenv_cfg

SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
INSTALL_HINT = ("Install Python with its venv module on the target first: "
                "'apk add python3' on Alpine, 'apt-get install python3 python3-venv' "
                "on Debian and Ubuntu, 'dnf install python3' on Fedora and RHEL, "
                "'zypper install python3' on SUSE, 'pacman -S python' on Arch.")
_PROBE = ('import sys; print(".".join(map(str, sys.version_info[:3]))); '
          'print(getattr(sys, "_base_executable", sys.executable)); print(sys.prefix)')


def file_signature(path):
    """Identity of an interpreter binary: a package upgrade replaces the file."""
    st = os.stat(path)
    return '%d:%d:%d:%d' % (st.st_dev, st.st_ino, st.st_size, int(st.st_mtime))


def find_python(spec, trust):
    """The absolute path of the python option; bare names come from SYSTEM_PATH."""
    if os.path.sep in spec:
        candidate = spec
    else:
        candidate = shutil.which(spec, path=SYSTEM_PATH)
    if not candidate or not os.path.isfile(candidate) or not os.access(candidate, os.X_OK):
        raise VenvkitError('python: interpreter %r was not found on the target%s. %s'
                           % (spec, '' if os.path.sep in spec else ' (searched %s)' % SYSTEM_PATH, INSTALL_HINT))
    candidate = os.path.abspath(candidate)
    check_trusted(candidate, trust, 'build a venv with %s' % candidate)
    return candidate


def probe(executable, process, run_as=None):
    """(version, base executable, prefix) of an interpreter, or None when it does not run."""
    rc, out, dummy = process.run([executable, '-I', '-S', '-c', _PROBE], 'checking %s' % executable, run_as=run_as)
    lines = out.splitlines()
    if rc != 0 or len(lines) < 3:
        return None
    return lines[0], lines[1], lines[2]


def version_tuple(text):
    """(3, 13, 5) of '3.13.5'."""
    return tuple(int(part) for part in str(text).split('.'))


class Choice:
    """The interpreter a venv gets: where it is (or will be), its version, where it comes from, and why."""

    def __init__(self, path, version, source, reason, sha256=None, install=None):
        self.path = path
        self.version = version
        self.source = source
        self.reason = reason
        self.sha256 = sha256
        self.request = None
        # The managed.Install to carry out before the path exists, or None.
        self.install = install
        # Where it stays (a managed one installed in check mode runs from a private directory).
        self.final_path = install.python if install is not None else path

    def describe(self):
        return dict(request=self.request, source=self.source, reason=self.reason, sha256=self.sha256,
                    installed=bool(self.install), path=self.final_path)


class BasePython:
    """The interpreter of the python option: its path, file identity and (lazily) version."""

    def __init__(self, path, recorded=None, chosen=None):
        self.path = path
        # How a version request chose it (pythons.Choice.describe()), kept in the state; {} for a given one.
        self.chosen = chosen or {}
        self.realpath = os.path.realpath(path)
        self.signature = file_signature(self.realpath)
        recorded = recorded or {}
        same = recorded.get('realpath') == self.realpath and recorded.get('signature') == self.signature
        self.version = recorded.get('version') if same else None

    def ensure_version(self, process):
        if self.version is None:
            probed = probe(self.path, process)
            if probed is None:
                raise VenvkitError('python: %s does not run. %s' % (self.path, INSTALL_HINT))
            self.version = probed[0]
        return self.version

    def record(self, venv):
        """What the state keeps, to know without a process that nothing changed."""
        vreal = os.path.realpath(os.path.join(venv, 'bin', 'python'))
        record = dict(path=self.path, realpath=self.realpath, signature=self.signature,
                      venv_realpath=vreal, venv_signature=file_signature(vreal) if os.path.exists(vreal) else None,
                      version=self.version)
        record.update((k, v) for k, v in self.chosen.items() if k in ('request', 'source', 'reason', 'sha256'))
        return record


def health(venv, recorded, base, want_system_site, ctx):
    """None when the venv's interpreter is usable as is, else the reason to recreate.

    Starts no process when the interpreter files are the ones recorded at
    build time; a package upgrade replaces them and so is noticed. ctx gives
    the process runner, the user the venv's code runs as, and the owners
    whose files may be read.
    """
    vpython = os.path.join(venv, 'bin', 'python')
    if not os.path.exists(vpython):
        return "the venv's python no longer runs: %s points to a missing interpreter" % vpython
    recorded = recorded or {}
    cfg = read_pyvenv_cfg(venv, owners=ctx.owners) or {}
    vreal = os.path.realpath(vpython)
    if recorded.get('venv_realpath') == vreal and recorded.get('venv_signature') == file_signature(vreal):
        version = recorded.get('version')
    else:
        probed = probe(vpython, ctx.process, run_as=ctx.run_as)
        if probed is None:
            return "the venv's python no longer runs (%s)" % vpython
        version = probed[0]
        cfg_version = cfg.get('version') or cfg.get('version_info') or ''
        if cfg_version and cfg_version != version:
            return "the venv's interpreter changed from Python %s to %s (upgraded in place)" % (cfg_version, version)
        if recorded.get('version') and recorded.get('version') != version:
            return "the venv's interpreter changed from Python %s to %s" % (recorded.get('version'), version)
    if not (recorded.get('realpath') == base.realpath and recorded.get('signature') == base.signature):
        probed = probe(base.path, ctx.process)
        if probed is None:
            raise VenvkitError('python: %s does not run. %s' % (base.path, INSTALL_HINT))
        base.version = probed[0]
        if os.path.realpath(probed[1]) != vreal:
            return ('the interpreter changed from %s (Python %s) to %s (Python %s)'
                    % (vreal, version, os.path.realpath(probed[1]), probed[0]))
    base.version = base.version or version
    have_system = cfg.get('include-system-site-packages', 'false').lower() == 'true'
    if want_system_site != have_system:
        return 'system_site_packages changed from %s to %s' % (have_system, want_system_site)
    return None
