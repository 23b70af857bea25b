# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What one run reports, and the one place its result is made.

Private to the venvkit.python collection. Every part of a run records into
the run's Outcome (whether anything changed, the fields of the result, the
diffs, the warnings); only ``Outcome.result()`` turns that into the dict a
module returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Outcome:
    """changed, the result's fields, its diffs (one dict, or a list when there are several) and warnings."""

    def __init__(self, **fields):
        self.changed = False
        self.fields = dict(fields)
        self.diffs = []
        self.warnings = []

    def set(self, **fields):
        """Record result fields (changed is set with changed_if)."""
        self.fields.update(fields)

    def changed_if(self, changed):
        """The run changed something if it already had, or if changed is true."""
        self.changed = self.changed or bool(changed)

    def diff(self, before, after, before_header, after_header):
        self.diffs.append(dict(before=before, after=after, before_header=before_header, after_header=after_header))

    def add_diffs(self, diffs):
        """Diffs another part made in the same shape (the PATH files')."""
        self.diffs.extend(diffs)

    def warn(self, message):
        self.warnings.append(message)

    def result(self):
        result = dict(self.fields, changed=self.changed)
        if self.diffs:
            result['diff'] = self.diffs[0] if len(self.diffs) == 1 else list(self.diffs)
        return result
