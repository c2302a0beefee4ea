"""The controlled vocabularies (data/vocabulary.yml): terms, display labels, definitions, colours."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .paths import VOCABULARY

#: Columns of studies.csv that hold ';'-separated vocabulary terms, in display order.
LIST_COLUMNS = ("domain", "modality", "model_family", "contribution", "limitation_themes")
SEPARATOR = ";"


@dataclass(frozen=True)
class Term:
    key: str
    label: str
    definition: str
    colour: str | None = None


@dataclass(frozen=True)
class Facet:
    """One coded column and its allowed terms, in the order the vocabulary file gives them."""

    column: str
    label: str
    required: bool
    terms: dict[str, Term] = field(default_factory=dict)

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
        terms = {
            str(key): Term(str(key), t["label"], t.get("definition", ""), t.get("colour"))
            for key, t in spec["terms"].items()
        }
        facets[column] = Facet(column, spec["label"], bool(spec.get("required", True)), terms)
    return facets


def family_colours() -> dict[str, str]:
    """One colour per model family (key -> hex), shared by every figure."""
    return {k: t.colour for k, t in load_vocabulary()["model_family"].terms.items()}


def split_terms(cell: str) -> list[str]:
    """'gan; vae' -> ['gan', 'vae']; an empty cell gives []."""
    return [part.strip() for part in cell.split(SEPARATOR)] if cell.strip() else []
