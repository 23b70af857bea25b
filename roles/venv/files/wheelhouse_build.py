"""Builds one wheelhouse archive on the build host of the venvkit.python.venv role.

Run by tasks/wheelhouse.yml through ansible.builtin.script, once per distinct
(Python, platform, package set). Its input is in the environment:
  VENVKIT_WHEELHOUSE       the build as JSON (see tasks/wheelhouse.yml)
  VENVKIT_WHEELHOUSE_DIR   where the archives live (~ is expanded)
  VENVKIT_WHEELHOUSE_HOSTS the hosts that need it, for the error message
  VENVKIT_WHEELHOUSE_FORCE "1" to build again although the archive exists
The archive's name carries a hash of the whole build, so an existing archive
is up to date and the script prints "unchanged". Otherwise it runs
`pip download --only-binary=:all:` for the target's Python and platform tags
and writes <key>.tar (the wheels, flat) and <key>.txt (their names); it
prints "built". A package without a wheel for the platform ends the script
with status 1 and one message naming the package, the Python and the
platform, since the targets must never fall back to building from source.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile


def pip_command(top):
    """pip of this interpreter, or of a venv made here with ensurepip (no network)."""
    try:
        import pip  # noqa: F401 pylint: disable=unused-import,import-outside-toplevel
        return [sys.executable, '-m', 'pip']
    except ImportError:
        pass
    venv = os.path.join(top, '.pip')
    python = os.path.join(venv, 'bin', 'python')
    if not os.path.exists(python):
        subprocess.run([sys.executable, '-m', 'venv', venv], check=True, stdout=subprocess.DEVNULL)
    return [python, '-m', 'pip']


def index_args(index):
    args = []
    if index.get('index_url'):
        args += ['--index-url', index['index_url']]
    for url in index.get('extra_index_urls') or []:
        args += ['--extra-index-url', url]
    for url in index.get('find_links') or []:
        args += ['--find-links', url]
    if index.get('no_index'):
        args.append('--no-index')
    return args


def explain(spec, hosts, out):
    """One message for a failed download; a missing wheel gets named."""
    where = 'Python %s on %s (%s, %s)' % (spec['python'], spec['platform'], spec['libc'], spec['machine'])
    missing = re.findall(r'No matching distribution found for (\S+)', out)
    tail = '\n'.join(line for line in out.splitlines() if line.startswith('ERROR'))[-1500:]
    if missing:
        return ('venv wheelhouse: no wheel of %s for %s, needed by %s. The wheelhouse installs wheels only, '
                'never a source build: put a wheel of %s for that platform on the index or in venv_find_links, '
                'or choose a version that has one. pip: %s'
                % (', '.join(missing), where, hosts, ', '.join(missing), tail))
    return 'venv wheelhouse: downloading the wheels for %s (for %s) failed: %s' % (where, hosts, out[-2000:])


def make_private_dirs(top):
    """top and the directories on the way that this run makes: 0755 whatever the umask, since the
    pip_venv action ships only archives in a directory nobody but this user (or root) can write."""
    missing = []
    while top and not os.path.isdir(top):
        missing.append(top)
        top = os.path.dirname(top)
    for directory in reversed(missing):
        os.mkdir(directory, 0o755)
        os.chmod(directory, 0o755)


def main():
    spec = json.loads(os.environ['VENVKIT_WHEELHOUSE'])
    top = os.path.expanduser(os.environ['VENVKIT_WHEELHOUSE_DIR'])
    hosts = os.environ.get('VENVKIT_WHEELHOUSE_HOSTS') or 'the targets'
    force = os.environ.get('VENVKIT_WHEELHOUSE_FORCE') == '1'
    key = spec['key']
    archive = os.path.join(top, key + '.tar')
    if os.path.exists(archive) and not force:
        print('unchanged %s' % archive)
        return 0
    make_private_dirs(top)
    work = tempfile.mkdtemp(prefix='.%s.' % key, dir=top)
    try:
        inputs = os.path.join(work, 'inputs')
        wheels = os.path.join(work, 'wheels')
        os.makedirs(inputs)
        os.makedirs(wheels)
        # One flat directory, as on the targets, so "-r other.txt" keeps working.
        files = []
        for flag, names, texts in (('-c', spec['constraint_names'], spec['constraint_texts']),
                                   ('-r', spec['requirement_names'], spec['requirement_texts'])):
            for name, text in zip(names, texts):
                with open(os.path.join(inputs, name), 'w') as handle:
                    handle.write(text + '\n')
                files += [flag, name]
        argv = pip_command(top) + [
            'download', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off',
            '--only-binary=:all:', '--implementation', spec['implementation'],
            '--python-version', spec['python'], '--dest', wheels]
        for tag in spec['platforms']:
            argv += ['--platform', tag]
        argv += index_args(spec['index']) + files + list(spec['packages'])
        proc = subprocess.run(argv, cwd=inputs, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        out = proc.stdout.decode('utf-8', 'replace')
        if proc.returncode != 0:
            print(explain(spec, hosts, out))
            return 1
        names = sorted(name for name in os.listdir(wheels) if name.endswith('.whl'))
        partial = os.path.join(work, 'wheels.tar')
        with tarfile.open(partial, 'w', format=tarfile.GNU_FORMAT) as tar:
            for name in names:
                info = tar.gettarinfo(os.path.join(wheels, name), arcname=name)
                info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, '', '', 0o644
                with open(os.path.join(wheels, name), 'rb') as handle:
                    tar.addfile(info, handle)
        listing = os.path.join(work, 'wheels.txt')
        with open(listing, 'w') as handle:
            handle.write(''.join(name + '\n' for name in names))
        os.chmod(listing, 0o644)
        os.replace(listing, os.path.join(top, key + '.txt'))
        os.chmod(partial, 0o644)
        os.replace(partial, archive)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('built %s (%d wheels)' % (archive, len(names)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
