"""Draw benchmarks/results/benchmarks.png from the JSON results of noop, install and fleet."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402  pylint: disable=wrong-import-position

import matplotlib  # noqa: E402
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def load(name):
    path = os.path.join(lib.RESULTS, name + '.json')
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def bars(ax, labels, values, title, unit='s'):
    colors = ['#3b7dd8' if 'pip_venv' in label else '#999999' for label in labels]
    ax.barh(labels, values, color=colors)
    for index, value in enumerate(values):
        ax.text(value, index, ' %.2f %s' % (value, unit), va='center', fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel('seconds (median)')
    ax.invert_yaxis()
    ax.set_xlim(0, max(values) * 1.35)


def main():
    noop, install, fleet = load('noop'), load('install'), load('fleet')
    # One panel for the no-op, one per cold install set and one for the bump, one for the fleet.
    installs = [install] * (len(install['cold_median']) + 1) if install else []
    panels = [p for p in [noop] + installs + [fleet] if p]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 2.4 * len(panels)))
    axes = list(axes) if len(panels) > 1 else [axes]
    if noop:
        med = noop['median']
        bars(axes.pop(0), ['ansible.builtin.pip', 'pip_venv', 'ansible.builtin.ping (floor)'],
             [med['builtin_pip'], med['pip_venv'], med['ping']],
             'No-op re-run, %s (module time): %.1fx faster' % (noop['requirements'], noop['ratio']))
    if install:
        for name, meds in install['cold_median'].items():
            labels = list(meds)
            bars(axes.pop(0), labels, [meds[k] for k in labels], 'Cold install: %s' % name)
        meds = install['incremental_median']
        labels = list(meds)
        bars(axes.pop(0), labels, [meds[k] for k in labels], 'One version bump (%s -> %s)' % tuple(install['bump']))
    if fleet:
        ax = axes.pop(0)
        sizes = sorted(fleet['sizes'], key=int)
        xs = [int(s) for s in sizes]
        series = [('trivial play (floor)', lambda r: r['floor'])]
        # The modes the results have: results written before uv was a mode have index and wheelhouse.
        modes = [m for m in ('index', 'index-uv', 'wheelhouse', 'wheelhouse-uv') if m in fleet['sizes'][sizes[0]]]
        for mode in modes:
            series += [('role no-op, %s' % mode, lambda r, m=mode: r[m]['noop']),
                       ('role cold, %s' % mode, lambda r, m=mode: r[m]['cold'])]
        for label, get in series:
            ax.plot(xs, [get(fleet['sizes'][s]) for s in sizes], marker='o', label=label,
                    linestyle='--' if 'no-op' in label else '-')
        ax.set_xticks(xs)
        ax.set_xlabel('hosts (forks = hosts)')
        ax.set_ylabel('seconds')
        ax.set_title('The role on local containers: %s' % fleet['spec'], fontsize=10)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = os.path.join(lib.RESULTS, 'benchmarks.png')
    fig.savefig(out, dpi=110)
    print('written: %s' % os.path.relpath(out, lib.ROOT))


if __name__ == '__main__':
    main()
