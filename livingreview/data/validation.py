"""Reading and checking the data files (studies.csv and every other CSV file of data/), with
messages a contributor can act on.

The checks every CSV file gets (read_records, check_header, check_cells: decoding, CSV syntax,
the header, row widths and the file's Table Schema in data/datapackage.json) are written once
here; the study table adds its vocabulary lists, the moving upper bound on year and the to-do
marker (check_rows), and each other file adds its own rules where it is read
(livingreview.data.cited, livingreview.update.screening).

Two kinds of failure:
- DataFileError: the file cannot be read or parsed as CSV at all (exit 2 in the CLI);
- Problem: one thing wrong in one cell, header or row, located by line and column (exit 1).
Frictionless checks what Table Schema can express (types, required, pattern, unique, minimum);
this module adds what it cannot: ';'-separated vocabulary lists, the current-year bound,
and line numbers of the file (a quoted field may span lines, so record != line).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

from .schema import expected_columns, resource_schema, table_schema
from .vocabulary import LIST_COLUMNS, SEPARATOR, load_vocabulary, split_terms

#: Larger files are refused before parsing: 10,000 studies with long text fields take ~25 MB.
MAX_BYTES = 64 * 1024 * 1024
FIRST_YEAR = 1990
#: What `python -m livingreview add` writes into the cells a person must fill in (the six Table 1
#: fields and the codes): the validator names each one until it is replaced.
TODO = "TODO"
#: What `add` writes into a coded cell for which it suggests terms (livingreview.update.coding):
#: the mark, then the terms ('TODO suggested: radiology;oncology'). The cell is still to do: the
#: validator names it, and so nothing releases it, until a person accepts or edits the terms
#: (`python -m livingreview code ID` writes the bare terms).
SUGGESTED = "TODO suggested:"
#: Line breaks and other control characters in a quoted cell or header, shown escaped (\n, \x0c):
#: every problem stays on one line of output.
_ONE_LINE = {c: repr(chr(c))[1:-1] for c in (*range(0x20), 0x7F, 0x85, 0x2028, 0x2029)}


def is_to_do(cell) -> bool:
    """Whether a cell still waits for a person: the to-do mark, or terms only suggested."""
    text = str(cell or "").strip()
    return text == TODO or text.startswith(SUGGESTED)


def suggested_terms(cell) -> str | None:
    """The terms of a suggested cell ('radiology;oncology'), or None if the cell is no suggestion."""
    text = str(cell or "").strip()
    return text.removeprefix(SUGGESTED).strip() if text.startswith(SUGGESTED) else None


def suggestion_cell(terms: str) -> str:
    """A coded cell holding suggested terms, marked as not yet accepted."""
    return f"{SUGGESTED} {terms}"


class DataFileError(Exception):
    """The file cannot be read or parsed at all. str() is the one line to show."""


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    column: str
    message: str

    def render(self, path: str | Path) -> str:
        """The line a contributor's terminal shows: PATH:LINE: column 'NAME': problem."""
        return f"{path}:{self.line}: column '{self.column}': {self.message}".translate(_ONE_LINE)

    def annotation(self, path: str | Path) -> str:
        """The same problem as a GitHub workflow command, shown on the line of the pull request."""
        return github_annotation(path, self.message, title=f"column '{self.column}'", line=self.line)


def github_annotation(path: str | Path, message: str, *, title: str, line: int | None = None) -> str:
    """'::error file=PATH,line=N,title=TITLE::MESSAGE', escaped as the workflow-command syntax wants."""
    where = f"file={_github_escape(str(path), property_value=True)}"
    if line is not None:
        where += f",line={line}"
    return f"::error {where},title={_github_escape(title, property_value=True)}::{_github_escape(message)}"


def _github_escape(text: str, *, property_value: bool = False) -> str:
    # Data needs %, CR and LF escaped; property values also ',' and ':'.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(",", "%2C").replace(":", "%3A")
    return text


class InvalidStudiesError(ValueError):
    """The file parsed, but rows break the schema; .problems lists every one."""

    def __init__(self, path: str | Path, problems: list[Problem]):
        self.path = str(path)
        self.problems = sorted(set(problems))
        super().__init__("\n".join(p.render(self.path) for p in self.problems))


@dataclass
class ParsedFile:
    header: list[str]
    records: list[list[str]]
    lines: list[int]  # line on which each record starts (header = line 1)
    #: How a spreadsheet program saves CSV, which the repository does not keep (format_problems):
    bom: bool = False  # the file starts with a byte-order mark
    carriage_return: int = 0  # the first line with a carriage return (Windows or old Mac line ends); 0: none


