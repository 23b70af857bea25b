"""The role's interface is described once, in roles/venv/meta/argument_specs.yml.

- defaults/main.yml has a default for exactly the variables the specs list,
  the same default, and every variable starts with venv_;
- the variable table in roles/venv/README.md is exactly what
  tests/docs/render_role_table.py renders from the specs (run it with
  --write after changing them);
- the top README does not keep a second copy of the table.
"""

import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import render_role_table  # noqa: E402  pylint: disable=wrong-import-position

ROOT = Path(__file__).resolve().parents[2]
ROLE = ROOT / "roles" / "venv"


def specs():
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]


def test_defaults_and_specs_name_the_same_variables_with_the_same_defaults():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    options = specs()
    assert sorted(defaults) == sorted(options)
    for name, option in options.items():
        assert name.startswith("venv_"), name
        assert option.get("default") == defaults[name], name


def test_the_role_readme_table_is_rendered_from_the_specs():
    readme = (ROLE / "README.md").read_text()
    match = re.search(re.escape(render_role_table.START) + "\n(.*?)" + re.escape(render_role_table.END), readme, re.S)
    assert match, "roles/venv/README.md has no rendered variable table"
    assert match.group(1) == render_role_table.table(), \
        "the table in roles/venv/README.md is stale: python tests/docs/render_role_table.py --write"


def test_there_is_one_table():
    text = (ROOT / "README.md").read_text()
    assert render_role_table.START not in text
    assert not re.search(r"^\| `venv_state` \|", text, re.M)
