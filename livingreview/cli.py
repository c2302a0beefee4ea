"""The command line: python -m livingreview COMMAND ...

validate [PATH] [--kind K] [--format text|github]
                     check the data files (all of them, or PATH), every problem by line and
                     column: exit 0 valid, 1 problems (one line each), 2 unreadable.
normalise [PATH]     write the data files (or PATH) back as the repository keeps them: UTF-8
                     without a byte-order mark, '\\n' line ends, no white space at either end of a
                     cell; what a spreadsheet program changed on saving, undone.
contributing [--check]
                     rebuild CONTRIBUTING.md's generated blocks (--check: exit 1 if they are out
                     of date, change nothing).
search               the monthly search: new records of PubMed, Europe PMC and OpenAlex since the
                     last run become candidates for screening (data/candidates.csv).
import FILE...       records exported by hand from a database (RIS, PubMed MEDLINE, Web of Science
                     text, CSV) become candidates, de-duplicated like the search's.
screen               screen the candidates in the terminal, most likely inclusions first, with a
                     stopping estimate; --simulate, --export and --import for ASReview and
                     spreadsheets.
add DOI|CANDIDATE... | --included
                     publications (Crossref's record, or a candidate's own) as pre-filled rows of
                     data/studies.csv, with suggested codes, and records of book/references.bib.
code [ID...]         a new study's descriptive fields and codes in the terminal, the suggested
                     terms pre-selected, the abstract beside them.
release              cut a dated version: writes data/releases.yml and CITATION.cff (the book
                     build then writes the Versions page and feed.xml from them).

The commands that change files (search, import, add, release) write everything at once at the
end, or nothing (screen saves each decision, code each cell, the moment it is made): offline or
on an API error they print one line and exit 2. `--root DIR` runs a command on another checkout
of the repository (the tests use copies); `--date` sets today's date.

A command is a function cmd_NAME(args) -> exit code, registered in build_parser(); it imports
what it needs when it runs, so `--help` stays instant.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path

from .data.paths import display, studies_path
from .text.wording import plural

#: validate: which checker reads a file, by its name (any other name is a study table).
FILE_KINDS = {
    "table1.csv": "table1",
    "cited.csv": "cited",
    "candidates.csv": "candidates",
    "screening.csv": "screening",
    "search-runs.csv": "search-runs",
    "import-runs.csv": "import-runs",
    "screening-stops.csv": "screening-stops",
}


def _report(args, path: str, problems, unreadable: str | None, summary: str) -> int:
    """Print one file's problems (text or GitHub annotations); return its exit code."""
    from .data.validation import github_annotation

    if unreadable is not None:
        if args.format == "github":
            print(github_annotation(path, unreadable, title="Unreadable data file"))
        else:
            print(unreadable, file=sys.stderr)
        return 2
    if problems:
        for problem in sorted(set(problems)):
            if args.format == "github":
                print(problem.annotation(path))
            else:
                print(problem.render(path), file=sys.stderr)
        print(f"{path}: {plural(len(set(problems)), 'problem')} found; nothing was changed", file=sys.stderr)
        return 1
    print(f"{path}: valid: {summary}")
    return 0


def _check_studies(args, target, repo) -> tuple[int, object]:
    """The study table; the checkout's own (data/studies.csv) also against the checkout's other
    files: its bibliography and the source review's Table 1 (another table, a preview, has no
    records there, and its reference numbers are its own)."""
    from .data.counts import terms_used
    from .data.studies import load_studies
    from .data.validation import DataFileError, InvalidStudiesError

    path = display(target)
    try:
        frame, problems = load_studies(path), []
    except DataFileError as exc:
        return _report(args, path, [], str(exc), ""), None
    except InvalidStudiesError as exc:
        frame, problems = None, list(exc.problems)
    if Path(target).resolve() == (Path(repo.root) / "data" / "studies.csv").resolve():
        try:
            problems += _checkout_problems(target, repo)
        except DataFileError as exc:
            return _report(args, display(repo.references), [], str(exc), ""), None
    if problems:
        return _report(args, path, problems, None, ""), None
    years = f", {frame['year'].min()}–{frame['year'].max()}" if len(frame) else ""
    summary = (
        f"{plural(len(frame), 'study', 'studies')}, {plural(terms_used(frame, 'domain'), 'clinical domain')}, "
        f"{plural(terms_used(frame, 'model_family'), 'model family', 'model families')}{years}"
    )
    return _report(args, path, [], None, summary), frame


