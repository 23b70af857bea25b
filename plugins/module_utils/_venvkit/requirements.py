# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the venv is asked to hold: requirements and constraints files, the
files they include, inline files, and the package list.

Private to the venvkit.python collection. Files are read before anything is
built, so that every problem with them (missing, not a regular file, not
UTF-8, an include loop, writable by someone untrusted) fails the run with a
message naming the file, and nothing is changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import Trust, atomic_write, read_regular
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.gate import Gate, local_path

_INCLUDE_RE = re.compile(r'(?P<opt>-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?<=-r)|(?<=-c))(?P<target>\S+)')
INLINE = '<inline>'


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def logical_lines(text):
    """Join backslash continuations and drop comments, as pip does."""
    buf = ''
    for raw in text.splitlines():
        if raw.endswith('\\'):
            buf += raw[:-1] + ' '
            continue
        line = re.sub(r'(^|\s+)#.*$', '', buf + raw).strip()
        buf = ''
        if line:
            yield line
    if buf.strip():
        yield buf.strip()


def _decode(data, kind, label):
    if data.startswith(b'\xef\xbb\xbf'):
        data = data[3:]
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise VenvkitError('%s file %s is not UTF-8 text (byte 0x%02x at offset %d); save it as UTF-8'
                           % (kind, label, bytearray(data)[exc.start], exc.start))


class Inputs:
    """The files read for one run, in the order pip reads them, read through the trust gate."""

    def __init__(self, gate):
        self.gate = gate
        self.files = {'requirements': [], 'constraints': []}
        self.inline = {}
        self.texts = []
        # (line, directory of its file): every line but the includes, for the gate's look at what they name.
        self.lines = []

    def digests(self, kind):
        return [list(item) for item in self.files[kind]]

    def _read(self, path, kind, chain):
        """(label, text) of a file on the target or among the inline ones."""
        if path.startswith(INLINE + '/'):
            name = path[len(INLINE) + 1:]
            if name not in self.inline:
                raise VenvkitError('%s file %s (included from %s) is not among the inline files; pass it too'
                                   % (kind, name, chain[-1]))
            return name, self.inline[name].encode('utf-8')
        where = ' (included from %s)' % chain[-1] if chain else ''
        if os.path.exists(path) and not os.path.isfile(path):
            raise VenvkitError('%s file %s%s is not a regular file; refusing to read it' % (kind, path, where))
        real = self.gate.read(path, '%s from' % kind)
        data = read_regular(real, what='%s file' % kind)
        if data is None:
            raise VenvkitError('%s file %s%s does not exist' % (kind, path, where))
        return path, data

    def visit(self, path, kind, chain=()):
        if '://' in path or path.startswith('file:'):
            local = local_path(path)
            if local is None:
                # A remote include cannot be read here; its URL is the input.
                if not any(path == seen for seen, dummy in self.files[kind]):
                    self.files[kind].append((path, 'url'))
                return
            # A file: URL is a path like any other: read here, through the gate, at any depth.
            path = local
        label = path[len(INLINE) + 1:] if path.startswith(INLINE + '/') else path
        if label in chain:
            loop = ' -> '.join(list(chain[chain.index(label):]) + [label])
            raise VenvkitError('%s file %s includes itself: %s' % (kind, label, loop))
        if any(label == seen for seen, dummy in self.files[kind]):
            return
        label, data = self._read(path, kind, chain)
        self.files[kind].append((label, sha256_bytes(data)))
        text = _decode(data, kind, label)
        self.texts.append(text)
        base = os.path.dirname(path)
        for line in logical_lines(text):
            match = _INCLUDE_RE.match(line)
            if not match:
                self.lines.append((line, base if base != INLINE else '/'))
                continue
            target = match.group('target')
            if '://' not in target and not target.startswith('file:') and not os.path.isabs(target):
                target = base + '/' + target if base == INLINE else os.path.normpath(os.path.join(base, target))
            included = 'constraints' if match.group('opt') in ('-c', '--constraint') else kind
            self.visit(target, included, tuple(chain) + (label,))


def read_inputs(params, gate):
    """Read every requirements and constraints file of params through the gate (or a Trust); raises
    VenvkitError on a problem."""
    if isinstance(gate, Trust):
        trusted, gate = gate, Gate()
        gate.inputs = trusted
    inputs = Inputs(gate)
    for option in ('inline_requirements', 'inline_constraints'):
        for item in params[option]:
            inputs.inline[item['name']] = item['content']
    for kind in ('requirements', 'constraints'):
        for name in params['inline_' + kind]:
            inputs.visit(INLINE + '/' + name['name'], kind)
        for path in params[kind]:
            inputs.visit(path, kind)
    return inputs


def write_inline(requirements, constraints, directory, uid=-1, gid=-1):
    """Write the inline files ({name, content} each) into directory (a private one of this run); returns their
    paths by kind."""
    written = {'requirements': [], 'constraints': []}
    for kind, items in (('requirements', requirements), ('constraints', constraints)):
        for item in items:
            path = os.path.join(directory, item['name'])
            atomic_write(path, item['content'], mode=0o600, owner=(uid, gid))
            written[kind].append(path)
    return written
