"""Managed interpreters on a fleet of Debian 12 containers: the same install on the system's Python 3.11 and on a
managed CPython 3.13 shipped from the controller.

For each fleet size (forks = hosts) it starts that many fresh Debian 12
containers and times one pip_venv task installing httpx[cli] from a package
index on 127.0.0.1, cold, in two modes that take turns: `system` (python:
python3, the host's 3.11) and `managed` (python: "3.13" with
python_archive.src and its sha256, the relocatable CPython
tests/lib/cpython.sh builds, which the action ships to each host that lacks
it). Then no-op re-runs of
each. It reports the cold and no-op times side by side, and the bytes each
host received: the wheels it pulled from the index, and the archive.

Usage (root, podman): python benchmarks/managed.py [--sizes 1,4] [--runs 3]
Needs what benchmarks/run sets up, and tests/lib/cpython.sh's archive (built on first use, about 2 min).
"""

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402  pylint: disable=wrong-import-position
import lib  # noqa: E402  pylint: disable=wrong-import-position

SPEC = 'httpx[cli]'
PLAY = """
- name: One venv
  hosts: fleet
  gather_facts: false
  tasks:
    - name: httpx in a venv
      venvkit.python.pip_venv:
        path: /opt/bench/venv
        python: "{{ bench_python }}"
        python_archive: "{{ bench_archive | default(omit) }}"
        packages: ["%s"]
        no_index: true
        find_links: "{{ venv_find_links }}"
""" % SPEC
MODES = ('system', 'managed')


def archive():
    return subprocess.run(['sh', os.path.join(lib.ROOT, 'tests', 'lib', 'cpython.sh')], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


def one_size(size, runs, index, work, python_archive):
    with open(python_archive, 'rb') as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    # As the docs advise: with the published hash, which spares the controller hashing on every run.
    extra = dict(system=dict(bench_python='python3'),
                 managed=dict(bench_python='3.13', bench_archive=dict(src=python_archive, sha256=digest)))
    shipped = os.path.getsize(python_archive)
    colds, pulled, noops = dict((m, []) for m in MODES), {}, dict((m, []) for m in MODES)
    for attempt in range(runs):
        for mode in MODES:
            names = fleet.start_fleet(size)
            inventory = fleet.write_inventory(work, names, index)
            index.take()
            colds[mode].append(fleet.play(work, inventory, PLAY, size, extra[mode])[0])
            pulled[mode] = index.take()
            if attempt < runs - 1:
                continue
            for dummy in range(runs):
                elapsed, out, dummy_calls = fleet.play(work, inventory, PLAY, size, extra[mode])
                recap = [line for line in out.split('PLAY RECAP')[-1].splitlines() if 'ok=' in line]
                if len(recap) != size or any(' changed=0 ' not in line for line in recap):
                    raise SystemExit('a no-op run changed something:\n' + '\n'.join(recap))
                noops[mode].append(elapsed)
    fleet.stop_fleet()
    res = {}
    for mode in MODES:
        per_host = max(pulled[mode].values()) if pulled[mode] else 0
        res[mode] = dict(cold=lib.median(colds[mode]), cold_runs=colds[mode], noop=lib.median(noops[mode]),
                         noop_runs=noops[mode], index_bytes_per_host=per_host,
                         archive_bytes_per_host=shipped if mode == 'managed' else 0)
    return res


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='1,4')
    parser.add_argument('--runs', type=int, default=3)
    opts = parser.parse_args()
    python_archive = archive()
    index = fleet.CountingIndex(lib.wheelhouse('fleet-py311', [SPEC]))
    work = tempfile.mkdtemp(prefix='venvkit-managed-')
    results = dict(spec=SPEC, image=fleet.IMAGE, runs=opts.runs, archive=os.path.basename(python_archive),
                   archive_bytes=os.path.getsize(python_archive), sizes={})
    try:
        for size in [int(s) for s in opts.sizes.split(',')]:
            res = one_size(size, opts.runs, index, work, python_archive)
            results['sizes'][str(size)] = res
            system, managed = res['system'], res['managed']
            print('%2d hosts: cold system %.1f s, managed %.1f s (%.2fx) | no-op system %.2f s, managed %.2f s (%.2fx)'
                  ' | bytes per host: system %d, managed %d (wheels %d + interpreter %d)' % (
                      size, system['cold'], managed['cold'], managed['cold'] / system['cold'], system['noop'],
                      managed['noop'], managed['noop'] / system['noop'], system['index_bytes_per_host'],
                      managed['index_bytes_per_host'] + managed['archive_bytes_per_host'],
                      managed['index_bytes_per_host'], managed['archive_bytes_per_host']))
            sys.stdout.flush()
    finally:
        index.stop()
        fleet.stop_fleet()
    print('written: %s' % os.path.relpath(lib.write_results('managed', results), lib.ROOT))


if __name__ == '__main__':
    main()
