"""The role on a fleet of local containers: no-op and cold, from an index and from a wheelhouse.

For each fleet size (forks = hosts) it starts that many Debian 12
containers, times a trivial play (gather facts + ping) as the floor, then
the role venvkit.python.venv with its defaults installing httpx[cli]: cold
runs on fresh containers, then no-op re-runs, in three modes: from a package
index on 127.0.0.1 with pip, the same with uv on the hosts, and with uv from
a wheelhouse built on the controller and shipped. It prints the wheelhouse
against the index (uv) side by side: cold, no-op, and the tasks of the role
that reached each host on a no-op (tests/harness/callbacks/remote_calls.py).

The index counts the bytes it sends to each host (each host reaches it under
its own path prefix) and serves byte ranges, as production indexes and web
servers do. uv reads a wheel's metadata before it resolves: from PyPI through
the PEP 658 metadata file, from a plain server through a range request at the
end of the wheel. A server without ranges makes uv fetch every wheel twice
(once for its metadata, once to install it), which is what an earlier run of
this benchmark measured (8.6 MB per host). The bytes that remain above pip's
are pip itself: a venv built with pip gets pip from the interpreter
(ensurepip, no download), while uv's venv has none and pip_venv seeds the
newest pip from the index (seed_pip: true).

Usage (root, podman): python benchmarks/fleet.py [--sizes 1,4,8,16] [--runs 3]
Needs: tests/lib/images.sh bookworm, and containers.podman on ANSIBLE_COLLECTIONS_PATH
(benchmarks/run sets both up).
"""

import argparse
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402  pylint: disable=wrong-import-position

IMAGE = 'localhost/venvkit-debian:bookworm'
SPEC = 'httpx[cli]'
PREFIX = 'vkfleet-'


class CountingIndex:
    """Serves a wheel directory at /h<N>/ for every host N and counts the bytes each pulled."""

    def __init__(self, directory, ranges=True):
        self.directory = directory
        self.sent = {}
        self.lock = threading.Lock()
        index = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=directory, **kwargs)

            def translate_path(self, path):
                parts = path.split('/', 2)
                self.host_tag = parts[1] if len(parts) > 1 else '?'
                return super().translate_path('/' + (parts[2] if len(parts) > 2 else ''))

            def send_head(self):
                # Byte ranges, as every production index and web server serves them: uv reads a
                # wheel's metadata from the end of the file before it resolves.
                match = re.fullmatch(r'bytes=(\d*)-(\d*)', self.headers.get('Range') or '')
                path = self.translate_path(self.path)
                if not ranges or not match or not os.path.isfile(path) or match.groups() == ('', ''):
                    return super().send_head()
                size = os.path.getsize(path)
                first, last = match.groups()
                if first == '':
                    start, end = max(0, size - int(last)), size - 1
                else:
                    start, end = int(first), min(int(last) if last else size - 1, size - 1)
                with open(path, 'rb') as handle:
                    handle.seek(start)
                    data = handle.read(max(0, end - start + 1))
                self.send_response(206)
                self.send_header('Content-Type', 'application/octet-stream')
                self.send_header('Content-Range', 'bytes %d-%d/%d' % (start, start + len(data) - 1, size))
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                return io.BytesIO(data)

            def end_headers(self):
                if ranges:
                    self.send_header('Accept-Ranges', 'bytes')
                super().end_headers()

            def copyfile(self, source, outputfile):
                data = source.read()
                with index.lock:
                    index.sent[self.host_tag] = index.sent.get(self.host_tag, 0) + len(data)
                outputfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, host):
        return 'http://127.0.0.1:%d/%s/' % (self.port, host)

    def take(self):
        with self.lock:
            sent, self.sent = self.sent, {}
        return sent

    def stop(self):
        self.server.shutdown()


def podman(*args):
    return subprocess.run(['podman'] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)


UV = os.path.join(os.path.dirname(sys.executable), 'uv')


def start_fleet(size, with_uv=False):
    """size fresh containers; with_uv, each has uv on PATH, as a host that installed it."""
    stop_fleet()
    names = ['%s%d' % (PREFIX, i) for i in range(size)]
    for name in names:
        podman('run', '-d', '--name', name, '--network', 'host', IMAGE, 'sleep', 'infinity')
        if with_uv:
            podman('cp', UV, '%s:/usr/local/bin/uv' % name)
    return names


def stop_fleet():
    proc = subprocess.run(['podman', 'ps', '-a', '--format', '{{.Names}}'], stdout=subprocess.PIPE, check=True)
    names = [n for n in proc.stdout.decode().split() if n.startswith(PREFIX)]
    if names:
        subprocess.run(['podman', 'rm', '-f', '-t', '0'] + names, stdout=subprocess.DEVNULL, check=True)


def write_inventory(work, names, index):
    hosts = dict((name, dict(venv_find_links=[index.url(name)])) for name in names)
    inventory = dict(fleet=dict(hosts=hosts, vars=dict(
        ansible_connection='containers.podman.podman', ansible_python_interpreter='/usr/bin/python3')))
    path = os.path.join(work, 'inventory.json')
    with open(path, 'w') as handle:
        json.dump(inventory, handle)
    return path


FLOOR = """
- name: Trivial play
  hosts: fleet
  gather_facts: true
  tasks:
    - name: Ping
      ansible.builtin.ping:
"""

ROLE = """
- name: The venv role
  hosts: fleet
  gather_facts: true
  roles:
    - role: venvkit.python.venv
      vars:
        venv_name: bench
        venv_path: /opt/bench/venv
        venv_packages: ["%s"]
        venv_no_index: true
""" % SPEC


