#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: venv_info
short_description: What a venv built by venvkit.python.pip_venv holds, generation by generation
version_added: 0.3.0
description:
  - Reports the live generation of the venv at O(path) and every generation kept beside it, each with
    its id, when it was built and when it last went live, its interpreter, its fingerprint, its
    installer, its packages, its console scripts and, with O(sbom), its software bill of materials
    (CycloneDX 1.5 JSON).
  - Reports the PATH files that expose the venv (as the last run of M(venvkit.python.pip_venv) with
    O(venvkit.python.pip_venv#module:expose) recorded them) and the links of its scripts.
  - Given in O(declared) the options of a M(venvkit.python.pip_venv) task, says whether the live
    generation matches them (RV(matches)) and, if not, what a run would change (RV(drift), and the
    package diff with C(--diff)), from the same dry run that module's check mode makes.
  - Never writes, in check mode or out of it.
author:
  - venvkit maintainers (@venvkit)
attributes:
  check_mode:
    support: full
    description: Reads only, so check mode changes nothing about what it does.
  diff_mode:
    support: full
    description: With O(declared), shows the package set of the live generation and what a run would leave.
  idempotent:
    support: full
    description: Reads only.
options:
  path:
    description: The venv's path, as given to M(venvkit.python.pip_venv).
    type: path
    required: true
  sbom:
    description: Return each generation's bill of materials in full (RV(generations[].sbom)).
    type: bool
    default: false
  verify:
    description:
      - Check every installed file of each generation against the hashes of its wheel's C(RECORD), and
        list the files that changed or are gone in RV(generations[].files_changed).
      - Generations share the files they have in common through hard links, so a file edited in
        place (not replaced) changes in every generation that holds it; a rollback then restores the
        package set but not those bytes. This finds such edits.
      - It reads every file of every generation, which takes a moment on large venvs.
    type: bool
    default: false
  declared:
    description:
      - Options of a M(venvkit.python.pip_venv) task (such as C(requirements), C(inline_requirements),
        C(packages), C(python) and the index options) to compare the live generation with.
      - O(path) and C(state) are not taken from here.
    type: dict
notes:
  - Comparing with O(declared) runs the installer's dry run, like M(venvkit.python.pip_venv) in check
    mode, so it needs what that needs (the index, or the wheels). Without O(declared) it starts no
    process.
seealso:
  - module: venvkit.python.pip_venv
"""

EXAMPLES = r"""
- name: What the runner's venv holds
  venvkit.python.venv_info:
    path: /opt/semaphore/venv
  register: runner_venv

- name: Show the live generation and the kept ones
  ansible.builtin.debug:
    msg: "{{ runner_venv.live }}: {{ runner_venv.generations | map(attribute='id') | list }}"

- name: Does the live generation match the requirements on the controller?
  venvkit.python.venv_info:
    path: /opt/semaphore/venv
    declared:
      inline_requirements:
        - name: requirements.txt
          content: "{{ lookup('ansible.builtin.file', 'requirements.txt') }}"
  register: runner_drift

- name: Fail when it does not
  ansible.builtin.assert:
    that: runner_drift.matches
    fail_msg: "drifted: {{ runner_drift.drift }}"

- name: Keep the bill of materials of the live generation on the controller
  venvkit.python.venv_info:
    path: /opt/semaphore/venv
    sbom: true
  register: runner_sbom

- name: Write it next to the playbook
  ansible.builtin.copy:
    content: "{{ (runner_sbom.generations | selectattr('live') | first).sbom | to_nice_json }}"
    dest: "{{ playbook_dir }}/{{ inventory_hostname }}.cdx.json"
    mode: "0644"
  delegate_to: localhost
"""

RETURN = r"""
exists:
  description: Whether a venv is at O(path).
  returned: always
  type: bool
kind:
  description:
    - What is at O(path) - V(generation) (a link to a generation), V(in_place), V(missing), V(dangling),
      V(empty), V(foreign_dir) or V(foreign_link) (not made by the module).
  returned: always
  type: str
active:
  description: The real path of the live venv.
  returned: always
  type: str
live:
  description: The id of the live generation (V(in-place) for a venv built in place).
  returned: always
  type: str
  sample: g3
packages:
  description: The live generation's distributions, name to version.
  returned: always
  type: dict
console_scripts:
  description: The live generation's console scripts.
  returned: always
  type: list
  elements: str
generations:
  description: The live generation and every kept one, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The generation's id, as O(venvkit.python.pip_venv#module:generation) takes it.
      type: str
    path:
      description: Its directory.
      type: str
    live:
      description: Whether O(path) points to it.
      type: bool
    built:
      description: When it was built (UTC, ISO 8601).
      type: str
    activated:
      description: When a rollback last made it live, if one did.
      type: str
    python:
      description:
        - Its interpreter, C(version) and real path (C(interpreter)); C(source) is V(given) when
          O(venvkit.python.pip_venv#module:python) named it, V(system) or V(managed) when a version
          request chose it, with the C(request), the C(reason) and, for a managed CPython, the C(sha256)
          of the archive it was installed from.
      type: dict
    fingerprint:
      description: The fingerprint of the inputs it was built from.
      type: str
    installer:
      description: What built it.
      type: str
    packages:
      description: Its distributions, name to version.
      type: dict
    console_scripts:
      description: Its console scripts.
      type: list
      elements: str
    sbom_path:
      description: Where its bill of materials is kept, or null for a generation built before 0.3.0.
      type: str
    sbom:
      description: Its bill of materials, CycloneDX 1.5 JSON.
      returned: with O(sbom)
      type: dict
    sbom_stale:
      description:
        - Whether the packages of the generation are no longer those its bill of materials lists (a
          package changed by hand since the build). A stale bill of materials is not the truth.
      returned: when the generation has a bill of materials
      type: bool
    files_changed:
      description: Files whose bytes differ from their wheel's C(RECORD), or that are gone, with why (at most 50).
      returned: with O(verify)
      type: list
      elements: str
exposed_by:
  description: The PATH files (profile.d script, drop-ins, conf.d files) that put the venv's C(bin) on PATH.
  returned: always
  type: list
  elements: str
links:
  description: The links of the venv's scripts that M(venvkit.python.pip_venv) made.
  returned: always
  type: list
  elements: str
matches:
  description: Whether the live generation matches O(declared).
  returned: with O(declared)
  type: bool
drift:
  description: What a run of M(venvkit.python.pip_venv) with O(declared) would change.
  returned: with O(declared)
  type: dict
  contains:
    reason:
      description: Why the venv would be built or rebuilt, if it would.
      type: str
    installed:
      description: Packages that would be installed, as C(name==version).
      type: list
      elements: str
    upgraded:
      description: Packages whose version would change, as C(name==new_version).
      type: list
      elements: str
    upgraded_from:
      description: What each package of RV(drift.upgraded) would move from, as C(name==old_version).
      type: list
      elements: str
    removed:
      description: Packages that would be removed.
      type: list
      elements: str
    path_files:
      description: PATH files that would be written or removed.
      type: list
      elements: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import redact, secrets_in
from ansible_collections.venvkit.python.plugins.module_utils._venvkit import process
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.info import VenvInfo


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            sbom=dict(type='bool', default=False),
            verify=dict(type='bool', default=False),
            declared=dict(type='dict'),
        ),
        supports_check_mode=True,
    )
    process.use(module.run_command)
    secrets = secrets_in(module.params.get('declared') or {})
    module.no_log_values.update(secrets)
    try:
        result = VenvInfo(module.params).run()
    except VenvkitError as exc:
        module.fail_json(msg=redact(exc.msg, secrets), **exc.details)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='unexpected error: %s' % redact(str(exc), secrets),
                         exception=redact(traceback.format_exc(), secrets))
    for warning in result.pop('warnings', []):
        module.warn(warning)
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
