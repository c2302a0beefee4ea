"""The package's layout stays what README.md says: folders by concern, lowest layer first, every
module listed once in its folder's row, lowest first; a module imports only from folders listed
above its own and from modules listed before it in its own folder (so no import cycle, even inside
functions, and no arrow back up)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "livingreview"
#: The README row that holds the top-level modules (the front door and the command line).
TOP = "livingreview"


def readme_layout() -> list[tuple[str, list[str]]]:
    """(folder, module names in order) for each row of README.md's package table."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("\n## ", 1)[0]
    # The package's table (the first table of the section lists the repository's top level).
    section = section.split("| folder | what it holds", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in section.splitlines():
        match = re.match(r"\| `([\w]+)/` \|(.*)\|\s*$", line)
        if match:
            rows.append((match.group(1), [m.removesuffix(".py") for m in re.findall(r"`([\w]+\.py)`", match.group(2))]))
    return rows


def module_name(folder: str, module: str) -> str:
    """The dotted name below livingreview: 'data.paths', or 'cli' for a top-level module."""
    return module if folder == TOP else f"{folder}.{module}"


def module_path(name: str) -> Path:
    return PACKAGE / (name.replace(".", "/") + ".py")


def imports_of(name: str) -> set[str]:
    """The package's own modules `name` imports (dotted below livingreview), at the top or inside
    a function; importing a folder's face counts as importing each module named from it."""
    package = name.split(".")[:-1]
    tree = ast.parse(module_path(name).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            parts = base + (node.module.split(".") if node.module else [])
        elif (node.module or "").startswith("livingreview"):
            parts = node.module.split(".")[1:]
        else:
            continue
        for alias in node.names:
            candidate = ".".join([*parts, alias.name])
            found.add(candidate if module_path(candidate).is_file() else ".".join(parts))
    return {f for f in found if f} - {name}


def package_modules() -> set[str]:
    """Every module of the package, dotted below livingreview; a subfolder's __init__.py is a face
    and counts only if it holds code."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        if len(rel.parts) == 2 and rel.name == "__init__":
            continue
        names.add(".".join(rel.parts))
    return names


def test_readme_lists_every_module_once():
    listed = [module_name(folder, module) for folder, modules in readme_layout() for module in modules]
    assert len(listed) == len(set(listed)), "README.md's Layout names a module twice"
    assert sorted(listed) == sorted(package_modules()), "README.md's Layout section and livingreview/ differ"


def test_folder_faces_hold_no_code():
    """A folder's __init__.py only says what the folder is: nothing to import through."""
    for face in PACKAGE.glob("*/__init__.py"):
        body = [node for node in ast.parse(face.read_text(encoding="utf-8")).body if not isinstance(node, ast.Expr)]
        assert not body, f"{face.relative_to(ROOT)} should hold a docstring only"


def test_each_module_imports_only_the_layers_below_it():
    seen_folders: set[str] = set()
    for folder, modules in readme_layout():
        before_in_folder: set[str] = set()
        for module in modules:
            name = module_name(folder, module)
            allowed = {n for n in package_modules() if n.split(".")[0] in seen_folders and "." in n} | before_in_folder
            upward = imports_of(name) - allowed
            assert not upward, (
                f"livingreview/{name.replace('.', '/')}.py imports {sorted(upward)}, not below it in README.md's Layout"
            )
            before_in_folder.add(name)
        seen_folders.add(folder)