CALLBACKS = os.path.join(lib.ROOT, 'tests', 'harness', 'callbacks')


def play(work, inventory, text, forks, extra=None):
    """Seconds the play took, its output, and the role's tasks that reached each host (remote_calls callback)."""
    path = os.path.join(work, 'play.yml')
    with open(path, 'w') as handle:
        handle.write(text)
    argv = ['ansible-playbook', '-i', inventory, '-f', str(forks), path]
    for key, value in (extra or {}).items():
        argv += ['-e', json.dumps({key: value})]
    calls = os.path.join(work, 'calls.json')
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING='False', ANSIBLE_NOCOLOR='1', ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
               ANSIBLE_CALLBACKS_ENABLED=','.join(filter(None, [os.environ.get('ANSIBLE_CALLBACKS_ENABLED'),
                                                                'remote_calls'])),
               VENVKIT_REMOTE_CALLS=calls)
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit('playbook failed:\n' + proc.stdout.decode()[-4000:])
    with open(calls) as handle:
        return elapsed, proc.stdout.decode(), json.load(handle)


MODES = ('index', 'index-uv', 'wheelhouse-uv')


def one_size(size, runs, index, work, wheelhouse_dir):
    """The floor, then for each mode of MODES cold runs and no-op runs of the role (medians of runs).

    index: the role's defaults on hosts without uv (so pip); index-uv: the
    defaults on hosts with uv (installer auto takes it); wheelhouse-uv: the
    same with venv_wheelhouse.
    """
    res, colds = {}, dict((mode, []) for mode in MODES)
    # Cold runs take turns, mode by mode, on fresh containers (and a fresh wheelhouse directory), so
    # that a busy moment weighs on every mode alike; the no-op runs follow each mode's last cold run.
    for attempt in range(runs):
        for mode in MODES:
            names = start_fleet(size, with_uv=mode.endswith('-uv'))
            inventory = write_inventory(work, names, index)
            extra = {}
            if mode.startswith('wheelhouse'):
                # The controller builds the wheelhouse from the index once; the action ships it to each host.
                extra = dict(venv_wheelhouse=True, venv_wheelhouse_dir='%s-%d' % (wheelhouse_dir, attempt),
                             venv_find_links=[index.url('builder')])
            if mode == 'index' and attempt == 0:
                play(work, inventory, FLOOR, size)  # warm-up: connection plugin, facts
                res['floor'] = lib.median([play(work, inventory, FLOOR, size)[0] for dummy in range(runs)])
            index.take()
            colds[mode].append(play(work, inventory, ROLE, size, extra)[0])
            pulled = index.take()
            if attempt < runs - 1:
                continue
            noop = []
            for dummy in range(runs):
                elapsed, out, calls = play(work, inventory, ROLE, size, extra)
                recap = [line for line in out.split('PLAY RECAP')[-1].splitlines() if 'ok=' in line]
                if len(recap) != size or any(' changed=0 ' not in line for line in recap):
                    raise SystemExit('a no-op run changed something:\n' + '\n'.join(recap))
                noop.append(elapsed)
            res[mode] = dict(cold=lib.median(colds[mode]), cold_runs=colds[mode], noop=lib.median(noop),
                             noop_runs=noop, noop_remote_calls=max(len(calls.get(n, [])) for n in names),
                             bytes_per_host=dict((n, pulled.get(n, 0)) for n in names),
                             bytes_builder=pulled.get('builder', 0))
    stop_fleet()
    return res


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='1,4,8,16,32')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--no-ranges', action='store_true',
                        help='serve whole files only, as a plain http.server does (uv then fetches each wheel twice)')
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(',')]
    wheels = lib.wheelhouse('fleet-py311', [SPEC])
    index = CountingIndex(wheels, ranges=not opts.no_ranges)
    work = tempfile.mkdtemp(prefix='venvkit-fleet-')
    results = dict(spec=SPEC, image=IMAGE, runs=opts.runs, ranges=not opts.no_ranges, sizes={})
    try:
        for size in sizes:
            wheelhouse_dir = os.path.join(work, 'wheelhouse-%d' % size)
            res = one_size(size, opts.runs, index, work, wheelhouse_dir)
            results['sizes'][str(size)] = res
            line = '%2d hosts: floor %.1f s' % (size, res['floor'])
            for mode in MODES:
                line += ' | %s: cold %.1f s (%.2fx), no-op %.1f s (%.2fx), %d bytes/host' % (
                    mode, res[mode]['cold'], res[mode]['cold'] / res['floor'], res[mode]['noop'],
                    res[mode]['noop'] / res['floor'], max(res[mode]['bytes_per_host'].values()))
            print(line)
            wheelhouse, uv = res['wheelhouse-uv'], res['index-uv']
            print('%2d hosts: wheelhouse against the index (uv): cold %.1f s / %.1f s = %.2fx, no-op %.1f s / %.1f s = '
                  '%.2fx, remote calls per host on a no-op %d / %d' % (
                      size, wheelhouse['cold'], uv['cold'], wheelhouse['cold'] / uv['cold'], wheelhouse['noop'],
                      uv['noop'], wheelhouse['noop'] / uv['noop'], wheelhouse['noop_remote_calls'],
                      uv['noop_remote_calls']))
            sys.stdout.flush()
    finally:
        index.stop()
        stop_fleet()
        shutil.rmtree(work, ignore_errors=True)
    name = 'fleet-no-ranges' if opts.no_ranges else 'fleet'
    print('written: %s' % os.path.relpath(lib.write_results(name, results), lib.ROOT))


if __name__ == '__main__':
    main()
