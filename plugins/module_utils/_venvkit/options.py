# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every option of the collection's modules, with its default, stated once.

Private to the venvkit.python collection. The modules build their
argument specs from these dicts, the engine fills missing options from them
(``with_defaults``), and ``input_problems`` checks what can be checked
without the target, so that the role's filter, the modules and the unit
tests all apply the same rules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import has_credentials
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.targets import DIR_OPTIONS

DEFAULT_SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
INSTALLER_CHOICES = ['auto', 'pip', 'uv']

# Characters allowed in a path that ends up in PATH, shell code and unit files.
PATH_CHARS = r'A-Za-z0-9._+@/-'
SAFE_PATH_RE = re.compile(r'/[%s]*' % PATH_CHARS)
NAME_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.@-]*')
SERVICE_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9@._:-]*')
DEFAULT_PATH_RE = re.compile(r'/[%s:]*' % PATH_CHARS)
USER_RE = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?')
# Longest name a file system takes, and the longest path the kernel does.
NAME_MAX = 255
PATH_MAX = 4096
# The longest name the module puts beside path: .<name>.venvkit-swap-<7 random characters>
SIBLING_EXTRA = len('..venvkit-swap-abc1234')

EXPOSE_OPTIONS = dict(
    name=dict(type='str', required=True),
    profile=dict(type='bool', default=True),
    profile_dir=dict(type='path', default='/etc/profile.d'),
    position=dict(type='str', default='prepend', choices=['prepend', 'append']),
    services=dict(type='list', elements='str', default=[]),
    services_may_be_missing=dict(type='bool', default=False),
    service_manager=dict(type='str', default='auto', choices=['auto', 'systemd', 'openrc']),
    systemd_dir=dict(type='path', default='/etc/systemd/system'),
    openrc_conf_dir=dict(type='path', default='/etc/conf.d'),
    default_path=dict(type='str', default=DEFAULT_SERVICE_PATH),
)

