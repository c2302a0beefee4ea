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


# --- The built book, shared by every test that reads pages (one strict build per session) ---

import shutil
import subprocess
import sys

JUPYTER_BOOK = str(Path(sys.executable).parent / "jupyter-book")


def build_book(output: Path, *, data: Path | None = None, all_pages: bool = True) -> subprocess.CompletedProcess:
    """`jupyter-book build` as CI runs it (strict), into output/_build/html."""
    env = dict(os.environ)
    env.pop("LIVINGREVIEW_DATA", None)
    if data is not None:
        env["LIVINGREVIEW_DATA"] = str(data)
    args = [JUPYTER_BOOK, "build", str(ROOT), "--path-output", str(output), "-W", "-n", "--keep-going"]
    if all_pages:
        args.append("--all")
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The HTML folder of a strict, from-scratch build of the shipped data."""
    output = tmp_path_factory.mktemp("book")
    result = build_book(output)
    if result.returncode != 0:
        pytest.fail(f"the book did not build strictly:\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}")
    return output / "_build" / "html"


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Debian chromium driven by Playwright, headless and with background networking off."""
    path = chromium_path()
    require(path is not None, "Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=path,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()
