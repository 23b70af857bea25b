#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: path_exposure
short_description: Put a bin directory on PATH for login shells and for services
version_added: 0.2.0
description:
  - Writes a C(/etc/profile.d) script that puts O(bin_dir) on E(PATH) once for login shells, and,
    since services never read C(/etc/profile.d), a systemd drop-in or an OpenRC conf.d block per
    service with the same E(PATH).
  - Removes what it wrote for services no longer listed, and everything it wrote with
    O(state=absent).
  - Every file is planned before anything is written; shell files are checked with C(sh -n) and
    replaced with one rename.
  - M(venvkit.python.pip_venv) does the same through its O(venvkit.python.pip_venv#module:expose)
    option, in the same remote call that maintains the venv; this module is for a bin directory
    built by other means.
author:
  - venvkit maintainers (@venvkit)
extends_documentation_fragment:
  - venvkit.python.path_exposure
attributes:
  check_mode:
    support: full
    description: Writes nothing; reports V(changed) exactly when a real run would write.
  diff_mode:
    support: full
    description: Shows every file it would write or remove, before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change.
options:
  bin_dir:
    description:
      - The directory to put on E(PATH), such as C(/opt/semaphore/venv/bin).
      - Letters, digits and C(. _ + @ - /) only, since it goes into shell code and unit files.
      - Required with O(state=present).
    type: path
  state:
    description: V(present) writes the files; V(absent) removes every file and block of this O(name).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Does not reload or restart anything. RV(systemd_changed) says that systemd needs a
    C(daemon-reload), without which it does not read a new or changed drop-in, and
    RV(services_changed) and RV(services_removed) name the services to restart, which keep the
    PATH they were started with until then. The examples do both in handlers.
"""

EXAMPLES = r"""
- name: The venv's bin on PATH for login shells and for the semaphore service
  hosts: semaphore_servers
  become: true
  tasks:
    - name: Put /opt/semaphore/venv/bin on PATH for login shells and the semaphore service
      venvkit.python.path_exposure:
        name: semaphore
        bin_dir: /opt/semaphore/venv/bin
        services: [semaphore]
      register: semaphore_path
      notify: semaphore PATH changed

  handlers:
    # systemd reads a new or changed drop-in only on daemon-reload.
    - name: Reload systemd
      ansible.builtin.systemd_service:
        daemon_reload: true
      when: semaphore_path.systemd_changed
      listen: semaphore PATH changed

    # A running service keeps the PATH it was started with.
    - name: Restart the services whose PATH changed
      ansible.builtin.service:
        name: "{{ item }}"
        state: restarted
      loop: "{{ semaphore_path.services_changed }}"
      listen: semaphore PATH changed

- name: Take it off again
  hosts: semaphore_servers
  become: true
  tasks:
    - name: Remove the profile.d script and the drop-ins
      venvkit.python.path_exposure:
        name: semaphore
        state: absent
      register: semaphore_path
      notify: semaphore PATH removed

  handlers:
    - name: Reload systemd
      ansible.builtin.systemd_service:
        daemon_reload: true
      when: semaphore_path.systemd_changed
      listen: semaphore PATH removed

    # try-restart: only the services that run.
    - name: Restart the services that lost the PATH
      ansible.builtin.command:
        argv: "{{ ['systemctl', 'try-restart'] + semaphore_path.services_removed }}"
      when: semaphore_path.services_removed | length > 0
      changed_when: true
      listen: semaphore PATH removed
"""

RETURN = r"""
profile:
  description: The profile.d script, or null when none is written.
  returned: always
  type: str
  sample: /etc/profile.d/semaphore.sh
service_manager:
  description: The service manager the drop-ins or blocks were written for.
  returned: always
  type: str
  sample: systemd
service_manager_running:
  description: Whether that service manager runs the host now; false in a container without init.
  returned: always
  type: bool
systemd_changed:
  description: Whether a systemd drop-in was written or removed, so that systemd needs a daemon-reload.
  returned: always
  type: bool
systemd_running:
  description: Whether systemd runs the host now.
  returned: always
  type: bool
services:
  description: The services that have the bin directory on PATH, as the service manager names them.
  returned: always
  type: list
  elements: str
  sample: [semaphore.service]
services_changed:
  description: Listed services whose PATH was written or changed by this run; those to restart.
  returned: always
  type: list
  elements: str
services_removed:
  description:
    - Services no longer listed (all of them with O(state=absent)) whose PATH file or block this run
      removed; those to restart where they run (C(systemctl try-restart), C(rc-service --ifstarted)).
  returned: always
  type: list
  elements: str
  version_added: 0.3.0
files:
  description: Every file written or removed, with V(created), V(updated) or V(removed).
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/profile.d/semaphore.sh, action: created}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.venvkit.python.plugins.module_utils._venvkit import process
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.plan import PathExposure
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import PATH_EXPOSURE_OPTIONS


def main():
    module = AnsibleModule(
        argument_spec=PATH_EXPOSURE_OPTIONS,
        required_if=[('state', 'present', ['bin_dir'])],
        supports_check_mode=True,
    )
    process.use(module.run_command)
    engine = PathExposure(module.params, check_mode=module.check_mode, diff_mode=module._diff)
    try:
        result = engine.apply()
    except VenvkitError as exc:
        module.fail_json(msg=exc.msg)
    except (IOError, OSError) as exc:
        module.fail_json(msg='writing the PATH files failed, and what was written is put back: %s' % exc)
    for warning in engine.warnings:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