def _checkout_problems(target, repo) -> list:
    """The rules between the study table and the checkout's other files: a study's bibliographic
    cells come from its verified record (livingreview.data.records); a row with a reference number
    is Table 1's (livingreview.data.table1; its own file is checked on its own line); an added
    study's descriptive fields do not copy its abstract (livingreview.update.coding: candidates.csv,
    screening.csv and book/references.bib say which abstract is its)."""
    from .data.records import bibliography_problems, read_bibliography
    from .data.table1 import load_table1, table1_problems
    from .data.validation import DataFileError, InvalidStudiesError, read_records
    from .update.coding import copy_problems

    parsed = read_records(target)
    position = {name: i for i, name in enumerate(parsed.header)}
    rows = [{name: record[i] for name, i in position.items() if i < len(record)} for record in parsed.records]
    problems = bibliography_problems(rows, parsed.lines, read_bibliography(repo.references), display(repo.references))
    try:
        table1 = load_table1(repo.table1)
    except (DataFileError, InvalidStudiesError):
        table1 = None  # reported on its own line
    if table1 is not None:
        problems += table1_problems(rows, parsed.lines, table1)
    return problems + copy_problems(repo, target)


def _check_other(args, kind: str, target, repo, frame=None) -> int:
    """cited.csv or one of the update cycle's files, with the cross-file rules where the other
    files can be read."""
    from .data.cited import validate_cited
    from .data.validation import DataFileError
    from .update import screening
    from .update.protocol import ProtocolError, load_protocol

    path = display(target)
    try:
        if kind == "table1":
            from .data.table1 import validate_table1

            rows, problems = validate_table1(target)
            return _report(args, path, problems, None, plural(len(rows), "study", "studies") + " in Table 1")
        if kind == "cited":
            rows, problems = validate_cited(target, frame)
            return _report(args, path, problems, None, plural(len(rows), "cited-only study", "cited-only studies"))
        if kind == "candidates":
            rows, problems = screening.validate_candidates(target)
            return _report(args, path, problems, None, plural(len(rows), "candidate"))
        if kind == "search-runs":
            rows, problems = screening.validate_runs(target)
            runs = len({r["date"] for r in rows})
            return _report(args, path, problems, None, plural(runs, "search run"))
        if kind == "import-runs":
            rows, problems = screening.validate_imports(target)
            return _report(args, path, problems, None, plural(len(rows), "imported file"))
        if kind == "screening-stops":
            rows, problems = screening.validate_stops(target)
            return _report(args, path, problems, None, plural(len(rows), "early stop"))
        try:
            candidates = {r["candidate_id"] for r in screening.check_file(repo.candidates, "candidates")[0]}
        except DataFileError:
            candidates = None  # reported on its own line
        studies = set(frame["id"]) if frame is not None else None
        rows, problems = screening.validate_screening(
            target,
            candidate_ids=candidates,
            study_ids=studies,
            protocol=load_protocol(repo.search),
            today=_today(args),
        )
        settled, disputed = screening.settled_decisions(rows)
        summary = f"{plural(len(rows), 'decision')} on {plural(len(settled) + len(disputed), 'candidate')}"
        if candidates is not None:
            summary += f", {len(candidates - set(settled)):,} awaiting a decision"
        if disputed:
            summary += f" ({len(disputed):,} where screeners disagree: python -m livingreview screen --resolve)"
        return _report(args, path, problems, None, summary)
    except DataFileError as exc:
        return _report(args, path, [], str(exc), "")
    except ProtocolError as exc:
        return _report(args, display(repo.search), [], str(exc), "")


