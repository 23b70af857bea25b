# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one place that chooses the installer.

Private to the venvkit.python collection. Importing an installer's file
registers it (base.register); the files this collection ships are imported
when they are asked for, so that a run loads only the installer it uses. A
third installer is a new file imported in ``_load``, plus its name among the
option's choices.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers.base import REGISTRY

# installer=auto takes the first of these the target has.
AUTO_ORDER = ('uv', 'pip')


# The options that tune how an installer works, passed to it as keyword arguments.
SETTINGS = ('system_site_packages', 'seed_pip', 'uv')


def _load(name):
    """The installer class registered as name, its file imported on first use (None: no such installer)."""
    # Written out, not computed: Ansible ships the module_utils that import statements name.
    if name == 'uv' and name not in REGISTRY:
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers import uv  # noqa: F401 pylint: disable=unused-import
    elif name == 'pip' and name not in REGISTRY:
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers import pip  # noqa: F401 pylint: disable=unused-import
    return REGISTRY.get(name)


def select_installer(ctx, selection, choice='auto', **settings):
    """An installer for choice, the installer option (auto: the first of AUTO_ORDER the target has)."""
    if choice == 'auto':
        for name in AUTO_ORDER:
            cls = _load(name)
            if cls.locate(ctx.process.environ, uv=settings.get('uv')):
                return cls(ctx, selection, **settings)
    cls = _load(choice)
    if cls is None:
        known = sorted(set(REGISTRY) | set(AUTO_ORDER))
        ctx.fail('installer: unknown installer %r; one of %s' % (choice, ', '.join(['auto'] + known)))
    return cls(ctx, selection, **settings)
