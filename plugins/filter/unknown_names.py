# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: unknown_names
short_description: Names that are not among the known ones, each with the closest known name
version_added: 0.3.0
description:
  - For every name in the input that is not in O(known), a message naming it and, when one is
    close enough, the known name it was probably meant to be.
  - The role P(venvkit.python.venv#role) uses it to refuse a misspelled variable such as
    C(venv_pakages) instead of silently ignoring it.
author:
  - venvkit maintainers (@venvkit)
options:
  _input:
    description: The names in use, for example from P(ansible.builtin.varnames#lookup).
    type: list
    elements: str
    required: true
  known:
    description: The names that are allowed.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse variables of the role that do not exist
  ansible.builtin.assert:
    that: unknown | length == 0
    fail_msg: "{{ unknown | join(' ') }}"
  vars:
    unknown: "{{ query('ansible.builtin.varnames', '^venv_') | venvkit.python.unknown_names(['venv_packages', 'venv_path']) }}"
"""

RETURN = r"""
_value:
  description: One message per unknown name, such as C(unknown variable venv_pakages; did you mean venv_packages?).
  type: list
  elements: str
"""

import difflib


def unknown_names(names, known):
    known = list(known)
    messages = []
    for name in sorted(set(names)):
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        messages.append('unknown variable %s%s' % (name, '; did you mean %s?' % close[0] if close else ''))
    return messages


class FilterModule(object):
    def filters(self):
        return {'unknown_names': unknown_names}
