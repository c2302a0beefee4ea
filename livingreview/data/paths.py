"""Where the project's files are. Everything else asks here, so there is one answer.

The study table can be another file ($LIVINGREVIEW_DATA, see studies_path()); every helper that
reads the table asks studies_path() rather than naming data/studies.csv itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The repository root: the package sits at its top level, beside data/ and book/ (this file is
#: livingreview/data/paths.py).
ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "livingreview"

# Data files (data/): the study table, its schema, the vocabularies, the literature selection.
DATA_DIR = ROOT / "data"
DEFAULT_STUDIES = DATA_DIR / "studies.csv"
VOCABULARY = DATA_DIR / "vocabulary.yml"
DATAPACKAGE = DATA_DIR / "datapackage.json"
SELECTION = DATA_DIR / "selection.yml"
#: Studies the source review cites in its text but leaves out of Table 1 (livingreview.data.cited).
CITED = DATA_DIR / "cited.csv"
#: The source review's Table 1 as it cites its studies (livingreview.data.table1).
TABLE1 = DATA_DIR / "table1.csv"

# The update cycle (livingreview.update.search, .imports, .screening, .screen, .release): the saved
# search and its runs, the imports of databases' exports, the records they found, the decisions on
# them, where a screener stopped early, and the versions released.
SEARCH = DATA_DIR / "search.yml"
CANDIDATES = DATA_DIR / "candidates.csv"
SCREENING = DATA_DIR / "screening.csv"
SEARCH_RUNS = DATA_DIR / "search-runs.csv"
IMPORT_RUNS = DATA_DIR / "import-runs.csv"
SCREENING_STOPS = DATA_DIR / "screening-stops.csv"
RELEASES = DATA_DIR / "releases.yml"
#: How to cite the review (version and date of the current release); GitHub reads it too.
CITATION = ROOT / "CITATION.cff"
#: Jupyter Book's configuration: the repository's address and branch, Binder's address.
BOOK_CONFIG = ROOT / "_config.yml"
#: The book's bibliography; `add` appends a study's verified record to it.
REFERENCES_BIB = ROOT / "book" / "references.bib"
#: The Atom feed of added studies and releases, written at the root of the built site.
FEED_NAME = "feed.xml"

# Contributor documents with blocks generated from the data files (livingreview.book.contributor_docs).
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
PR_TEMPLATE = ROOT / ".github" / "PULL_REQUEST_TEMPLATE.md"
#: The monthly update's recipe as recorded on a replayed month (tests/test_month.py writes it).
MONTHLY_EXAMPLE = ROOT / "book" / "monthly-update.json"

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


@dataclass(frozen=True)
class Repository:
    """Every data file, in one checkout (default: this one): the table and its rules (schema,
    vocabularies), and what the update cycle reads and writes.

    The commands take `--root DIR` to work on another checkout, the tests on a copy; in this
    checkout the study table is studies_path() (so $LIVINGREVIEW_DATA is honoured).
    """

    root: Path = ROOT

    def _in_data(self, default: Path) -> Path:
        return Path(self.root) / "data" / default.name

    @property
    def studies(self) -> Path:
        return studies_path() if Path(self.root).resolve() == ROOT else self._in_data(DEFAULT_STUDIES)

    @property
    def vocabulary(self) -> Path:
        return self._in_data(VOCABULARY)

    @property
    def datapackage(self) -> Path:
        return self._in_data(DATAPACKAGE)

    @property
    def cited(self) -> Path:
        return self._in_data(CITED)

    @property
    def table1(self) -> Path:
        return self._in_data(TABLE1)

    @property
    def search(self) -> Path:
        return self._in_data(SEARCH)

    @property
    def candidates(self) -> Path:
        return self._in_data(CANDIDATES)

    @property
    def screening(self) -> Path:
        return self._in_data(SCREENING)

    @property
    def runs(self) -> Path:
        return self._in_data(SEARCH_RUNS)

    @property
    def imports(self) -> Path:
        return self._in_data(IMPORT_RUNS)

    @property
    def stops(self) -> Path:
        return self._in_data(SCREENING_STOPS)

    @property
    def releases(self) -> Path:
        return self._in_data(RELEASES)

    @property
    def citation(self) -> Path:
        return Path(self.root) / CITATION.name

    @property
    def references(self) -> Path:
        return Path(self.root) / "book" / REFERENCES_BIB.name
