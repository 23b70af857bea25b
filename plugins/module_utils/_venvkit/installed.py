# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a venv holds, read from disk without starting Python.

Private to the venvkit.python collection. A venv may belong to another
user (the ``owner`` option), so nothing here follows a link out of the venv
or reads a file that user does not own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os
import re
import stat

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import open_beneath, read_beneath, read_text

# Distributions a fresh venv brings along; never removed by sync and not
# linked by link_scripts=all.
SEED_DISTRIBUTIONS = frozenset(('pip', 'setuptools', 'wheel'))


def canonical_name(name):
    """PEP 503 normalised project name."""
    return re.sub(r'[-_.]+', '-', name).lower()


def _inside(path, top):
    real, top = os.path.realpath(path), os.path.realpath(top)
    return real == top or real.startswith(top + os.sep)


def site_packages_dirs(venv):
    found = []
    for lib in ('lib', 'lib64'):
        base = os.path.join(venv, lib)
        try:
            names = os.listdir(base) if _inside(base, venv) else []
        except OSError:
            continue
        for name in sorted(names):
            if name.startswith('python'):
                candidate = os.path.join(base, name, 'site-packages')
                if (os.path.isdir(candidate) and _inside(candidate, venv)
                        and os.path.realpath(candidate) not in [os.path.realpath(f) for f in found]):
                    found.append(candidate)
    return found


def dist_info_dirs(venv):
    """(site-packages, name) of each *.dist-info directory: real directories only, never a link."""
    entries = []
    for site in site_packages_dirs(venv):
        for name in os.listdir(site):
            if name.endswith('.dist-info') and not os.path.islink(os.path.join(site, name)):
                entries.append((site, name))
    return sorted(entries, key=lambda e: e[1])


def parse_dist_info_name(name):
    stem = name[:-len('.dist-info')]
    project, sep, version = stem.partition('-')
    if not sep:
        return canonical_name(stem), ''
    return canonical_name(project), version


def installed_packages(venv):
    """{canonical name: version} for every distribution in the venv."""
    return dict(parse_dist_info_name(name) for dummy, name in dist_info_dirs(venv))


def listing_signature(venv):
    """A cheap signature of the installed set: the dist-info directory names."""
    names = [name for dummy, name in dist_info_dirs(venv)]
    return hashlib.sha256('\n'.join(names).encode('utf-8')).hexdigest()


def console_scripts(venv, owners=None):
    """{script name: distribution} from the entry points of every distribution."""
    scripts = {}
    for site, name in dist_info_dirs(venv):
        project = parse_dist_info_name(name)[0]
        # Read with no link followed below the venv: its owner may have planted one anywhere on the way.
        data = read_beneath(venv, os.path.relpath(os.path.join(site, name, 'entry_points.txt'), venv), owners=owners,
                            what='entry points')
        text = data.decode('utf-8', 'replace') if data else ''
        section = None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith('['):
                section = line.strip('[]').strip()
            elif section == 'console_scripts' and '=' in line and not line.startswith('#'):
                script = line.split('=', 1)[0].strip()
                if re.match(r'^[A-Za-z0-9][A-Za-z0-9._+-]*$', script) and os.path.lexists(
                        os.path.join(venv, 'bin', script)):
                    scripts[script] = project
    return scripts


def _file_digest(venv, relative):
    """RECORD's form of the sha256 of venv/relative, streamed (files of any size), or None when it is not a
    regular file; no link is followed below the venv."""
    fd = open_beneath(venv, relative, what='installed file')
    if fd is None:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        digest = hashlib.sha256()
        for chunk in iter(lambda: os.read(fd, 1 << 20), b''):
            digest.update(chunk)
    finally:
        os.close(fd)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b'=').decode('ascii')


def changed_files(venv, limit=50):
    """Files of the venv whose bytes differ from their RECORD entry, or that are gone: [(path, why)].

    A generation shares unchanged files with its neighbours through hard
    links, so an edit made in place reaches every generation that holds the
    file; this finds such edits (and any other) by the wheels' own hashes.
    Read as root with no link followed below the venv. At most limit entries.
    """
    found = []
    top = os.path.realpath(venv)
    for site, name in dist_info_dirs(venv):
        site_rel = os.path.relpath(site, venv)
        record = read_beneath(venv, os.path.join(site_rel, name, 'RECORD'), what='RECORD') or b''
        for line in record.decode('utf-8', 'replace').splitlines():
            fields = line.rsplit(',', 2)
            if len(fields) != 3 or not fields[1].startswith('sha256='):
                continue
            relative = os.path.normpath(os.path.join(site_rel, fields[0].strip('"')))
            # Only what the wheel put in site-packages: the scripts in bin/ are written by the
            # installer and rewritten when a generation is relocated.
            if not relative.startswith(site_rel + os.sep):
                continue
            digest = _file_digest(venv, relative)
            if digest is None:
                why = 'missing' if not os.path.lexists(os.path.join(top, relative)) else 'not a regular file'
            else:
                why = None if digest == fields[1][len('sha256='):] else 'changed since it was installed'
            if why:
                found.append((relative, why))
                if len(found) >= limit:
                    return found
    return found


def read_pyvenv_cfg(venv, owners=None):
    text = read_text(os.path.join(venv, 'pyvenv.cfg'), owners=owners)
    if text is None:
        return None
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition('=')
        if sep:
            values[key.strip()] = value.strip()
    return values


def format_packages(packages):
    return ''.join('%s==%s\n' % (name, packages[name]) for name in sorted(packages))


def changes(before, after):
    """{'installed', 'upgraded', 'removed'} between two package sets, or {} when they are equal."""
    installed = ['%s==%s' % (n, after[n]) for n in sorted(after) if n not in before]
    upgraded = ['%s==%s' % (n, after[n]) for n in sorted(after) if n in before and before[n] != after[n]]
    removed = ['%s==%s' % (n, before[n]) for n in sorted(before) if n not in after]
    if not (installed or upgraded or removed):
        return {}
    # What each upgraded (or downgraded) package moves from, in the same order.
    upgraded_from = ['%s==%s' % (n, before[n]) for n in sorted(after) if n in before and before[n] != after[n]]
    return dict(installed=installed, upgraded=upgraded, upgraded_from=upgraded_from, removed=removed)
