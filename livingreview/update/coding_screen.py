"""`python -m livingreview code [ID...]`: a new study's cells still to do, in the terminal, one at a
time, each saved the moment it is entered.

For each study (the ids given, else every study with a cell still to do, in table order) the
screen shows its title, venue and DOI and its abstract (the candidate's, or its record's), then
walks its cells still to do:
- the six descriptive fields (dataset, method, model, application, purpose, limitations): typed
  on a line, in the contributor's own words. The prompt says so, and a field that copies a run
  of COPY_RUN words of the abstract is refused there and then (the validator refuses it too,
  livingreview.update.coding);
- the coded columns: the suggested terms are pre-selected (the line starts with them: Enter
  accepts, editing changes them; a term by its key, its number in the list shown or, with Tab,
  completed), with why each was suggested. An accepted cell holds the bare terms, no longer
  marked, so the validator and `release` accept it.
An empty line leaves a cell to do; '?' shows the study and its abstract again; Ctrl-C (or Ctrl-D
on an empty line) stops: what was saved stays. Each cell is written at once
(livingreview.data.transaction), by replacing only the study's own row, so a crash loses at most
the cell on screen.

CodingSession holds what the screen needs, without the terminal; run_coding is the terminal.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from ..data.paths import Repository
from ..data.schema import column_titles, expected_columns
from ..data.studies import TABLE1_COLUMNS
from ..data.transaction import write_all
from ..data.validation import TODO, is_to_do, read_records, read_rows, suggested_terms
from ..data.vocabulary import LIST_COLUMNS, SEPARATOR, load_vocabulary, split_terms
from ..text.wording import plural
from .coding import Abstract, Suggester, Suggestion, copied_run, copy_message, study_abstracts
from .screen import width, wrap

#: What each descriptive field holds, as the prompt asks for it.
FIELD_HINTS = {
    "dataset": "the data the study used or made (which datasets, what kind, how much)",
    "method": "what the study did, in a phrase or two",
    "model": "the generative model or models it used",
    "application": "what the generative AI was applied to",
    "purpose": "why: its purpose in healthcare",
    "limitations": "the limitations, as the study itself reports them",
}
#: Typed for a coded column that may be empty (limitation themes): no term.
NONE = "none"
#: Typed at any prompt: the study and its abstract shown again (they scroll away as cells are filled).
AGAIN = "?"


class CodeError(Exception):
    """The coding screen cannot start or a cell cannot be saved; str() is one line."""


@dataclass
class Saved:
    study: str
    column: str
    value: str


class CodingSession:
    """The studies to code and their cells, without the terminal."""

    def __init__(self, repo: Repository | None = None, ids: list[str] | None = None):
        self.repo = repo or Repository()
        self.facets = load_vocabulary()
        self.titles = column_titles()
        self.rows = read_rows(self.repo.studies)
        by_id = {row["id"]: row for row in self.rows}
        unknown = [i for i in ids or [] if i not in by_id]
        if unknown:
            raise CodeError(f"no study {unknown[0]} in {self.repo.studies.name}")
        self.ids = list(ids) if ids else [r["id"] for r in self.rows if self.to_do(r["id"], by_id)]
        self.abstracts = study_abstracts(self.repo, self.rows)
        targets = [by_id[i] for i in self.ids]
        self._suggester = Suggester(self.rows, [(r["title"], self.abstract_text(r["id"])) for r in targets])
        self._index = {study: i for i, study in enumerate(self.ids)}
        self.saved: list[Saved] = []

    def row(self, study: str) -> dict:
        return next(r for r in self.rows if r["id"] == study)

    def to_do(self, study: str, by_id: dict | None = None) -> list[str]:
        """The study's cells still to do: descriptive fields first, then the coded columns."""
        row = (by_id or {}).get(study) or self.row(study)
        return [c for c in (*TABLE1_COLUMNS, *LIST_COLUMNS) if is_to_do(row.get(c))]

    def abstract(self, study: str) -> Abstract | None:
        found = self.abstracts.get(study) or []
        return max(found, key=lambda a: len(a.text)) if found else None

    def abstract_text(self, study: str) -> str:
        found = self.abstract(study)
        return found.text if found else ""

    def suggestion(self, study: str, column: str) -> Suggestion:
        """The cell's suggestion: the terms marked in the cell (as `add` wrote them), with why
        each is suggested now; for a bare to-do cell, what would be suggested now."""
        fresh = self._suggester.suggest(self._index[study])[column]
        marked = suggested_terms(self.row(study).get(column))
        if marked is None:
            return fresh
        terms = tuple(split_terms(marked)) if marked else ()
        return Suggestion(
            column, terms, {t: fresh.reasons.get(t, ("suggested when the study was added",)) for t in terms}
        )

    # ---- checking and saving a cell -----------------------------------------------------------

    def check_text(self, study: str, column: str, text: str) -> str:
        """A descriptive field as it will be saved; CodeError when it cannot be (copied, to-do)."""
        text = " ".join(text.split())
        if is_to_do(text):
            raise CodeError(f"'{TODO}' is the to-do mark, not a {self.titles[column].lower()}")
        found = copied_run(text, self.abstracts.get(study, []))
        if found:
            raise CodeError(copy_message(*found, study))
        return text

    def check_terms(self, column: str, text: str) -> str:
        """Typed terms (keys, list numbers or 'none') as the cell's ';'-separated keys; CodeError
        naming what is wrong."""
        facet = self.facets[column]
        keys = list(facet.terms)
        text = text.strip()
        if text.lower() == NONE:
            if facet.required:
                raise CodeError(f"{facet.label} needs at least one term")
            return ""
        chosen = []
        for part in text.replace(",", SEPARATOR).split(SEPARATOR):
            part = part.strip()
            if not part:
                continue
            if part.isdigit() and 1 <= int(part) <= len(keys):
                part = keys[int(part) - 1]
            if part not in facet.terms:
                guess = facet.closest(part)
                raise CodeError(
                    f"'{part}' is no term of {facet.label}" + (f"; did you mean '{guess}'?" if guess else "")
                )
            if part not in chosen:
                chosen.append(part)
        if not chosen and facet.required:
            raise CodeError(f"{facet.label} needs at least one term")
        return SEPARATOR.join(k for k in keys if k in chosen)  # in the vocabulary's order

    def save(self, study: str, column: str, value: str) -> Saved:
        """Write one cell at once (only the study's own row of studies.csv is rewritten)."""
        row = self.row(study)
        row[column] = value
        write_all({self.repo.studies: replaced_row_text(self.repo.studies, row)})
        saved = Saved(study, column, value)
        self.saved.append(saved)
        return saved