def cmd_validate(args) -> int:
    from .data.paths import Repository

    repo = Repository(args.root) if args.root else Repository()
    if args.path is not None:
        kind = args.kind or FILE_KINDS.get(Path(args.path).name, "studies")
        if kind == "studies":
            return _check_studies(args, args.path, repo)[0]
        frame = None
        if kind in ("cited", "screening"):  # cross-file rules need the study table, if it is valid
            frame = _quiet_studies(repo.studies)
        return _check_other(args, kind, args.path, repo, frame)
    from .update.screening import OPTIONAL as screening_optional

    code, frame = _check_studies(args, repo.studies if args.root else studies_path(), repo)
    codes = [code]
    for kind, target in (
        ("table1", repo.table1),
        ("cited", repo.cited),
        ("search-runs", repo.runs),
        ("import-runs", repo.imports),
        ("candidates", repo.candidates),
        ("screening", repo.screening),
        ("screening-stops", repo.stops),
    ):
        if kind in screening_optional and not target.exists():
            continue
        codes.append(_check_other(args, kind, target, repo, frame))
    return max(codes)


def _quiet_studies(path):
    from .data.studies import load_studies

    try:
        return load_studies(path)
    except Exception:  # its own problems are reported when it is validated itself
        return None


def cmd_normalise(args) -> int:
    """Write each data file back as the repository keeps it (validation.normalised_text)."""
    from .data.schema import resource_schema
    from .data.transaction import write_all
    from .data.validation import DataFileError, normalised_text

    repo = _repo(args)
    if args.path:
        targets = [(Path(args.path), FILE_KINDS.get(Path(args.path).name, "studies"))]
    else:
        targets = [(repo.studies if args.root else studies_path(), "studies")]
        attribute = {"search-runs": "runs", "import-runs": "imports", "screening-stops": "stops"}
        targets += [(getattr(repo, attribute.get(k, k)), k) for k in FILE_KINDS.values()]
    changes, code = {}, 0
    for path, kind in targets:
        if not Path(path).is_file() and not args.path:
            continue
        columns = None if kind == "studies" else [f["name"] for f in resource_schema(kind)["fields"]]
        try:
            text = normalised_text(path, columns, "the study table" if kind == "studies" else Path(path).name)
        except DataFileError as exc:
            print(exc, file=sys.stderr)
            code = 2
            continue
        if Path(path).read_bytes() != text.encode("utf-8"):
            changes[Path(path)] = text
            print(
                f"{display(path)}: normalised (UTF-8 without a byte-order mark, '\\n' line ends, no white space at cell ends)"
            )
        else:
            print(f"{display(path)}: unchanged, already as the repository keeps it")
    if code:
        print("nothing was changed", file=sys.stderr)
        return code
    write_all(changes)
    return 0


def cmd_contributing(args) -> int:
    from .book.contributor_docs import CONTRIBUTING, sync_contributing

    current = CONTRIBUTING.read_text(encoding="utf-8")
    updated = sync_contributing(current)
    if current == updated:
        print(f"{display(CONTRIBUTING)} is up to date")
        return 0
    if args.check:
        print(f"{display(CONTRIBUTING)} is out of date: run python -m livingreview contributing", file=sys.stderr)
        return 1
    CONTRIBUTING.write_text(updated, encoding="utf-8")
    print(f"{display(CONTRIBUTING)} updated")
    return 0


def _today(args) -> _dt.date:
    return _dt.date.fromisoformat(args.date) if args.date else _dt.date.today()


def _repo(args):
    from .data.paths import Repository

    return Repository(Path(args.root)) if args.root else Repository()


def _fail(message: str, code: int = 2) -> int:
    print(f"livingreview: {message}", file=sys.stderr)
    return code


