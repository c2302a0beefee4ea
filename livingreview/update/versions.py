"""The review's versions: data/releases.yml (what each release contained, written by
`python -m livingreview release`) and CITATION.cff (how to cite the current version).

load_releases() reads and checks the record; current_release() is the newest; citation() and
the helpers below say how to cite a version, who maintains the review and where to report an
error, all from CITATION.cff (the one place that names them, also read by GitHub).
row_digest() fingerprints a study row, so a release can tell corrected rows from unchanged ones.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..data.paths import CITATION, RELEASES
from ..data.schema import expected_columns
from ..data.studies import cell_text
from ..data.vocabulary import LIST_COLUMNS, SEPARATOR

#: A dated version: YEAR.MONTH, and .N for the N+1-th release of the same month.
VERSION = re.compile(r"^\d{4}\.(0[1-9]|1[0-2])(\.[1-9]\d*)?$")


class ReleasesError(ValueError):
    """releases.yml or CITATION.cff breaks one of its rules; the message says which."""


@dataclass(frozen=True)
class Release:
    version: str
    date: _dt.date
    studies: int
    added: tuple[str, ...] = ()
    corrected: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    #: The PRISMA 2020 flow of this update (livingreview.update.selection.UpdateFlow.record()); None for
    #: the first version, whose studies come from the source review's own selection.
    flow: dict | None = None
    notes: str = ""
    rows: dict[str, str] = field(default_factory=dict)  # study id -> row_digest()
    #: The candidates this version left open as 'maybe' (the next update screens them again);
    #: None for a version that did not record them.
    awaiting: tuple[str, ...] | None = None

    @property
    def anchor(self) -> str:
        """The id of this version's section on the Versions and What's new pages."""
        return "version-" + self.version.replace(".", "-")


def load_releases(path: str | Path = RELEASES) -> list[Release]:
    """Every release, oldest first. Raises ReleasesError naming the rule that is broken."""
    where = Path(path).name
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        return []
    except yaml.YAMLError as exc:
        raise ReleasesError(f"{where}: not valid YAML ({' '.join(str(exc).split())})") from None
    releases = []
    for i, item in enumerate(raw.get("releases") or [], start=1):
        version = str(item.get("version", ""))
        if not VERSION.match(version):
            raise ReleasesError(f"{where}: release {i}: version {version!r} is not YEAR.MONTH (e.g. 2026.12)")
        date = item.get("date")
        if not isinstance(date, _dt.date):
            raise ReleasesError(f"{where}: release {version}: date must be YYYY-MM-DD")
        if not version.startswith(f"{date:%Y.%m}"):
            raise ReleasesError(f"{where}: release {version}: the version does not match its date {date}")
        rows = {str(k): str(v) for k, v in (item.get("rows") or {}).items()}
        studies = item.get("studies")
        if studies != len(rows):
            raise ReleasesError(f"{where}: release {version}: studies is {studies}, but {len(rows)} rows are recorded")
        releases.append(
            Release(
                version=version,
                date=date,
                studies=int(studies),
                added=tuple(str(x) for x in item.get("added") or []),
                corrected=tuple(str(x) for x in item.get("corrected") or []),
                removed=tuple(str(x) for x in item.get("removed") or []),
                flow=dict(item["flow"]) if item.get("flow") else None,
                notes=" ".join(str(item.get("notes") or "").split()),
                rows=rows,
                awaiting=tuple(str(x) for x in item.get("awaiting") or []) if "awaiting" in item else None,
            )
        )
    for before, after in zip(releases, releases[1:]):
        if after.date < before.date or after.version == before.version:
            raise ReleasesError(f"{where}: release {after.version} must come after {before.version}, newest last")
    return releases


def current_release(path: str | Path = RELEASES) -> Release | None:
    releases = load_releases(path)
    return releases[-1] if releases else None


def next_version(releases: list[Release], day: _dt.date) -> str:
    """'2026.12' for the first release of December 2026, then '2026.12.1', '2026.12.2', ..."""
    month = f"{day:%Y.%m}"
    same = [r for r in releases if r.version == month or r.version.startswith(month + ".")]
    return month if not same else f"{month}.{len(same)}"


def row_digest(row) -> str:
    """A fingerprint of a study row as studies.csv holds it (lists ';'-joined): equal rows, equal digests."""
    cells = []
    for column in expected_columns():
        value = row[column]
        cells.append(SEPARATOR.join(value) if column in LIST_COLUMNS else cell_text(value))
    return hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# CITATION.cff


def load_citation(path: str | Path = CITATION) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def maintainers(cff: dict | None = None) -> str:
    """Who maintains the review, as CITATION.cff names its authors: 'The living-review contributors'."""
    cff = cff or load_citation()
    names = []
    for author in cff.get("authors") or []:
        name = author.get("name") or " ".join(filter(None, [author.get("given-names"), author.get("family-names")]))
        if name:
            names.append(str(name))
    return ", ".join(names)


def report_error_url(cff: dict | None = None) -> str:
    """Where a reader reports an error: the repository's issue chooser (its forms and a blank issue)."""
    cff = cff or load_citation()
    return str(cff["repository-code"]).rstrip("/") + "/issues/new/choose"


