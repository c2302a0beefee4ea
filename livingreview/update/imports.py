"""`python -m livingreview import FILE...`: records a maintainer exported by hand from a database
the saved search cannot reach (Scopus, IEEE Xplore, Embase, Web of Science, ...), or from a
reference manager, brought in as candidates like the search's.

Reads the formats databases and reference managers write:
- RIS (Scopus, IEEE Xplore, Embase, Ovid, ProQuest, Zotero, EndNote), parsed by rispy;
- PubMed's MEDLINE format (`.nbib`, "PMID- " tagged lines), read here: a line-based format that
  no well-kept parser covers without a large dependency (Biopython);
- Web of Science tagged text ("FN Clarivate..." / "PT J"), parsed by rispy's WokParser;
- CSV with the column names databases use (Scopus, IEEE Xplore, Embase, Web of Science,
  ASReview, a spreadsheet's title/abstract/authors/year/doi).

Every record is reduced to plain text (registry.clean_record) and sorted exactly as the search
sorts its services' records (search.known_records, matching.Index): already a study, already
cited, an earlier candidate (found by a search run or an earlier import), twice in this import,
or new. New records become candidates, their source named after the database
(`scopus-export`); an earlier candidate found again gains the source. Each file is one row of
import-runs.csv (date, database, file, SHA-256, counts), which the update's PRISMA flow counts
per database. A file whose SHA-256 was imported before adds nothing.

A file that cannot be read as any of these formats, or holds a record that cannot be read, is an
ImportFileError: one line naming the file and, where it can, the line; nothing is written.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from ..data.paths import Repository
from ..data.validation import read_bounded
from ..text.wording import and_list, plural
from . import registry
from .matching import Index, Known, normal_pmid
from .screening import csv_text, read_cycle, rewrite_text
from .search import WHERE, candidate_id, candidate_row, known_records, merge_into

FORMATS = ("ris", "medline", "wos", "csv")
FORMAT_NAMES = {
    "ris": "RIS",
    "medline": "PubMed MEDLINE",
    "wos": "Web of Science tagged text",
    "csv": "CSV",
}
#: Larger exports are refused before parsing (a Scopus export of 20,000 records is about 60 MB).
MAX_BYTES = 256 * 1024 * 1024

#: Database names as exports spell them (RIS DB/DP tags, CSV columns), in the review's spelling.
KNOWN_DATABASES = {
    "scopus": "Scopus",
    "embase": "Embase",
    "pubmed": "PubMed",
    "medline": "MEDLINE",
    "nlm": "PubMed",
    "ieee xplore": "IEEE Xplore",
    "ieee": "IEEE Xplore",
    "web of science": "Web of Science",
    "wos": "Web of Science",
    "proquest": "ProQuest",
    "ovid": "Ovid",
    "psycinfo": "PsycINFO",
    "cinahl": "CINAHL",
    "cochrane library": "Cochrane Library",
}
#: Hosts of record links, for an RIS file that names no database.
LINK_HOSTS = {
    "scopus.com": "Scopus",
    "ieeexplore.ieee.org": "IEEE Xplore",
    "embase.com": "Embase",
    "proquest.com": "ProQuest",
    "webofscience.com": "Web of Science",
    "webofknowledge.com": "Web of Science",
    "pubmed.ncbi.nlm.nih.gov": "PubMed",
    "ovid.com": "Ovid",
}

#: CSV columns, by what they hold: the names databases and tools write, compared in lower case.
CSV_COLUMNS = {
    "title": ("title", "document title", "article title", "ti", "primary_title", "primary title"),
    "abstract": ("abstract", "ab", "notes_abstract"),
    "authors": ("authors", "author names", "author", "au", "author full names", "af"),
    "year": ("year", "publication year", "py", "publication_year", "pubyear", "pub year"),
    "doi": ("doi", "di"),
    "pmid": ("pubmed id", "pmid", "pm", "pubmed_id"),
    "venue": (
        "source title",
        "publication title",
        "journal",
        "journal/book",
        "so",
        "secondary_title",
        "journal title",
        "source",
    ),
    "link": ("link", "url", "open url link", "pdf link", "urls"),
}


class ImportFileError(Exception):
    """An export cannot be read; str() is one line naming the file and, where known, the line."""


@dataclass
class Export:
    """One file, read: its records (plain text), what it is and where it came from."""

    path: Path
    format: str
    database: str
    sha256: str
    records: list[registry.Record]

    @property
    def source(self) -> str:
        return source_name(self.database)


def source_name(database: str) -> str:
    """'IEEE Xplore' -> 'ieee-xplore-export': how candidates.csv names an import's database."""
    words = re.findall(r"[a-z0-9]+", database.lower().encode("ascii", "ignore").decode())
    return "-".join([*words, "export"]) if words else "unnamed-export"


