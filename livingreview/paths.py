"""Where the project's files are. Everything else asks here, so there is one answer."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root: the package sits at its top level, beside data/ and book/.
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_STUDIES = DATA_DIR / "studies.csv"
VOCABULARY = DATA_DIR / "vocabulary.yml"
DATAPACKAGE = DATA_DIR / "datapackage.json"

#: Set this to build the book (or run any tool) from another study table.
DATA_ENV = "LIVINGREVIEW_DATA"


def studies_path(path: str | os.PathLike | None = None) -> Path:
    """The study table to read: `path`, else $LIVINGREVIEW_DATA, else data/studies.csv."""
    if path is not None:
        return Path(path)
    env = os.environ.get(DATA_ENV, "").strip()
    return Path(env) if env else DEFAULT_STUDIES


def display(path: str | os.PathLike) -> str:
    """`path` as a contributor would type it: relative to the current folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
