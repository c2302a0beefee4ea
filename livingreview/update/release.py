"""Versions of the living review: cutting one (`python -m livingreview release`) and showing them
(the Versions page, the release notes on What's new, the landing page's "this version" block).

A release is a dated version, YEAR.MONTH (2026.12; 2026.12.1 for a second one that month). It
records in data/releases.yml what the version holds (every study row's digest), what changed
since the previous one (studies added, corrected, removed) and the update's PRISMA flow
(livingreview.update.selection.update_flow), and sets CITATION.cff's version and date-released. It is
refused while the study table or the screening records have problems (a cell still to do, a
code only suggested, an added study's summary copying its abstract), or a candidate of the
update still awaits a first decision. Both files are written at once, or neither.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import yaml

from ..data.links import card_href
from ..data.paths import Repository
from ..data.studies import load_studies
from ..data.validation import InvalidStudiesError
from ..text.markup import RawHTML, esc
from ..text.wording import and_list, date_label, plural
from ..text.wording import citation_text as study_citation
from .coding import copy_problems
from .protocol import load_protocol
from .screening import load_cycle
from .selection import UpdateFlow, open_maybes, searched_dates, update_flow
from .versions import (
    Release,
    citation_bibtex,
    citation_text,
    citation_with_release,
    load_citation,
    load_releases,
    maintainers,
    next_version,
    report_error_url,
    row_digest,
)

#: How many studies the release notes name before saying "and N more".
LISTED = 30

RELEASES_HEADER = """\
# Versions of the living review, oldest first: written by `python -m livingreview release`.
# Each records what the version holds (`rows`: a digest of every study row, so the next release
# can tell corrected rows from unchanged ones), what changed since the previous version, the
# update's flow (PRISMA 2020 field names, livingreview.update.selection), the candidates it left
# open as 'maybe' (`awaiting`: the next update screens them again) and optional `notes`, the one
# field a maintainer may edit by hand. Checked by livingreview.update.versions.load_releases.
"""


class ReleaseError(Exception):
    """No release can be cut now; str() says why, in one line."""


@dataclass
class Cut:
    release: Release
    changes: dict  # path -> new text
    flow: UpdateFlow | None


def prepare_release(repo: Repository | None = None, *, today: _dt.date | None = None, notes: str = "") -> Cut:
    """The next version and the files' new texts, not yet written. Raises ReleaseError, or the
    data errors of the files it reads (an invalid table cannot be released)."""
    repo = repo or Repository()
    today = today or _dt.date.today()
    studies = load_studies(repo.studies)
    copied = copy_problems(repo)  # an added study's summary must be its contributor's words
    if copied:
        raise InvalidStudiesError(repo.studies, copied)
    cycle = load_cycle(repo, study_ids=set(studies["id"]), today=today)
    releases = load_releases(repo.releases)
    if releases and releases[-1].date > today:
        raise ReleaseError(f"the last version, {releases[-1].version}, is dated after {today}")
    done = searched_dates(releases)
    open_dates = {run["date"] for run in [*cycle.runs, *cycle.imports] if run["date"] not in done}
    waiting = [c for c in cycle.candidates if c["found"] in open_dates]
    waiting = [c for c in waiting if not ((cycle.decision(c["candidate_id"]) or {}).get("decision") or "").strip()]
    # After an early stop on the stopping estimate (screen --stop), what was found by then is
    # reported as not screened; what was found later still needs a decision.
    stops = [row["date"] for row in cycle.stops if open_dates and row["date"] >= min(open_dates)]
    waiting = [c["candidate_id"] for c in waiting if not (stops and c["found"] <= max(stops))]
    if waiting:
        raise ReleaseError(
            f"{plural(len(waiting), 'candidate')} of this update still "
            f"{'awaits' if len(waiting) == 1 else 'await'} a decision in {repo.screening.name} "
            f"(first: {waiting[0]}); screen them, then release"
        )
    previous = releases[-1] if releases else None
    rows = {row["id"]: row_digest(row) for row in studies.to_dict("records")}
    before = previous.rows if previous else {}
    version = next_version(releases, today)
    flow = None
    if previous is not None or open_dates:
        flow = update_flow(studies, cycle, releases, load_protocol(repo.search), version=version)
    release = Release(
        version=version,
        date=today,
        studies=len(rows),
        added=tuple(i for i in rows if i not in before),
        corrected=tuple(i for i in rows if i in before and before[i] != rows[i]),
        removed=tuple(i for i in before if i not in rows),
        flow=flow.record() if flow else None,
        notes=" ".join(notes.split()),
        rows=rows,
        awaiting=open_maybes(cycle, releases),
    )
    changes = {
        repo.releases: releases_text([*releases, release]),
        repo.citation: citation_with_release(repo.citation.read_text(encoding="utf-8"), release),
    }
    return Cut(release, changes, flow)


def release_check(repo: Repository | None = None) -> tuple[bool, str]:
    """Whether the branch holds its release (`release --check`, the monthly pull request's check:
    merging it is the release): every search run and import is counted in a version, and the
    study table is the last version's, row for row. (ok, one line saying so or what to do)."""
    repo = repo or Repository()
    studies = load_studies(repo.studies)
    cycle = load_cycle(repo, study_ids=set(studies["id"]))
    releases = load_releases(repo.releases)
    todo = "run python -m livingreview release on this branch, commit and push"
    done = searched_dates(releases)
    open_dates = sorted({run["date"] for run in [*cycle.runs, *cycle.imports]} - done)
    if open_dates:
        return False, f"the search or import of {and_list(open_dates)} is in no version yet: {todo}"
    if not releases:
        return False, f"no version has been released: {todo}"
    last = releases[-1]
    rows = {row["id"]: row_digest(row) for row in studies.to_dict("records")}
    changed = sorted(i for i in set(rows) | set(last.rows) if rows.get(i) != last.rows.get(i))
    if changed:
        return False, (
            f"the study table differs from version {last.version} in {plural(len(changed), 'row')} "
            f"(first: {changed[0]}): {todo}"
        )
    return True, (
        f"version {last.version} ({last.date}) holds this update: {len(last.added)} added, "
        f"{len(last.corrected)} corrected, {len(last.removed)} removed; merging it releases it"
    )


