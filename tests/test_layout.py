"""The package's layout stays what README.md says: every module listed once, lowest layer first,
each importing only modules listed above it (so there is no import cycle, even inside functions)."""

from __future__ import annotations

import ast
import re

from conftest import ROOT

PACKAGE = ROOT / "livingreview"


def readme_order() -> list[str]:
    """Module names in the order of README.md's module table (a row may name several)."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in section.splitlines():
        first_cell = line.split("|")[1] if line.startswith("| `") else ""
        names += [name.removesuffix(".py") for name in re.findall(r"`([\w]+\.py)`", first_cell)]
    return names


def imports_of(module: str) -> set[str]:
    """The package's own modules `module` imports, at the top or inside a function."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("livingreview."):
            found.add(node.module.split(".")[1])
    return found - {module}


def test_readme_lists_every_module_once():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py"))
    order = readme_order()
    assert sorted(order) == modules, "README.md's Layout section and livingreview/ differ"


def test_each_module_imports_only_the_layers_below_it():
    order = readme_order()
    for position, module in enumerate(order):
        above = set(order[:position])
        upward = imports_of(module) - above
        assert not upward, f"{module}.py imports {sorted(upward)}, listed below it in README.md's Layout"