PATH_EXPOSURE_OPTIONS = dict(
    EXPOSE_OPTIONS,
    bin_dir=dict(type='path'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
)

INLINE_FILE_OPTIONS = dict(
    name=dict(type='str', required=True),
    content=dict(type='str', required=True),
)

PIP_VENV_OPTIONS = dict(
    path=dict(type='path', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent', 'rollback']),
    generation=dict(type='str'),
    upgrade=dict(type='bool', default=False),
    python=dict(type='str', default='python3'),
    python_source=dict(type='str', default='auto', choices=['auto', 'system', 'managed']),
    python_archive=dict(type='dict', options=dict(
        src=dict(type='str'),
        path=dict(type='path'),
        url=dict(type='str'),
        name=dict(type='str'),
        sha256=dict(type='str'),
    )),
    python_downloads_json_url=dict(type='str'),
    python_install_mirror=dict(type='str'),
    managed_pythons=dict(type='path', default='/opt/venvkit/python'),
    requirements=dict(type='list', elements='path', default=[]),
    packages=dict(type='list', elements='str', default=[]),
    constraints=dict(type='list', elements='path', default=[]),
    inline_requirements=dict(type='list', elements='dict', default=[], options=INLINE_FILE_OPTIONS),
    inline_constraints=dict(type='list', elements='dict', default=[], options=INLINE_FILE_OPTIONS),
    index_url=dict(type='str'),
    extra_index_urls=dict(type='list', elements='str', default=[]),
    find_links=dict(type='list', elements='str', default=[]),
    no_index=dict(type='bool', default=False),
    require_hashes=dict(type='bool', default=False),
    pip_args=dict(type='list', elements='str', default=[]),
    system_site_packages=dict(type='bool', default=False),
    sync=dict(type='bool', default=False),
    force=dict(type='bool', default=False),
    owner=dict(type='str'),
    group=dict(type='str'),
    usable_by=dict(type='list', elements='str', default=[]),
    update=dict(type='str', default='atomic', choices=['atomic', 'in_place']),
    keep_generations=dict(type='int', default=2),
    link_scripts=dict(type='dict', options=dict(
        dest=dict(type='path', required=True),
        scripts=dict(type='list', elements='str', default=['all']),
    )),
    lock_timeout=dict(type='int', default=300),
    expose=dict(type='dict', options=EXPOSE_OPTIONS),
    installer=dict(type='str', default='auto', choices=INSTALLER_CHOICES),
    uv=dict(type='path'),
    seed_pip=dict(type='bool', default=True),
    wheelhouse=dict(type='dict', options=dict(
        src=dict(type='str'),
        archive=dict(type='path'),
        sha256=dict(type='str'),
        dir=dict(type='path', required=True),
        key=dict(type='str', required=True, no_log=False),
    )),
)

# pip options that would install somewhere else than the venv.
_ELSEWHERE_ARGS = ('--target', '-t', '--prefix', '--root', '--user', '--src')


def with_defaults(spec, params):
    """params with every option of spec present, missing ones at their default.

    What AnsibleModule does for the modules, for callers that drive the
    engine directly (unit tests, other engines).
    """
    params = dict(params or {})
    full = {}
    for name, option in spec.items():
        value = params.get(name)
        if option.get('type') == 'dict' and not value:
            # An empty dict (as a role passes for "none") means the option is not set.
            value = None
        if value is None:
            default = option.get('default')
            value = list(default) if isinstance(default, list) else default
        if value is not None and option.get('options'):
            if option.get('type') == 'list':
                value = [with_defaults(option['options'], item) for item in value]
            else:
                value = with_defaults(option['options'], value)
        full[name] = value
    for name, value in params.items():
        full.setdefault(name, value)
    return full


def _fullmatch(regex, value):
    """re.fullmatch: a trailing newline does not pass, as it would with ``$``."""
    return isinstance(value, str) and regex.fullmatch(value) is not None


def path_problem(path, option='path'):
    """Why path cannot name a venv or a directory of the collection's, or None."""
    if not path:
        return '%s must not be empty' % option
    if any(c in path for c in '\n\r\0'):
        return '%s contains a newline or NUL character: %r' % (option, path)
    if not os.path.isabs(path):
        return '%s must be an absolute path, got %r' % (option, path)
    if os.path.normpath(path) != path or path.startswith('//'):
        return ("%s must be a normalised absolute path (no trailing slash, '.', '..' or repeated '/'), "
                'got %r; use %r' % (option, path, os.path.normpath(path)))
    if path == '/':
        return '%s must not be the root directory' % option
    if not _fullmatch(SAFE_PATH_RE, path):
        bad = sorted(set(c for c in path if not re.match('[%s]' % PATH_CHARS, c)))
        return ('%s contains characters that would corrupt a PATH entry or a shell line (%s): %r; '
                'use letters, digits and . _ + @ - /' % (option, ' '.join(repr(c) for c in bad), path))
    if len(path) + SIBLING_EXTRA > PATH_MAX:
        return '%s is %d characters long; the system allows %d for a path' % (option, len(path), PATH_MAX)
    long_parts = [part for part in path.split('/') if len(part) > NAME_MAX - SIBLING_EXTRA]
    if long_parts:
        return ('%s has a component of %d characters (%s...); the system allows %d for a name, and the '
                'module adds up to %d' % (option, len(long_parts[0]), long_parts[0][:20], NAME_MAX, SIBLING_EXTRA))
    return None


def package_problem(spec):
    """Why a packages entry is not a requirement specifier, or None."""
    if not isinstance(spec, str) or not spec.strip():
        return 'packages: an entry is empty'
    if any(c in spec for c in '\n\r\0'):
        return 'packages: %r contains a newline or NUL character' % spec
    if spec.strip().startswith('-'):
        return ('packages: %r is an option, not a requirement; pip options belong in pip_args, '
                'requirements files in requirements' % spec)
    if spec.strip()[0] in '<>=!~,':
        return ('packages: %r names no package, only versions; a YAML list written [a>=1,<2] splits at the '
                'comma, so quote the whole specifier: ["a>=1,<2"]' % spec)
    return None


def pip_args_problem(args):
    for arg in args:
        if any(c in arg for c in '\n\r\0'):
            return 'pip_args: %r contains a newline or NUL character' % arg
        name = arg.split('=', 1)[0]
        if name in _ELSEWHERE_ARGS or (name.startswith('-t') and not name.startswith('--')):
            return 'pip_args: %r would install outside the venv; it is not allowed' % arg
        if has_credentials(arg):
            return ('pip_args: an argument carries credentials in a URL; put that index in index_url, '
                    'extra_index_urls or find_links, which reach pip through its environment and never '
                    'its command line')
    return None


def expose_problems(expose, bin_dir, state):
    """What is wrong with the options of a PATH exposure: a list of messages.

    bin_dir False: derived from a path checked elsewhere.
    """
    problems = []
    if not _fullmatch(NAME_RE, expose.get('name')):
        problems.append('name must be a plain file name of letters, digits and . _ @ - (got %r)' % expose.get('name'))
    bad = [s for s in expose.get('services') or [] if not _fullmatch(SERVICE_RE, s)]
    if bad:
        problems.append('services must be plain unit or service names; refusing %s' % ', '.join(repr(s) for s in bad))
    if state == 'present' and bin_dir is not False and path_problem(bin_dir, 'bin_dir'):
        problems.append('bin_dir must be an absolute path of letters, digits and . _ + @ / - only, since it goes '
                        'into PATH and shell code (got %r)' % bin_dir)
    if not _fullmatch(DEFAULT_PATH_RE, expose.get('default_path')):
        problems.append("default_path must be a PATH of absolute directories without quotes, '$', spaces or "
                        'newlines (got %r)' % expose.get('default_path'))
    for option in DIR_OPTIONS:
        problem = path_problem(expose.get(option), option)
        if problem:
            problems.append(problem)
    return problems


def _inline_problems(params):
    problems = []
    names = []
    for option in ('inline_requirements', 'inline_constraints'):
        for item in params.get(option) or []:
            name = item.get('name')
            if not _fullmatch(NAME_RE, name):
                problems.append('%s: name must be a plain file name (got %r)' % (option, name))
            names.append(name)
            if '\0' in (item.get('content') or ''):
                problems.append('%s: %s contains a NUL character' % (option, name))
    dupes = sorted(set(n for n in names if names.count(n) > 1))
    if dupes:
        problems.append('inline_requirements and inline_constraints need distinct names; %s is given twice'
                        % ', '.join(dupes))
    return problems


def _wheelhouse_problems(spec):
    problems = []
    for field in ('archive', 'dir'):
        if field == 'dir' or spec.get(field):
            problem = path_problem(spec.get(field), 'wheelhouse.%s' % field)
            if problem:
                problems.append(problem)
    if spec.get('src') and spec.get('archive'):
        problems.append('wheelhouse: give src (a file on the controller, shipped in the same call) or archive '
                        '(a file on the target), not both')
    if spec.get('src') and not str(spec['src']).startswith(('/', '~')):
        problems.append('wheelhouse.src must be an absolute path on the controller, not %s' % spec['src'])
    if spec.get('sha256') is not None and not re.fullmatch(r'[0-9a-f]{64}', str(spec['sha256'])):
        problems.append('wheelhouse.sha256 must be 64 lowercase hexadecimal digits')
    return problems


def _python_problems(p):
    """The python options: a request, where its interpreter may come from, and the archive of a managed one."""
    problems = []
    problem = path_problem(p['managed_pythons'], 'managed_pythons')
    if problem:
        problems.append(problem)
    downloads = p.get('python_downloads_json_url')
    if not (str(p['python'] or 'x')[0] in '0123456789=!<>~ ' or p['python_archive'] or p['python_source'] != 'auto'
            or downloads or p.get('python_install_mirror')):
        return problems  # an interpreter's name or path: the usual case, checked without the requests' code
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.managed import (
        ARCHIVE_URL, archive_facts, url_file_name)
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.pythons import parse_request
    try:
        request = parse_request(p['python'])
    except VenvkitError as exc:
        return problems + [exc.msg]
    archive = p['python_archive']
    if request is None and (p['python_source'] != 'auto' or archive or downloads):
        problems.append('python_source, python_archive and python_downloads_json_url go with a version request in '
                        'python (such as "3.13" or ">=3.12"), and python is %r' % p['python'])
    problems.extend(_downloads_problems(p))
    if not archive:
        return problems
    if p['python_source'] == 'system':
        problems.append('python_archive installs a managed CPython, and python_source is system')
    given = [key for key in ('src', 'path', 'url') if archive.get(key)]
    if len(given) > 1:
        problems.append('python_archive: give one of src (a file on the controller, shipped when the target needs '
                        'it), path (a file on the target) and url (a mirror the target downloads from), not %s'
                        % ' and '.join(given))
    if archive.get('url') and not ARCHIVE_URL.match(str(archive['url'])):
        problems.append('python_archive.url must be an http:// or https:// URL of the archive, without spaces')
    if archive.get('src') and not str(archive['src']).startswith(('/', '~')):
        problems.append('python_archive.src must be an absolute path on the controller, not %s' % archive['src'])
    if archive.get('path'):
        problem = path_problem(archive['path'], 'python_archive.path')
        if problem:
            problems.append(problem)
    if (archive.get('sha256') or not archive.get('src')) and not re.fullmatch(r'[0-9a-f]{64}',
                                                                              str(archive.get('sha256') or '')):
        problems.append('python_archive.sha256 must be the archive\'s SHA-256, 64 lowercase hexadecimal digits '
                        '(nothing is unpacked unverified)')
    if not (archive.get('name') or given):
        problems.append('python_archive: give src, path or url')
    else:
        try:
            archive_facts(archive.get('name') or archive.get('path') or archive.get('src')
                          or url_file_name(archive.get('url')))
        except VenvkitError as exc:
            problems.append(exc.msg)
    return problems


def _downloads_problems(p):
    """python_downloads_json_url and python_install_mirror."""
    problems = []
    url, mirror = p.get('python_downloads_json_url'), p.get('python_install_mirror')
    if mirror and not url:
        problems.append('python_install_mirror replaces the prefix of the URLs that python_downloads_json_url '
                        'lists; give python_downloads_json_url too (or python_archive.url for one archive)')
    if mirror and not re.match(r'https?://[^/\s]+(/\S*)?\Z', str(mirror)):
        problems.append('python_install_mirror must be an http:// or https:// URL, without spaces')
    if url:
        # The JSON names each archive's SHA-256: whoever can change it in transit chooses what root runs. The
        # host is the one urllib (open_url) connects to, not what a pattern takes for it.
        try:
            from urllib.parse import urlsplit
        except ImportError:  # Python 2
            from urlparse import urlsplit  # type: ignore
        try:
            parts = urlsplit(str(url))
            host, port = (parts.hostname or '').lower(), parts.port or 80
        except ValueError:
            parts, host, port = None, '', 0
        if parts is None or parts.scheme not in ('http', 'https') or not host or re.search(r'\s', str(url)):
            problems.append('python_downloads_json_url must be an https:// URL, without spaces')
        elif parts.scheme == 'http' and (port >= 1024 or (host not in ('localhost', '::1')
                                                          and not re.match(r'127(\.[0-9]{1,3}){3}\Z', host))):
            # On this host, a port from 1024 up is one any local user may serve first.
            problems.append('python_downloads_json_url must be an https:// URL (or http:// on this host only, on a '
                            'port below 1024, which only root can serve): it names the SHA-256 of the archive, so '
                            'plain HTTP would let anyone on the way, or any local user, choose the interpreter. '
                            'For a mirror over HTTP, give python_archive.url and its sha256')
        if p['python_source'] == 'system':
            problems.append('python_downloads_json_url installs a managed CPython, and python_source is system')
        if p['python_archive']:
            problems.append('give python_archive or python_downloads_json_url, not both')
    return problems


def input_problems(params):
    """Everything wrong with pip_venv's options that shows without the target: a list of messages."""
    return option_problems(with_defaults(PIP_VENV_OPTIONS, params))


def option_problems(p):
    """input_problems of options that already hold every option (with_defaults)."""
    problems = []
    for problem in [path_problem(p['path'])]:
        if problem:
            problems.append(problem)
    if p['link_scripts']:
        problem = path_problem(p['link_scripts'].get('dest'), 'link_scripts.dest')
        if problem:
            problems.append(problem)
    if p['wheelhouse']:
        problems += _wheelhouse_problems(p['wheelhouse'])
        if not re.fullmatch(r'[A-Za-z0-9._-]{1,200}', str(p['wheelhouse'].get('key') or '')):
            problems.append('wheelhouse.key must be 1 to 200 letters, digits, dots, dashes or underscores')
        if p['wheelhouse'].get('dir') not in p['find_links']:
            problems.append('wheelhouse.dir must be among find_links, since the venv installs from it')
    if p['generation'] not in (None, '') and not re.fullmatch(r'g?[0-9]+', str(p['generation'])):
        problems.append("generation must be a generation's id, such as g3 or 3 (got %r)" % p['generation'])
    if p['generation'] not in (None, '') and p['state'] != 'rollback':
        problems.append('generation is only used with state=rollback')
    for option in ('keep_generations', 'lock_timeout'):
        if p[option] is not None and p[option] < 0:
            problems.append('%s must be 0 or more (got %d)' % (option, p[option]))
    problems += [x for x in (package_problem(s) for s in p['packages']) if x]
    problem = pip_args_problem(p['pip_args'])
    if problem:
        problems.append(problem)
    for option in ('requirements', 'constraints'):
        for name in p[option]:
            if not name or not os.path.isabs(name) or any(c in name for c in '\n\r\0'):
                problems.append('%s: files must be absolute paths on the target, got %r' % (option, name))
    problems += _inline_problems(p)
    problems += _python_problems(p)
    for url in [p['index_url'] or None] + list(p['extra_index_urls']) + list(p['find_links']):
        if url is not None and (not url.strip() or any(c.isspace() for c in url)):
            problems.append('index options must be URLs or paths without spaces or newlines, got %r'
                            % ('<masked>' if has_credentials(url) else url))
    for user in p['usable_by']:
        if not _fullmatch(USER_RE, user):
            problems.append('usable_by: %r is not a user name' % user)
    for option in ('owner', 'group'):
        if p[option] not in (None, '') and not _fullmatch(USER_RE, p[option]):
            problems.append('%s: %r is not a user or group name' % (option, p[option]))
    if p['expose']:
        # bin_dir derives from path, which is checked above.
        problems += ['expose: %s' % x for x in expose_problems(p['expose'], False, p['state'])]
    return problems
