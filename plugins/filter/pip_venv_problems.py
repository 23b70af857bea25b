# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: pip_venv_problems
short_description: What is wrong with options for venvkit.python.pip_venv, checked on the controller
version_added: 0.3.0
description:
  - Applies the checks M(venvkit.python.pip_venv) makes before it touches the target (paths, names,
    package specifiers, arguments, credentials on a command line, the O(venvkit.python.pip_venv#module:expose)
    options) to a dictionary of its options, and returns one message per problem.
  - The same code as the module's, so that a play can refuse bad input before any task changes a
    host. The role P(venvkit.python.venv#role) checks its input with it.
author:
  - venvkit maintainers (@venvkit)
options:
  _input:
    description: Options of M(venvkit.python.pip_venv), as its task would pass them.
    type: dict
    required: true
  names:
    description:
      - What to call each option in the messages, for a caller whose users set other names (the
        role's C(venv_path) for C(path)). A message that starts with an option's name starts with
        the caller's instead.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Refuse a venv path that would corrupt PATH, before anything runs on the hosts
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
  vars:
    problems: "{{ {'path': '/opt/my tools/venv', 'packages': ['httpx']} | venvkit.python.pip_venv_problems }}"
"""

RETURN = r"""
_value:
  description: One message per problem; empty when the options are fine.
  type: list
  elements: str
"""

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_string

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import input_problems


def _renamed(message, names):
    """The message in the caller's names: the option it starts with, and every option named with a "_" or "."
    anywhere in it (which no English word is)."""
    for option in sorted(names, key=len, reverse=True):
        if any(message.startswith(option + separator) for separator in (' ', ':')):
            message = names[option] + message[len(option):]
            break
    compound = sorted((option for option in names if re.match(r'[a-z0-9_.]+\Z', option) and re.search('[_.]', option)),
                      key=len, reverse=True)
    if not compound:
        return message
    pattern = re.compile(r'(?<![\w./-])(%s)(?![\w])' % '|'.join(re.escape(option) for option in compound))
    return pattern.sub(lambda match: names[match.group(1)], message)


def pip_venv_problems(options, names=None):
    if not isinstance(options, dict) or is_string(options):
        raise AnsibleFilterError('pip_venv_problems: expects a dictionary of pip_venv options, got %s'
                                 % type(options).__name__)
    # Omitted options arrive as Ansible's omit placeholder; they are not set.
    params = dict((k, v) for k, v in options.items() if not (is_string(v) and v.startswith('__omit_place_holder__')))
    return [_renamed(message, dict(names or {})) for message in input_problems(params)]


class FilterModule(object):
    def filters(self):
        return {'pip_venv_problems': pip_venv_problems}