def replaced_row_text(path, row: dict) -> str:
    """studies.csv with the row of `row['id']` written anew, every other line as it was."""
    text = path.read_text(encoding="utf-8")
    parsed = read_records(path)
    at = parsed.header.index("id")
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    for record in reader:
        start, previous = previous, reader.line_num
        if start and record and len(record) > at and record[at] == row["id"]:
            out = io.StringIO()
            csv.DictWriter(out, fieldnames=expected_columns(), lineterminator="\n").writerow(
                {name: row.get(name, "") for name in expected_columns()}
            )
            return "".join(lines[:start]) + out.getvalue() + "".join(lines[previous:])
    raise CodeError(f"no study {row['id']} in {path.name}")


# --------------------------------------------------------------------------------------------
# The terminal


def read_terms(message: str, default: str, keys: list[str]) -> str | None:
    """A line pre-filled with `default` (prompt_toolkit; Tab completes a term's key). None on
    Ctrl-C or Ctrl-D."""
    from prompt_toolkit import prompt
    from prompt_toolkit.completion import Completer, Completion

    class TermCompleter(Completer):
        def get_completions(self, document, complete_event):
            typed = document.text_before_cursor.rsplit(SEPARATOR, 1)[-1].lstrip()
            for key in keys:
                if key.startswith(typed):
                    yield Completion(key, start_position=-len(typed))

    try:
        return prompt(message, default=default, completer=TermCompleter(), complete_while_typing=False)
    except (EOFError, KeyboardInterrupt):
        return None


def read_text(message: str) -> str | None:
    """A typed line; None on Ctrl-C or Ctrl-D."""
    from prompt_toolkit import prompt

    try:
        return prompt(message)
    except (EOFError, KeyboardInterrupt):
        return None


def study_card(session: CodingSession, study: str, position: int) -> str:
    row = session.row(study)
    lines = ["─" * width(), f"{study} · study {position} of {len(session.ids)} to code"]
    lines += wrap(row["title"] or "(no title)")
    lines += wrap(
        " · ".join(filter(None, [row["first_author"], row["year"], row["venue"], row["doi"] and f"doi:{row['doi']}"]))
    )
    abstract = session.abstract(study)
    lines.append("")
    if abstract:
        lines += wrap(f"Abstract ({abstract.where}):")
        lines += wrap(abstract.text, "  ")
    else:
        lines += wrap("(no abstract in the repository: read the publication)")
    return "\n".join(lines)


