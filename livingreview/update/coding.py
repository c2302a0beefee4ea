"""Coding a new study: the terms suggested for its coded columns, and the check that its six
descriptive fields are its contributor's own words, not its abstract.

Suggestions (Suggester): `add` suggests terms for each coded column of a new study, from two
sources, and says why each was suggested:
- the vocabulary's words: a term whose label, key or synonym (data/vocabulary.yml) occurs as
  whole words in the record's title or abstract ("diffusion model", "ICU", "dermoscopy" does not
  find Dermatology: only the vocabulary's own words count);
- the nearest included studies: the studies of the table most similar to the record (cosine
  similarity of the ranking model's TF-IDF features, livingreview.update.ranking), the NEAREST
  closest at NEAREST_MIN or more; a term most of them carry is suggested.
A suggestion is never a code: `add` writes it marked (livingreview.data.validation.SUGGESTED),
the validator names every marked cell and `release` refuses the table, until a person accepts
or edits it (`python -m livingreview code ID`, livingreview.update.coding_screen). A column with
nothing suggested stays TODO.

Copying (copy_problems): a study the living review added (its `ref` is empty; Table 1's rows
quote the source review) describes the publication in its contributor's words. A descriptive
field that shares a run of COPY_RUN or more consecutive words with the study's abstract is a
problem, named by line and column. The abstracts compared are every one the repository holds of
the study: the abstract of each candidate that became it (candidates.csv, linked by
screening.csv's study_id) and the `abstract` field of its record in book/references.bib (found
by DOI), where `add` keeps Crossref's abstract of a study added by DOI. A study with neither has
nothing to compare against, and is not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..data.paths import Repository
from ..data.studies import TABLE1_COLUMNS
from ..data.validation import TODO, DataFileError, Problem, is_to_do, read_records, suggestion_cell
from ..data.vocabulary import LIST_COLUMNS, Facet, Term, load_vocabulary, split_terms
from ..text.overlap import Run, longest_shared_run, words
from .ranking import RankingModel, study_text
from .screening import added_studies, read_cycle

#: How many of the most similar studies are asked, and the similarity from which one counts.
NEAREST = 3
NEAREST_MIN = 0.05
#: A descriptive field sharing this many consecutive words with the abstract is copied: longer
#: than a dataset's or a model's name, shorter than any sentence worth pasting.
COPY_RUN = 10


# --------------------------------------------------------------------------------------------
# Suggested terms


def term_phrases(term: Term) -> list[tuple[str, ...]]:
    """The words a term is recognised by: its label (each side of a '/', without a part in
    brackets), its key (hyphens as spaces) and its synonyms, as word tuples."""
    names = [part for part in re.sub(r"\([^)]*\)", " ", term.label).split("/")]
    names += [term.key.replace("-", " "), *term.synonyms]
    phrases = []
    for name in names:
        found = tuple(words(name))
        if found and found not in phrases:
            phrases.append(found)
    return phrases


def _mentions(text_words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` occurs as whole words in `text_words` (its last word also as a plural)."""
    n = len(phrase)
    last = {phrase[-1], phrase[-1] + "s", phrase[-1] + "es"}
    for i in range(len(text_words) - n + 1):
        if tuple(text_words[i : i + n - 1]) == phrase[:-1] and text_words[i + n - 1] in last:
            return True
    return False


def mentioned_terms(text: str, facet: Facet) -> dict[str, str]:
    """The terms of `facet` that `text` names, each with the words that named it."""
    text_words = words(text)
    found = {}
    for key, term in facet.terms.items():
        for phrase in term_phrases(term):
            if _mentions(text_words, phrase):
                found[key] = " ".join(phrase)
                break
    return found


@dataclass(frozen=True)
class Suggestion:
    """The terms suggested for one coded column, and why each."""

    column: str
    terms: tuple[str, ...]
    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def cell(self) -> str:
        """What `add` writes: the marked terms, or TODO when nothing is suggested."""
        return suggestion_cell(";".join(self.terms)) if self.terms else TODO

    def why(self, term: str) -> str:
        return "; ".join(self.reasons.get(term, ()))


def is_coded(row: Mapping) -> bool:
    """A study whose coded columns a person has filled in (no cell still to do)."""
    return not any(is_to_do(row.get(column)) for column in LIST_COLUMNS)


