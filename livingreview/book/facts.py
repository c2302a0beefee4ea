"""The facts the chapters state, computed from the data: named, typed, one dataclass per topic.

A chapter glues the topics it uses in its first, hidden cell, and its prose shows a fact by name:

    from livingreview.book.facts import Contributions, Size, glue
    glue(Size, Contributions)

    ... {glue:text}`n_studies_text` ... {glue:text}`n_contribution_data_augmentation_text` ...

Each topic is a frozen dataclass; its fields are the glue names, and `compute(studies)` makes it
from a study table as load_studies() returns it. A count of studies (StudyCount) is glued twice:
`n_x`, the number, and `n_x_text`, the number with its noun ('7 studies', '1 study'), so that no
chapter types a noun after a glued number. A sentence whose words depend on the numbers (a tie,
'all 7', 'the one study') is built here whole, as a `_text` fact, with livingreview.text.wording.
The counts by vocabulary term (TermCounts: Domains, Modalities, ModelFamilies, Contributions,
LimitationThemes) are glued as `n_<column>_<term>` and `n_<column>_<term>_text`, a term's hyphens
written as underscores, so a term added to the vocabulary can be glued without a change here;
Leaders says what leads each column ('leading_domain', 'leader_domain', 'n_domain_used_text').
Facts that name studies are MyST (GlueMarkdown: {study} roles), shown with {glue:md}`name:myst`.

tests/test_prose.py checks that every name a chapter shows is glued by the topics its cell asks
for; tests/test_wording.py builds the sentences from tables of every size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import ClassVar

import pandas as pd

from ..data.counts import coded_with_any, most_common, term_counts, terms_per_study
from ..data.provenance import table1_mask
from ..data.records import read_bibliography, without_record
from ..data.studies import load_studies
from ..data.vocabulary import load_vocabulary
from ..text.wording import (
    GlueText,
    and_list,
    date_label,
    from_to,
    growth_sentence,
    in_sentence,
    leader_clause,
    plural,
    ranking,
    share_of,
)
from ..update.selection import search_facts, selection_facts
from . import upstream
from .changelog import first_added, last_updated

#: The modality group whose terms make a study "image-centric" (the review's phrase for its
#: largest group): every image modality of the vocabulary, so a new one counts without a change here.
IMAGE_GROUP = "image"
#: The families the review names when it says "GANs, diffusion models or VLMs" act on images.
IMAGE_FAMILIES = ("gan", "diffusion", "vlm")
#: How many terms a "most often …" list names at most (a tie is named whole or not at all).
LEADING_TERMS = 4
#: How many studies a list of citations names before it counts the rest.
NAMED_STUDIES = 4


class StudyCount(int):
    """A count of studies: glued as the number (`n_x`) and with its noun (`n_x_text`)."""

    @property
    def text(self) -> GlueText:
        return GlueText(plural(self, "study", "studies"))


class GlueMarkdown(str):
    """MyST text for {glue:md}`name:myst` (citations as {study} roles); plain text for {glue:text}."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def cited_studies(ids: list[str], limit: int = NAMED_STUDIES) -> GlueMarkdown:
    """Studies as the chapters cite them: '{study}`a` and {study}`b`'; more than `limit` are
    counted and some named, so 'among them' never names them all ('no study' for none)."""
    for i in ids:  # an id goes into MyST: only the slugs the validator allows
        if not re.fullmatch(r"[a-z0-9-]+", i):
            raise ValueError(f"not a study id: {i!r}")
    roles = [f"{{study}}`{i}`" for i in ids]
    if not roles:
        return GlueMarkdown("no study")
    if len(roles) <= limit:
        return GlueMarkdown(and_list(roles))
    return GlueMarkdown(f"{plural(len(roles), 'study', 'studies')}, among them {and_list(roles[: limit - 1])}")


@dataclass(frozen=True)
class Topic:
    """A group of facts; each field is a glue name."""

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> Topic:
        raise NotImplementedError

    def glue_values(self) -> dict[str, object]:
        """Glue name -> value (a StudyCount as its number and its `_text`)."""
        values: dict[str, object] = {}
        for field in fields(self):
            _add(values, field.name, getattr(self, field.name))
        return values


