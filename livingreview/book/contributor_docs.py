"""What a contributor reads about the data: every column's rule, the vocabulary, the checklist.

Each document is written once, as a small model (tables of cells made of text, `code` and **bold**
runs), and rendered twice: as Markdown for CONTRIBUTING.md and as HTML for the Contribute chapter.
Nothing is typed by hand: the rules come from data/datapackage.json (livingreview.data.schema), the
terms from data/vocabulary.yml, the checklist from the pull-request template, the example
messages from the validator itself.

- columns_markdown(), columns_html(): every CSV column and its rule;
- vocabulary_keys_markdown(), vocabulary_html(): the terms, compact (Markdown) and with definitions;
- checklist_html(): the reviewer checklist; example_validation_messages(): a real validator error;
- maintainer_steps_markdown(), maintainer_steps_html(): the monthly update, step by step;
- sync_contributing(): CONTRIBUTING.md with its generated blocks rebuilt
  (`python -m livingreview contributing [--check]`).
"""

from __future__ import annotations

import csv
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..data.paths import CONTRIBUTING, DATAPACKAGE, PR_TEMPLATE, ROOT, VOCABULARY, display, studies_path
from ..data.schema import schema_fields
from ..data.vocabulary import LIST_COLUMNS, Facet, load_vocabulary
from ..text.markup import esc

# --------------------------------------------------------------------------------------------
# The model: runs of inline text, rendered as Markdown or HTML


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Subtitle:
    """A second, quieter line of a cell (HTML) or its parenthesis (Markdown)."""

    text: str


Runs = list  # of str | Code | Strong | Subtitle

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#<>])")


def md_escape(text: str) -> str:
    """Text for a Markdown table cell: one line, Markdown's special characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(text)))


def _md_code(text: str) -> str:
    """Inline code that survives any backticks in `text` (and a '|' inside a table)."""
    text = str(text).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


#: How each kind of run is written, per format.
_MARKDOWN = {
    str: md_escape,
    Code: lambda run: _md_code(run.text),
    Strong: lambda run: f"**{md_escape(run.text)}**",
    Subtitle: lambda run: f" ({md_escape(run.text)})",
}
_HTML = {
    str: esc,
    Code: lambda run: f"<code>{esc(run.text)}</code>",
    Strong: lambda run: f"<strong>{esc(run.text)}</strong>",
    Subtitle: lambda run: f'<br><span class="lr-muted">{esc(run.text)}</span>',
}


def to_markdown(runs: Runs) -> str:
    return "".join(_MARKDOWN[type(run)](run) for run in runs).strip()


def to_html(runs: Runs) -> str:
    return "".join(_HTML[type(run)](run) for run in runs).strip()


def parse_inline(text: str) -> Runs:
    """Markdown's `code` and **bold** in `text` as runs (anything else stays text)."""
    runs: Runs = []
    for part in re.split(r"(`[^`]+`|\*\*[^*]+\*\*)", text):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            runs.append(Code(part[1:-1]))
        elif part.startswith("**") and part.endswith("**") and len(part) > 3:
            runs.append(Strong(part[2:-2]))
        elif part:
            runs.append(part)
    return runs


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Runs, ...], ...]
    css_class: str
    element_id: str = ""
    row_header: int = 0  # which cell of a row names it (th scope=row)