class Suggester:
    """Suggestions for new records, from the vocabulary and the table's coded studies."""

    def __init__(self, studies: Sequence[Mapping], records: Sequence[tuple[str, str]]):
        """`studies`: the table's rows; `records`: each new record's (title, abstract)."""
        self.facets = load_vocabulary()
        self.studies = [s for s in studies if is_coded(s)]
        self.records = list(records)
        texts = [study_text(s) for s in self.studies] + [f"{t} {a}" for t, a in self.records]
        self.model = RankingModel(texts) if texts else None

    def nearest(self, index: int) -> list[tuple[Mapping, float]]:
        """The coded studies most like record `index`, with their similarity, most similar first."""
        if self.model is None or not self.studies:
            return []
        found = self.model.nearest(len(self.studies) + index, range(len(self.studies)), k=NEAREST)
        return [(self.studies[i], similarity) for i, similarity in found if similarity >= NEAREST_MIN]

    def suggest(self, index: int) -> dict[str, Suggestion]:
        """Record `index`'s suggestion for each coded column."""
        title, abstract = self.records[index]
        near = self.nearest(index)
        majority = len(near) // 2 + 1
        out = {}
        for column in LIST_COLUMNS:
            facet = self.facets[column]
            reasons: dict[str, list[str]] = {}
            for key, phrase in mentioned_terms(f"{title} {abstract}", facet).items():
                reasons.setdefault(key, []).append(f"“{phrase}” in the title or abstract")
            carriers: dict[str, list[str]] = {}
            for study, similarity in near:
                for key in split_terms(str(study.get(column) or "")):
                    if key in facet.terms:
                        carriers.setdefault(key, []).append(f"{study['id']} {similarity:.2f}")
            for key, named in carriers.items():
                if len(named) >= majority:
                    reasons.setdefault(key, []).append(
                        f"{len(named)} of the {len(near)} most similar studies ({', '.join(named)})"
                    )
            terms = tuple(key for key in facet.terms if key in reasons)  # in the vocabulary's order
            out[column] = Suggestion(column, terms, {k: tuple(v) for k, v in reasons.items()})
        return out


# --------------------------------------------------------------------------------------------
# Descriptive fields in the contributor's own words


@dataclass(frozen=True)
class Abstract:
    """An abstract of a study, and where the repository holds it (for the message)."""

    where: str
    text: str


def bibliography_abstracts(path: Path) -> dict[str, str]:
    """The `abstract` field of every record of a BibTeX file that has one, by its DOI (lower case)."""
    from pybtex.database import parse_string
    from pybtex.scanner import PybtexError

    try:
        entries = parse_string(Path(path).read_text(encoding="utf-8"), "bibtex").entries
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, PybtexError) as exc:
        raise DataFileError(f"{path}: cannot be read as BibTeX ({' '.join(str(exc).split())})") from None
    found = {}
    for entry in entries.values():
        doi, abstract = entry.fields.get("doi", "").strip().lower(), entry.fields.get("abstract", "")
        if doi and abstract.strip():
            found[doi] = str(abstract).replace("{", "").replace("}", "")
    return found


def study_abstracts(repo: Repository, rows: Sequence[Mapping]) -> dict[str, list[Abstract]]:
    """Every abstract the repository holds of each study (by id): its candidates' and its record's."""
    cycle = read_cycle(repo)
    candidates = {c["candidate_id"]: c for c in cycle.candidates}
    by_doi = bibliography_abstracts(repo.references)
    out: dict[str, list[Abstract]] = {}
    for candidate_id, study in added_studies(cycle.screening).items():
        abstract = (candidates.get(candidate_id) or {}).get("abstract", "")
        if abstract.strip():
            out.setdefault(study, []).append(Abstract(f"the abstract of its candidate {candidate_id}", abstract))
    for row in rows:
        doi = str(row.get("doi") or "").strip().lower()
        if doi in by_doi:
            out.setdefault(row["id"], []).append(
                Abstract(f"the abstract of its record in {repo.references.name}", by_doi[doi])
            )
    return out


def copied_run(text: str, abstracts: Sequence[Abstract]) -> tuple[Run, Abstract] | None:
    """The longest run of COPY_RUN or more words `text` shares with one of the abstracts, or None."""
    best = None
    for abstract in abstracts:
        run = longest_shared_run(text, abstract.text)
        if run and run.length >= COPY_RUN and (best is None or run.length > best[0].length):
            best = (run, abstract)
    return best


def copy_message(run: Run, abstract: Abstract, study: str = "ID") -> str:
    """What the validator and the `code` screen say about a copied field."""
    shown = " ".join(run.text.split()[:12]) + (" …" if run.length > 12 else "")
    return (
        f"copies {run.length} consecutive words of {abstract.where} (“{shown}”); a study the living review adds "
        f"is described in the contributor's own words: summarise it (python -m livingreview code {study})"
    )


def copy_problems(repo: Repository | None = None, path: str | Path | None = None) -> list[Problem]:
    """Every descriptive field of an added study (empty `ref`) that copies one of its abstracts,
    by line and column. Raises DataFileError when a file cannot be read."""
    repo = repo or Repository()
    parsed = read_records(path or repo.studies)
    position = {name: i for i, name in enumerate(parsed.header)}
    if not {"id", "ref", *TABLE1_COLUMNS} <= set(position):
        return []  # the header's own problems are reported by the table's check
    width = len(parsed.header)
    rows = [
        ({name: record[i] for name, i in position.items()}, line)
        for record, line in zip(parsed.records, parsed.lines)
        if len(record) == width
    ]
    added = [(row, line) for row, line in rows if not row["ref"].strip()]
    if not added:
        return []
    abstracts = study_abstracts(repo, [row for row, _ in added])
    problems = []
    for row, line in added:
        for column in TABLE1_COLUMNS:
            if is_to_do(row[column]):
                continue
            found = copied_run(row[column], abstracts.get(row["id"], []))
            if found:
                problems.append(Problem(line, column, copy_message(*found, row["id"])))
    return problems