def _add(values: dict[str, object], name: str, value: object) -> None:
    if isinstance(value, StudyCount):
        values[name] = int(value)
        values[f"{name}_text"] = value.text
    else:
        values[name] = value


def _table1(studies: pd.DataFrame) -> pd.DataFrame:
    """The rows of the source review's Table 1 (those with a reference number)."""
    return studies[table1_mask(studies)] if len(studies) else studies


# --------------------------------------------------------------------------------------------
# The table as a whole


@dataclass(frozen=True)
class Size(Topic):
    """How many studies, from when, where from, and how the review has grown."""

    n_studies: StudyCount
    n_from_source: StudyCount  # rows of the source review's Table 1
    n_added_later: StudyCount  # rows the living review added
    n_unverified: StudyCount  # no verified record in the bibliography (livingreview.data.records)
    year_span: GlueText  # 'from 2020 to 2025', 'in 2024'
    busiest_year_text: GlueText  # 'the busiest year is 2024, with 5 studies' (every year of a tie)
    first_added: GlueText  # '26 November 2026'
    last_updated: GlueText
    growth_text: GlueText  # 'The living review began on … with the 15 studies of the source review; …'

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> Size:
        n = len(studies)
        n_source = int(table1_mask(studies).sum()) if n else 0
        first, last = first_added(studies), last_updated(studies)
        years = (int(studies["year"].min()), int(studies["year"].max())) if n else None
        return cls(
            n_studies=StudyCount(n),
            n_from_source=StudyCount(n_source),
            n_added_later=StudyCount(n - n_source),
            n_unverified=StudyCount(sum(without_record(studies.to_dict("records"), read_bibliography()))),
            year_span=GlueText(from_to(*years) if years else "in no year yet"),
            busiest_year_text=GlueText(_busiest_year(studies)),
            first_added=GlueText(date_label(first) or "never"),
            last_updated=GlueText(date_label(last) or "never"),
            growth_text=GlueText(growth_sentence(date_label(first), n_source, n - n_source, date_label(last))),
        )


def _busiest_year(studies: pd.DataFrame) -> str:
    if not len(studies):
        return "no year has a study yet"
    years, top = most_common(studies["year"].value_counts().sort_index())
    which = and_list(str(year) for year in years)
    if len(years) == 1:
        return f"the busiest year is {which}, with {plural(top, 'study', 'studies')}"
    return f"the busiest years are {which}, with {plural(top, 'study', 'studies')} each"


# --------------------------------------------------------------------------------------------
# Counts by vocabulary term


#: What each coded column counts, for sentences such as "15 clinical domains".
COLUMN_NOUNS = {
    "domain": ("clinical domain", "clinical domains"),
    "modality": ("data modality", "data modalities"),
    "model_family": ("model family", "model families"),
    "contribution": ("kind of contribution", "kinds of contribution"),
    "limitation_themes": ("limitation theme", "limitation themes"),
}


@dataclass(frozen=True)
class TermCounts(Topic):
    """Studies per term of one coded column (`column`), glued as n_<column>_<term> and
    n_<column>_<term>_text ('n_domain_radiology_text': '8 studies'), zeros included."""

    column: ClassVar[str]
    counts: Mapping[str, StudyCount]

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> TermCounts:
        return cls(counts=_counts(cls.column, studies))

    def glue_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for key, count in self.counts.items():
            _add(values, f"n_{self.column}_{key.replace('-', '_')}", count)
        for field in fields(self):  # a subclass's own facts
            if field.name != "counts":
                _add(values, field.name, getattr(self, field.name))
        return values


def _counts(column: str, studies: pd.DataFrame) -> dict[str, StudyCount]:
    return {key: StudyCount(int(count)) for key, count in term_counts(studies, column).items()}


