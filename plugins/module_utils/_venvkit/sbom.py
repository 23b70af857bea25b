# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A software bill of materials per generation, as CycloneDX 1.5 JSON.

Private to the venvkit.python collection. It lists every distribution in
the venv with its version and a pkg:pypi purl, and the SHA-256 of the wheel
it came from where the installer said it (pip's install report; a
distribution carried over from the previous generation keeps the hash that
generation recorded). It is kept beside the generation's state, in the
generations directory that only root writes, so that the venv's owner
cannot rewrite it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time
import uuid

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import FILE_MODE, atomic_write, read_regular
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError

SPEC_VERSION = '1.5'
COLLECTION_VERSION = '0.3.0'


def sbom_path(state_path):
    """g3.json -> g3.cdx.json; in-place.json -> in-place.cdx.json."""
    return state_path[:-len('.json')] + '.cdx.json'


def purl(name, version):
    return 'pkg:pypi/%s@%s' % (name.lower().replace('_', '-'), version)


def hashes_of(document):
    """{name: sha256} of a bill of materials written here before."""
    found = {}
    for component in (document or {}).get('components', []):
        for item in component.get('hashes', []):
            if item.get('alg') == 'SHA-256':
                found[(component.get('name'), component.get('version'))] = item.get('content')
    return found


def interpreter(python):
    """The interpreter a venv runs on, as a component: its version, where it came from, and for a managed CPython
    the SHA-256 of the archive it was installed from."""
    version = python.get('version') or 'unknown'
    component = {'type': 'platform', 'bom-ref': 'python', 'name': 'CPython', 'version': version,
                 'purl': 'pkg:generic/cpython@%s' % version,
                 'properties': [{'name': 'venvkit:python:path', 'value': python.get('realpath') or ''},
                                {'name': 'venvkit:python:source', 'value': python.get('source') or 'given'}]}
    if python.get('request'):
        component['properties'].append({'name': 'venvkit:python:request', 'value': python['request']})
    if python.get('sha256'):
        component['hashes'] = [{'alg': 'SHA-256', 'content': python['sha256']}]
    return component


def build(path, packages, hashes, installer, python=None):
    """The document for a venv reached at path holding packages ({name: version}), run by python (the state's
    record of its interpreter)."""
    components = []
    for name in sorted(packages):
        version = packages[name]
        component = {'type': 'library', 'bom-ref': purl(name, version), 'name': name, 'version': version,
                     'purl': purl(name, version)}
        digest = hashes.get((name, version))
        if digest:
            component['hashes'] = [{'alg': 'SHA-256', 'content': digest}]
        components.append(component)
    libraries = [c['bom-ref'] for c in components]
    if python:
        components.append(interpreter(python))
    return {
        'bomFormat': 'CycloneDX',
        'specVersion': SPEC_VERSION,
        'serialNumber': 'urn:uuid:%s' % uuid.uuid4(),
        'version': 1,
        'metadata': {
            'timestamp': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
            'tools': {'components': [{'type': 'application', 'name': 'venvkit.python.pip_venv',
                                      'version': COLLECTION_VERSION,
                                      'description': 'built with %s' % installer}]},
            'component': {'type': 'application', 'bom-ref': 'venv', 'name': path},
        },
        'components': components,
        'dependencies': [{'ref': 'venv', 'dependsOn': [c['bom-ref'] for c in components]}]
        + ([{'ref': ref, 'dependsOn': ['python']} for ref in libraries] if python else []),
    }


def write(state_path, document):
    atomic_write(sbom_path(state_path), json.dumps(document, indent=1, sort_keys=True) + '\n', mode=FILE_MODE)


def read(state_path):
    """The document kept for a generation, or None."""
    try:
        data = read_regular(sbom_path(state_path), owners=set([0, os.geteuid()]), what='bill of materials')
    except VenvkitError:
        return None
    if data is None:
        return None
    try:
        return json.loads(data.decode('utf-8'))
    except ValueError:
        return None
