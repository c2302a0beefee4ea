"""The records of the update cycle: what each search run found (search-runs.csv) and each import of
a database's export brought (import-runs.csv), the new records (candidates.csv), the decisions
screeners recorded on them (screening.csv) and where a screener stopped early on the stopping
estimate (screening-stops.csv).

The search and `import` write the runs and the candidates; `screen` appends one line per
screener's decision to screening.csv as it is made (a candidate without a line awaits one);
`add` appends a line of its own linking an included candidate to the study row it became
(its study_id; added_studies). No command rewrites a line, so branches merge line by line. A candidate's decision is its
screeners' when they agree, else the one marked `final` (settled_decisions). Each file is checked
like the study table (livingreview.data.validation: its Table Schema in data/datapackage.json,
every problem by line and column), plus its own rules:

- screening.csv: a decision needs a screener and a date; an exclusion a reason from
  search.yml, and the reason `other` a note; only an exclusion has a reason; every candidate_id
  is a row of candidates.csv and every study_id a row of the study table;
- search-runs.csv and import-runs.csv: what a service returned, or a file held, is what became
  candidates plus what was dropped.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..data.paths import Repository
from ..data.schema import resource_schema
from ..data.validation import TODO, InvalidStudiesError, Problem, check_cells, check_header, read_records, read_rows
from .protocol import Protocol, load_protocol

#: The resources of datapackage.json, by what `validate --kind` calls them.
KINDS = {
    "candidates": "candidates",
    "screening": "screening",
    "search-runs": "search-runs",
    "import-runs": "import-runs",
    "screening-stops": "screening-stops",
}
#: How each file is named in messages.
WHAT = {
    "candidates": "the search's candidates (candidates.csv)",
    "screening": "the screening decisions (screening.csv)",
    "search-runs": "the search runs (search-runs.csv)",
    "import-runs": "the imports of exports (import-runs.csv)",
    "screening-stops": "the early stops of screening (screening-stops.csv)",
}
#: Files a checkout made before they existed may lack: read as empty.
OPTIONAL = ("import-runs", "screening-stops")
DROP_COLUMNS = ("in_table", "in_cited", "in_candidates", "in_run")


def columns(kind: str) -> list[str]:
    return [f["name"] for f in resource_schema(KINDS[kind])["fields"]]


def check_file(path: str | Path, kind: str) -> tuple[list[dict], list[int], list[Problem]]:
    """A file's rows (as text), their lines and the problems of its own schema.
    Raises DataFileError when the file cannot be read as CSV at all."""
    schema = resource_schema(KINDS[kind])
    names = [f["name"] for f in schema["fields"]]
    parsed = read_records(path, names, WHAT[kind])
    problems = check_header(parsed.header, names, WHAT[kind].split(" (")[0].removeprefix("the "))
    if problems:
        return [], [], problems
    return check_cells(parsed, schema)


def validate_runs(path: str | Path, kind: str = "search-runs") -> tuple[list[dict], list[Problem]]:
    """search-runs.csv, or (kind 'import-runs') import-runs.csv: the same counting rule."""
    rows, lines, problems = check_file(path, kind)
    for row, line in zip(rows, lines):
        counts = {name: row[name].strip() for name in ("identified", "new", *DROP_COLUMNS)}
        if all(v.isdigit() for v in counts.values()):
            kept = int(counts["new"]) + sum(int(counts[n]) for n in DROP_COLUMNS)
            if kept != int(counts["identified"]):
                problems.append(
                    Problem(
                        line,
                        "identified",
                        f"{counts['identified']} records identified, but new + dropped add up to {kept}",
                    )
                )
        if row.get("since") and row.get("until") and row["since"] > row["until"]:
            problems.append(Problem(line, "since", f"{row['since']} is after the run's last date {row['until']}"))
    return rows, problems


def validate_imports(path: str | Path) -> tuple[list[dict], list[Problem]]:
    return validate_runs(path, "import-runs")


def validate_stops(path: str | Path) -> tuple[list[dict], list[Problem]]:
    rows, lines, problems = check_file(path, "screening-stops")
    for row, line in zip(rows, lines):
        counts = [row[name].strip() for name in ("candidates", "screened", "relevant")]
        if all(v.isdigit() for v in counts) and not int(counts[0]) >= int(counts[1]) >= int(counts[2]):
            problems.append(Problem(line, "screened", "expected candidates >= screened >= relevant"))
    return rows, problems


def validate_candidates(path: str | Path) -> tuple[list[dict], list[Problem]]:
    rows, _lines, problems = check_file(path, "candidates")
    return rows, problems


def validate_screening(
    path: str | Path,
    *,
    candidate_ids: set[str] | None = None,
    study_ids: set[str] | None = None,
    protocol: Protocol | None = None,
    today: _dt.date | None = None,
) -> tuple[list[dict], list[Problem]]:
    """The decisions and every problem in them. Cross-file rules apply when the other files'
    ids are given (the validate command and the build give them)."""
    protocol = protocol or load_protocol()
    today = today or _dt.date.today()
    rows, lines, problems = check_file(path, "screening")
    reasons = ", ".join(protocol.reasons)
    for row, line in zip(rows, lines):
        decision, reason = row["decision"].strip(), row["reason"].strip()
        for column in ("screener", "note", "reason"):
            if row[column].strip() == TODO:
                problems.append(Problem(line, column, f"to do: fill in the {column} ('{TODO}' was left here by add)"))
        if decision:
            if not row["screener"].strip():
                problems.append(Problem(line, "screener", f"is empty; say who decided '{decision}'"))
            if not row["screened"].strip():
                problems.append(Problem(line, "screened", f"is empty; give the date of the decision, e.g. {today}"))
        elif row["screener"].strip() or row["screened"].strip() or reason or row["study_id"].strip():
            problems.append(
                Problem(
                    line, "decision", "is empty, but the row has a screener, date, reason or study; give the decision"
                )
            )
        if decision == "exclude" and not reason:
            problems.append(Problem(line, "reason", f"is empty; an exclusion needs one of: {reasons}"))
        if reason and reason != TODO:
            if decision != "exclude":
                problems.append(Problem(line, "reason", f"'{reason}' is given, but only an exclusion has a reason"))
            elif reason not in protocol.reasons:
                problems.append(
                    Problem(line, "reason", f"'{reason}' is not a reason of search.yml; expected one of: {reasons}")
                )
            elif reason == "other" and not row["note"].strip():
                problems.append(Problem(line, "note", "is empty; the reason 'other' needs a note saying why"))
        if row["final"].strip() and not decision:
            problems.append(Problem(line, "final", "a final decision needs its decision"))
        if row["study_id"].strip() and decision != "include":
            problems.append(Problem(line, "study_id", "only an included candidate becomes a study"))
        if row["screened"].strip() and row["screened"].strip() > today.isoformat() and len(row["screened"]) == 10:
            problems.append(Problem(line, "screened", f"{row['screened']} is in the future"))
        if candidate_ids is not None and row["candidate_id"].strip() and row["candidate_id"] not in candidate_ids:
            problems.append(
                Problem(line, "candidate_id", f"'{row['candidate_id']}' is not a candidate of candidates.csv")
            )
        if study_ids is not None and row["study_id"].strip() and row["study_id"] not in study_ids:
            problems.append(Problem(line, "study_id", f"'{row['study_id']}' is not a row of the study table"))
    return rows, problems


def settled_decisions(rows: list[dict]) -> tuple[dict[str, dict], set[str]]:
    """Each candidate's decision from its screeners' lines, and the candidates they disagree on.

    A line without a decision counts as none. One screener's decision, or several screeners' that
    agree, is the candidate's (the first line's, with its reason); when they disagree, the latest
    line marked `final` (a third screener's, `screen --resolve`) decides, and without one the
    candidate is disputed: it awaits a decision."""
    lines: dict[str, list[dict]] = {}
    for row in rows:
        if row["decision"].strip():
            lines.setdefault(row["candidate_id"], []).append(row)
    settled, disputed = {}, set()
    for cid, mine in lines.items():
        final = [row for row in mine if (row.get("final") or "").strip()]
        if final:
            settled[cid] = final[-1]
        elif len({row["decision"].strip() for row in mine}) == 1:
            settled[cid] = mine[0]
        else:
            disputed.add(cid)
    return settled, disputed


def added_studies(rows: list[dict]) -> dict[str, str]:
    """The study each candidate became (candidate id -> study id): the latest line naming one."""
    return {row["candidate_id"]: row["study_id"].strip() for row in rows if row["study_id"].strip()}


@dataclass
class Cycle:
    """The update cycle's files, read and checked: rows as dicts of text, in file order."""

    candidates: list[dict] = field(default_factory=list)
    screening: list[dict] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    imports: list[dict] = field(default_factory=list)
    stops: list[dict] = field(default_factory=list)

    def decision(self, candidate_id: str) -> dict | None:
        """The candidate's decision (settled_decisions), or None while it awaits one."""
        return settled_decisions(self.screening)[0].get(candidate_id)

    def study_of(self, candidate_id: str) -> str:
        """The study the candidate became ('' while it has not been added)."""
        return added_studies(self.screening).get(candidate_id, "")

    def pending(self, found_until: str | None = None) -> list[str]:
        """Candidates without a decision (found on or before `found_until`, if given)."""
        decided = settled_decisions(self.screening)[0]
        return [
            c["candidate_id"]
            for c in self.candidates
            if c["candidate_id"] not in decided and (found_until is None or c["found"] <= found_until)
        ]

    def decisions(self) -> Counter:
        """Candidates by decision ('pending' for those awaiting one)."""
        decided = settled_decisions(self.screening)[0]
        return Counter(
            (decided[c["candidate_id"]]["decision"] if c["candidate_id"] in decided else "pending")
            for c in self.candidates
        )

    def run_dates(self) -> list[str]:
        """The dates of every search run and import, oldest first."""
        return sorted({row["date"] for row in [*self.runs, *self.imports]})


def load_cycle(
    repo: Repository | None = None, *, study_ids: set[str] | None = None, today: _dt.date | None = None
) -> Cycle:
    """The update cycle's records, checked. Raises DataFileError or InvalidStudiesError."""
    repo = repo or Repository()
    runs, problems = validate_runs(repo.runs)
    if problems:
        raise InvalidStudiesError(repo.runs, problems)
    candidates, problems = validate_candidates(repo.candidates)
    if problems:
        raise InvalidStudiesError(repo.candidates, problems)
    screening, problems = validate_screening(
        repo.screening,
        candidate_ids={c["candidate_id"] for c in candidates},
        study_ids=study_ids,
        protocol=load_protocol(repo.search),
        today=today,
    )
    if problems:
        raise InvalidStudiesError(repo.screening, problems)
    imports, problems = validate_imports(repo.imports) if repo.imports.exists() else ([], [])
    if problems:
        raise InvalidStudiesError(repo.imports, problems)
    stops, problems = validate_stops(repo.stops) if repo.stops.exists() else ([], [])
    if problems:
        raise InvalidStudiesError(repo.stops, problems)
    return Cycle(candidates, screening, runs, imports, stops)


def read_cycle(repo: Repository | None = None) -> Cycle:
    """The three files' rows as they are, unchecked (unreadable files raise DataFileError): for
    `search` and `add`, which must work while a screener's row is half filled in."""
    repo = repo or Repository()
    return Cycle(
        *(
            read_rows(path, columns(kind), WHAT[kind]) if path.exists() or kind not in OPTIONAL else []
            for path, kind in (
                (repo.candidates, "candidates"),
                (repo.screening, "screening"),
                (repo.runs, "search-runs"),
                (repo.imports, "import-runs"),
                (repo.stops, "screening-stops"),
            )
        )
    )


def csv_text(kind: str, rows: list[dict], existing: str = "") -> str:
    """`existing` (a file's text, or '' for a new one) with `rows` appended, in the file's columns,
    '\\n' line ends and minimal quoting, as every data file is written."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns(kind), lineterminator="\n", extrasaction="raise")
    if not existing.strip():
        writer.writeheader()
    elif not existing.endswith("\n"):
        existing += "\n"
    writer.writerows({name: "" if row.get(name) is None else str(row[name]) for name in columns(kind)} for row in rows)
    return existing + out.getvalue()


def rewrite_text(kind: str, rows: list[dict]) -> str:
    """The whole file from its rows: for candidates.csv, whose rows gain identifiers and sources
    in place when an import finds them again (screening.csv is only ever appended to)."""
    return csv_text(kind, rows)
