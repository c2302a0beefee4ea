"""The command line: python -m livingreview COMMAND ...

validate [PATH] [--format text|github]   exit 0 valid, 1 problems (one line each), 2 unreadable.
"""

from __future__ import annotations

import argparse
import sys

from .paths import display, studies_path


def _github_escape(text: str, *, property_value: bool = False) -> str:
    # The workflow-command syntax: data needs %, CR, LF escaped; property values also , and :
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(",", "%2C").replace(":", "%3A")
    return text


def cmd_validate(args) -> int:
    from .studies import load_studies
    from .validation import DataFileError, InvalidStudiesError

    path = display(studies_path(args.path))
    try:
        frame = load_studies(path)
    except DataFileError as exc:
        if args.format == "github":
            print(
                f"::error file={_github_escape(str(path), property_value=True)},title=Unreadable study table::{_github_escape(str(exc))}"
            )
        else:
            print(exc, file=sys.stderr)
        return 2
    except InvalidStudiesError as exc:
        for problem in exc.problems:
            if args.format == "github":
                title = _github_escape(f"column '{problem.column}'", property_value=True)
                print(
                    f"::error file={_github_escape(str(path), property_value=True)},line={problem.line},title={title}::{_github_escape(problem.message)}"
                )
            else:
                print(problem.render(path), file=sys.stderr)
        print(f"{path}: {_plural(len(exc.problems), 'problem')} found; nothing was changed", file=sys.stderr)
        return 1
    years = f", {frame['year'].min()}–{frame['year'].max()}" if len(frame) else ""
    domains = len({d for ds in frame["domain"] for d in ds})
    families = len({f for fs in frame["model_family"] for f in fs})
    print(
        f"{path}: valid: {_plural(len(frame), 'study', 'studies')}, {_plural(domains, 'clinical domain')}, "
        f"{_plural(families, 'model family', 'model families')}{years}"
    )
    return 0


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


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
