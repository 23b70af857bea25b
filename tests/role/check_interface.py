"""The role's interface is described once: every venv_ variable in
defaults/main.yml is in meta/argument_specs.yml with the same default, and
the other way round, and the variables table of the role's README lists the
same names and defaults. Exits non-zero with a list of disagreements."""
import json
import re
import sys
from pathlib import Path

import yaml

role = Path(sys.argv[1] if len(sys.argv) > 1 else 'roles/venv')
defaults = yaml.safe_load((role / 'defaults/main.yml').read_text())
spec = yaml.safe_load((role / 'meta/argument_specs.yml').read_text())['argument_specs']['main']['options']
problems = []

for name in sorted(set(defaults) | set(spec)):
    if name not in spec:
        problems.append('%s: in defaults/main.yml, not in argument_specs.yml' % name)
    elif name not in defaults:
        problems.append('%s: in argument_specs.yml, not in defaults/main.yml' % name)
    elif spec[name].get('default') != defaults[name]:
        problems.append('%s: default %r in argument_specs.yml, %r in defaults/main.yml'
                        % (name, spec[name].get('default'), defaults[name]))
    if not name.startswith('venv_'):
        problems.append('%s: role variables start with venv_' % name)

# README rows: | `venv_x` | `default` | description |
rows = {}
readme = role / 'README.md'
for line in readme.read_text().splitlines():
    m = re.match(r'^\|\s*`(venv_\w+)`\s*\|\s*`(.*?)`\s*\|', line)
    if m:
        rows[m.group(1)] = m.group(2)
for name in sorted(set(spec) | set(rows)):
    if name not in rows:
        problems.append('%s: missing from the table in %s' % (name, readme))
    elif name not in spec:
        problems.append('%s: in %s, not in argument_specs.yml' % (name, readme))
    elif rows[name] != json.dumps(defaults.get(name)):
        problems.append('%s: default %s in %s, %s in defaults/main.yml'
                        % (name, rows[name], readme, json.dumps(defaults.get(name))))

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
