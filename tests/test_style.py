"""One style for the whole code base: ruff's linter and formatter (config in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, require

PATHS = ["livingreview", "tests", "benchmarks"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *PATHS], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"ruff {' '.join(command)} found problems:\n{result.stdout}{result.stderr}"


def test_every_place_runs_the_pinned_ruff():
    """requirements-dev.txt pins ruff; the pre-commit hooks and CI's lint step use that version."""
    import re

    import yaml

    pinned = re.search(r"^ruff==(\S+)$", (ROOT / "requirements-dev.txt").read_text(), re.M).group(1)
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    ruff_hooks = [hook for hook in hooks if hook["id"].startswith("ruff")]
    assert ruff_hooks and all(hook["additional_dependencies"] == [f"ruff=={pinned}"] for hook in ruff_hooks)
    # The hooks for the chapters' cells: nbQA, jupytext and ruff at the versions the requirements pin.
    requirements = (ROOT / "requirements.txt").read_text() + (ROOT / "requirements-dev.txt").read_text()
    pins = [re.search(rf"^{name}==\S+$", requirements, re.M).group(0) for name in ("nbqa", "jupytext", "ruff")]
    nbqa_hooks = [hook for hook in hooks if hook["id"].startswith("nbqa")]
    assert nbqa_hooks and all(hook["additional_dependencies"] == pins for hook in nbqa_hooks)
    workflow = (ROOT / ".github" / "workflows" / "pr.yml").read_text()
    assert "grep '^ruff==' requirements-dev.txt" in workflow and "ruff check" in workflow


def test_the_chapters_code_cells():
    """ruff's lint and format on the code cells of the MyST text notebooks (book/*.md), through
    nbQA, which reads them with jupytext ([tool.nbqa.addopts] in pyproject.toml)."""
    chapters = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").glob("*.md") if "{code-cell}" in p.read_text())
    assert chapters
    nbqa = [sys.executable, "-m", "nbqa"]
    for command in (["ruff"], ["ruff format", "--check"]):
        result = subprocess.run([*nbqa, *command, *chapters], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"nbqa {' '.join(command)} found problems:\n{result.stdout}{result.stderr}"


def test_types():
    """mypy over the package, as configured in pyproject.toml ([tool.mypy])."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"


def test_scripts_and_styles():
    """Biome's lint of livingreview/assets/*.js and *.css (biome.jsonc), pinned by tests/js's lock file
    (`make check` and .ci/run install it: npm ci --prefix tests/js)."""
    biome = ROOT / "tests" / "js" / "node_modules" / ".bin" / "biome"
    require(biome.exists(), "Biome is not installed (npm ci --prefix tests/js)")
    result = subprocess.run(
        [str(biome), "lint", "--error-on-warnings", "--diagnostic-level=info", "--colors=off"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "Checked 0 files" not in result.stdout + result.stderr, (
        f"biome lint found problems:\n{result.stdout}{result.stderr}"
    )
