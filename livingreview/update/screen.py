"""`python -m livingreview screen`: the candidates screened one at a time in the terminal, most
likely inclusions first, every decision saved the moment it is made.

The decisions file (data/screening.csv) holds one line per screener's decision. A decision is
appended as its own line (livingreview.data.transaction: a temporary file renamed over the old
one, so the file is always whole) before the next record is shown: Ctrl-C, a closed terminal,
a crash or a kill loses at most the record on screen, and running the command again resumes
with what is still undecided. No other line is rewritten (undo removes the line it made), so two
screeners' branches merge line by line (.gitattributes names git's union driver for the file).

A Session holds what the screen needs, without the terminal:
- the records to screen (`undecided`), ranked by the model learned from the review's decisions
  (livingreview.update.ranking: the table's studies and every candidate included or marked
  maybe count as relevant, every exclusion as not), retrained after each decision;
- decide / undo, and the hint when a record resembles an included study or another candidate;
- the stopping estimate for this update's batch (livingreview.update.stopping): the candidates
  found since the last release, the decisions on them in the order they were made.

Modes: the default screens candidates nobody has decided; `second` screens, blind, those this
screener has not decided (a second screener's pass); `resolve` walks the candidates whose
screeners disagree, and those left 'maybe' (this update's or an earlier one's), showing the
decisions so far, for a final decision (a line marked final, which counts over the others).
`stop()` records an early stop (data/screening-stops.csv) once the estimate holds; the update's
flow and release notes then count the rest as not screened.

The terminal (run_terminal) uses prompt_toolkit: one key per action, the exclusion reason by
number, notes typed on a line; text wrapped to the terminal's width (at most 80 columns).
`export_for_asreview` and `import_decisions` exchange the candidates and decisions with
ASReview LAB (CSV or RIS) and with a spreadsheet (CSV), checked by line and column.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..data.paths import Repository
from ..data.transaction import write_all
from ..data.validation import Problem, read_rows
from ..text.wording import and_list, plural
from .protocol import load_protocol
from .ranking import RankingModel, feature_cache, record_text, study_text
from .screening import csv_text, load_cycle, settled_decisions
from .selection import searched_dates
from .stopping import Estimate, estimate
from .versions import load_releases

MODES = ("first", "second", "resolve")
#: Similarity (cosine of the ranking model's TF-IDF features) from which a hint is shown: a record
#: resembling an included one (abstracts on one topic score about 0.15 to 0.3 with word pairs in
#: the features), and one so alike another candidate that it may be the same work.
HINT_STUDY = 0.15
HINT_CANDIDATE = 0.5
RELEVANT = ("include", "maybe")
STATUS = {"include": "included", "exclude": "excluded", "maybe": "marked maybe"}


class ScreenError(Exception):
    """Screening cannot start or a file cannot be exchanged; str() is one line."""


@dataclass
class Record:
    """A candidate as the screen shows it."""

    candidate_id: str
    row: dict
    sources: list[str]
    others: list[dict] = field(default_factory=list)  # other screeners' lines (resolve mode)


class Session:
    """What `screen` needs, without the terminal (see the module's docstring)."""

    def __init__(
        self,
        repo: Repository | None = None,
        *,
        screener: str,
        today: _dt.date | None = None,
        mode: str = "first",
        classifier: str = "svm",
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if not screener.strip() or "," in screener or "\n" in screener:
            raise ScreenError("say who is screening with --screener NAME (a name or GitHub handle, no commas)")
        self.repo = repo or Repository()
        self.screener = screener.strip()
        self.today = today or _dt.date.today()
        self.mode = mode
        self.protocol = load_protocol(self.repo.search)
        studies = read_rows(self.repo.studies)
        self.cycle = load_cycle(self.repo, study_ids={s["id"] for s in studies}, today=self.today)
        releases = load_releases(self.repo.releases)
        counted = searched_dates(releases)
        self.candidates = {c["candidate_id"]: c for c in self.cycle.candidates}
        self.batch = [c["candidate_id"] for c in self.cycle.candidates if c["found"] not in counted]
        self.labels_of_sources = {row["source"]: row["database"] for row in self.cycle.imports}
        self.lines: list[dict] = [dict(r) for r in self.cycle.screening]
        self.written: list[dict] = []  # this session's lines, for undo
        self.skipped: list[str] = []
        self.notes: dict[str, str] = {}
        # The model's records: the table's studies first, then every candidate.
        self.studies = studies
        self.ids = [f"study:{s['id']}" for s in studies] + list(self.candidates)
        self.position = {key: i for i, key in enumerate(self.ids)}
        texts = [study_text(s) for s in studies] + [record_text(c) for c in self.candidates.values()]
        # Features kept between sessions (by the texts' digest): the next `screen` on the same
        # candidates starts without building them again.
        self.model = RankingModel(texts, classifier=classifier, cache=feature_cache())
        self.retrain()

    # ---- decisions ---------------------------------------------------------------------------

    def settled(self) -> tuple[dict[str, dict], set[str]]:
        return settled_decisions(self.lines)

    def mine(self) -> dict[str, dict]:
        return {r["candidate_id"]: r for r in self.lines if r["screener"] == self.screener and r["decision"].strip()}

    def retrain(self) -> None:
        """Fit the model on every decision: the studies relevant, candidates by their decision."""
        labels = {self.position[f"study:{s['id']}"]: True for s in self.studies}
        decided = self.mine() if self.mode == "second" else self.settled()[0]
        for cid, row in decided.items():
            if cid in self.position:
                labels[self.position[cid]] = row["decision"] in RELEVANT
        self.model.fit(labels)

    def undecided(self) -> list[str]:
        """The candidates this mode shows, most likely relevant first; skipped ones last."""
        settled, disputed = self.settled()
        if self.mode == "resolve":
            open_maybe = {c for c, r in settled.items() if r["decision"] == "maybe"}
            waiting = [cid for cid in self.candidates if cid in disputed or cid in open_maybe]
        elif self.mode == "second":
            mine = self.mine()
            waiting = [cid for cid in self.candidates if cid not in mine]
        else:
            touched = {r["candidate_id"] for r in self.lines if r["decision"].strip()}
            waiting = [cid for cid in self.candidates if cid not in touched]
        ranked = [self.ids[i] for i in self.model.rank([self.position[c] for c in waiting])]
        later = [c for c in self.skipped if c in ranked]
        return [c for c in ranked if c not in later] + later

    def record(self, cid: str) -> Record:
        row = self.candidates[cid]
        sources = [self.source_label(s) for s in row["sources"].split(";") if s]
        others = [r for r in self.lines if r["candidate_id"] == cid and r["decision"].strip()]
        return Record(cid, row, sources, others if self.mode == "resolve" else [])

    def source_label(self, source: str) -> str:
        if source in self.protocol.labels:
            return self.protocol.labels[source]
        if source in self.labels_of_sources:
            return f"{self.labels_of_sources[source]} (imported export)"
        return source

    def decide(self, cid: str, decision: str, reason: str = "", note: str = "") -> dict:
        """Record a decision at once (one appended line, the file replaced atomically)."""
        if decision not in self.protocol.decisions:
            raise ScreenError(f"{decision!r} is not a decision; expected one of {', '.join(self.protocol.decisions)}")
        if decision == "exclude" and reason not in self.protocol.reasons:
            raise ScreenError(f"an exclusion needs a reason: {', '.join(self.protocol.reasons)}")
        note = " ".join((note or self.notes.pop(cid, "")).split())
        if reason == "other" and not note:
            raise ScreenError("the reason 'other' needs a note saying why")
        final = "yes" if self.mode == "resolve" else ""
        if any(r["candidate_id"] == cid and r["screener"] == self.screener and r["final"] == final for r in self.lines):
            raise ScreenError(f"{self.screener} has already decided {cid}; undo it first")
        line = {
            "candidate_id": cid,
            "decision": decision,
            "reason": reason if decision == "exclude" else "",
            "note": note,
            "screener": self.screener,
            "screened": self.today.isoformat(),
            "study_id": "",
            "final": final,
        }
        text = self.repo.screening.read_text(encoding="utf-8")
        write_all({self.repo.screening: csv_text("screening", [line], text)})
        self.lines.append(line)
        self.written.append(line)
        if cid in self.skipped:
            self.skipped.remove(cid)
        self.retrain()
        return line

    def undo(self) -> dict | None:
        """Remove this session's last decision (its own line only); the record is shown again."""
        if not self.written:
            return None
        line = self.written.pop()
        serialised = csv_text("screening", [line], "x\n").split("\n", 1)[1]
        text = self.repo.screening.read_text(encoding="utf-8")
        at = text.rfind(serialised)
        if at < 0 or (at and text[at - 1] != "\n"):
            raise ScreenError(
                f"{line['candidate_id']}'s line changed in {self.repo.screening.name} since; undo it there"
            )
        write_all({self.repo.screening: text[:at] + text[at + len(serialised) :]})
        self.lines.remove(line)
        self.retrain()
        return line

    def skip(self, cid: str) -> None:
        if cid in self.skipped:
            self.skipped.remove(cid)
        self.skipped.append(cid)

    # ---- what the screen shows -----------------------------------------------------------------

    def hint(self, cid: str) -> list[str]:
        """What this record resembles: the nearest included study of the table, the nearest
        candidate included or marked maybe, and any other candidate so alike it may be the same
        work (the ranking model's features, cosine similarity)."""
        hints = []
        index = self.position[cid]
        study_rows = [self.position[f"study:{s['id']}"] for s in self.studies]
        for other, similarity in self.model.nearest(index, study_rows, k=1):
            if similarity >= HINT_STUDY:
                study = self.ids[other].split(":", 1)[1]
                hints.append(f"resembles the included study {study} (similarity {similarity:.2f})")
        settled = self.settled()[0]
        relevant = [self.position[c] for c, r in settled.items() if r["decision"] in RELEVANT and c != cid]
        shown = set()
        for other, similarity in self.model.nearest(index, relevant, k=1):
            if similarity >= HINT_STUDY:
                shown.add(other)
                hints.append(self._candidate_hint(other, similarity))
        others = [self.position[c] for c in self.candidates if c != cid]
        for other, similarity in self.model.nearest(index, others, k=1):
            if similarity >= HINT_CANDIDATE and other not in shown:
                hints.append(self._candidate_hint(other, similarity))
        return hints

    def _candidate_hint(self, index: int, similarity: float) -> str:
        other = self.ids[index]
        decision = self.settled()[0].get(other)
        status = STATUS[decision["decision"]] if decision else "undecided"
        return f"resembles the candidate {other}, {status} (similarity {similarity:.2f}): {self.candidates[other]['title'][:60]}"

    def sequence(self) -> list[int]:
        """The batch's decisions in the order they were made: 1 relevant, 0 not."""
        batch = set(self.batch)
        if self.mode == "second":
            lines = [r for r in self.lines if r["screener"] == self.screener]
        else:
            settled = self.settled()[0]
            lines = [settled[c] for c in dict.fromkeys(r["candidate_id"] for r in self.lines) if c in settled]
        seen, labels = set(), []
        for row in lines:
            cid = row["candidate_id"]
            if cid in batch and cid not in seen and row["decision"].strip():
                seen.add(cid)
                labels.append(1 if row["decision"] in RELEVANT else 0)
        return labels

    def estimate(self) -> Estimate:
        return estimate(self.sequence(), len(self.batch))

    def stop(self) -> dict:
        """Record an early stop on the estimate (screening-stops.csv); ScreenError unless it holds."""
        current = self.estimate()
        if not self.batch:
            raise ScreenError("this update has no candidates; nothing to stop")
        if not current.holds:
            raise ScreenError(f"screening cannot stop yet: {current.sentence()}")
        row = {
            "date": self.today.isoformat(),
            "screener": self.screener,
            "candidates": current.total,
            "screened": current.screened,
            "relevant": current.relevant,
            "recall_target": current.recall,
            "confidence": current.confidence,
            "p_value": f"{current.p:.4f}",
        }
        existing = self.repo.stops.read_text(encoding="utf-8") if self.repo.stops.exists() else ""
        write_all({self.repo.stops: csv_text("screening-stops", [row], existing)})
        return row

    def disagreements(self) -> list[str]:
        """Each candidate the screeners disagree on, with every screener's decision, one line each."""
        _settled, disputed = self.settled()
        out = []
        for cid in self.candidates:
            if cid in disputed:
                views = [
                    f"{r['screener']}: {r['decision']}{' (' + r['reason'] + ')' if r['reason'] else ''}"
                    for r in self.lines
                    if r["candidate_id"] == cid and r["decision"].strip()
                ]
                out.append(f"{cid}  {'; '.join(views)}  {self.candidates[cid]['title'][:70]}")
        return out


# --------------------------------------------------------------------------------------------
# The terminal


def width() -> int:
    return max(40, min(80, shutil.get_terminal_size((80, 24)).columns))


def wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(
        " ".join(str(text or "").split()), width(), initial_indent=indent, subsequent_indent=indent
    ) or [indent.rstrip()]


def card(session: Session, cid: str, left: int) -> str:
    """The record as the screen shows it."""
    record = session.record(cid)
    row = record.row
    lines = ["─" * width(), f"{cid} · {left:,} to screen, most likely inclusions first"]
    lines += wrap(row["title"] or "(no title)")
    authors = [a.strip() for a in row["authors"].split(";") if a.strip()]
    shown = "; ".join(authors[:6]) + (f"; and {len(authors) - 6} more" if len(authors) > 6 else "")
    lines += wrap(shown or "(no authors given)")
    lines += wrap(" · ".join(filter(None, [row["year"], row["venue"], row["doi"] and f"doi:{row['doi']}"])))
    lines += wrap("found by " + and_list(record.sources))
    for hint in session.hint(cid):
        lines += wrap("hint: " + hint)
    for other in record.others:
        lines += wrap(
            f"{other['screener']} decided {other['decision']}"
            + (f" ({session.protocol.reasons.get(other['reason'], other['reason'])})" if other["reason"] else "")
            + (f": {other['note']}" if other["note"] else "")
        )
    if session.notes.get(cid):
        lines += wrap("your note: " + session.notes[cid])
    lines.append("")
    lines += wrap(row["abstract"] or "(no abstract in the record)")
    lines.append("")
    lines += wrap("stopping estimate: " + session.estimate().sentence())
    return "\n".join(lines)


KEYS = {
    "i": "include",
    "e": "exclude",
    "m": "maybe",
    "s": "skip",
    "u": "undo",
    "n": "note",
    "q": "quit",
}
PROMPT = "[i]nclude [e]xclude [m]aybe [s]kip [u]ndo [n]ote [q]uit"


def read_key(message: str, keys) -> str:
    """One key from the terminal (prompt_toolkit); Ctrl-C and Ctrl-D quit."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import Layout
    from prompt_toolkit.layout.containers import Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    bindings = KeyBindings()
    for key in keys:

        @bindings.add(key)
        def _chosen(event, key=key):
            event.app.exit(result=key)

    @bindings.add("c-c")
    @bindings.add("c-d")
    @bindings.add("<sigint>")  # Ctrl-C sent as a signal (kill -INT): quit, as the key does
    def _quit(event):
        event.app.exit(result="q")

    app = Application(
        layout=Layout(Window(FormattedTextControl(message), height=1, wrap_lines=False)),
        key_bindings=bindings,
        full_screen=False,
        erase_when_done=True,
    )
    return app.run()


def read_line(message: str) -> str:
    from prompt_toolkit import prompt

    try:
        return prompt(message)
    except (EOFError, KeyboardInterrupt):
        return ""


def run_terminal(
    session: Session,
    *,
    say: Callable[[str], None] = print,
    key: Callable[[str, list[str]], str] = read_key,
    line: Callable[[str], str] = read_line,
) -> int:
    """Screen until nothing is left or the screener quits; return the number of decisions made."""
    reasons = list(session.protocol.reasons)
    made = 0
    while True:
        waiting = session.undecided()
        if not waiting:
            say("nothing left to screen in this mode.")
            break
        cid = waiting[0]
        say(card(session, cid, len(waiting)))
        choice = key(PROMPT + " ", list(KEYS))
        action = KEYS.get(choice, "quit")
        if action == "quit":
            break
        if action == "skip":
            session.skip(cid)
            continue
        if action == "undo":
            undone = session.undo()
            say(
                f"undone: {undone['candidate_id']} ({undone['decision']})"
                if undone
                else "nothing to undo in this session"
            )
            continue
        if action == "note":
            text = line("note: ")
            if text.strip():
                session.notes[cid] = text.strip()
            continue
        reason = ""
        if action == "exclude":
            menu = "  ".join(f"[{n}] {session.protocol.reasons[r]}" for n, r in enumerate(reasons, 1))
            for part in wrap("reason: " + menu + "  [c]ancel"):
                say(part)
            picked = key("reason? ", [str(n) for n in range(1, len(reasons) + 1)] + ["c"])
            if picked not in [str(n) for n in range(1, len(reasons) + 1)]:
                continue
            reason = reasons[int(picked) - 1]
            if reason == "other" and not session.notes.get(cid):
                text = line("note (why 'other'): ")
                if not text.strip():
                    say("not recorded: the reason 'other' needs a note")
                    continue
                session.notes[cid] = text.strip()
        line_written = session.decide(cid, action, reason)
        made += 1
        say(f"saved: {cid} {line_written['decision']}{' (' + reason + ')' if reason else ''}")
    current = session.estimate()
    say(f"{plural(len(session.written), 'decision')} saved in {session.repo.screening.name} this time.")
    for part in wrap("stopping estimate: " + current.sentence()):
        say(part)
    if current.holds and current.screened < current.total and session.mode != "resolve":
        say("to stop here and report the rest as not screened: python -m livingreview screen --stop")
    _settled, disputed = session.settled()
    if disputed:
        say(
            f"{plural(len(disputed), 'candidate')} with disagreeing screeners: python -m livingreview screen --disagreements"
        )
    return made


# --------------------------------------------------------------------------------------------
# ASReview LAB and spreadsheets

EXPORT_COLUMNS = ("candidate_id", "title", "abstract", "authors", "year", "venue", "doi", "label_included")
#: The columns a file of decisions may give them in: ASReview LAB's export, or a spreadsheet.
LABEL_COLUMNS = ("asreview_label", "included", "label_included", "label", "decision")
NOTE_COLUMNS = ("asreview_note", "note", "notes")
REASON_COLUMNS = ("reason", "exclusion_reason", "asreview_tags", "tags")
SCREENER_COLUMNS = ("screener", "asreview_user_name", "user_name")
DATE_COLUMNS = ("screened", "asreview_time", "date")


def export_for_asreview(session: Session, path: str | Path) -> tuple[int, int]:
    """The undecided candidates and, as prior knowledge, the labelled records (the studies and
    the decided candidates), as CSV or RIS (by the file's suffix) for ASReview LAB. Returns
    (undecided, labelled)."""
    path = Path(path)
    rows = []
    for s in session.studies:
        rows.append(
            {
                "candidate_id": f"study:{s['id']}",
                "title": s.get("title") or "",
                "abstract": study_text({k: v for k, v in s.items() if k != "title"}),
                "authors": s.get("first_author") or "",
                "year": s.get("year") or "",
                "venue": s.get("venue") or "",
                "doi": s.get("doi") or "",
                "label_included": 1,
            }
        )
    settled, _disputed = session.settled()
    waiting = set(session.undecided())
    for cid, c in session.candidates.items():
        if cid in settled:
            label = 1 if settled[cid]["decision"] in RELEVANT else 0
        elif cid in waiting:
            label = ""
        else:
            continue
        rows.append({name: c.get(name, "") for name in EXPORT_COLUMNS[:-1]} | {"label_included": label})
    if path.suffix.lower() == ".ris":
        import rispy

        entries = []
        for row in rows:
            entry = {
                "type_of_reference": "JOUR",
                "id": row["candidate_id"],
                "title": row["title"],
                "abstract": row["abstract"],
                "authors": [a.strip() for a in str(row["authors"]).split(";") if a.strip()],
                "year": str(row["year"]),
                "secondary_title": row["venue"],
                "doi": row["doi"],
                "notes": [
                    {1: "ASReview_relevant", 0: "ASReview_irrelevant"}.get(row["label_included"], "ASReview_not_seen"),
                    f"candidate_id: {row['candidate_id']}",
                ],
            }
            entries.append({k: v for k, v in entry.items() if v not in ("", [])})
        text = rispy.dumps(entries)
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = out.getvalue()
    write_all({path: text})
    return sum(1 for r in rows if r["label_included"] == ""), sum(1 for r in rows if r["label_included"] != "")


@dataclass
class Imported:
    lines: list[dict]
    problems: list[Problem]
    unchanged: int = 0


def _pick(header: list[str], names) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def _decision_of(value: str) -> str | None:
    text = str(value).strip().lower()
    return {
        "1": "include",
        "1.0": "include",
        "include": "include",
        "included": "include",
        "relevant": "include",
        "0": "exclude",
        "0.0": "exclude",
        "exclude": "exclude",
        "excluded": "exclude",
        "irrelevant": "exclude",
        "maybe": "maybe",
        "": "",
        "-1": "",
        "not seen": "",
    }.get(text)


def read_decisions(session: Session, path: str | Path) -> Imported:
    """Decisions from ASReview LAB's export (CSV or RIS) or a spreadsheet (CSV): every problem by
    line and column. A row without a decision is left undecided."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ScreenError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ScreenError(f"{path}: is not UTF-8; save it with UTF-8 encoding") from None
    if path.suffix.lower() == ".ris" or text.lstrip().startswith("TY  -"):
        records = _ris_decisions(text)
    else:
        records = _csv_decisions(text, path)
    reasons = session.protocol.reasons
    labels = {label.lower(): key for key, label in reasons.items()}
    settled = session.mine()
    problems, lines, unchanged = [], [], 0
    for line_no, row in records:
        cid = (row.get("candidate_id") or "").strip()
        if cid.startswith("study:"):
            continue  # the prior knowledge exported with the candidates
        decision = _decision_of(row.get("label", ""))
        if decision is None:
            problems.append(
                Problem(line_no, "decision", f"{row.get('label')!r} is not include, exclude or maybe (or 1/0)")
            )
            continue
        if not decision:
            continue
        if cid not in session.candidates:
            problems.append(Problem(line_no, "candidate_id", f"{cid!r} is not a candidate of candidates.csv"))
            continue
        reason = ""
        raw_reason = str(row.get("reason") or "").strip()
        if raw_reason.startswith("["):  # ASReview's tags: a JSON list
            try:
                tags = [str(t.get("name") if isinstance(t, dict) else t) for t in json.loads(raw_reason)]
            except ValueError:
                tags = []
            raw_reason = next((t for t in tags if t in reasons or t.lower() in labels), "")
        if raw_reason:
            reason = raw_reason if raw_reason in reasons else labels.get(raw_reason.lower(), "")
            if not reason:
                problems.append(
                    Problem(line_no, "reason", f"{raw_reason!r} is not a reason of search.yml: {', '.join(reasons)}")
                )
                continue
        note = " ".join(str(row.get("note") or "").split())
        if decision == "exclude" and not reason:
            reason, note = "other", note or "excluded in ASReview LAB or a spreadsheet without a reason"
        if reason and decision != "exclude":
            problems.append(Problem(line_no, "reason", f"'{reason}' is given, but only an exclusion has a reason"))
            continue
        screener = str(row.get("screener") or "").strip() or session.screener
        screened = _date_of(row.get("screened"), session.today)
        if screened is None:
            problems.append(Problem(line_no, "screened", f"{row.get('screened')!r} is not a date (YYYY-MM-DD)"))
            continue
        if screened > session.today.isoformat():
            problems.append(Problem(line_no, "screened", f"{screened} is in the future"))
            continue
        earlier = settled.get(cid) if screener == session.screener else None
        if earlier is not None:
            if earlier["decision"] == decision:
                unchanged += 1
                continue
            problems.append(
                Problem(
                    line_no, "decision", f"{screener} already decided {cid} '{earlier['decision']}' in screening.csv"
                )
            )
            continue
        lines.append(
            {
                "candidate_id": cid,
                "decision": decision,
                "reason": reason,
                "note": note,
                "screener": screener,
                "screened": screened,
                "study_id": "",
                "final": "",
            }
        )
    return Imported(lines, problems, unchanged)


def _date_of(value, today: _dt.date) -> str | None:
    text = str(value or "").strip()
    if not text:
        return today.isoformat()
    if re.fullmatch(r"\d+(\.\d+)?", text):  # ASReview's time: seconds since 1970
        return _dt.datetime.fromtimestamp(float(text), _dt.UTC).date().isoformat()
    try:
        return _dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _csv_decisions(text: str, path: Path) -> list[tuple[int, dict]]:
    from .imports import ImportFileError, delimited_rows

    try:
        rows, lines = delimited_rows(text, path)
    except ImportFileError as exc:
        raise ScreenError(str(exc)) from None
    header = rows[0]
    wanted = {
        "candidate_id": _pick(header, ("candidate_id",)),
        "label": _pick(header, LABEL_COLUMNS),
        "reason": _pick(header, REASON_COLUMNS),
        "note": _pick(header, NOTE_COLUMNS),
        "screener": _pick(header, SCREENER_COLUMNS),
        "screened": _pick(header, DATE_COLUMNS),
    }
    for need in ("candidate_id", "label"):
        if wanted[need] is None:
            names = "candidate_id" if need == "candidate_id" else ", ".join(LABEL_COLUMNS)
            raise ScreenError(f"{path}:1: no {need} column (expected {names}); export the file with `screen --export`")
    position = {name: header.index(column) for name, column in wanted.items() if column is not None}
    out = []
    for row, line in zip(rows[1:], lines[1:]):
        if len(row) != len(header):
            raise ScreenError(f"{path}:{line}: the row has {len(row)} fields but the header has {len(header)}")
        out.append((line, {name: row[i] for name, i in position.items()}))
    return out


def _ris_decisions(text: str) -> list[tuple[int, dict]]:
    import rispy

    starts = [n for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1) if line.startswith("TY  -")]
    out = []
    for line, entry in zip(starts, rispy.loads(text.removeprefix("\ufeff"))):
        notes = entry.get("notes") or []
        label = next(
            (
                {"ASReview_relevant": "1", "ASReview_irrelevant": "0", "ASReview_not_seen": ""}[n]
                for n in notes
                if n in ("ASReview_relevant", "ASReview_irrelevant", "ASReview_not_seen")
            ),
            "",
        )
        cid = entry.get("id") or next((n.split(":", 1)[1].strip() for n in notes if n.startswith("candidate_id:")), "")
        note = next((json.loads(n.split(":", 1)[1]) for n in notes if n.startswith("asreview_note:")), "")
        out.append((line, {"candidate_id": cid, "label": label, "note": note or ""}))
    return out


def import_decisions(session: Session, path: str | Path) -> Imported:
    """Read the file's decisions and, when it has no problems, append them to screening.csv."""
    imported = read_decisions(session, path)
    if imported.problems or not imported.lines:
        return imported
    text = session.repo.screening.read_text(encoding="utf-8")
    write_all({session.repo.screening: csv_text("screening", imported.lines, text)})
    session.lines += imported.lines
    return imported
