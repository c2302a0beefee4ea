"""Where the project's files are. Everything else asks here, so there is one answer.

The study table can be another file ($LIVINGREVIEW_DATA, see studies_path()); every helper that
reads the table asks studies_path() rather than naming data/studies.csv itself.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root: the package sits at its top level, beside data/ and book/.
ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "livingreview"

# Data files (data/): the study table, its schema, the vocabularies, the literature selection.
DATA_DIR = ROOT / "data"
DEFAULT_STUDIES = DATA_DIR / "studies.csv"
VOCABULARY = DATA_DIR / "vocabulary.yml"
DATAPACKAGE = DATA_DIR / "datapackage.json"
SELECTION = DATA_DIR / "selection.yml"
#: Studies the source review cites in its text but leaves out of Table 1 (livingreview.cited).
CITED = DATA_DIR / "cited.csv"

# Contributor documents with blocks generated from the data files (livingreview.contributor_docs).
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
PR_TEMPLATE = ROOT / ".github" / "PULL_REQUEST_TEMPLATE.md"

#: The book's scripts, styles and vendored plotly.js; copied as a whole to _static/STATIC_SUBDIR/.
ASSETS_DIR = PACKAGE_DIR / "assets"
STATIC_SUBDIR = "lr"

#: Set this to build the book (or run any tool) from another study table.
DATA_ENV = "LIVINGREVIEW_DATA"


def studies_path(path: str | os.PathLike | None = None) -> Path:
    """The study table to read: `path`, else $LIVINGREVIEW_DATA, else data/studies.csv."""
    if path is not None:
        return Path(path)
    env = os.environ.get(DATA_ENV, "").strip()
    return Path(env) if env else DEFAULT_STUDIES


def data_files() -> list[Path]:
    """Every file the book is computed from: the study table in use, then each file in data/."""
    table = studies_path()
    return [table] + sorted(p for p in DATA_DIR.iterdir() if p.is_file() and p != table)


def display(path: str | os.PathLike, start: str | os.PathLike | None = None) -> str:
    """`path` as a contributor would type it: relative to `start` (default: the current folder)
    when inside it, else as given."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path(start or Path.cwd()).resolve()))
    except ValueError:
        return str(path)
