"""Shared test helpers: where things are, and the rule for tests that need outside material."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from livingreview.book.studies_page import TABLE_CSS, TABLE_JS, studies_table_html, write_table_data
from livingreview.data.paths import ASSETS_DIR

# The update cycle's fixtures (a repository copy, the services replayed on a local server).
from api_replay import replay, repo  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_84fef9ad5470382f.txt"
SOURCES_BIB = SHARED / "sources" / "references.bib"


@pytest.fixture(autouse=True)
def _ranking_cache(tmp_path_factory, monkeypatch):
    """`screen` keeps its ranking features between sessions (livingreview.update.ranking): in the
    test run's own folder, not the user's cache (commands the tests start inherit it)."""
    monkeypatch.setenv("LIVINGREVIEW_CACHE", str(tmp_path_factory.getbasetemp() / "ranking-cache"))


def require(condition: bool, reason: str, *, strict_env: str = "CI") -> None:
    """Skip when something outside the repo is missing, except where `strict_env` is set (CI),
    in which case it must be there."""
    if condition:
        return
    if os.environ.get(strict_env):
        pytest.fail(f"required when {strict_env} is set: {reason}")
    pytest.skip(reason)


def require_shared(path: Path) -> None:
    """The seed and verified records live in ../shared, beside this repository on our machines
    (.ci/run sets LIVINGREVIEW_REQUIRE_SHARED) but not on GitHub, where these tests skip."""
    require(path.exists(), f"{path} is not beside the repository", strict_env="LIVINGREVIEW_REQUIRE_SHARED")


# --- The built book, shared by every test that reads pages (one strict build per session) ---

JUPYTER_BOOK = str(Path(sys.executable).parent / "jupyter-book")
#: The session build's stdout and stderr, saved next to its _build folder.
BUILD_OUTPUT = "build-output.txt"


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
    # What the build printed, beside it, for the tests of the output itself (tests/test_setup.py).
    (output / BUILD_OUTPUT).write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        pytest.fail(f"the book did not build strictly:\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}")
    return output / "_build" / "html"


@pytest.fixture(scope="session")
def book_html(request) -> Path:
    """The shipped book's HTML folder. LIVINGREVIEW_TEST_BOOK=DIR reuses a build made by hand
    (`jupyter-book build . --path-output DIR --all`, or DIR=. after `make book`); otherwise the
    session's strict build."""
    prebuilt = os.environ.get("LIVINGREVIEW_TEST_BOOK")
    if prebuilt:
        return Path(prebuilt) / "_build" / "html"
    return request.getfixturevalue("built_book")


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where browser tests save screenshots to look at: $LIVINGREVIEW_TEST_ARTIFACTS, else a folder
    of this session's temporary directory (never a fixed path shared with other runs)."""
    folder = Path(os.environ.get("LIVINGREVIEW_TEST_ARTIFACTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def every_string(value):
    """Every string in a JSON-like value (dicts, lists and tuples, nested), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from every_string(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from every_string(item)


def css_rgb(hex_colour: str) -> str:
    """'#rrggbb' as a browser's computed style writes it: 'rgb(r, g, b)'."""
    return f"rgb({', '.join(str(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5))})"


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


def write_site(root: Path, df, *, name: str = "studies.html", **options) -> Path:
    """A studies page laid out as the book will be: in a sub-folder, the assets where the Sphinx
    extension puts them, the table fragment and a card anchor per study (no book build needed).
    Another page in the same `root` reuses the assets already there."""
    static = root / "_static" / "lr"
    if not static.is_dir():
        shutil.copytree(ASSETS_DIR, static, ignore=shutil.ignore_patterns("figures.js", "book.css", "vendor"))
    head = "".join(f'<link rel="stylesheet" href="../_static/lr/{c}">' for c in TABLE_CSS)
    head += "".join(f'<script defer src="../_static/lr/{j}"></script>' for j in TABLE_JS)
    cards = "".join(f'<section id="study-{i}"><h3>{i}</h3></section>' for i in df["id"])
    page = root / "book" / name
    csv = page.with_suffix(".csv")
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Studies</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{head}<style>body{{margin:0;font-family:system-ui,sans-serif}}"
        "main{max-width:60rem;margin:0 auto;padding:1rem 2rem}</style></head>"
        f"<body><main><h1>The studies</h1>{studies_table_html(df, data_prefix=page.stem, csv_href=csv.name, **options)}"
        f"{cards}</main></body></html>",
        encoding="utf-8",
    )
    # The files the page loads, beside it, as the Sphinx extension writes them (named after the
    # page: several pages may share a folder), and the whole table as CSV.
    write_table_data(df, page.parent, prefix=page.stem, csv_name=csv.name)
    return page


# --- Sphinx in process: Sphinx's own test fixtures (make_app, app, ...), as MyST-NB tests its
# extension; test roots are tests/roots/test-NAME (tests/test_sphinxext.py, tests/test_upstream.py).
pytest_plugins = ("sphinx.testing.fixtures",)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where sphinx.testing's @pytest.mark.sphinx(testroot=NAME) finds tests/roots/test-NAME."""
    return Path(__file__).resolve().parent / "roots"