def terms_menu(session: CodingSession, column: str) -> list[str]:
    """The facet's terms, numbered, in columns that fit the terminal."""
    facet = session.facets[column]
    cells = [f"{n:>2} {key}" for n, key in enumerate(facet.terms, 1)]
    cell_width = max(len(c) for c in cells) + 2
    per_line = max(1, width() // cell_width)
    return [
        "".join(c.ljust(cell_width) for c in cells[i : i + per_line]).rstrip() for i in range(0, len(cells), per_line)
    ]


def run_coding(
    session: CodingSession,
    *,
    say: Callable[[str], None] = print,
    text_line: Callable[[str], str | None] = read_text,
    terms_line: Callable[[str, str, list[str]], str | None] = read_terms,
) -> int:
    """Walk every cell still to do of the session's studies; return the number of cells saved."""
    say(
        "Enter saves a cell; an empty line leaves it to do; ? shows the study and its abstract again; Ctrl-C "
        "stops (every cell saved stays). Descriptive fields: in your own words, never the abstract's."
    )
    for position, study in enumerate(session.ids, 1):
        cells = session.to_do(study)
        if not cells:
            continue
        say(study_card(session, study, position))
        for column in cells:
            if column in TABLE1_COLUMNS:
                outcome = _ask_text(session, study, column, say, text_line)
            else:
                outcome = _ask_terms(session, study, column, say, terms_line)
            if outcome is None:
                return _finish(session, say)
    return _finish(session, say)


def _ask_text(session, study, column, say, text_line) -> bool | None:
    for part in wrap(
        f"{session.titles[column]}: {FIELD_HINTS[column]}. Summarise it in your own words; "
        "do not paste the abstract (a copied run of words is refused)."
    ):
        say(part)
    return _ask(
        session,
        study,
        column,
        say,
        lambda: text_line(f"{column}> "),
        lambda typed: session.check_text(study, column, typed),
        f"saved: {study} {column}",
    )


def _ask_terms(session, study, column, say, terms_line) -> bool | None:
    facet = session.facets[column]
    suggestion = session.suggestion(study, column)
    need = "one or more terms" if facet.required else f"terms, or '{NONE}'"
    say(f"{facet.label} ({column}): {need}, ';'-separated, by key or number; Tab completes a key.")
    for part in terms_menu(session, column):
        say(part)
    if suggestion.terms:
        for term in suggestion.terms:
            for part in wrap(f"suggested {term}: {suggestion.why(term)}", "  "):
                say(part)
    else:
        say("  nothing suggested: choose by the definitions (the Contribute chapter's vocabulary)")
    return _ask(
        session,
        study,
        column,
        say,
        lambda: terms_line(f"{column}> ", SEPARATOR.join(suggestion.terms), list(facet.terms)),
        lambda typed: session.check_terms(column, typed),
        f"saved: {study} {column}",
    )


def _ask(session, study, column, say, read, check, saved: str) -> bool | None:
    """Ask for one cell until it is saved (True), left to do (False) or the session stops (None)."""
    while True:
        typed = read()
        if typed is None:
            return None
        if typed.strip() == AGAIN:
            say(study_card(session, study, session.ids.index(study) + 1))
            continue
        if not typed.strip():
            say(f"left to do: {column}")
            return False
        try:
            value = check(typed)
        except CodeError as exc:
            for part in wrap(f"not saved: {exc}"):
                say(part)
            continue
        session.save(study, column, value)
        say(saved + (f" {value or '(no term)'}" if column in LIST_COLUMNS else ""))
        return True


def _finish(session: CodingSession, say) -> int:
    left = {study: session.to_do(study) for study in session.ids}
    waiting = {study: cells for study, cells in left.items() if cells}
    say(f"{plural(len(session.saved), 'cell')} saved in {session.repo.studies.name} this time.")
    if waiting:
        for study, cells in waiting.items():
            say(f"still to do: {study}: {', '.join(cells)}")
        say(f"next: python -m livingreview code {' '.join(waiting)}")
    else:
        say("every cell is filled in: next, python -m livingreview validate, then python -m livingreview release")
    return len(session.saved)
