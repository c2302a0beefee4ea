"""One style for the whole code base: ruff's linter and formatter (config in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

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
    workflow = (ROOT / ".github" / "workflows" / "pr.yml").read_text()
    assert "grep '^ruff==' requirements-dev.txt" in workflow and "ruff check" in workflow
