"""The tests again, on tables that are not today's: copies of this checkout as contributions leave it.

    python tests/grown_checkout.py             # make test-growth: both copies, the data tiers in each
    python tests/grown_checkout.py grown DIR   # only write the copy, into DIR/checkout

Scenarios (tests/fixtures/growth/README.md says what the rows are and where they come from):

- grown: the shipped rows plus tests/fixtures/growth/studies.csv, added as a contributor adds
  them. A row with a DOI goes through `python -m livingreview add DOI` in the copy, against a local
  server replaying Crossref's recorded answer, so its bibliographic cells and its record in
  book/references.bib are what `add` writes; its other cells are then filled in from the fixture.
  The other rows are appended as they are.
- removed: the shipped table less one row of the source review's Table 1 (the first in the file).

A copy holds the files git tracks plus new files not ignored (a contributor's work in progress
included), in DIR/checkout; DIR/shared links to the material beside this checkout (../shared)
when it exists, where the tests look for it. The copy runs its own package (PYTHONPATH), with this
checkout's virtual environment.

What runs in each copy (TIERS): every test that is not a browser scenario or `slow`, less the
files that read no data (CODE_ONLY) and the tests that need run only once (RUN_ONCE): the
fast tier's data, unit and property tests, and the book tier on one strict build of the copy.
Any test that pins today's rows fails here. It prints each run's time; README.md's test tiers
quote them.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "growth"
NEW_ROWS = FIXTURES / "studies.csv"
SCENARIOS = ("grown", "removed")

#: pytest's selection in each copy.
TIERS = "not browser and not slow"
#: Test files that read no data (lint, the package's layering, other projects' internals, the
#: environment and CI files, the plotly build): the same in every copy, so run once, by `make test`.
CODE_ONLY = (
    "test_style.py",
    "test_layout.py",
    "test_upstream.py",
    "test_setup.py",
    "test_plotly_bundle.py",
    "test_benchmarks.py",
)
#: Tests that run once, in `make test`, not in each copy: those that build a book of their own
#: besides the copy's one strict build (the same sources twice for determinism, the hostile table,
#: the shipped table grown further, incremental rebuilds: what they check does not depend on which
#: rows the table holds, and the copy's own build shows its rows on every page), and a timing on
#: a synthetic table of 10,000 studies, the same in every copy.
RUN_ONCE = (
    "tests/test_filters.py::test_fast_on_ten_thousand_studies",
    "tests/test_accessibility.py::test_two_clean_builds_give_identical_pages",
    "tests/test_accessibility.py::test_two_clean_builds_give_identical_downloads",
    "tests/test_hardening.py::test_hostile_pages_show_glued_values_literally",
    "tests/test_growth.py::test_every_page_counts_the_new_rows",
    "tests/test_growth.py::test_the_grown_book_reads_as_a_person_writes",
    "tests/test_growth.py::test_every_figure_on_the_page_counts_the_new_rows",
    "tests/test_book.py::test_rebuild_follows_the_data",
    "tests/test_book.py::test_invalid_data_stops_the_build_with_the_validators_lines",
)
#: Bibliographic cells `add` writes from the registry's record; the fixture leaves them empty.
RECORD_COLUMNS = ("first_author", "year", "title", "venue", "doi", "url")


# --------------------------------------------------------------------------------------------
# The copy


def tracked_files(root: Path = ROOT) -> list[str]:
    """What a clone of the working tree would hold: tracked files and new files not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})


def copy_checkout(dest: Path, root: Path = ROOT) -> Path:
    """A copy of the checkout's files in dest/checkout, and dest/shared beside it."""
    checkout = dest / "checkout"
    for name in tracked_files(root):
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target, follow_symlinks=False)
    shared = root.parent / "shared"
    if shared.is_dir() and not (dest / "shared").exists():
        (dest / "shared").symlink_to(shared)
    return checkout


