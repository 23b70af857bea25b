# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one exception the engine raises for the user to read.

Private to the venvkit.python collection: names may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class VenvkitError(Exception):
    """A failure to report: msg says what and why, details go into the result.

    By the time it reaches a module, whatever the run had changed was put
    back, so the message may promise that the previous state is intact.
    """

    def __init__(self, msg, **details):
        super(VenvkitError, self).__init__(msg)
        self.msg = msg
        self.details = details
