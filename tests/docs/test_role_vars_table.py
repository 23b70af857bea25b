"""The README's role variable table and roles/venv/meta/argument_specs.yml agree.

argument_specs.yml is the single description of the role's interface; the
README repeats its variables for readers. This test fails, naming the
variable, when the two differ in names, defaults or types. It never skips:
a missing README table is a failure, since the role exists.

The table is the first Markdown table in README.md whose header has a column
named like "Variable" (or "Name"), one named "Type" and one named "Default".
Cells may wrap names and values in backticks; defaults are compared as YAML
values, so `[]`, `true` and `"python3"` mean what they say. An empty cell,
"-", or "required" stands for "no default".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SPECS = ROOT / "roles" / "venv" / "meta" / "argument_specs.yml"
ENTRY_POINT = "main"

NO_DEFAULT = object()
NO_DEFAULT_CELLS = {"", "-", "\u2014", "\u2013", "n/a", "required", "(required)"}


def split_row(line: str) -> list[str]:
    """Cells of one Markdown table row; `\\|` is a literal pipe."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [cell.replace("\\|", "|").strip() for cell in cells]


def is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(re.fullmatch(r":?-{3,}:?", c) for c in cells)


def markdown_tables(text: str) -> list[tuple[list[str], list[list[str]], int]]:
    """(header, rows, line number of the header) of every table in text."""
    tables = []
    lines = text.splitlines()
    in_fence = False
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if (not in_fence and "|" in lines[i] and i + 1 < len(lines)
                and is_separator(split_row(lines[i + 1]))):
            header = [h.strip("*_ ").lower() for h in split_row(lines[i])]
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
                rows.append(split_row(lines[j]))
                j += 1
            tables.append((header, rows, i + 1))
            i = j
            continue
        i += 1
    return tables


def column(header: list[str], *names: str) -> int | None:
    for index, title in enumerate(header):
        if any(title == n or title.startswith(n + " ") for n in names):
            return index
    return None


def unquote(cell: str) -> str:
    """The text of a cell without Markdown code spans around it."""
    cell = cell.strip()
    match = re.fullmatch(r"(`+)\s?(.*?)\s?\1", cell)
    return match.group(2) if match else cell


def readme_default(cell: str):
    text = unquote(cell)
    if text.lower() in NO_DEFAULT_CELLS:
        return NO_DEFAULT
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        # Jinja such as {{ x }} is not valid YAML on its own; compare as text.
        return text


def spec_type(option: dict) -> str:
    kind = option.get("type", "str")
    if kind == "list" and "elements" in option:
        return "list of %s" % option["elements"]
    return kind


TYPE_WORDS = {
    "string": "str", "strings": "str", "str": "str",
    "boolean": "bool", "bool": "bool",
    "integer": "int", "int": "int",
    "dictionary": "dict", "dict": "dict", "dicts": "dict", "dictionaries": "dict",
    "paths": "path", "path": "path", "raw": "raw", "float": "float",
}


def readme_type(cell: str) -> str:
    """'list of strings', 'list[str]', '`list` of `str`' -> 'list of str'."""
    text = unquote(cell).replace("`", "").strip().lower()
    match = re.fullmatch(r"list\s*(?:\[\s*(\w+)\s*\]|of\s+(\w+))", text)
    if match:
        element = match.group(1) or match.group(2)
        return "list of %s" % TYPE_WORDS.get(element, element)
    return TYPE_WORDS.get(text, text)


def load_spec() -> dict[str, dict]:
    assert SPECS.is_file(), "%s is missing" % SPECS.relative_to(ROOT)
    data = yaml.safe_load(SPECS.read_text(encoding="utf-8"))
    try:
        options = data["argument_specs"][ENTRY_POINT]["options"]
    except (KeyError, TypeError):
        pytest.fail("%s has no argument_specs.%s.options" % (SPECS.relative_to(ROOT), ENTRY_POINT))
    return options


def load_table() -> dict[str, tuple[str, str]]:
    """README variable -> (type cell, default cell)."""
    if not README.is_file():
        pytest.fail(
            "README.md is missing, and it must carry the role's variable table "
            "(columns Variable, Type, Default) that agrees with %s" % SPECS.relative_to(ROOT))
    for header, rows, line in markdown_tables(README.read_text(encoding="utf-8")):
        name_col = column(header, "variable", "name", "option")
        type_col = column(header, "type")
        default_col = column(header, "default")
        if None in (name_col, type_col, default_col):
            continue
        table = {}
        for row in rows:
            if len(row) <= max(name_col, type_col, default_col):
                pytest.fail("README.md table at line %d: row %r has too few cells" % (line, row))
            name = unquote(row[name_col]).replace("`", "")
            assert name not in table, "README.md lists %s twice" % name
            table[name] = (row[type_col], row[default_col])
        return table
    pytest.fail(
        "README.md has no role variable table: expected a Markdown table whose header "
        "has the columns Variable, Type and Default, one row per option of %s"
        % SPECS.relative_to(ROOT))


def test_same_variables():
    spec = set(load_spec())
    table = set(load_table())
    missing = sorted(spec - table)
    unknown = sorted(table - spec)
    assert not missing and not unknown, (
        "README.md's variable table and argument_specs.yml differ:\n"
        "  in argument_specs.yml, not in README.md: %s\n"
        "  in README.md, not in argument_specs.yml: %s"
        % (", ".join(missing) or "-", ", ".join(unknown) or "-"))


def test_same_defaults():
    spec = load_spec()
    table = load_table()
    wrong = []
    for name in sorted(set(spec) & set(table)):
        expected = spec[name].get("default", NO_DEFAULT)
        shown = readme_default(table[name][1])
        if expected is None and shown is NO_DEFAULT:
            continue
        if shown != expected:
            wrong.append("  %s: README.md says %s, argument_specs.yml says %s" % (
                name, table[name][1] or "(empty)",
                "(no default)" if expected is NO_DEFAULT else repr(expected)))
    assert not wrong, "defaults differ:\n" + "\n".join(wrong)


def test_same_types():
    spec = load_spec()
    table = load_table()
    wrong = []
    for name in sorted(set(spec) & set(table)):
        expected = spec_type(spec[name])
        shown = readme_type(table[name][0])
        # "list" alone is accepted for a list whose element type the row omits.
        if shown == expected or (shown == "list" and expected.startswith("list")):
            continue
        wrong.append("  %s: README.md says %s, argument_specs.yml says %s" % (
            name, table[name][0] or "(empty)", expected))
    assert not wrong, "types differ:\n" + "\n".join(wrong)
