"""The controlled vocabularies (data/vocabulary.yml): terms, display labels, definitions, groups,
and the colour and hatching pattern each model family is drawn with."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from .paths import VOCABULARY

#: Columns of studies.csv that hold ';'-separated vocabulary terms, in display order.
LIST_COLUMNS = ("domain", "modality", "model_family", "contribution", "limitation_themes")
SEPARATOR = ";"

#: A model family without a colour of its own is drawn in this grey (the "Other ML" grey).
DEFAULT_FAMILY_COLOUR = "#7F7F7F"
#: Plotly bar hatchings, in the order families sharing one colour receive them: the first such
#: family is solid, the next hatched '/', and so on. Colour plus pattern tells any number of
#: families apart without relying on colour alone (colour-blind readers, greyscale print).
PATTERNS = ("", "/", "\\", "x", "-", "|", "+", ".")


@dataclass(frozen=True)
class Term:
    key: str
    label: str
    definition: str
    colour: str | None = None
    #: The key of the facet group the term belongs to (e.g. a domain's 'specialty'), if any.
    group: str | None = None
    #: The hatching a model family is drawn with ('' solid); see PATTERNS.
    pattern: str = ""
    #: Other names a reader searches the term by ("large language model" for LLM).
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """A kind of term within one facet, e.g. the domains that are care settings."""

    key: str
    label: str
    definition: str


@dataclass(frozen=True)
class Facet:
    """One coded column and its allowed terms, in the order the vocabulary file gives them."""

    column: str
    label: str
    required: bool
    terms: dict[str, Term] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)

    def in_group(self, group: str) -> list[str]:
        """The keys of the terms of `group`, in vocabulary order."""
        return [key for key, term in self.terms.items() if term.group == group]

    def label_of(self, key: str) -> str:
        term = self.terms.get(key)
        return term.label if term else key

    def closest(self, text: str) -> str | None:
        """The allowed term a mistyped `text` most likely meant (matching keys and labels)."""
        lowered = text.strip().lower()
        by_name = {k.lower(): k for k in self.terms}
        by_name.update({t.label.lower(): t.key for t in self.terms.values()})
        if lowered in by_name:
            return by_name[lowered]
        hyphenated = "-".join(lowered.replace("/", " ").split())
        if hyphenated in by_name:
            return by_name[hyphenated]
        match = difflib.get_close_matches(lowered, list(by_name), n=1, cutoff=0.6)
        return by_name[match[0]] if match else None


@lru_cache(maxsize=4)
def load_vocabulary(path: str | Path = VOCABULARY) -> dict[str, Facet]:
    """All facets, keyed by CSV column, in LIST_COLUMNS order."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    facets = {}
    for column in LIST_COLUMNS:
        spec = raw[column]
        groups = {
            str(key): Group(str(key), g["label"], g.get("definition", ""))
            for key, g in (spec.get("groups") or {}).items()
        }
        terms = {}
        for key, t in spec["terms"].items():
            group = t.get("group")
            if group is not None and str(group) not in groups:
                raise ValueError(f"{path}: {column} term {key!r} names group {group!r}, which {column} does not define")
            synonyms = tuple(str(word).strip() for word in t.get("synonyms") or () if str(word).strip())
            terms[str(key)] = Term(
                str(key), t["label"], t.get("definition", ""), t.get("colour"), group, synonyms=synonyms
            )
        if column == "model_family":
            terms = _styled_families(terms)
        facets[column] = Facet(column, spec["label"], bool(spec.get("required", True)), terms, groups)
    return facets


def _styled_families(terms: dict[str, Term]) -> dict[str, Term]:
    """Every family with a colour and a pattern: its own colour or DEFAULT_FAMILY_COLOUR; solid
    for the first family of each colour, then PATTERNS in turn. Families that chose a colour come
    before those defaulted to grey, so adding a family never changes how an earlier one looks."""
    chosen = [key for key, term in terms.items() if term.colour]
    defaulted = [key for key, term in terms.items() if not term.colour]
    used: dict[str, int] = {}
    styled = {}
    for key in chosen + defaulted:
        colour = (terms[key].colour or DEFAULT_FAMILY_COLOUR).upper()
        pattern = PATTERNS[used.get(colour, 0) % len(PATTERNS)]
        used[colour] = used.get(colour, 0) + 1
        styled[key] = replace(terms[key], colour=colour, pattern=pattern)
    return {key: styled[key] for key in terms}


def family_colours() -> dict[str, str]:
    """One colour per model family (key -> hex), shared by every figure. Related families may
    share a colour: family_patterns() then tells them apart."""
    # Every family has a colour once loaded (_styled_families).
    return {k: t.colour or DEFAULT_FAMILY_COLOUR for k, t in load_vocabulary()["model_family"].terms.items()}


def family_patterns() -> dict[str, str]:
    """One hatching per model family (key -> plotly pattern shape, '' for solid)."""
    return {k: t.pattern for k, t in load_vocabulary()["model_family"].terms.items()}


def split_terms(cell: str) -> list[str]:
    """'gan; vae' -> ['gan', 'vae']; an empty cell gives []."""
    return [part.strip() for part in cell.split(SEPARATOR)] if cell.strip() else []