def database_name(text: str) -> str:
    """A database's name in the review's spelling when it is a known one, else as written."""
    text = " ".join(str(text or "").split())
    return KNOWN_DATABASES.get(text.lower(), text)


# --------------------------------------------------------------------------------------------
# Reading one file


def read_export(path: str | Path, *, database: str = "", format: str = "") -> Export:
    """The file's records, its format (detected unless given) and database (from the file
    unless given). Raises ImportFileError."""
    path = Path(path)
    raw = read_bounded(path, MAX_BYTES, ImportFileError, "an export")
    text = decode(raw, path)
    kind = format or detect_format(text, path)
    if kind not in FORMATS:
        raise ImportFileError(f"{path}: unknown format {kind!r}; expected one of {', '.join(FORMATS)}")
    reader = {"ris": read_ris, "medline": read_medline, "wos": read_wos, "csv": read_csv}[kind]
    records, named = reader(text, path)
    name = database_name(database) if database.strip() else named
    if not name:
        raise ImportFileError(
            f"{path}: the file does not say which database it was exported from; "
            "name it with --database (e.g. --database Scopus)"
        )
    return Export(path, kind, name, hashlib.sha256(raw).hexdigest(), records)


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 (with or without a BOM) or UTF-16 with a BOM, as exporters write; '\\n' line ends."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(f"{path}: starts as UTF-16 but cannot be decoded as it") from None
    else:
        if b"\x00" in raw:
            line = raw[: raw.index(b"\x00")].count(b"\n") + 1
            raise ImportFileError(f"{path}:{line}: contains a NUL byte: a binary file, not an export")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ImportFileError(
                f"{path}:{line}: is not UTF-8 (byte 0x{raw[exc.start]:02x}); export it again as UTF-8"
            ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -( |$)")
_MEDLINE_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,2}- ")
_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9]) ")