@dataclass(frozen=True)
class Leaders(Topic):
    """What leads each coded column, glued under names that carry the column:

    n_<column>_used_text  how many of its terms are used ('15 clinical domains')
    leading_<column>      the most used terms, a tie named whole ('radiology (8 studies), then …')
    leader_<column>       the lead as a clause ('radiology leads, with 8 studies'; a shared lead said so)
    """

    used: Mapping[str, int]
    leading: Mapping[str, GlueText]
    leader: Mapping[str, GlueText]

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> Leaders:
        used, leading, leader = {}, {}, {}
        vocabulary = load_vocabulary()
        for column in COLUMN_NOUNS:
            counts = term_counts(studies, column)
            label = {key: in_sentence(vocabulary[column].label_of(key)) for key in counts.index}
            ranked = counts[counts > 0].sort_values(ascending=False, kind="stable")
            leaders, top = most_common(counts)
            used[column] = int((counts > 0).sum())
            leading[column] = GlueText(
                ranking(((label[k], int(c)) for k, c in ranked.items()), LEADING_TERMS) or "none yet"
            )
            leader[column] = GlueText(leader_clause([label[k] for k in leaders], top) or "none is coded yet")
        return cls(used, leading, leader)

    def glue_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for column, n in self.used.items():
            values[f"n_{column}_used"] = n
            values[f"n_{column}_used_text"] = GlueText(plural(n, *COLUMN_NOUNS[column]))
            values[f"leading_{column}"] = self.leading[column]
            values[f"leader_{column}"] = self.leader[column]
        return values


@dataclass(frozen=True)
class Domains(TermCounts):
    column: ClassVar[str] = "domain"


@dataclass(frozen=True)
class Modalities(TermCounts):
    column: ClassVar[str] = "modality"


@dataclass(frozen=True)
class ModelFamilies(TermCounts):
    column: ClassVar[str] = "model_family"
    n_multi_family: StudyCount  # studies coded with more than one family

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> ModelFamilies:
        several = int((terms_per_study(studies, cls.column) > 1).sum())
        return cls(counts=_counts(cls.column, studies), n_multi_family=StudyCount(several))


@dataclass(frozen=True)
class Contributions(TermCounts):
    column: ClassVar[str] = "contribution"


@dataclass(frozen=True)
class LimitationThemes(TermCounts):
    column: ClassVar[str] = "limitation_themes"
    n_no_limitation_theme: StudyCount
    n_several_limitation_themes: StudyCount
    #: The source's "VLMs hallucinate clinical facts", against the coding (the Analysis chapter).
    vlm_hallucination_check: GlueText

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> LimitationThemes:
        themes = terms_per_study(studies, cls.column)
        vlm = coded_with_any(studies, "model_family", ["vlm"])
        both = int((vlm & coded_with_any(studies, cls.column, ["hallucination"])).sum())
        return cls(
            counts=_counts(cls.column, studies),
            n_no_limitation_theme=StudyCount(int((themes == 0).sum())),
            n_several_limitation_themes=StudyCount(int((themes > 1).sum())),
            vlm_hallucination_check=GlueText(vlm_sentence(both, int(vlm.sum()))),
        )


def vlm_sentence(listing: int, total: int) -> str:
    """'none of the 2 vision-language studies in the table lists hallucination among its limitations'."""
    if not total:
        return "the table has no vision-language study to check it against"
    if total == 1:
        verb = "lists" if listing else "does not list"
        return f"the one vision-language study in the table {verb} hallucination among its limitations"
    studies = plural(total, "vision-language study", "vision-language studies")
    if listing == total:
        who = "both vision-language studies" if total == 2 else f"all {studies}"
        return f"{who} in the table list hallucination among their limitations"
    who = f"none of the {studies}" if listing == 0 else f"{listing:,} of the {studies}"
    verb, their = ("lists", "its") if listing <= 1 else ("list", "their")
    return f"{who} in the table {verb} hallucination among {their} limitations"


