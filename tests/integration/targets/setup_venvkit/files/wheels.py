"""Builds tiny wheels for the tests, so that no test needs a package index."""

import base64
import hashlib
import os
import zipfile

SCRIPT_MODULE = '''\
import os
import sys
import time

VERSION = %(version)r


def main():
    # --hold FILE: wait until FILE exists, then import a module of this
    # package lazily, to prove the files of the venv it was started from are
    # still there.
    if len(sys.argv) > 2 and sys.argv[1] == '--hold':
        deadline = time.time() + 60
        while not os.path.exists(sys.argv[2]) and time.time() < deadline:
            time.sleep(0.05)
        from %(module)s import late
        print(late.VALUE)
        return 0
    print('%(name)s ' + VERSION)
    return 0
'''


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
    return '%s,sha256=%s,%d' % (name, digest, len(data))


def build_wheel(dest, name, version, requires=(), scripts=None, wheel_version='1.0'):
    """Write NAME-VERSION-py3-none-any.whl into dest and return its path.

    scripts: console script names; each runs NAME's main() and prints
    'NAME VERSION'. wheel_version other than 1.0 makes pip refuse it.
    """
    module = name.replace('-', '_')
    dist_info = '%s-%s.dist-info' % (module, version)
    files = {
        '%s/__init__.py' % module: (SCRIPT_MODULE % dict(name=name, version=version, module=module)).encode(),
        '%s/late.py' % module: ('VALUE = %r\n' % ('%s %s late' % (name, version))).encode(),
        '%s/METADATA' % dist_info: ''.join(
            ['Metadata-Version: 2.1\n', 'Name: %s\n' % name, 'Version: %s\n' % version]
            + ['Requires-Dist: %s\n' % req for req in requires]).encode(),
        '%s/WHEEL' % dist_info: ('Wheel-Version: %s\nGenerator: venvkit-tests\nRoot-Is-Purelib: true\n'
                                 'Tag: py3-none-any\n' % wheel_version).encode(),
    }
    if scripts:
        files['%s/entry_points.txt' % dist_info] = (
            '[console_scripts]\n' + ''.join('%s = %s:main\n' % (s, module) for s in scripts)).encode()
    record_name = '%s/RECORD' % dist_info
    record = '\n'.join([_record_line(n, d) for n, d in sorted(files.items())] + [record_name + ',,']) + '\n'
    files[record_name] = record.encode()
    path = os.path.join(dest, '%s-%s-py3-none-any.whl' % (module, version))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for member, data in sorted(files.items()):
            archive.writestr(member, data)
    return path


def sha256_file(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def build_wheelhouse(dest):
    """The packages the tests install: see each line."""
    os.makedirs(dest, exist_ok=True)
    # vkdemo 1.0 needs vkdep; 2.0 needs vkdep>=2 and adds a second console script.
    build_wheel(dest, 'vkdemo', '1.0', requires=['vkdep'], scripts=['vkdemo'])
    build_wheel(dest, 'vkdemo', '2.0', requires=['vkdep>=2'], scripts=['vkdemo', 'vkdemo-admin'])
    build_wheel(dest, 'vkdep', '1.0')
    build_wheel(dest, 'vkdep', '2.0')
    build_wheel(dest, 'vkextra', '1.0', scripts=['vkextra'])
    build_wheel(dest, 'vkother', '1.0', scripts=['vkother'])
    # pip refuses a wheel of an unknown major version: an install that fails
    # after the resolver chose it.
    build_wheel(dest, 'vkbroken', '1.0', wheel_version='9.0')
    return dest


if __name__ == '__main__':
    import sys
    print(build_wheelhouse(sys.argv[1]))
