"""The command line: python -m livingreview COMMAND ...

validate [PATH] [--format text|github]   exit 0 valid, 1 problems (one line each), 2 unreadable.
contributing [--check]                   rebuild CONTRIBUTING.md's generated blocks (--check: exit 1
                                         if they are out of date, change nothing).

A command is a function cmd_NAME(args) -> exit code, registered in build_parser(); it imports
what it needs when it runs, so `--help` stays instant.
"""

from __future__ import annotations

import argparse
import sys

from .paths import display, studies_path
from .wording import plural


def cmd_validate(args) -> int:
    from .counts import terms_used
    from .studies import load_studies
    from .validation import DataFileError, InvalidStudiesError, github_annotation

    path = display(studies_path(args.path))
    try:
        frame = load_studies(path)
    except DataFileError as exc:
        if args.format == "github":
            print(github_annotation(path, str(exc), title="Unreadable study table"))
        else:
            print(exc, file=sys.stderr)
        return 2
    except InvalidStudiesError as exc:
        for problem in exc.problems:
            if args.format == "github":
                print(problem.annotation(path))
            else:
                print(problem.render(path), file=sys.stderr)
        print(f"{path}: {plural(len(exc.problems), 'problem')} found; nothing was changed", file=sys.stderr)
        return 1
    years = f", {frame['year'].min()}–{frame['year'].max()}" if len(frame) else ""
    domains = terms_used(frame, "domain")
    families = terms_used(frame, "model_family")
    print(
        f"{path}: valid: {plural(len(frame), 'study', 'studies')}, {plural(domains, 'clinical domain')}, "
        f"{plural(families, 'model family', 'model families')}{years}"
    )
    return 0


def cmd_contributing(args) -> int:
    from .contributor_docs import CONTRIBUTING, sync_contributing

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m livingreview", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check the study table and report every problem by line and column")
    validate.add_argument("path", nargs="?", help="CSV to check (default: $LIVINGREVIEW_DATA or data/studies.csv)")
    validate.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="github: one ::error annotation per problem, for pull-request checks",
    )
    validate.set_defaults(run=cmd_validate)

    contributing = commands.add_parser(
        "contributing",
        help="rebuild the generated blocks of CONTRIBUTING.md from datapackage.json and vocabulary.yml",
    )
    contributing.add_argument(
        "--check", action="store_true", help="exit 1 if CONTRIBUTING.md is out of date; change nothing"
    )
    contributing.set_defaults(run=cmd_contributing)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours must still not greet a contributor with a traceback
        print(f"livingreview: internal error ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return 2
