"""The role on a fleet of local containers: no-op and cold, with and without a wheelhouse.

For each fleet size (forks = hosts) it starts that many Debian 12
containers, times a trivial play (gather facts + ping) as the floor, then
the role venvkit.python.venv with its defaults installing httpx[cli]: cold, then no-op
re-runs; once installing from a package index on 127.0.0.1, once from a
wheelhouse built on the controller and shipped. The index counts the bytes
it sends to each host (each host reaches it under its own path prefix).

Usage (root, podman): python benchmarks/fleet.py [--sizes 1,4,8,16] [--runs 3]
Needs: tests/lib/images.sh bookworm, and containers.podman on ANSIBLE_COLLECTIONS_PATH
(benchmarks/run sets both up).
"""

import argparse
import http.server
import json
import os
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

    def __init__(self, directory):
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


def play(work, inventory, text, forks, extra=None):
    path = os.path.join(work, 'play.yml')
    with open(path, 'w') as handle:
        handle.write(text)
    argv = ['ansible-playbook', '-i', inventory, '-f', str(forks), path]
    for key, value in (extra or {}).items():
        argv += ['-e', json.dumps({key: value})]
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
                          env=dict(os.environ, ANSIBLE_HOST_KEY_CHECKING='False', ANSIBLE_NOCOLOR='1'))
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit('playbook failed:\n' + proc.stdout.decode()[-4000:])
    return elapsed, proc.stdout.decode()


MODES = ('index', 'index-uv', 'wheelhouse-uv')


def one_size(size, runs, index, work, wheelhouse_dir):
    """The floor, then for each mode of MODES a cold run and no-op runs of the role.

    index: the role's defaults on hosts without uv (so pip); index-uv: the
    defaults on hosts with uv (installer auto takes it); wheelhouse-uv: the
    same with venv_wheelhouse.
    """
    res = {}
    for mode in MODES:
        names = start_fleet(size, with_uv=mode.endswith('-uv'))
        inventory = write_inventory(work, names, index)
        extra = {}
        if mode.startswith('wheelhouse'):
            # The controller builds the wheelhouse from the index once; hosts get it by copy.
            extra = dict(venv_wheelhouse=True, venv_wheelhouse_dir=wheelhouse_dir,
                         venv_find_links=[index.url('builder')])
        if mode == 'index':
            play(work, inventory, FLOOR, size)  # warm-up: connection plugin, facts
            res['floor'] = lib.median([play(work, inventory, FLOOR, size)[0] for dummy in range(runs)])
        index.take()
        cold, dummy = play(work, inventory, ROLE, size, extra)
        pulled = index.take()
        noop = []
        for dummy in range(runs):
            elapsed, out = play(work, inventory, ROLE, size, extra)
            recap = [line for line in out.split('PLAY RECAP')[-1].splitlines() if 'ok=' in line]
            if len(recap) != size or any(' changed=0 ' not in line for line in recap):
                raise SystemExit('a no-op run changed something:\n' + '\n'.join(recap))
            noop.append(elapsed)
        res[mode] = dict(cold=cold, noop=lib.median(noop), noop_runs=noop,
                         bytes_per_host=dict((n, pulled.get(n, 0)) for n in names),
                         bytes_builder=pulled.get('builder', 0))
    stop_fleet()
    return res


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='1,4,8,16,32')
    parser.add_argument('--runs', type=int, default=3)
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(',')]
    wheels = lib.wheelhouse('fleet-py311', [SPEC])
    index = CountingIndex(wheels)
    work = tempfile.mkdtemp(prefix='venvkit-fleet-')
    results = dict(spec=SPEC, image=IMAGE, runs=opts.runs, sizes={})
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
            sys.stdout.flush()
    finally:
        index.stop()
        stop_fleet()
        shutil.rmtree(work, ignore_errors=True)
    print('written: %s' % os.path.relpath(lib.write_results('fleet', results), lib.ROOT))


if __name__ == '__main__':
    main()
