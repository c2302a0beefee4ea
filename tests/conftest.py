"""Shared test helpers: where things are, and the rule for tests that need outside material."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_84fef9ad5470382f.txt"
SOURCES_BIB = SHARED / "sources" / "references.bib"


def require(condition: bool, reason: str) -> None:
    """Skip when something outside the repo is missing, except under CI, where it must be there."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)
