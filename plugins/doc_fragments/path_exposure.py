# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The PATH options: in full for venvkit.python.path_exposure (DOCUMENTATION), and as
    pip_venv's expose option (EXPOSE), whose suboptions point at the full text."""

    DOCUMENTATION = r"""
options:
  name:
    description:
      - Names every file written, for example V(semaphore) gives C(/etc/profile.d/semaphore.sh),
        drop-ins C(semaphore-path.conf) and a conf.d block marked C(semaphore venv PATH).
      - Letters, digits and C(. _ @ -) only.
    type: str
    required: true
  profile:
    description:
      - Write C(<profile_dir>/<name>.sh), which login shells source. V(false) removes that file.
    type: bool
    default: true
  profile_dir:
    description: Directory of the login shells' scripts.
    type: path
    default: /etc/profile.d
  position:
    description:
      - Put the bin directory before (V(prepend)) or after (V(append)) what is already on E(PATH).
    type: str
    choices: [prepend, append]
    default: prepend
  services:
    description:
      - Services whose E(PATH) gets the bin directory, since services never read C(/etc/profile.d).
        A bare name means a C(.service) unit for systemd.
      - Drop-ins and conf.d blocks of this O(name) for services no longer listed, or for the other
        service manager, are removed. A drop-in directory left empty by that is removed too, and so
        is a conf.d file that the collection created and that holds nothing else.
    type: list
    elements: str
    default: []
  services_may_be_missing:
    description:
      - Where systemd or OpenRC runs, a service in O(services) that it does not know (no unit file, no
        C(/etc/init.d) script) fails the run before anything is written, naming the closest known
        names, since a drop-in for a misspelled unit puts nothing on any service's E(PATH).
      - Set this for services that are installed later.
    type: bool
    default: false
  service_manager:
    description:
      - V(systemd) writes a drop-in C(<systemd_dir>/<unit>.d/<name>-path.conf) per service.
        V(openrc) writes a marked block into C(<openrc_conf_dir>/<service>), which C(openrc-run)
        sources.
      - V(auto) picks OpenRC on hosts that have it (Alpine, Gentoo), else systemd. It needs no facts
        and works in containers without an init.
    type: str
    choices: [auto, systemd, openrc]
    default: auto
  systemd_dir:
    description: Directory of systemd's drop-in directories.
    type: path
    default: /etc/systemd/system
  openrc_conf_dir:
    description: Directory of OpenRC's per-service configuration.
    type: path
    default: /etc/conf.d
  default_path:
    description:
      - The E(PATH) a service gets around the bin directory when its environment has none, as systemd
        and openrc-run start services.
    type: str
    default: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
"""

    EXPOSE = r"""
options:
  expose:
    description:
      - Put the venv's C(bin) directory on E(PATH) for login shells and for services, in the same
        run, with a C(/etc/profile.d) script and a systemd drop-in or an OpenRC conf.d block per
        service. The suboptions are those of M(venvkit.python.path_exposure), documented there.
      - Planned before the venv changes, applied under the venv's lock once it is in place, and
        undone when the run fails later, so a failed run exposes nothing new.
      - With O(state=absent) everything written for O(expose.name) is removed; without O(expose),
        what the last run recorded is removed.
      - Makes a fleet's unchanged run cost one module call per host for the venv and its PATH.
    type: dict
    version_added: 0.2.0
    suboptions:
      name:
        description: See O(venvkit.python.path_exposure#module:name).
        type: str
        required: true
      profile:
        description: See O(venvkit.python.path_exposure#module:profile).
        type: bool
        default: true
      profile_dir:
        description: See O(venvkit.python.path_exposure#module:profile_dir).
        type: path
        default: /etc/profile.d
      position:
        description: See O(venvkit.python.path_exposure#module:position).
        type: str
        choices: [prepend, append]
        default: prepend
      services:
        description: See O(venvkit.python.path_exposure#module:services).
        type: list
        elements: str
        default: []
      services_may_be_missing:
        description: See O(venvkit.python.path_exposure#module:services_may_be_missing).
        type: bool
        default: false
      service_manager:
        description: See O(venvkit.python.path_exposure#module:service_manager).
        type: str
        choices: [auto, systemd, openrc]
        default: auto
      systemd_dir:
        description: See O(venvkit.python.path_exposure#module:systemd_dir).
        type: path
        default: /etc/systemd/system
      openrc_conf_dir:
        description: See O(venvkit.python.path_exposure#module:openrc_conf_dir).
        type: path
        default: /etc/conf.d
      default_path:
        description: See O(venvkit.python.path_exposure#module:default_path).
        type: str
        default: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
"""