@dataclass(frozen=True)
class Table1Terms(Topic):
    """What the source review's own Table 1 says, apart from the studies added since: the rows
    coded with a term that a chapter attributes to Table 1 ('Table 1 lists …', 'its table gives …')."""

    n_table1_education: StudyCount
    education_scope_text: GlueMarkdown  # whether Table 1 gives education as a purpose, and of which studies
    education_scope_clause: GlueText  # 'even though its own table gives education as a purpose of 2 studies'
    n_table1_hallucination: StudyCount
    n_table1_privacy: StudyCount

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> Table1Terms:
        table1 = _table1(studies)

        def coded(column: str, key: str) -> pd.DataFrame:
            return table1[coded_with_any(table1, column, [key])]

        education = coded("contribution", "education")
        return cls(
            n_table1_education=StudyCount(len(education)),
            education_scope_text=education_scope(list(education["id"])),
            education_scope_clause=GlueText(
                f"even though its own table gives education as a purpose of {plural(len(education), 'study', 'studies')}"
                if len(education)
                else "and none of its studies in this table gives education as a purpose"
            ),
            n_table1_hallucination=StudyCount(len(coded("limitation_themes", "hallucination"))),
            n_table1_privacy=StudyCount(len(coded("limitation_themes", "privacy-ethics-regulation"))),
        )


def education_scope(ids: list[str]) -> GlueMarkdown:
    """The Analysis chapter's point on education, which the source's conclusion leaves out of scope."""
    scope = "The conclusion puts applications in education outside the review's scope"
    if not ids:
        return GlueMarkdown(
            f"**Scope and table agree on education.** {scope}, and no row of Table 1 in this table "
            "gives education as a purpose."
        )
    return GlueMarkdown(
        f"**Scope and table disagree on education.** {scope}, while Table 1 gives education as a purpose "
        f"of {cited_studies(ids)}. We code what the table says and record the tension in the notes."
    )


# --------------------------------------------------------------------------------------------
# Images and text


@dataclass(frozen=True)
class Images(Topic):
    """The image studies: every modality of the vocabulary's image group (IMAGE_GROUP)."""

    images_text: GlueText  # 'Images are among the data of 12 of the 15 studies in the table.'
    n_image_centric: StudyCount  # image studies with a GAN, diffusion or vision-language model
    image_centric_share_text: GlueText  # '11 of the 15 studies', 'all 7 studies'
    share_image_centric: GlueText  # '73%'
    image_claim_check: GlueText  # 'agrees with' / 'does not agree with' the source's 'more than two-thirds'
    image_headline_text: GlueMarkdown  # the Analysis chapter's verdict on that claim
    augmentation_images_text: GlueText  # how many of the studies that augment data work on images

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> Images:
        n = len(studies)
        image = coded_with_any(studies, "modality", load_vocabulary()["modality"].in_group(IMAGE_GROUP))
        centric = image & coded_with_any(studies, "model_family", IMAGE_FAMILIES)
        augmenting = coded_with_any(studies, "contribution", ["data-augmentation"])
        share = centric.mean() if n else 0.0
        return cls(
            images_text=GlueText(images_sentence(int(image.sum()), int(centric.sum()), n)),
            n_image_centric=StudyCount(int(centric.sum())),
            image_centric_share_text=GlueText(share_of(int(centric.sum()), n)),
            share_image_centric=GlueText(f"{share:.0%}"),
            image_claim_check=GlueText("agrees with" if share > 2 / 3 else "does not agree with"),
            image_headline_text=GlueMarkdown(
                "**The headline holds.** Images dominate, by the count at the top of this page."
                if share > 2 / 3
                else "**The headline does not hold for this table.** By the count at the top of this page, "
                "image studies are not more than two-thirds of it."
            ),
            augmentation_images_text=GlueText(
                augmentation_sentence(int((augmenting & image).sum()), int(augmenting.sum()))
            ),
        )


def images_sentence(image: int, centric: int, total: int) -> str:
    """How many studies work with images, and how many of those apply a GAN, a diffusion model or
    a vision-language model to them, at any size."""
    if not total:
        return "The table holds no study yet."
    if not image:
        return "No study in the table works with images."
    opening = f"Images are among the data of {share_of(image, total)} in the table"
    models = "a GAN, a diffusion model or a vision-language model"
    if image == 1:
        which = models if centric else "no GAN, diffusion model or vision-language model"
        return f"{opening}, which applies {which} to its images."
    if centric == image:
        who = "both apply" if image == 2 else "every one of them applies"
    elif not centric:
        who = "none of them applies"
    else:
        who = f"{centric:,} of them {'applies' if centric == 1 else 'apply'}"
    their = "its" if who.endswith("applies") else "their"
    return f"{opening}, and {who} {models} to {their} images."