def trusted_rows(parsed: ParsedFile, columns: list[str]) -> list[dict]:
    """The records of a file the build already validated, as dicts of `columns` (no checks)."""
    position = {name: i for i, name in enumerate(parsed.header)}
    return [{name: record[position[name]] for name in columns} for record in parsed.records]


def read_bounded(path: Path, limit: int, error: type[Exception], kind: str, hint: str = "") -> bytes:
    """The bytes of a file a person named, or `error` with one line saying why not: larger than
    `limit` (checked before it is opened), a folder (not `kind`), missing, or unreadable. `hint`
    follows the size message. The one reader of a data file and of a database export."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise error(f"{path}: the file is {size / 2**20:.0f} MB; the limit is {limit // 2**20} MB {hint}".rstrip())
        return path.read_bytes()
    except error:
        raise
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not {kind}") from None
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_records(path: str | Path, columns: list[str] | None = None, what: str = "the study table") -> ParsedFile:
    """Decode and split the CSV, keeping each record's first line. Raises DataFileError.

    `columns` are the ones the file should have (default: the study table's); a first line with
    none of them is not this file at all. `what` names the file in that message."""
    path = Path(path)
    raw = read_bounded(path, MAX_BYTES, DataFileError, "a CSV file", "(a study table of 10,000 rows takes about 25 MB)")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DataFileError(f"{path}:{line}: contains a NUL byte: this is a binary file, not CSV text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            f"{path}:{line}: is not UTF-8 (byte 0x{raw[exc.start]:02x} cannot be decoded); "
            "save the file with UTF-8 encoding"
        ) from None
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")  # a BOM, as spreadsheet programs write it
    carriage_return = text[: text.index("\r")].count("\n") + 1 if "\r" in text else 0
    if not text.strip():
        raise DataFileError(f"{path}: the file is empty; it needs a header line")

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, lines = [], []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(field.strip() for field in record):
                continue  # a blank line, or a row of empty cells as spreadsheets save, is no study
            records.append(record)
            lines.append(start)
    except csv.Error as exc:
        start = previous_end + 1
        if "unexpected end of data" in str(exc) or "EOF" in str(exc):
            raise DataFileError(
                f'{path}:{start}: unbalanced quotes: a field opened with " on or after this line '
                'is never closed (inside a quoted field write a quote as "")'
            ) from None
        raise DataFileError(f"{path}:{reader.line_num}: cannot be parsed as CSV: {exc}") from None
    if not records:  # e.g. only '""' or ',,,' lines: text, but not one non-blank record
        raise DataFileError(f"{path}: the file is empty; it needs a header line")
    header = [name.strip() for name in records[0]]
    expected = expected_columns() if columns is None else columns
    if not set(header) & set(expected):
        raise DataFileError(
            f"{path}:1: does not look like {what}: the first line has none of the expected "
            f"columns ({', '.join(expected)})"
        )
    return ParsedFile(header, records[1:], lines[1:], bom, carriage_return)


def read_rows(path: str | Path, columns: list[str] | None = None, what: str = "the study table") -> list[dict]:
    """The file's rows as dicts of text (`columns`, default the study table's; a missing column is
    ''), without checking them: for tools that must work while the data still has problems, such
    as a row that `add` left with to-do cells. Raises DataFileError when unreadable."""
    columns = expected_columns() if columns is None else columns
    parsed = read_records(path, columns, what)
    position = {name: i for i, name in enumerate(parsed.header)}
    return [
        {name: record[position[name]] if name in position and position[name] < len(record) else "" for name in columns}
        for record in parsed.records
    ]


def check_header(header: list[str], expected: list[str] | None = None, what: str = "study table") -> list[Problem]:
    """Columns named twice, unexpected or missing (`expected` defaults to the study table's)."""
    expected = expected_columns() if expected is None else expected
    problems = []
    seen = set()
    for name in header:
        if name in seen:
            problems.append(Problem(1, name, "appears twice in the header; each column once"))
        seen.add(name)
    for name in header:
        if name not in expected:
            hint = _closest_hint(name, expected)
            problems.append(Problem(1, name, f"unexpected column{hint}; allowed columns: {', '.join(expected)}"))
    for name in expected:
        if name not in seen:
            problems.append(Problem(1, name, f"missing from the header; every {what} needs it"))
    return problems


def _closest_hint(text: str, options) -> str:
    import difflib

    match = difflib.get_close_matches(text.lower(), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def check_cells(parsed: ParsedFile, schema: dict) -> tuple[list[dict], list[int], list[Problem]]:
    """What any data file's rows must satisfy: as many fields as the header, and the file's Table
    Schema (types, required, patterns, enums, bounds, unique keys), checked by frictionless.

    Returns the rows as dicts (column -> text, in the schema's columns) with their first lines,
    and every problem found. The header must already be right (check_header).
    """
    from frictionless import Resource, Schema

    fields = {f["name"]: f for f in schema["fields"]}
    columns = list(fields)
    position = {name: i for i, name in enumerate(parsed.header)}
    problems: list[Problem] = []
    rows, lines = [], []
    width = len(parsed.header)
    for record, line in zip(parsed.records, parsed.lines):
        if len(record) != width:
            more = len(record) > width
            column = parsed.header[-1] if more else parsed.header[len(record)] if record else parsed.header[0]
            problems.append(
                Problem(
                    line,
                    column,
                    f"the row has {len(record)} fields but the header has {width}: "
                    + ("quote any field that contains a comma" if more else "a field or comma is missing")
                    + "; the row was not checked further",
                )
            )
            continue
        rows.append({name: record[position[name]] for name in columns})
        lines.append(line)

    problems += format_problems(parsed)

    data = [columns] + [[row[name] for name in columns] for row in rows]
    report = Resource(data=data, schema=Schema.from_descriptor(schema)).validate(limit_errors=10**9)
    for error in report.tasks[0].errors if report.tasks else []:
        row_number = getattr(error, "row_number", None)
        name = getattr(error, "field_name", None)
        if row_number is None or name is None:
            continue
        line = lines[row_number - 2]
        cell = getattr(error, "cell", "")
        problems.append(Problem(line, name, _schema_message(error, name, cell, fields[name], lines)))
    return rows, lines, problems


def check_resource(
    path: str | Path, resource: str, what: str, noun: str
) -> tuple[list[dict], list[int], list[Problem]]:
    """A data file described by datapackage.json's `resource` (what: 'the cited-only studies
    (cited.csv)', noun: 'cited-only file'): its rows as text, their lines and the problems of its
    header and cells. Raises DataFileError when the file cannot be read as CSV at all."""
    schema = resource_schema(resource)
    columns = [f["name"] for f in schema["fields"]]
    parsed = read_records(path, columns, what)
    problems = check_header(parsed.header, columns, noun)
    if problems:
        return [], [], problems
    return check_cells(parsed, schema)


def trusted_resource_rows(path: str | Path, resource: str, what: str) -> list[dict]:
    """The rows of a data file the build already validated (no checks)."""
    columns = [f["name"] for f in resource_schema(resource)["fields"]]
    return trusted_rows(read_records(path, columns, what), columns)


def format_problems(parsed: ParsedFile) -> list[Problem]:
    """A byte-order mark or carriage returns, as spreadsheet programs save CSV: valid CSV, but the
    repository keeps '\n' line ends and no mark, and git would show every line as changed."""
    saved = [
        *(["a byte-order mark"] if parsed.bom else []),
        *(
            [f"Windows line ends (carriage returns, from line {parsed.carriage_return})"]
            if parsed.carriage_return
            else []
        ),
    ]
    if not saved or not parsed.header:
        return []
    return [
        Problem(
            1 if parsed.bom else parsed.carriage_return,
            parsed.header[0],
            f"the file was saved with {' and '.join(saved)}, as spreadsheet programs save CSV, so every line "
            f"would change in the diff; run `python -m livingreview normalise` to write it back as the "
            "repository keeps it",
        )
    ]


def normalised_text(path: str | Path, columns: list[str] | None = None, what: str = "the study table") -> str:
    """The file as the repository keeps it (what `python -m livingreview normalise` writes): UTF-8
    without a byte-order mark, '\n' line ends (inside quoted cells too), no white space at either
    end of a cell, no blank rows, and csv's minimal quoting. The cells' text is otherwise unchanged.
    Raises DataFileError when the file cannot be read as CSV."""
    parsed = read_records(path, columns, what)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for record in [parsed.header, *parsed.records]:
        writer.writerow([cell.replace("\r\n", "\n").replace("\r", "\n").strip() for cell in record])
    return out.getvalue()


#: The study table's long-text columns: the six descriptive fields and the notes. A line break
#: inside them is kept (the studies table shows it; Table 1 lists items line by line); in every
#: other column a cell is one line.
DESCRIPTIVE_COLUMNS = ("dataset", "method", "model", "application", "purpose", "limitations")
MULTILINE_COLUMNS = (*DESCRIPTIVE_COLUMNS, "notes")


def _cell_shape_problems(row: dict, line: int, fields: dict) -> list[Problem]:
    """White space at either end of a cell, and a line break where a cell is one line: for the
    text columns without a pattern (a pattern or a type already names a stray space)."""
    problems = []
    for column, cell in row.items():
        field = fields.get(column, {})
        if field.get("type", "string") != "string" or "pattern" in field.get("constraints", {}):
            continue
        if cell.strip() == TODO:
            continue
        if cell != cell.strip():
            where = " and ".join(
                side for side, stray in (("starts", cell[:1].isspace()), ("ends", cell[-1:].isspace())) if stray
            )
            problems.append(
                Problem(
                    line,
                    column,
                    f"{where} with white space (a space or a line break); remove it "
                    "(`python -m livingreview normalise` removes it from every cell)",
                )
            )
        if column not in MULTILINE_COLUMNS and ("\n" in cell.strip() or "\r" in cell.strip()):
            fix = (
                "list the terms on one line, separated by ';'"
                if column in LIST_COLUMNS
                else "write the cell on one line"
            )
            problems.append(Problem(line, column, f"has a line break; {fix}"))
    return problems


def check_rows(parsed: ParsedFile, today: _dt.date | None = None) -> tuple[list[dict], list[int], list[Problem]]:
    """Every problem in the study table's rows; also the rows as dicts (column -> text) with their lines."""
    rows, lines, problems = check_cells(parsed, table_schema())

    # What Table Schema cannot express: to-do cells, vocabulary lists, the moving upper bound on
    # year, and cells as the tests and pages read them (no stray white space, one line where a
    # cell is a name or a list).
    facets = load_vocabulary()
    fields = {f["name"]: f for f in table_schema()["fields"]}
    this_year = (today or _dt.date.today()).year
    for row, line in zip(rows, lines):
        problems.extend(_cell_shape_problems(row, line, fields))
        for column, cell in row.items():
            if cell.strip() == TODO:
                problems.append(Problem(line, column, _todo_message(column)))
            elif (terms := suggested_terms(cell)) is not None:
                problems.append(Problem(line, column, _suggestion_message(row["id"], terms)))
        year = row["year"].strip()
        if re.fullmatch(r"\d+", year) and int(year) > this_year:
            problems.append(
                Problem(line, "year", f"{year} is in the future; expected a year from {FIRST_YEAR} to {this_year}")
            )
        for column in LIST_COLUMNS:
            if not is_to_do(row[column]):
                problems.extend(_check_terms(row[column], facets[column], line))
    return rows, lines, problems


def _todo_message(column: str) -> str:
    if column in LIST_COLUMNS:
        facet = load_vocabulary()[column]
        need = "one or more terms" if facet.required else "zero or more terms (an empty cell is allowed)"
        return f"to do: choose {need}, ';'-separated, by their definitions in the Contribute chapter"
    return f"to do: fill in from the publication ('{TODO}' was left here by python -m livingreview add)"


def _suggestion_message(study: str, terms: str) -> str:
    shown = f"'{terms}'" if terms else "no term"
    return (
        f"to do: {shown} only suggested (from the words of the record and the nearest studies); accept or edit it "
        f"with python -m livingreview code {study}"
    )


def _schema_message(error, name: str, cell, field: dict, lines: list[int]) -> str:
    constraint = re.search(r'constraint "(\w+)"', error.note or "")
    kind = constraint.group(1) if constraint else None
    shown = f"'{cell}'"
    if error.type == "type-error":
        if field["type"] == "date":
            return f"{shown} is not a date; write it as YYYY-MM-DD (ISO 8601), e.g. {_dt.date.today():%Y-%m-%d}"
        if name == "year":
            return f"{shown} is not a whole number; expected a year from {FIRST_YEAR} to {_dt.date.today().year}"
        return f"{shown} is not a whole number; expected an integer such as 12, or an empty cell"
    if error.type in ("unique-error", "primary-key"):
        earlier = re.search(r"position (\d+)", error.note or "")
        where = f" already used on line {lines[int(earlier.group(1)) - 2]}" if earlier else " used twice"
        if name == "id":
            return f"duplicate id {shown}:{where}; every study needs its own id (add -b for a second study of the same author and year)"
        return f"duplicate {name} {shown}:{where}; each {name} appears once in this file"
    if kind == "required":
        if name in LIST_COLUMNS:
            facet = load_vocabulary()[name]
            return f"is empty; give at least one term, ';'-separated, from: {', '.join(facet.terms)}"
        return f"is empty; this column is required ({field.get('description', '').rstrip('.')})"
    if kind == "pattern":
        if name == "id":
            return f"{shown} is not a valid id; use lowercase letters, digits and hyphens only (^[a-z0-9-]+$), e.g. ultsch-2025"
        if name == "doi":
            bare = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", str(cell).strip(), flags=re.I)
            hint = f" (write '{bare}')" if bare != str(cell) and re.fullmatch(r"10\.\d{4,9}/\S+", bare) else ""
            return f"{shown} is not a DOI; expected the bare form 10.NNNN/suffix{hint}, or an empty cell"
        if name == "url":
            return f"{shown} is not an https:// link; give a full https:// address, or leave the cell empty"
        return f"{shown} does not match the pattern {field['constraints']['pattern']}"
    if kind == "enum":
        allowed = ", ".join(str(v) for v in field["constraints"]["enum"])
        return f"{shown} is not allowed here; expected one of: {allowed}"
    if kind == "minimum":
        if name == "year":
            return f"{cell} is out of range; expected a year from {FIRST_YEAR} to {_dt.date.today().year}"
        return f"{cell} is too small; the minimum is {field['constraints']['minimum']}"
    return f"{shown}: {error.note}"


def _check_terms(cell: str, facet, line: int) -> list[Problem]:
    problems: list[Problem] = []
    terms = split_terms(cell)
    if not terms:
        return problems  # an empty required list is reported by the schema's "required"
    if "," in cell:
        joined = SEPARATOR.join(part.strip() for part in re.split(r"[;,]", cell) if part.strip())
        return [Problem(line, facet.column, f"'{cell}': separate terms with ';', not ',' (write '{joined}')")]
    seen = set()
    for term in terms:
        if not term:
            problems.append(Problem(line, facet.column, f"'{cell}' has an empty term: remove the extra ';'"))
            continue
        if term in seen:
            problems.append(Problem(line, facet.column, f"term '{term}' is listed twice"))
        seen.add(term)
        if term not in facet.terms:
            guess = facet.closest(term)
            hint = f"did you mean '{guess}'? " if guess else ""
            problems.append(
                Problem(line, facet.column, f"unknown term '{term}'; {hint}allowed: {', '.join(facet.terms)}")
            )
    return problems


def validate(path: str | Path) -> tuple[list[dict], list[Problem]]:
    """Rows as dicts and every problem found. Raises DataFileError when unreadable."""
    parsed = read_records(path)
    problems = check_header(parsed.header)
    if problems:
        return [], problems  # without the right columns, cells cannot be told apart reliably
    rows, _lines, row_problems = check_rows(parsed)
    return rows, problems + row_problems


# --------------------------------------------------------------------------------------------
# Trust within one build: the notebook runner (myst-nb -> nbclient -> jupyter-client) gives each
# kernel the build's environment (an upstream fact, checked by tests/test_upstream.py)

#: The book build (livingreview.book.sphinxext) validates the data files once and puts their SHA-256
#: digests here, space-separated; every page's kernel inherits the build's environment and parses
#: those same files without validating them again (the checks and their imports cost seconds per
#: kernel: frictionless' metadata check imports jsonschema, which compiles rfc3987-syntax's
#: grammars when that is installed, as Voilà's dependencies install it; and far more at 10,000
#: studies). Should kernels stop inheriting it, pages are still right, only slower.
VALIDATED_ENV = "LIVINGREVIEW_VALIDATED_SHA256"


def mark_validated(*digests: str, environ: MutableMapping[str, str] | None = None) -> None:
    """Tell the kernels the build starts from now on that the files with these SHA-256 are valid."""
    (os.environ if environ is None else environ)[VALIDATED_ENV] = " ".join(digests)


def is_validated(digest: str) -> bool:
    """Whether the build that started this kernel validated the file with this SHA-256."""
    return bool(digest) and digest in os.environ.get(VALIDATED_ENV, "").split()
