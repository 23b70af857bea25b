# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a run installs and from where, as the installers receive it.

Private to the venvkit.python collection. The engine builds one Selection
from the module's options; the installers read its fields and never the
options themselves, so an option can be renamed, or given a role variable,
without touching an installer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Selection:
    """The requirements, constraints and packages of one run, the index settings and the upgrade choice."""

    FIELDS = ('requirements', 'constraints', 'inline_requirements', 'inline_constraints', 'packages', 'index_url',
              'extra_index_urls', 'find_links', 'no_index', 'require_hashes', 'pip_args', 'upgrade')

    def __init__(self, **values):
        unknown = set(values) - set(self.FIELDS)
        if unknown:
            raise TypeError('Selection: unknown fields %s' % ', '.join(sorted(unknown)))
        self.requirements = list(values.get('requirements') or [])
        self.constraints = list(values.get('constraints') or [])
        self.inline_requirements = list(values.get('inline_requirements') or [])
        self.inline_constraints = list(values.get('inline_constraints') or [])
        self.packages = list(values.get('packages') or [])
        self.index_url = values.get('index_url') or None
        self.extra_index_urls = list(values.get('extra_index_urls') or [])
        self.find_links = list(values.get('find_links') or [])
        self.no_index = bool(values.get('no_index'))
        self.require_hashes = bool(values.get('require_hashes'))
        self.pip_args = list(values.get('pip_args') or [])
        self.upgrade = bool(values.get('upgrade'))

    @classmethod
    def from_options(cls, options):
        """The selection named by pip_venv's options (with their defaults)."""
        return cls(**dict((name, options.get(name)) for name in cls.FIELDS))

    def installs_anything(self):
        """Whether there is anything to install (constraints alone install nothing)."""
        return bool(self.requirements or self.packages or self.inline_requirements)

    def replace_find_link(self, old, new):
        """This selection with find_links entry old read from new instead (check mode's copy of a wheelhouse)."""
        self.find_links = [new if link == old else link for link in self.find_links]