def detect_format(text: str, path: Path) -> str:
    """The format from the file's first non-blank line."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    if first.startswith("TY  -"):
        return "ris"
    if re.match(r"^PMID- ?\d", first):
        return "medline"
    if first.startswith(("FN ", "PT ")):
        return "wos"
    if "," in first or "\t" in first or ";" in first:
        return "csv"
    raise ImportFileError(
        f"{path}:1: not an export this command reads (RIS, PubMed MEDLINE/nbib, Web of Science tagged text, "
        "or CSV with a title column)"
    )


def _lines_of_records(text: str, path: Path, start: re.Pattern, tag: re.Pattern, end: str | None) -> list[int]:
    """The line each record starts on, after checking that every record ends and that no tagged
    line lies outside a record (a record the parser would silently skip)."""
    starts, open_at = [], None
    for number, line in enumerate(text.split("\n"), 1):
        if start.match(line):
            if open_at is not None and end is not None:
                raise ImportFileError(
                    f"{path}:{number}: a record starts here, but the one on line {open_at} never ended ({end})"
                )
            open_at = number
            starts.append(number)
        elif end is not None and line.startswith(end) and (len(line) == 2 or line[2] in " -"):
            if open_at is None:
                raise ImportFileError(f"{path}:{number}: '{end}' ends a record that never started")
            open_at = None
        elif open_at is None and end is not None and tag.match(line) and line[:2] not in ("FN", "VR", "EF"):
            raise ImportFileError(f"{path}:{number}: a tagged line outside any record (is its record's start missing?)")
    if open_at is not None and end is not None:
        raise ImportFileError(f"{path}:{open_at}: the record starting here never ends ('{end}' is missing)")
    return starts


def _one(value) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value if v)
    return str(value or "")


def _first(record: dict, *keys) -> str:
    for key in keys:
        value = record.get(key)
        if value:
            return str(value[0] if isinstance(value, list) else value)
    return ""


def _year(*values) -> str:
    for value in values:
        match = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", str(value or ""))
        if match:
            return match.group(1)
    return ""


def _require(record: registry.Record, path: Path, line: int, kind: str) -> registry.Record:
    if not (record.title or record.doi or record.pmid):
        raise ImportFileError(f"{path}:{line}: the {kind} record starting here has no title, DOI or PubMed id")
    return record


def read_ris(text: str, path: Path) -> tuple[list[registry.Record], str]:
    import rispy

    starts = _lines_of_records(text, path, re.compile(r"^TY  -"), _RIS_TAG, "ER")
    try:
        entries = rispy.loads(text, enforce_list_tags=False)
    except Exception as exc:  # rispy's own errors (a malformed tag line)
        raise ImportFileError(f"{path}: cannot be read as RIS ({type(exc).__name__}: {exc})") from None
    if len(entries) != len(starts):
        raise ImportFileError(f"{path}: {len(starts)} records start (TY) but {len(entries)} could be read")
    database = _ris_database(entries)
    records = []
    for entry, line in zip(entries, starts):
        pmid = ""
        if database in ("PubMed", "MEDLINE"):
            pmid = _first(entry, "accession_number")
        elif database == "Scopus":
            pmid = _first(entry, "custom2")  # Scopus writes the PubMed id as C2
        elif database == "Embase":
            pmid = _first(entry, "custom5")  # Embase writes the MEDLINE PMID as C5
        doi = _first(entry, "doi") or _doi_in(entry.get("urls"), entry.get("file_attachments2"))
        record = registry.clean_record(
            source_name(database or "unnamed"),
            title=_first(entry, "title", "primary_title", "translated_title", "short_title"),
            year=_year(_first(entry, "year"), _first(entry, "publication_year"), _first(entry, "date")),
            doi=doi,
            pmid=normal_pmid(pmid.split(";")[0]),
            authors=_list(entry, "authors", "first_authors"),
            venue=_first(entry, "secondary_title", "journal_name", "alternate_title3", "alternate_title1", "publisher"),
            abstract=_first(entry, "abstract", "notes_abstract"),
        )
        records.append(_require(record, path, line, "RIS"))
    return records, database


def _list(entry: dict, *keys) -> list[str]:
    for key in keys:
        value = entry.get(key)
        if value:
            return [str(v) for v in (value if isinstance(value, list) else [value])]
    return []


def _doi_in(*values) -> str:
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            match = re.search(r"(10\.\d{4,9}/[^\s&?#]+)", unquote(str(item or "")))
            if match:
                return match.group(1).rstrip(".,;")
    return ""


def _ris_database(entries: list[dict]) -> str:
    """What the file says it came from: the DB tag, a known provider (DP), an accession number's
    prefix, or the host of its record links."""
    for entry in entries:
        named = _first(entry, "name_of_database").strip()
        if named:
            return database_name(named)
    for entry in entries:
        provider = _first(entry, "database_provider").strip()
        if provider.lower() in KNOWN_DATABASES:
            return database_name(provider)
        if _first(entry, "accession_number").startswith("WOS:"):
            return "Web of Science"
    for entry in entries:
        for url in _list(entry, "urls"):
            for host, name in LINK_HOSTS.items():
                if host in url:
                    return name
    return ""


def read_medline(text: str, path: Path) -> tuple[list[registry.Record], str]:
    """PubMed's MEDLINE format: records separated by blank lines, each line a tag padded to four
    characters, '- ' and a value; a value goes on in lines indented by six spaces."""
    records = []
    block: list[tuple[str, str]] = []
    start = 0

    def finish():
        if not block:
            return
        fields: dict[str, list[str]] = {}
        for tag, value in block:
            fields.setdefault(tag, []).append(value)
        doi = next(
            (v.removesuffix(" [doi]") for v in fields.get("AID", []) + fields.get("LID", []) if v.endswith("[doi]")), ""
        )
        record = registry.clean_record(
            "pubmed-export",
            title=" ".join(fields.get("TI", []) or fields.get("BTI", [])),
            year=_year(*fields.get("DP", []), *fields.get("DEP", [])),
            doi=doi,
            pmid=(fields.get("PMID") or [""])[0],
            pmcid=(fields.get("PMC") or [""])[0],
            authors=fields.get("AU", []) or fields.get("FAU", []),
            venue=(fields.get("JT") or fields.get("TA") or [""])[0],
            abstract=" ".join(fields.get("AB", [])),
        )
        records.append(_require(record, path, start, "MEDLINE"))

    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            finish()
            block = []
            continue
        match = _MEDLINE_TAG.match(line)
        if match:
            if not block:
                if match.group(1) != "PMID":
                    raise ImportFileError(f"{path}:{number}: a MEDLINE record starts with PMID-, not {match.group(1)}")
                start = number
            block.append((match.group(1), line[match.end() :].strip()))
        elif line.startswith("      ") and block:
            tag, value = block[-1]
            block[-1] = (tag, f"{value} {line.strip()}")
        else:
            raise ImportFileError(
                f"{path}:{number}: not a MEDLINE line (expected 'TAG - value' or an indented continuation)"
            )
    finish()
    if not records:
        raise ImportFileError(f"{path}: no MEDLINE records")
    return records, "PubMed"


def read_wos(text: str, path: Path) -> tuple[list[registry.Record], str]:
    import rispy
    from rispy.parser import WokParser

    starts = _lines_of_records(text, path, re.compile(r"^PT "), _WOS_TAG, "ER")
    try:
        entries = rispy.loads(text, implementation=WokParser)
    except Exception as exc:
        raise ImportFileError(f"{path}: cannot be read as Web of Science text ({type(exc).__name__}: {exc})") from None
    if len(entries) != len(starts):
        raise ImportFileError(f"{path}: {len(starts)} records start (PT) but {len(entries)} could be read")
    records = []
    for entry, line in zip(entries, starts):
        record = registry.clean_record(
            "web-of-science-export",
            title=_one(entry.get("document_title")),
            year=_year(_one(entry.get("publication_year")), _one(entry.get("publication_date"))),
            doi=_one(entry.get("doi")),
            pmid=_one(entry.get("pubmed_id")),
            authors=_list(entry, "author_full_name", "authors"),
            venue=_one(entry.get("publication_name")),
            abstract=_one(entry.get("abstract")),
        )
        records.append(_require(record, path, line, "Web of Science"))
    return records, "Web of Science"


def delimited_rows(text: str, path: Path) -> tuple[list[list[str]], list[int]]:
    """The non-blank rows of a CSV (or tab- or semicolon-separated: the first line's most common
    of the three) and the line each starts on. Raises ImportFileError."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, lines, previous = [], [], 0
    try:
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(start)
    except csv.Error as exc:
        raise ImportFileError(f"{path}:{previous + 1}: cannot be read as CSV ({exc})") from None
    if not rows:
        raise ImportFileError(f"{path}: the file is empty")
    return rows, lines


