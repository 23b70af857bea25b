# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Credentials in URLs: find them in any option, mask them in any text.

Private to the venvkit.python collection. The rules follow pip's own
``redact_auth_from_url``: the user information of a URL is everything in
its network location before the last ``@`` (so a raw ``@`` in a password is
part of it); ``user:password`` keeps the user, a bare token is masked whole.
A bare user name of an ssh URL (``git+ssh://git@host``) is not a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import unquote
except ImportError:  # pragma: no cover - Python 2 is not a supported target
    from urllib import unquote  # type: ignore

MASK = '********'
# scheme://netloc, netloc ending at the path, query, fragment or whitespace.
_URL_RE = re.compile(r'(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<netloc>[^/?#\s"\']*)')
_TOKEN_SCHEMES = ('http', 'https')


def _userinfo(scheme, netloc):
    """(user, secret) of a network location, or None when it has no credentials."""
    if '@' not in netloc:
        return None
    info = netloc.rsplit('@', 1)[0]
    if ':' in info:
        user, secret = info.split(':', 1)
        return user, secret
    if scheme.rstrip(':/').lower().split('+')[-1] in _TOKEN_SCHEMES:
        return '', info
    return None


def secrets_in(value):
    """Every password or token in the URLs of value (a string, or lists and dicts of them)."""
    found = []
    if isinstance(value, dict):
        for item in value.values():
            found += secrets_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += secrets_in(item)
    elif isinstance(value, str):
        for match in _URL_RE.finditer(value):
            info = _userinfo(match.group('scheme'), match.group('netloc'))
            if info and info[1]:
                found.append(info[1])
                decoded = unquote(info[1])
                if decoded != info[1]:
                    found.append(decoded)
    return sorted(set(found), key=lambda s: (-len(s), s))


def has_credentials(text):
    return bool(secrets_in(text))


def redact(text, secrets=()):
    """text with URL credentials masked, and every known secret too."""
    if not text or not isinstance(text, str):
        return text

    def mask(match):
        scheme, netloc = match.group('scheme'), match.group('netloc')
        info = _userinfo(scheme, netloc)
        if not info:
            return match.group(0)
        host = netloc.rsplit('@', 1)[1]
        return '%s%s@%s' % (scheme, ('%s:%s' % (info[0], MASK)) if info[0] else MASK, host)

    text = _URL_RE.sub(mask, text)
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text


def strip_credentials(url):
    """url without its user information, for a request that must not carry it."""
    return _URL_RE.sub(lambda m: m.group('scheme') + m.group('netloc').rsplit('@', 1)[-1], url)


def redact_all(value, secrets=()):
    """redact() applied to every string in value, through lists and dicts."""
    if isinstance(value, dict):
        return dict((k, redact_all(v, secrets)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [redact_all(v, secrets) for v in value]
    return redact(value, secrets)