def _progress(args):
    """Where a command says what it is doing (each request's wait, each retry, each page): on
    standard error, at once (flushed), so a person sees every wait within 2 s of its start."""
    if getattr(args, "quiet", False):
        return lambda message: None
    return lambda message: print(message, file=sys.stderr, flush=True)


def cmd_search(args) -> int:
    from .data.transaction import write_all
    from .data.validation import DataFileError, InvalidStudiesError
    from .update.protocol import ProtocolError
    from .update.registry import RegistryError
    from .update.search import run_search

    repo = _repo(args)
    try:
        result = run_search(repo, today=_today(args), say=_progress(args))
    except RegistryError as exc:
        return _fail(f"search stopped, nothing was written: {exc}")
    except (ProtocolError, DataFileError, InvalidStudiesError) as exc:
        return _fail(
            f"search cannot start, nothing was written: {_first_line(exc)} (run: python -m livingreview validate)"
        )
    write_all(result.changes)
    for line in result.summary():
        print(line)
    print(f"written: {', '.join(display(p) for p in result.changes)}")
    if result.candidates:
        print("next: python -m livingreview screen")
    return 0


def cmd_import(args) -> int:
    from .data.transaction import write_all
    from .data.validation import DataFileError, InvalidStudiesError
    from .update.imports import ImportFileError, run_import

    repo = _repo(args)
    try:
        result = run_import(
            args.files, repo, today=_today(args), database=args.database or "", format=args.format or ""
        )
    except ImportFileError as exc:
        return _fail(f"nothing was imported: {exc}")
    except (DataFileError, InvalidStudiesError) as exc:
        return _fail(f"nothing was imported: {_first_line(exc)} (run: python -m livingreview validate)")
    write_all(result.changes)
    for line in result.summary():
        print(line)
    if result.changes:
        print(f"written: {', '.join(display(p) for p in result.changes)}")
    else:
        print("nothing written")
    if result.candidates:
        print("next: python -m livingreview screen")
    return 0