def releases_text(releases: list[Release]) -> str:
    """data/releases.yml for these releases (the whole file: it is written only by `release`)."""
    items = []
    for r in releases:
        item = {
            "version": r.version,
            "date": r.date,
            "studies": r.studies,
            "added": list(r.added),
            "corrected": list(r.corrected),
            "removed": list(r.removed),
            "flow": r.flow,
            "notes": r.notes,
            "rows": dict(r.rows),
        }
        if r.awaiting is not None:
            item["awaiting"] = list(r.awaiting)
        items.append(item)
    body = yaml.safe_dump({"releases": items}, sort_keys=False, allow_unicode=True, width=100)
    return RELEASES_HEADER + "\n" + body


# --------------------------------------------------------------------------------------------
# Showing the versions


def _names(ids, studies, studies_page: str) -> str:
    by_id = {row["id"]: row for row in studies.to_dict("records")}
    shown = []
    for study in list(ids)[:LISTED]:
        row = by_id.get(study)
        if row is None:
            shown.append(esc(study))
        else:
            shown.append(f'<a href="{esc(card_href(study, studies_page))}">{esc(study_citation(row))}</a>')
    more = len(ids) - LISTED
    return and_list([*shown, f"{more:,} more"] if more > 0 else shown)


def flow_sentence(flow: UpdateFlow) -> str:
    """One sentence of an update's flow, for the release notes."""
    found = sum(flow.identified.values())
    parts = [
        f"{plural(found, 'record')} identified ({', '.join(f'{k} {v:,}' for k, v in flow.identified.items())})",
        f"{sum(flow.duplicates.values()):,} duplicates removed",
        f"{flow.screened:,} screened" + (f" ({flow.carried:,} carried over as 'maybe')" if flow.carried else ""),
        f"{sum(flow.excluded.values()):,} excluded",
    ]
    parts.append(
        f"{flow.awaiting:,} awaiting a decision ('maybe', carried to the next update)"
        if flow.awaiting
        else "no 'maybe' left open"
    )
    parts.append(f"{plural(flow.new_studies, 'new study', 'new studies')} ({flow.from_search:,} from the search)")
    sentence = "Search and screening: " + ", ".join(parts) + "."
    if flow.stopped:
        sentence += f" Screening {flow.stopped} ({plural(flow.not_screened, 'record')} not screened)."
    return sentence


