"""Render the role's variable table for roles/venv/README.md from meta/argument_specs.yml.

    python tests/docs/render_role_table.py           # print the table
    python tests/docs/render_role_table.py --write   # replace it in roles/venv/README.md

The role's README holds the only copy of the table, between the markers
below; test_role_vars_table.py checks that it is exactly what this renders.
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "roles" / "venv" / "meta" / "argument_specs.yml"
README = ROOT / "roles" / "venv" / "README.md"
START = "<!-- role-variables:start -->"
END = "<!-- role-variables:end -->"


def plain(text):
    """Ansible doc markup to Markdown: C(x), V(x), O(x), E(x) -> `x`; I(x) -> *x*."""
    text = re.sub(r"\b[CVOE]\(([^()]*)\)", r"`\1`", text)
    text = re.sub(r"\bI\(([^()]*)\)", r"*\1*", text)
    return text.replace("|", "\\|").replace("\n", " ")


def type_cell(option):
    kind = option.get("type", "str")
    if kind == "list" and "elements" in option:
        return "list of %s" % option["elements"]
    return kind


def default_cell(option):
    if "default" not in option:
        return "required" if option.get("required") else "-"
    return "`%s`" % yaml.safe_dump(option["default"], default_flow_style=True, width=1000).strip() \
        .removesuffix("...").strip().replace("|", "\\|")


def table():
    options = yaml.safe_load(SPECS.read_text(encoding="utf-8"))["argument_specs"]["main"]["options"]
    lines = ["| Variable | Type | Default | Description |", "|---|---|---|---|"]
    for name, option in options.items():
        desc = option.get("description", "")
        desc = " ".join(desc) if isinstance(desc, list) else desc
        if option.get("choices"):
            desc += " One of %s." % ", ".join("`%s`" % c for c in option["choices"])
        lines.append("| `%s` | %s | %s | %s |" % (name, type_cell(option), default_cell(option), plain(desc)))
    return "\n".join(lines) + "\n"


def main():
    text = table()
    if "--write" not in sys.argv:
        sys.stdout.write(text)
        return
    readme = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        sys.exit("%s has no %s ... %s markers" % (README, START, END))
    README.write_text(pattern.sub(lambda m: START + "\n" + text + END, readme), encoding="utf-8")


if __name__ == "__main__":
    main()