def _screener(args) -> str:
    """--screener, else $LIVINGREVIEW_SCREENER, else git's user.name (the one who commits)."""
    import os
    import subprocess

    name = (args.screener or os.environ.get("LIVINGREVIEW_SCREENER", "")).strip()
    if not name:
        try:
            name = subprocess.run(
                ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, cwd=args.root or None
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            name = ""
    return name


def cmd_screen(args) -> int:
    from .data.validation import DataFileError, InvalidStudiesError
    from .update.protocol import ProtocolError
    from .update.screen import ScreenError

    if args.simulate:
        return _simulate(args)
    try:
        return _screen(args)
    except ScreenError as exc:
        return _fail(str(exc), 1)
    except (ProtocolError, DataFileError, InvalidStudiesError) as exc:
        return _fail(f"screen cannot start: {_first_line(exc)} (run: python -m livingreview validate)")


def _screen(args) -> int:
    from .update.screen import Session, export_for_asreview, import_decisions, run_terminal

    mode = "resolve" if args.resolve else "second" if args.second else "first"
    session = Session(_repo(args), screener=_screener(args) or "-", today=_today(args), mode=mode)
    if args.disagreements:
        lines = session.disagreements()
        for line in lines:
            print(line)
        print(
            f"{plural(len(lines), 'candidate')} where screeners disagree"
            + (": python -m livingreview screen --resolve" if lines else "")
        )
        return 0
    if args.export:
        undecided, labelled = export_for_asreview(session, args.export)
        print(
            f"written: {args.export}: {plural(undecided, 'candidate')} to screen, {plural(labelled, 'labelled record')} as prior knowledge"
        )
        print("next: screen them in ASReview LAB, export its results, then python -m livingreview screen --import FILE")
        return 0
    if session.screener == "-":
        return _fail("say who is screening: --screener NAME (or set $LIVINGREVIEW_SCREENER, or git's user.name)", 1)
    if args.import_file:
        imported = import_decisions(session, args.import_file)
        if imported.problems:
            for problem in sorted(set(imported.problems)):
                print(problem.render(args.import_file), file=sys.stderr)
            print(
                f"{args.import_file}: {plural(len(set(imported.problems)), 'problem')} found; nothing was imported",
                file=sys.stderr,
            )
            return 1
        print(
            f"{plural(len(imported.lines), 'decision')} imported into {display(session.repo.screening)}"
            + (f"; {imported.unchanged:,} already recorded" if imported.unchanged else "")
        )
        return 0
    if args.stop:
        row = session.stop()
        print(f"stopped: {session.estimate().sentence()}")
        print(f"written: {display(session.repo.stops)} ({row['screened']} of {row['candidates']} screened)")
        return 0
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        return _fail("screen needs a terminal; for other tools use screen --export FILE and screen --import FILE")
    run_terminal(session)
    return 0


def _simulate(args) -> int:
    from .update.ranking import RankingModel
    from .update.simulation import LabelledFileError, read_labelled, simulate

    try:
        data = read_labelled(args.simulate)
    except LabelledFileError as exc:
        return _fail(str(exc))
    model = RankingModel(data.texts, classifier=args.classifier)
    for seed in range(args.seeds):
        result = simulate(data, seed=seed, classifier=args.classifier, model=model)
        for line in result.report():
            print(line)
    return 0


def cmd_add(args) -> int:
    from .data.transaction import write_all
    from .data.validation import DataFileError, InvalidStudiesError
    from .update.prefill import AddError, prepare_additions
    from .update.protocol import ProtocolError
    from .update.registry import NotFound, RegistryError

    if not args.targets and not args.included:
        return _fail("say what to add: a DOI, a candidate id, or --included (every included candidate)", 1)
    repo = _repo(args)
    try:
        batch = prepare_additions(
            args.targets,
            repo,
            included=args.included,
            today=_today(args),
            screener=_screener(args),
            say=_progress(args),
        )
    except (AddError, NotFound) as exc:
        return _fail(f"nothing was added: {exc}", 1)
    except RegistryError as exc:
        return _fail(f"nothing was added: {exc}")
    except (ProtocolError, DataFileError, InvalidStudiesError) as exc:
        return _fail(f"nothing was added: {_first_line(exc)} (run: python -m livingreview validate)")
    if not batch.changes:
        print("nothing to add: every included candidate is a study already")
        return 0
    write_all(batch.changes)
    for addition in batch.additions:
        row = addition.row
        print(
            f"added {row['id']}: {row['first_author']} ({row['year']}), {row['title'] or 'no title in the record'}"
            + (f" [{addition.candidate}, from {addition.source}]" if addition.candidate else "")
        )
        shown = [f"{column} {';'.join(s.terms)}" for column, s in addition.suggestions.items() if s.terms]
        missing = [column for column, s in addition.suggestions.items() if not s.terms]
        print("  suggested: " + "; ".join([*shown, *([f"nothing for {', '.join(missing)}"] if missing else [])]))
        for warning in addition.warnings:
            print(f"  check: {warning}")
        if addition.similar:
            print(f"  note: its title and year resemble the study {addition.similar}: check it is not the same work")
    for link in batch.links:
        print(f"linked {link.candidate} to the study {link.study}, already in the table (same DOI)")
    keys = ", ".join(a.bibtex_key for a in batch.additions if a.bibtex_key)
    print(f"written: {', '.join(display(p) for p in batch.changes)}" + (f" (BibTeX keys {keys})" if keys else ""))
    if batch.additions:
        ids = " ".join(a.row["id"] for a in batch.additions)
        print(
            f"next: python -m livingreview code {ids} (summarise each study in your own words, accept or edit "
            "the suggested codes)"
        )
    return 0


def cmd_code(args) -> int:
    from .data.validation import DataFileError
    from .update.coding_screen import CodeError, CodingSession, run_coding

    try:
        session = CodingSession(_repo(args), args.ids or None)
    except CodeError as exc:
        return _fail(str(exc), 1)
    except DataFileError as exc:
        return _fail(f"code cannot start: {_first_line(exc)} (run: python -m livingreview validate)")
    if not session.ids:
        print("nothing to code: no study has a cell still to do")
        return 0
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        return _fail("code needs a terminal; or fill in the cells of data/studies.csv in an editor")
    run_coding(session)
    return 0


def cmd_release(args) -> int:
    from .data.transaction import write_all
    from .data.validation import DataFileError, InvalidStudiesError
    from .update.release import ReleaseError, prepare_release
    from .update.selection import prisma_csv
    from .update.versions import ReleasesError

    repo = _repo(args)
    if args.check:
        from .update.release import release_check

        try:
            ok, message = release_check(repo)
        except (ReleasesError, DataFileError, InvalidStudiesError) as exc:
            return _fail(f"not released: {_first_line(exc)} (run: python -m livingreview validate)", 1)
        print(f"released: {message}" if ok else f"not released: {message}", file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    try:
        cut = prepare_release(repo, today=_today(args), notes=args.notes or "")
    except (ReleaseError, ReleasesError) as exc:
        return _fail(f"no release: {exc}", 1)
    except (DataFileError, InvalidStudiesError) as exc:
        return _fail(f"no release: {_first_line(exc)} (run: python -m livingreview validate)", 1)
    if args.dry_run:
        print(f"would release version {cut.release.version} ({cut.release.studies} studies); nothing written")
    else:
        write_all(cut.changes)
        print(
            f"released version {cut.release.version} on {cut.release.date}: {plural(cut.release.studies, 'study', 'studies')}"
        )
        print(f"written: {', '.join(display(p) for p in cut.changes)}")
    r = cut.release
    print(f"since the previous version: {len(r.added)} added, {len(r.corrected)} corrected, {len(r.removed)} removed")
    open_maybes = len(r.awaiting or ())
    print(
        f"'maybe': {plural(open_maybes, 'record')} left open, screened again in the next update"
        if open_maybes
        else "'maybe': none left open"
    )
    if cut.flow is not None:
        print("flow of this update (PRISMA2020 field names):")
        print(prisma_csv(cut.flow), end="")
    return 0


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    more = f" (and {len(text) - 1} more)" if len(text) > 1 else ""
    return (text[0] if text else type(exc).__name__) + more


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m livingreview", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check the study table and report every problem by line and column")
    validate.add_argument(
        "path",
        nargs="?",
        help="one CSV to check (default: every data file; the study table is $LIVINGREVIEW_DATA or data/studies.csv)",
    )
    validate.add_argument("--root", help=argparse.SUPPRESS)
    validate.add_argument("--date", help=argparse.SUPPRESS, type=_iso_date)
    validate.add_argument(
        "--kind",
        choices=("studies", *FILE_KINDS.values()),
        help="which file PATH is (default: from its name; any other name is a study table)",
    )
    validate.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="github: one ::error annotation per problem, for pull-request checks",
    )
    validate.set_defaults(run=cmd_validate)

    normalise = commands.add_parser(
        "normalise",
        help="write data files back as the repository keeps them (after a spreadsheet program saved them)",
    )
    normalise.add_argument("path", nargs="?", help="one CSV (default: the study table and every CSV of data/)")
    normalise.add_argument("--root", help=argparse.SUPPRESS)
    normalise.set_defaults(run=cmd_normalise)

    contributing = commands.add_parser(
        "contributing",
        help="rebuild the generated blocks of CONTRIBUTING.md from datapackage.json and vocabulary.yml",
    )
    contributing.add_argument(
        "--check", action="store_true", help="exit 1 if CONTRIBUTING.md is out of date; change nothing"
    )
    contributing.set_defaults(run=cmd_contributing)

    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--root", help="the repository to work on (default: this checkout)")
    shared.add_argument("--date", help="today's date as YYYY-MM-DD (default: the system's)", type=_iso_date)

    search = commands.add_parser(
        "search", parents=[shared], help="run the saved search (data/search.yml) for new candidates to screen"
    )
    search.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    search.set_defaults(run=cmd_search)

    imports = commands.add_parser(
        "import",
        parents=[shared],
        help="bring in records exported from a database or reference manager as candidates to screen",
    )
    imports.add_argument(
        "files", nargs="+", metavar="FILE", help="RIS, PubMed MEDLINE (.nbib), Web of Science text or CSV"
    )
    imports.add_argument(
        "--database", help="the database the files were exported from, when a file does not say (e.g. Scopus)"
    )
    imports.add_argument(
        "--format", choices=("ris", "medline", "wos", "csv"), help="the files' format (default: detected)"
    )
    imports.set_defaults(run=cmd_import)

    screen = commands.add_parser(
        "screen",
        parents=[shared],
        help="screen the candidates in the terminal, most likely inclusions first, with a stopping estimate",
    )
    screen.add_argument("--screener", help="who is screening (default: $LIVINGREVIEW_SCREENER, else git's user.name)")
    modes = screen.add_mutually_exclusive_group()
    modes.add_argument("--second", action="store_true", help="a second screener's blind pass over the candidates")
    modes.add_argument("--disagreements", action="store_true", help="list the candidates whose screeners disagree")
    modes.add_argument(
        "--resolve", action="store_true", help="settle disagreements (as a third screener) and open 'maybe's"
    )
    modes.add_argument(
        "--stop", action="store_true", help="stop this update's screening early, once the stopping estimate holds"
    )
    modes.add_argument(
        "--export", metavar="FILE", help="write the candidates to screen for ASReview LAB (.csv or .ris)"
    )
    modes.add_argument(
        "--import",
        dest="import_file",
        metavar="FILE",
        help="read decisions from ASReview LAB's export or a spreadsheet",
    )
    modes.add_argument(
        "--simulate",
        metavar="FILE",
        help="replay a fully labelled file (record_id,title,abstract,label_included): recall, WSS@95, where it would stop",
    )
    screen.add_argument("--seeds", type=int, default=1, help="--simulate: how many runs (seeds 0, 1, ...)")
    screen.add_argument("--classifier", choices=("svm", "nb"), default="svm", help=argparse.SUPPRESS)
    screen.set_defaults(run=cmd_screen)

    add = commands.add_parser(
        "add",
        parents=[shared],
        help="add publications by DOI or candidate id (or every included candidate) as pre-filled rows of the study table",
    )
    add.add_argument(
        "targets",
        nargs="*",
        metavar="DOI|CANDIDATE",
        help="a DOI (10.NNNN/…, or a doi.org link) or a candidate id (c2026-1a2b3c4d); several at once",
    )
    add.add_argument(
        "--included", action="store_true", help="every candidate whose decision is an inclusion and is not a study yet"
    )
    add.add_argument(
        "--screener",
        help="who adds the candidates, recorded in screening.csv (default: $LIVINGREVIEW_SCREENER, else git's user.name)",
    )
    add.add_argument("--quiet", action="store_true", help="no progress lines (waits, retries), only the result")
    add.set_defaults(run=cmd_add)

    code = commands.add_parser(
        "code",
        parents=[shared],
        help="fill in new studies' descriptive fields and codes in the terminal (suggested codes pre-selected)",
    )
    code.add_argument("ids", nargs="*", metavar="ID", help="the studies (default: every study with a cell still to do)")
    code.set_defaults(run=cmd_code)

    release = commands.add_parser("release", parents=[shared], help="cut a dated version (releases.yml, CITATION.cff)")
    release.add_argument("--notes", help="a sentence for the release notes (corrections, anything readers should know)")
    release.add_argument("--dry-run", action="store_true", help="show what would be released; write nothing")
    release.add_argument(
        "--check",
        action="store_true",
        help="exit 1 unless the last version holds every search and the table as it is (the monthly pull request's check)",
    )
    release.set_defaults(run=cmd_release)
    return parser


def _iso_date(text: str) -> str:
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None
    return text


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours must still not greet a contributor with a traceback
        print(f"livingreview: internal error ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return 2