def release_notes_html(releases: list[Release], studies, studies_page: str = "studies.html") -> RawHTML:
    """Every version's notes, newest first: what it holds, what changed, the update's numbers."""
    if not releases:
        return RawHTML('<p class="lr-muted">No version has been released yet.</p>')
    parts = ['<div class="lr-release-notes">']
    for i in range(len(releases) - 1, -1, -1):
        r = releases[i]
        previous = releases[i - 1] if i else None
        parts.append(
            f'<section class="lr-release" aria-labelledby="{r.anchor}"><h3 id="{r.anchor}">Version {esc(r.version)} '
            f'<span class="lr-muted">(<time datetime="{r.date:%Y-%m-%d}">{esc(date_label(r.date))}</time>)</span></h3>'
        )
        summary = f"{plural(r.studies, 'study', 'studies')} in this version"
        if previous is None:
            summary += ": the first version"
        else:
            summary += (
                f"; since version {esc(previous.version)}: {len(r.added):,} added, {len(r.corrected):,} corrected,"
                f" {len(r.removed):,} removed"
            )
        parts.append(f"<p>{summary}.</p><ul>")
        if r.added:
            parts.append(f"<li>Added: {_names(r.added, studies, studies_page)}.</li>")
        if r.corrected:
            parts.append(f"<li>Corrected: {_names(r.corrected, studies, studies_page)}.</li>")
        if r.removed:
            parts.append(f"<li>Removed: {esc(and_list(r.removed))}.</li>")
        if r.flow:
            flow = UpdateFlow.from_record(
                r.flow, version=r.version, previous_version=previous.version if previous else "none"
            )
            parts.append(f"<li>{esc(flow_sentence(flow))}</li>")
        else:
            parts.append("<li>Selection: the source review's own (see Methods).</li>")
        if r.notes:
            parts.append(f"<li>Notes: {esc(r.notes)}</li>")
        parts.append("</ul></section>")
    parts.append("</div>")
    return RawHTML("".join(parts))


def versions_table_html(releases: list[Release], notes_page: str = "changelog.html") -> RawHTML:
    """Every version, newest first: date, studies, what changed, a link to its notes. Each row
    has the version's anchor (Release.anchor), which the feed's release entries link to."""
    if not releases:
        return RawHTML('<p class="lr-muted">No version has been released yet.</p>')
    rows = []
    for r in reversed(releases):
        rows.append(
            f'<tr id="{r.anchor}"><th scope="row"><a href="{esc(notes_page)}#{r.anchor}">{esc(r.version)}</a></th>'
            f'<td><time datetime="{r.date:%Y-%m-%d}">{esc(date_label(r.date))}</time></td>'
            f"<td>{r.studies:,}</td><td>{len(r.added):,}</td><td>{len(r.corrected):,}</td><td>{len(r.removed):,}</td></tr>"
        )
    return RawHTML(
        '<div class="lr-table-scroll"><table class="lr-versions"><caption>Every version, newest first</caption>'
        '<thead><tr><th scope="col">Version</th><th scope="col">Released</th><th scope="col">Studies</th>'
        '<th scope="col">Added</th><th scope="col">Corrected</th><th scope="col">Removed</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def how_to_cite_html(release: Release | None = None, cff: dict | None = None) -> RawHTML:
    """How to cite this version: the reference, and its BibTeX record."""
    cff = cff or load_citation()
    if release is None:
        return RawHTML(
            '<p class="lr-muted">No version has been released yet; cite the repository with CITATION.cff.</p>'
        )
    return RawHTML(
        f'<blockquote class="lr-cite"><p>{esc(citation_text(cff, release))}</p></blockquote>'
        f"<details><summary>BibTeX</summary><pre><code>{esc(citation_bibtex(cff, release))}</code></pre></details>"
    )


def this_version_html(releases: list[Release], studies, cff: dict | None = None) -> RawHTML:
    """The landing page's block: who maintains the review, the current version, how to cite it,
    how to report an error; and what changed since the version, if anything."""
    cff = cff or load_citation()
    current = releases[-1] if releases else None
    if current is None:
        version = "<p>No version has been released yet: what you read is the working state of the review.</p>"
    else:
        version = (
            f"<p><strong>Version {esc(current.version)}</strong>, released on "
            f'<time datetime="{current.date:%Y-%m-%d}">{esc(date_label(current.date))}</time>, '
            f"with {plural(current.studies, 'study', 'studies')} "
            f'(<a href="versions.html">every version</a>).'
        )
        later = {row["id"]: row_digest(row) for row in studies.to_dict("records")}
        added = sum(1 for i in later if i not in current.rows)
        changed = sum(1 for i in later if i in current.rows and current.rows[i] != later[i])
        removed = sum(1 for i in current.rows if i not in later)
        if added or changed or removed:
            news = []
            for count, done in ((added, "added"), (changed, "corrected"), (removed, "removed")):
                if count:
                    news.append(f"{plural(count, 'study has', 'studies have')} been {done}")
            which = "this change" if added + changed + removed == 1 else "these changes"
            version += f" Since then, {and_list(news)}; {which} will be part of the next version."
        version += "</p>"
    return RawHTML(
        '<div class="lr-this-version">'
        f"<p><strong>Maintained by</strong> {esc(maintainers(cff))}: everyone whose changes are in the "
        f'<a href="{esc(str(cff["repository-code"]))}">repository</a>.</p>'
        f"{version}"
        f"<p><strong>How to cite this version</strong></p>{how_to_cite_html(current, cff).markup}"
        f'<p><strong>Found an error?</strong> <a href="{esc(report_error_url(cff))}">Report it on the issue tracker</a>: '
        "say which page or study, what is wrong and, if you can, the source that shows it.</p>"
        "</div>"
    )