def copy_env(checkout: Path) -> dict[str, str]:
    """The environment a command in the copy runs with: its own package first, the shipped table."""
    env = dict(os.environ)
    env.pop("LIVINGREVIEW_DATA", None)
    env["PYTHONPATH"] = os.pathsep.join([str(checkout), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def read_table(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_table(path: Path, header: list[str], rows: list[dict]) -> None:
    """As the repository keeps the table: minimal quoting, '\\n' line ends."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Crossref, replayed


def recorded_answer(doi: str) -> Path:
    return FIXTURES / f"crossref-{doi.replace('/', '-')}.json"


class _Replay(BaseHTTPRequestHandler):
    answers: dict[str, bytes] = {}

    def do_GET(self):  # http.server calls it by this name
        path = self.path.split("?", 1)[0]
        body = self.answers.get(path.removeprefix("/works/").lower())
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json" if body else "text/plain")
        body = body or b"Resource not found."
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


def add_by_doi(checkout: Path, row: dict) -> None:
    """`python -m livingreview add DOI` in the copy, Crossref's recorded answer served locally;
    then the cells it left to do (and the notes) filled in from the fixture row."""
    doi = row["doi"]
    answer = json.loads(recorded_answer(doi).read_text(encoding="utf-8"))
    _Replay.answers = {doi.lower(): json.dumps(answer).encode()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = copy_env(checkout) | {"LIVINGREVIEW_CROSSREF_URL": f"http://127.0.0.1:{server.server_port}"}
        command = [sys.executable, "-m", "livingreview", "add", doi, "--root", str(checkout), "--date", row["added"]]
        result = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, timeout=300)
    finally:
        server.shutdown()
    if result.returncode != 0:
        raise SystemExit(f"add {doi} failed in the copy:\n{result.stdout}{result.stderr}")
    table = checkout / "data" / "studies.csv"
    header, rows = read_table(table)
    added = next(r for r in rows if r["doi"].lower() == doi.lower())
    for column in ("id", "first_author", "year"):
        if added[column] != row[column]:
            raise SystemExit(f"add wrote {column} {added[column]!r}; the fixture says {row[column]!r}")
    from livingreview.data.validation import is_to_do

    for column, value in row.items():
        # Every cell still to do (a code `add` only suggested too) as the contributor codes it.
        if column not in RECORD_COLUMNS and column != "id" and (is_to_do(added[column]) or column == "notes"):
            added[column] = value
    write_table(table, header, rows)


def grow(checkout: Path) -> list[str]:
    """The grown scenario: the fixture's studies added to the copy. Returns their ids."""
    table = checkout / "data" / "studies.csv"
    _header, new = read_table(NEW_ROWS)
    for row in new:
        if row["doi"]:
            add_by_doi(checkout, row)
    header, rows = read_table(table)
    rows += [row for row in new if not row["doi"]]
    write_table(table, header, rows)
    return [row["id"] for row in new]


def remove_a_table1_row(checkout: Path) -> str:
    """The removed scenario: the first row of the source review's Table 1 taken out. Returns its id."""
    table = checkout / "data" / "studies.csv"
    header, rows = read_table(table)
    gone = next(r for r in rows if r["ref"].strip())
    write_table(table, header, [r for r in rows if r is not gone])
    return gone["id"]


def make_copy(scenario: str, dest: Path) -> tuple[Path, str]:
    """The copy of `scenario` in dest/checkout, and what was done to it."""
    checkout = copy_checkout(dest)
    if scenario == "grown":
        return checkout, f"added {', '.join(grow(checkout))}"
    if scenario == "removed":
        return checkout, f"removed {remove_a_table1_row(checkout)}"
    raise ValueError(f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")


# --------------------------------------------------------------------------------------------
# The tests in each copy


def run_tests(checkout: Path) -> int:
    """The data tiers in the copy ($PYTEST_ADDOPTS adds options, e.g. --durations=20)."""
    skip = [f"--ignore=tests/{name}" for name in CODE_ONLY] + [f"--deselect={test}" for test in RUN_ONCE]
    command = [sys.executable, "-m", "pytest", "-m", TIERS, "-p", "no:cacheprovider", "-q", *skip]
    return subprocess.run(command, cwd=checkout, env=copy_env(checkout)).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", choices=SCENARIOS, help="only write this copy")
    parser.add_argument("dest", nargs="?", type=Path, help="the folder to write it into")
    args = parser.parse_args(argv)
    if args.scenario:
        if args.dest is None:
            parser.error("a scenario needs DEST, the folder to write the copy into")
        checkout, what = make_copy(args.scenario, args.dest)
        print(f"{checkout}: {what}")
        return 0
    failed = []
    with tempfile.TemporaryDirectory(prefix="lr-growth-") as folder:
        for scenario in SCENARIOS:
            start = time.monotonic()
            checkout, what = make_copy(scenario, Path(folder) / scenario)
            print(f"==> {scenario}: {what}; the data tiers in {checkout}", flush=True)
            code = run_tests(checkout)
            print(f"==> {scenario}: exit {code} in {time.monotonic() - start:.0f} s", flush=True)
            if code:
                failed.append(scenario)
    if failed:
        print(f"failed on the {' and the '.join(failed)} table", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