def site_url(cff: dict | None = None) -> str:
    """The published book's address (CITATION.cff `url`), ending in '/'."""
    cff = cff or load_citation()
    return str(cff["url"]).rstrip("/") + "/"


def _as_date(value) -> _dt.date | None:
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def citation_text(cff: dict | None = None, release: Release | None = None) -> str:
    """'The living-review contributors (2026). Generative AI in Clinical Practice: a living review
    (Version 2026.11) [Data set]. https://…' for `release` (default: CITATION.cff's own)."""
    cff = cff or load_citation()
    version = release.version if release else cff.get("version")
    date = release.date if release else _as_date(cff.get("date-released"))
    year = f"{date:%Y}" if date else "n.d."
    kind = {"dataset": " [Data set]", "software": " [Computer software]"}.get(cff.get("type", ""), "")
    where = cff.get("url") or cff.get("repository-code") or ""
    return f"{maintainers(cff)} ({year}). {cff['title']} (Version {version}){kind}. {where}".strip()


def citation_bibtex(cff: dict | None = None, release: Release | None = None) -> str:
    """A BibTeX record of `release` for reference managers."""
    cff = cff or load_citation()
    version = release.version if release else str(cff.get("version"))
    date = release.date if release else _as_date(cff.get("date-released"))
    key = "livingreview" + re.sub(r"\D", "", version)
    fields = [
        ("author", "{" + maintainers(cff) + "}"),
        ("title", "{" + str(cff["title"]) + "}"),
        ("version", version),
        ("year", f"{date:%Y}" if isinstance(date, _dt.date) else ""),
        ("month", f"{date:%m}" if isinstance(date, _dt.date) else ""),
        ("url", str(cff.get("url") or cff.get("repository-code") or "")),
        ("note", f"Living review, version {version}"),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}"


_CFF_LINE = {key: re.compile(rf"^{re.escape(key)}:.*$", re.M) for key in ("version", "date-released")}


def citation_with_release(text: str, release: Release) -> str:
    """CITATION.cff's text with `version` and `date-released` set (added after `version` if
    missing); every other line, comments included, unchanged."""
    version_line = f'version: "{release.version}"'
    date_line = f'date-released: "{release.date:%Y-%m-%d}"'
    if len(_CFF_LINE["version"].findall(text)) != 1:
        raise ReleasesError("CITATION.cff: needs exactly one top-level 'version:' line")
    text = _CFF_LINE["version"].sub(version_line, text)
    if _CFF_LINE["date-released"].search(text):
        return _CFF_LINE["date-released"].sub(date_line, text)
    return text.replace(version_line, f"{version_line}\n{date_line}", 1)