def augmentation_sentence(on_images: int, augmenting: int) -> str:
    """How many of the studies that augment training data work on images, at any size:
    'Augmenting training data is image work here: all 7 studies that do it work on images.'"""
    if not augmenting:
        return "No study in the table augments training data yet."
    if not on_images:
        if augmenting == 1:
            return "The one study that augments training data does not work on images."
        return f"None of the {augmenting:,} studies that augment training data works on images."
    who = share_of(on_images, augmenting, "study that does it", "studies that do it")
    verb = "works" if on_images == 1 else "work"
    how = "" if on_images == augmenting else "mostly " if on_images * 2 > augmenting else "partly "
    return f"Augmenting training data is {how}image work here: {who} {verb} on images."


# --------------------------------------------------------------------------------------------
# What other files say: the source's selection, the living review's search, citations, versions


@dataclass(frozen=True)
class Texts(Topic):
    """Facts another module names and words: `source()` gives them, its keys are the glue names."""

    source: ClassVar[Callable[[], Mapping[str, GlueText]]]
    texts: Mapping[str, GlueText]

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> Texts:
        return cls(dict(cls.source()))

    def glue_values(self) -> dict[str, object]:
        return dict(self.texts)


@dataclass(frozen=True)
class Selection(Texts):
    """The source review's literature selection (data/selection.yml): 'selection_period', …"""

    source = staticmethod(selection_facts)


@dataclass(frozen=True)
class Search(Texts):
    """The living review's monthly search (data/search.yml): 'search_services', …"""

    source = staticmethod(search_facts)


@dataclass(frozen=True)
class Cited(Topic):
    """How many studies the source review cites, in Table 1 or only in its text (data/cited.csv)."""

    n_cited: StudyCount
    n_in_table1: int
    n_cited_only: StudyCount

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> Cited:
        from ..data.cited import cited_facts

        facts = cited_facts(studies)
        return cls(
            n_cited=StudyCount(facts["n_cited"]),
            n_in_table1=int(facts["n_in_table1"]),
            n_cited_only=StudyCount(facts["n_cited_only"]),
        )


@dataclass(frozen=True)
class Version(Topic):
    """The current version (data/releases.yml)."""

    version_current: GlueText  # '2026.11', or 'none yet'
    version_date: GlueText  # '26 November 2026', or 'not yet released'
    n_versions: int

    @classmethod
    def compute(cls, studies: pd.DataFrame) -> Version:
        from ..update.versions import load_releases

        releases = load_releases()
        current = releases[-1] if releases else None
        return cls(
            version_current=GlueText(current.version if current else "none yet"),
            version_date=GlueText(date_label(current.date) if current else "not yet released"),
            n_versions=len(releases),
        )


#: Every topic, for tests and tools that want all the facts at once (pages ask for their own).
TOPICS: tuple[type[Topic], ...] = (
    Size,
    Leaders,
    Domains,
    Modalities,
    ModelFamilies,
    Contributions,
    LimitationThemes,
    Table1Terms,
    Images,
    Selection,
    Search,
    Cited,
    Version,
)


def facts_of(topics: Iterable[type[Topic]], studies: pd.DataFrame) -> dict[str, object]:
    """Glue name -> value of every fact of `topics`, computed from `studies`."""
    values: dict[str, object] = {}
    for topic in topics:
        for name, value in topic.compute(studies).glue_values().items():
            if name in values:
                raise ValueError(f"two topics glue {name!r}")
            values[name] = value
    return values


def glue(*topics: type[Topic], studies: pd.DataFrame | None = None) -> dict[str, object]:
    """Compute the topics a page asks for and glue each fact (display=False) for its prose."""
    values = facts_of(topics, load_studies() if studies is None else studies)
    for name, value in values.items():
        upstream.glue(name, value)
    return values