def table_markdown(table: Table) -> str:
    lines = ["| " + " | ".join(table.header) + " |", "| " + " | ".join("---" for _ in table.header) + " |"]
    lines += ["| " + " | ".join(to_markdown(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def table_html(table: Table) -> str:
    head = "".join(f'<th scope="col">{esc(name)}</th>' for name in table.header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{to_html(cell)}</th>' if i == table.row_header else f"<td>{to_html(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in table.rows
    )
    element_id = f' id="{esc(table.element_id)}"' if table.element_id else ""
    return (
        f'<table class="{table.css_class}"{element_id}><caption>{esc(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


# --------------------------------------------------------------------------------------------
# The columns of studies.csv (datapackage.json)


@dataclass(frozen=True)
class ColumnRule:
    name: str
    title: str
    required: bool
    description: str
    formats: tuple[str, ...]  # e.g. 'a whole number', 'unique in the table'
    pattern: str | None  # the regular expression the cell must match, if any

    @property
    def runs(self) -> Runs:
        """The whole rule: the description, then what the constraints say."""
        runs: Runs = [self.description.rstrip(".") + "."]
        extra: list[Runs] = [[f] for f in self.formats] + (
            [["must match ", Code(self.pattern)]] if self.pattern else []
        )
        if extra:
            runs.append(" Format: ")
            for i, part in enumerate(extra):
                runs += (["; "] if i else []) + part
            runs.append(".")
        return runs


def column_rules(path: str | Path = DATAPACKAGE) -> list[ColumnRule]:
    """Every column of studies.csv in file order, with its rule as a contributor reads it.

    The rule is the column's description in datapackage.json plus what its constraints say
    (required, unique, pattern, minimum, type); nothing is written here by hand.
    """
    rules = []
    for spec in schema_fields(path):
        constraints = spec.get("constraints", {})
        formats = []
        if spec.get("type") == "integer":
            formats.append("a whole number")
        if spec.get("type") == "date":
            formats.append("a date written YYYY-MM-DD")
        if "minimum" in constraints:
            formats.append(f"at least {constraints['minimum']}")
        if constraints.get("unique"):
            formats.append("unique in the table")
        if spec["name"] in LIST_COLUMNS:
            formats.append("allowed terms: see the vocabulary")
        rules.append(
            ColumnRule(
                spec["name"],
                spec.get("title", spec["name"]),
                bool(constraints.get("required")),
                spec.get("description", "").strip(),
                tuple(formats),
                constraints.get("pattern"),
            )
        )
    return rules


def columns_table(path: str | Path = DATAPACKAGE) -> Table:
    rows = tuple(
        ([Code(rule.name), Subtitle(rule.title)], ["yes" if rule.required else "no"], rule.runs)
        for rule in column_rules(path)
    )
    caption = "The columns of data/studies.csv, in file order"
    return Table(caption, ("Column", "Required", "Rule"), rows, "table lr-rules")


def columns_markdown(path: str | Path = DATAPACKAGE) -> str:
    """The columns of studies.csv as a Markdown table (column, required, rule)."""
    return table_markdown(columns_table(path))


def columns_html(path: str | Path = DATAPACKAGE) -> str:
    """The columns of studies.csv as an accessible HTML table."""
    return table_html(columns_table(path))


# --------------------------------------------------------------------------------------------
# The vocabulary (vocabulary.yml)


def facet_summary(facet: Facet) -> str:
    """'Clinical domain (column domain): one or more terms, required; separate terms with ';''"""
    need = "one or more terms, required" if facet.required else "zero or more terms, optional"
    return f"{facet.label} (column {facet.column}): {need}; separate terms with ';'"


def vocabulary_tables(vocabulary_path: str | Path = VOCABULARY) -> list[Table]:
    """Every facet as a table: term key, display label, definition; and the group of each term
    where the facet groups its terms (a domain is a specialty, a care setting or an activity)."""
    tables = []
    for facet in load_vocabulary(Path(vocabulary_path)).values():
        head = ("Term key (in the CSV)", "Label (as shown)", "Definition")
        rows = [([Code(term.key)], [term.label], [term.definition.strip()]) for term in facet.terms.values()]
        if facet.groups:
            head += ("Group",)
            rows = [
                (*row, [facet.groups[term.group].label if term.group else ""])
                for row, term in zip(rows, facet.terms.values())
            ]
        tables.append(
            Table(
                facet_summary(facet),
                head,
                tuple(rows),
                "table lr-vocabulary",
                f"vocabulary-{facet.column}",
                row_header=1,
            )
        )
    return tables


def vocabulary_html(vocabulary_path: str | Path = VOCABULARY) -> str:
    """Every facet as an accessible HTML table (term key, label, definition)."""
    return (
        '<div class="lr-vocabularies">' + "".join(table_html(t) for t in vocabulary_tables(vocabulary_path)) + "</div>"
    )


def vocabulary_keys_markdown(vocabulary_path: str | Path = VOCABULARY) -> str:
    """A compact list: one line per facet with its term keys and labels (for CONTRIBUTING.md)."""
    lines = []
    for facet in load_vocabulary(Path(vocabulary_path)).values():
        need = "required" if facet.required else "optional"
        terms: Runs = []
        for i, term in enumerate(facet.terms.values()):
            terms += ([" · "] if i else []) + [Code(term.key), " ", term.label]
        lines.append("- " + to_markdown([Strong(facet.label), " (", Code(facet.column), f", {need}): ", *terms]))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The pull-request checklist and an example of the validator's messages


def pr_checklist(path: str | Path = PR_TEMPLATE) -> list[str]:
    """The reviewer checklist of the pull-request template: the text of each '- [ ]' line."""
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*[-*] \[[ xX]\] (.+)", line)
        if match:
            items.append(match.group(1).strip())
    return items


def checklist_html(path: str | Path = PR_TEMPLATE) -> str:
    items = "".join(f"<li>{to_html(parse_inline(item))}</li>" for item in pr_checklist(path))
    return f'<ul class="lr-checklist">{items}</ul>'


def example_validation_messages(studies: str | Path | None = None) -> tuple[str, str]:
    """What the validator reports for a mistyped term: the line in text and in GitHub format.

    A copy of the table in use (studies_path()) gets a typo in the first term of its first row's
    `domain`; the validator checks it and renders its first problem as the command line does, so
    the example on the Contribute page is never out of date.
    """
    from ..data.validation import validate

    with open(studies_path(studies), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, first = rows[0], rows[1]
    column = header.index("domain")
    term = first[column].split(";")[0].strip()
    typo = term[:-2] + term[-1] if len(term) > 2 else term + "x"
    first[column] = ";".join([typo] + first[column].split(";")[1:])
    shown = display(studies_path(), start=ROOT)  # as typed at the repository's root, wherever this runs
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "studies.csv"
        with open(copy, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        _rows, problems = validate(copy)
    problem = min(problems)  # the first line the command prints (it sorts by line and column)
    return problem.render(shown), problem.annotation(shown)


# --------------------------------------------------------------------------------------------
# The monthly update, for maintainers: one list of steps, in CONTRIBUTING.md and the chapter


def maintainer_steps() -> list[tuple[str, Runs]]:
    """The monthly cycle, step by step: (title, text) with `code` and **bold** runs. The exclusion
    reasons are read from data/search.yml."""
    from ..update.protocol import load_protocol

    reasons = ", ".join(f"`{key}`" for key in load_protocol().reasons)
    steps = [
        (
            "Search",
            "On the first of each month the **Monthly search** workflow runs `python -m livingreview search` "
            "(start it by hand with its “Run workflow” button, or run the command yourself). It asks PubMed, Europe PMC and "
            "OpenAlex for records since the last run, drops those already in the study table, cited by the "
            "source or found before, says how many and why, and opens a pull request that adds the rest to "
            "`data/candidates.csv`. If a service cannot be reached it prints one line, exits with 2 and changes "
            "nothing: run it again later.",
        ),
        (
            "Import",
            "Check out the pull request's branch. Where you have access to a database the search cannot reach "
            "(Scopus, IEEE Xplore, Embase, Web of Science), run the same query there, export the records (RIS, "
            "PubMed MEDLINE, Web of Science text or CSV) and run `python -m livingreview import FILE...` "
            "(`--database NAME` when a file does not name its database). It says, per file, how many records it "
            "held, how many became candidates and which were duplicates of what; importing a file twice adds "
            "nothing, and the update's flow counts each database's records.",
        ),
        (
            "Screen",
            "Run `python -m livingreview screen --screener NAME`. It shows one candidate at a time, the most "
            "likely inclusions first, with its abstract and where it was found; one key decides: `i` include, "
            f"`e` exclude (then a reason: {reasons}; `other` needs a note), `m` maybe, `s` skip, `u` undo, "
            "`n` note, `q` quit. Each decision is saved in `data/screening.csv` the moment it is made: stop "
            "whenever you like and run it again to go on. The stopping estimate under each record says when, "
            "with 95 % confidence, 95 % of the relevant records are found; then `python -m livingreview screen "
            "--stop` may end the month's screening early, and the release says so. A second screener runs "
            "`screen --second`, and `screen --resolve` settles disagreements. ASReview LAB or a spreadsheet: "
            "`screen --export FILE`, then `screen --import FILE`. A `maybe` waits for the full text or a "
            "second screener.",
        ),
        (
            "Add",
            "For each included candidate run `python -m livingreview add CANDIDATE-ID --screener NAME`. It "
            "fetches the Crossref record of the candidate's DOI, appends a pre-filled row to "
            "`data/studies.csv`, adds the record to `book/references.bib` and links the decision to the "
            "new study. A study found another way (a reader's proposal) is added the same way by its DOI: "
            "`python -m livingreview add 10.NNNN/…`.",
        ),
        (
            "Code",
            "Replace every `TODO` in the new rows from the publication itself: Table 1's six fields and the "
            "coded columns, choosing each term by its definition. `python -m livingreview validate` lists "
            "what is left, by line and column.",
        ),
        (
            "Check",
            "Run `make validate` and `make book`, and open `_build/html/book/methods.html`: the flow diagram "
            "of this update is drawn from your records. Push to the branch; the pull request's checks run.",
        ),
        (
            "Release",
            "Merge the pull request. On `main`, run `python -m livingreview release` (with `--notes` for "
            "anything readers should know, such as corrections) and push: it cuts a dated version "
            "(`data/releases.yml`, `CITATION.cff`), and the published book, its Versions page and its feed "
            "follow. A release is refused while a candidate awaits a decision or a row still has a `TODO`.",
        ),
    ]
    return [(title, parse_inline(text)) for title, text in steps]


def maintainer_steps_markdown() -> str:
    return "\n".join(f"{i}. **{title}.** {to_markdown(runs)}" for i, (title, runs) in enumerate(maintainer_steps(), 1))


def maintainer_steps_html() -> str:
    items = "".join(f"<li><strong>{esc(title)}.</strong> {to_html(runs)}</li>" for title, runs in maintainer_steps())
    return f'<ol class="lr-maintainer-steps">{items}</ol>'


# --------------------------------------------------------------------------------------------
# CONTRIBUTING.md: blocks generated from the data files

GENERATED = {
    "columns": columns_markdown,
    "vocabulary": vocabulary_keys_markdown,
    "maintainers": maintainer_steps_markdown,
}
_BLOCK = re.compile(
    r"(<!-- BEGIN generated: (?P<name>[a-z]+)[^>]*-->\n)(?P<body>.*?)(\n<!-- END generated: (?P=name) -->)",
    re.S,
)


def sync_contributing(text: str | None = None) -> str:
    """CONTRIBUTING.md with each generated block (columns, vocabulary) rebuilt from the data files."""
    text = CONTRIBUTING.read_text(encoding="utf-8") if text is None else text

    def rebuild(match: re.Match) -> str:
        make = GENERATED.get(match.group("name"))
        return match.group(0) if make is None else match.group(1) + make() + match.group(4)

    return _BLOCK.sub(rebuild, text)