def read_csv(text: str, path: Path) -> tuple[list[registry.Record], str]:
    """A CSV (or tab- or semicolon-separated) export: columns found by the names databases use."""
    rows, lines = delimited_rows(text, path)
    header = [name.strip().lower() for name in rows[0]]
    position = {}
    for key, names in CSV_COLUMNS.items():
        for name in names:
            if name in header:
                position[key] = header.index(name)
                break
    if "title" not in position:
        raise ImportFileError(
            f"{path}:1: no title column (expected one of: {', '.join(CSV_COLUMNS['title'])}); "
            "not an export this command reads"
        )
    records = []
    for row, line in zip(rows[1:], lines[1:]):
        if len(row) != len(header):
            raise ImportFileError(f"{path}:{line}: the row has {len(row)} fields but the header has {len(header)}")

        def cell(key, row=row):
            return row[position[key]].strip() if key in position else ""

        authors = [a.strip() for a in re.split(r";|\|", cell("authors")) if a.strip()]
        if len(authors) == 1 and cell("authors").count(".,") > 0:  # Embase: "Liu R., Adler D.G."
            authors = [a.strip() for a in re.split(r"(?<=\.),\s*", cell("authors")) if a.strip()]
        venue = cell("venue")
        record = registry.clean_record(
            "csv-export",
            title=cell("title"),
            year=_year(cell("year"), venue if "year" not in position else ""),
            doi=cell("doi") or _doi_in(cell("link")),
            pmid=cell("pmid"),
            authors=authors,
            venue=re.sub(r"\s*\(\d{4}\).*$", "", venue),
            abstract=cell("abstract"),
        )
        records.append(_require(record, path, line, "CSV"))
    return records, _csv_database(header, rows[1:])


def _csv_database(header: list[str], rows: list[list[str]]) -> str:
    if "source" in header and "eid" in header:
        values = {row[header.index("source")].strip() for row in rows if len(row) == len(header)}
        if len(values) == 1:
            return database_name(values.pop())
    if "ieee terms" in header:
        return "IEEE Xplore"
    if any(name.startswith("emtree") for name in header):
        return "Embase"
    if "ut (unique wos id)" in header or "ut" in header:
        return "Web of Science"
    return ""


# --------------------------------------------------------------------------------------------
# Sorting the records and writing the files


