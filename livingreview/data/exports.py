"""The (filtered) study table as files readers take away: CSV, BibTeX and RIS.

Each function takes a frame as load_studies() returns it and gives back text. Bibliographic
fields are written only when the table has them: an empty title, venue or DOI is left out,
never filled in with a guess. Every cell is untrusted text, so each format escapes what its
readers would otherwise interpret (spreadsheet formulas, TeX and braces, RIS line structure).
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from .provenance import provenance
from .schema import expected_columns
from .studies import cell_text
from .vocabulary import LIST_COLUMNS, SEPARATOR

# --------------------------------------------------------------------------------------------
# CSV

#: OWASP "CSV injection": a cell starting with one of these may run as a spreadsheet formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Download names, shared by the static table and the explorer.
CSV_FILENAME = "generative-ai-studies.csv"
BIBTEX_FILENAME = "generative-ai-studies.bib"
RIS_FILENAME = "generative-ai-studies.ris"
#: Their media types, as downloads declare them.
CSV_MEDIA_TYPE = "text/csv"
BIBTEX_MEDIA_TYPE = "application/x-bibtex"
RIS_MEDIA_TYPE = "application/x-research-info-systems"


def to_csv(df: pd.DataFrame) -> str:
    """The rows in studies.csv's own format: same columns in the same order, lists ';'-joined.

    Cells that a spreadsheet would read as a formula get a leading apostrophe (OWASP advice),
    so opening the download in Excel or LibreOffice cannot execute anything.
    """
    columns = expected_columns()
    out = io.StringIO()
    # '\n' line ends, as in studies.csv. With them, csv quotes a field containing '\n' but not
    # one containing a lone '\r', which readers take for a line end; such rows are fully quoted.
    writer = csv.writer(out, lineterminator="\n")
    quote_all = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for row in df.to_dict("records"):
        cells = [neutralise_formula(_csv_cell(row.get(c), c)) for c in columns]
        (quote_all if any("\r" in cell for cell in cells) else writer).writerow(cells)
    return out.getvalue()


def _csv_cell(value, column: str) -> str:
    if column in LIST_COLUMNS:
        return SEPARATOR.join(value or ())
    return cell_text(value)


def neutralise_formula(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def csv_spec() -> dict:
    """to_csv()'s rules as data, for the static table's script, so its download is the same file:
    the columns, the formula guard, which characters make a cell quoted (as Python's csv module
    with '\n' line ends decides) and which make the whole row quoted."""
    return {
        "columns": expected_columns(),
        "formula_triggers": list(FORMULA_TRIGGERS),
        "quote_cell_if": ',"\n',
        "quote_row_if": "\r",
        "line_end": "\n",
        "filename": CSV_FILENAME,
    }


# --------------------------------------------------------------------------------------------
# BibTeX

# TeX's special characters, written so that braces stay balanced: BibTeX counts every { and }
# (escaped or not) when it finds where a field ends, so '\{' alone would break the file.
_TEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _TEX_ESCAPES))


def tex_escape(text: str) -> str:
    """Text as a BibTeX field value: TeX specials escaped, whitespace runs made single spaces."""
    return _TEX_SPECIAL.sub(lambda m: _TEX_ESCAPES[m.group()], " ".join(text.split()))


def verbatim_escape(text: str) -> str:
    """DOI and URL: read verbatim by biblatex, so not TeX-escaped; only braces, backslashes and
    whitespace (which would end or break the field) are percent-encoded, as a URL allows."""
    return re.sub(r"[{}\\\s]", lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), text.strip())


def bibtex_key(study_id: str) -> str:
    """The citation key: the study id, reduced to characters every BibTeX tool accepts."""
    key = re.sub(r"[^A-Za-z0-9_:.\-]", "-", str(study_id)).strip("-")
    return key or "study"


#: Between two BibTeX entries (each ends with a newline): one blank line.
BIBTEX_SEPARATOR = "\n"
#: Between two RIS records (each ends with ER and CRLF): one blank line.
RIS_SEPARATOR = "\r\n"


def to_bibtex(df: pd.DataFrame) -> str:
    """One entry per study (bibtex_entry), in the table's order."""
    return BIBTEX_SEPARATOR.join(bibtex_entry(row) for row in df.to_dict("records"))


def bibtex_entry(row: dict) -> str:
    """One study as a BibTeX entry keyed by its id: @article when the venue is known, else @misc.

    author is the first author "and others" (the table records only the first author); title,
    journal, year, doi and url appear only when the table has them. note says which kind of row
    of the living review the study is (livingreview.data.provenance), then the table's notes.
    """
    venue = cell_text(row.get("venue")).strip()
    fields = []
    author = cell_text(row.get("first_author")).strip()
    if author:
        # Braced, so a particle or two-word surname ('La Salvia') stays one family name.
        fields.append(("author", "{" + tex_escape(author) + "} and others"))
    for name, value in (("title", row.get("title")), ("journal", venue), ("year", row.get("year"))):
        value = cell_text(value).strip()
        if value:
            fields.append((name, tex_escape(value)))
    for name in ("doi", "url"):
        value = cell_text(row.get(name)).strip()
        if value:
            fields.append((name, verbatim_escape(value)))
    note = " ".join(filter(None, [provenance(row).record_note, cell_text(row.get("notes")).strip()]))
    fields.append(("note", tex_escape(note)))
    kind = "article" if venue else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{bibtex_key(row.get('id', ''))},\n{body}\n}}\n"


# --------------------------------------------------------------------------------------------
# RIS


def ris_value(text: str) -> str:
    """A value on one line: any line break (CR, LF, U+2028, ...) would start a forged tag."""
    return " ".join(text.split())


def to_ris(df: pd.DataFrame) -> str:
    """One RIS record per study (ris_record), in the table's order, CRLF line ends."""
    return RIS_SEPARATOR.join(ris_record(row) for row in df.to_dict("records"))


def ris_record(row: dict) -> str:
    """One study as a RIS record (TY, ID, AU, TI, T2/JO, PY, DO, UR, N1, ER), CRLF line ends.

    TY is JOUR when the venue is known, else GEN. AU is the first author only (RIS has no
    "and others"); tags whose value the table lacks are left out. The first N1 says which kind of
    row of the living review the study is (livingreview.data.provenance); a second holds the notes.
    """
    venue = ris_value(cell_text(row.get("venue")))
    lines = [("TY", "JOUR" if venue else "GEN"), ("ID", ris_value(cell_text(row.get("id"))))]
    for tag, value in (
        ("AU", row.get("first_author")),
        ("TI", row.get("title")),
        ("T2", venue),
        ("JO", venue),
        ("PY", row.get("year")),
        ("DO", row.get("doi")),
        ("UR", row.get("url")),
        ("N1", provenance(row).record_note),
        ("N1", row.get("notes")),
    ):
        value = ris_value(cell_text(value))
        if value:
            lines.append((tag, value))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


# --------------------------------------------------------------------------------------------
# The studies page's downloads


def citation_spec() -> dict:
    """How the static table joins the BibTeX and RIS records it carries (one per study, written
    by bibtex_entry and ris_record) into the same files as to_bibtex and to_ris."""
    return {
        "bibtex": {"separator": BIBTEX_SEPARATOR, "filename": BIBTEX_FILENAME, "type": BIBTEX_MEDIA_TYPE},
        "ris": {"separator": RIS_SEPARATOR, "filename": RIS_FILENAME, "type": RIS_MEDIA_TYPE},
    }
