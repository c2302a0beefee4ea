"""`python -m livingreview screen --simulate FILE`: screening replayed on records whose decisions
are known, to measure how early the ranking finds the relevant ones and where the stopping
estimate would have stopped.

The file is ASReview's layout for labelled data: `record_id, title, abstract, label_included`
(1 included, 0 excluded; gzip'd or plain CSV). As ASReview's simulations do, a run starts from
prior knowledge of one random included and one random excluded record (the seed chooses them),
then repeatedly trains the ranking model (livingreview.update.ranking) on every decision so far
and "screens" the top-ranked record, until every record is screened. It reports:

- recall against records screened (the share of included records found after screening each
  fraction of the file);
- work saved over sampling at 95 % recall, WSS@95 = (N - n95) / N - 0.05, where n95 is the
  number of records screened when 95 % of the included ones were found (Cohen et al. 2006);
- where the stopping estimate (livingreview.update.stopping) first holds, the recall reached
  there and the work it saves, 1 - screened / N.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from .ranking import RankingModel
from .stopping import CONFIDENCE, RECALL, estimate

LABELLED_COLUMNS = ("record_id", "title", "abstract", "label_included")


class LabelledFileError(Exception):
    """The labelled file cannot be read; str() is one line naming the file and the line."""


@dataclass(frozen=True)
class Labelled:
    ids: list[str]
    texts: list[str]
    labels: list[int]

    @property
    def relevant(self) -> int:
        return sum(self.labels)


def read_labelled(path: str | Path) -> Labelled:
    """ASReview's labelled layout; every row needs a label 0 or 1. Raises LabelledFileError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise LabelledFileError(f"{path}: cannot be read ({exc})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in LABELLED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise LabelledFileError(
            f"{path}:1: missing column(s) {', '.join(missing)} (expected {', '.join(LABELLED_COLUMNS)})"
        )
    ids, texts, labels = [], [], []
    try:
        for row in reader:
            label = (row["label_included"] or "").strip()
            if label not in ("0", "1"):
                raise LabelledFileError(f"{path}:{reader.line_num}: column 'label_included': {label!r} is not 0 or 1")
            ids.append(row["record_id"])
            texts.append(f"{row['title'] or ''} {row['abstract'] or ''}".strip())
            labels.append(int(label))
    except csv.Error as exc:
        raise LabelledFileError(f"{path}:{reader.line_num}: cannot be read as CSV ({exc})") from None
    if not labels or 0 in (sum(labels), len(labels) - sum(labels)):
        raise LabelledFileError(f"{path}: needs both included (1) and excluded (0) records")
    return Labelled(ids, texts, labels)


@dataclass
class Simulation:
    """One replay: the order records were screened in and what it shows."""

    total: int
    relevant: int
    seed: int
    order: list[int]  # record indices, in the order screened (prior knowledge first)
    labels: list[int]  # their labels, in that order
    stop_at: int | None  # records screened when the stopping estimate first held
    seconds: float = 0.0
    recall_target: float = RECALL
    confidence: float = CONFIDENCE
    curve: list[tuple[float, float]] = field(default_factory=list)

    def found_after(self, screened: int) -> int:
        return sum(self.labels[:screened])

    def recall_after(self, screened: int) -> float:
        return self.found_after(screened) / self.relevant

    def screened_for(self, recall: float) -> int:
        """Records screened when `recall` of the relevant ones had been found."""
        needed = math.ceil(recall * self.relevant - 1e-9)
        found = 0
        for n, label in enumerate(self.labels, 1):
            found += label
            if found >= needed:
                return n
        return self.total

    def wss(self, recall: float = 0.95) -> float:
        """Work saved over sampling at `recall` (Cohen et al. 2006)."""
        return (self.total - self.screened_for(recall)) / self.total - (1 - recall)

    @property
    def recall_at_stop(self) -> float:
        return self.recall_after(self.stop_at if self.stop_at is not None else self.total)

    @property
    def saved_at_stop(self) -> float:
        return 1 - (self.stop_at if self.stop_at is not None else self.total) / self.total

    def report(self) -> list[str]:
        lines = [
            f"{self.total:,} records, {self.relevant:,} relevant; seed {self.seed}; "
            f"prior knowledge: 1 relevant and 1 irrelevant record",
            "recall after screening: " + ", ".join(f"{share:.0%} → {recall:.1%}" for share, recall in self.curve),
            f"95% recall after {self.screened_for(0.95):,} records: work saved over sampling (WSS@95) {self.wss(0.95):.1%}",
        ]
        if self.stop_at is not None:
            lines.append(
                f"the stopping estimate ({self.confidence:.0%} confidence of {self.recall_target:.0%} recall) held after "
                f"{self.stop_at:,} records ({self.stop_at / self.total:.1%}): recall there {self.recall_at_stop:.1%}, "
                f"work saved {self.saved_at_stop:.1%}"
            )
        else:
            lines.append("the stopping estimate did not hold before every record was screened")
        return lines


CURVE_SHARES = (0.05, 0.1, 0.2, 0.3, 0.5)


def simulate(
    data: Labelled,
    *,
    seed: int = 0,
    classifier: str = "svm",
    recall: float = RECALL,
    confidence: float = CONFIDENCE,
    model: RankingModel | None = None,
) -> Simulation:
    """Replay screening of `data` (see the module's docstring). `model` may carry the features
    already computed for these texts (several seeds of one file share them)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    relevant = [i for i, y in enumerate(data.labels) if y]
    irrelevant = [i for i, y in enumerate(data.labels) if not y]
    order = [rng.choice(relevant), rng.choice(irrelevant)]
    model = model or RankingModel(data.texts, classifier=classifier)
    model.classifier = classifier
    labels = {i: bool(data.labels[i]) for i in order}
    left = set(range(len(data.labels))) - set(order)
    sequence = [data.labels[i] for i in order]
    stop_at = None
    while left:
        model.fit(labels)
        ranked = model.rank(sorted(left))
        # Retrain after every record while decisions are few, then in growing steps (at most 1 %
        # of the file between retrainings), as the ranking changes little once it has many.
        step = max(1, min(len(ranked), len(labels) // 10, max(1, len(data.labels) // 100)))
        for index in ranked[:step]:
            order.append(index)
            labels[index] = bool(data.labels[index])
            sequence.append(data.labels[index])
            left.discard(index)
            if stop_at is None and estimate(sequence, len(data.labels), recall=recall, confidence=confidence).holds:
                stop_at = len(sequence)
    result = Simulation(
        total=len(data.labels),
        relevant=data.relevant,
        seed=seed,
        order=order,
        labels=sequence,
        stop_at=stop_at,
        seconds=time.perf_counter() - started,
        recall_target=recall,
        confidence=confidence,
    )
    result.curve = [(share, result.recall_after(round(share * result.total))) for share in CURVE_SHARES]
    return result