@dataclass
class FileResult:
    export: Export
    identified: int = 0
    new: int = 0
    dropped: Counter = field(default_factory=Counter)  # WHERE key -> count
    rules: Counter = field(default_factory=Counter)  # (WHERE key, rule) -> count
    earlier_imports: Counter = field(default_factory=Counter)  # database -> count, among in_candidates
    skipped: str = ""  # the date it was imported before, when it was

    def run_row(self, today: _dt.date) -> dict:
        e = self.export
        return {
            "date": today.isoformat(),
            "database": e.database,
            "source": e.source,
            "file": e.path.name,
            "sha256": e.sha256,
            "format": e.format,
            "identified": self.identified,
            "new": self.new,
            **{key: self.dropped[key] for key in WHERE},
        }

    def summary(self) -> list[str]:
        e = self.export
        head = f"{e.path.name}: {e.database}, {FORMAT_NAMES[e.format]}"
        if self.skipped:
            return [f"{head}: the same file was imported on {self.skipped}; nothing added"]
        lines = [
            f"{head}: {plural(self.identified, 'record')}; {plural(self.new, 'new candidate')}; "
            f"{plural(sum(self.dropped.values()), 'duplicate')}"
        ]
        for key, why in {**WHERE, "in_run": "found twice in this import"}.items():
            if self.dropped[key]:
                by = and_list(f"{n} by {rule}" for (k, rule), n in sorted(self.rules.items()) if k == key)
                line = f"  {self.dropped[key]:>5} {why} ({by})"
                if key == "in_candidates" and self.earlier_imports:
                    line += "; " + and_list(
                        f"{n} the same record as an earlier import of {db}"
                        for db, n in sorted(self.earlier_imports.items())
                    )
                lines.append(line)
        return lines


@dataclass
class ImportResult:
    today: _dt.date
    files: list[FileResult]
    candidates: list[dict]
    changes: dict  # path -> new text

    def summary(self) -> list[str]:
        return [line for f in self.files for line in f.summary()]


def run_import(
    paths: Iterable[str | Path],
    repo: Repository | None = None,
    *,
    today: _dt.date | None = None,
    database: str = "",
    format: str = "",
) -> ImportResult:
    """Read every file, sort its records, and prepare (not write) the files' new texts. Raises
    ImportFileError, or the data errors of the files it reads."""
    repo = repo or Repository()
    today = today or _dt.date.today()
    exports = [read_export(p, database=database, format=format) for p in paths]
    cycle = read_cycle(repo)
    index = Index(known_records(repo, cycle))
    candidates = [dict(c) for c in cycle.candidates]
    by_id = {c["candidate_id"]: c for c in candidates}
    imported = {row["sha256"]: row["date"] for row in cycle.imports}
    labels = {row["source"]: row["database"] for row in cycle.imports}
    taken = set(by_id)
    new_rows: list[dict] = []
    results: list = []
    run_rows: list[dict[str, str]] = []
    seen_files: dict[str, str] = {}
    changed_earlier = False
    for export in exports:
        result = FileResult(export)
        results.append(result)
        if export.sha256 in imported or export.sha256 in seen_files:
            result.skipped = imported.get(export.sha256) or f"{today} (as {seen_files[export.sha256]})"
            continue
        seen_files[export.sha256] = export.path.name
        labels[export.source] = export.database
        result.identified = len(export.records)
        for record in export.records:
            match = index.find_record(record)
            if match is not None:
                where = match.known.where
                result.dropped[where] += 1
                result.rules[(where, match.rule)] += 1
                row = by_id.get(match.known.label)
                if row is not None:
                    if where == "in_candidates":
                        earlier = [labels.get(s, s) for s in row["sources"].split(";") if s.endswith("-export")]
                        if earlier:
                            result.earlier_imports[earlier[0]] += 1
                    # The candidate gains this database as a source and any identifier it lacked.
                    before = dict(row)
                    merge_into(row, record, export.source, index)
                    changed_earlier = changed_earlier or (row != before and where == "in_candidates")
                continue
            cid = candidate_id(record, taken)
            taken.add(cid)
            row = candidate_row(record, cid, today, export.source)
            new_rows.append(row)
            by_id[cid] = row
            index.add(Known(cid, "in_run", record.doi, record.pmid, record.title, record.year, record.identifiers()))
            result.new += 1
        run_rows.append(result.run_row(today))
    changes = {}
    if run_rows:
        if changed_earlier:
            candidates_text = rewrite_text("candidates", [*candidates, *new_rows])
        else:
            candidates_text = csv_text("candidates", new_rows, repo.candidates.read_text(encoding="utf-8"))
        existing = repo.imports.read_text(encoding="utf-8") if repo.imports.exists() else ""
        changes = {repo.candidates: candidates_text, repo.imports: csv_text("import-runs", run_rows, existing)}
    return ImportResult(today, results, new_rows, changes)
