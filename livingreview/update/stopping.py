"""When screening may stop: Callaghan and Müller-Hansen's statistical stopping criterion, as their
own package buscarpy computes it.

Callaghan MW, Müller-Hansen F. Statistical stopping criteria for automated screening in
systematic reviews. Systematic Reviews 2020;9:273. doi:10.1186/s13643-020-01521-4

Records are screened most-likely-first. The criterion treats the last records screened as a
sample drawn from those that were left when they were drawn and tests the hypothesis "fewer than
`recall` of the relevant records have been found": if that were so, enough relevant records
would have been left that seeing as few of them as were seen would be unlikely (hypergeometric
distribution, every window of the last 1, 2, ... records; the smallest p counts). When p falls
below 1 - confidence, screening can stop with that confidence that at least `recall` of the
batch's relevant records are found. Ranking better than random only makes it conservative.

A record counts as relevant when it was included or marked maybe (it passes title-and-abstract
screening).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

RECALL = 0.95
CONFIDENCE = 0.95
CITATION = (
    "Callaghan & Müller-Hansen (2020), Statistical stopping criteria for automated screening in systematic "
    "reviews, Systematic Reviews 9:273, doi:10.1186/s13643-020-01521-4"
)


@dataclass(frozen=True)
class Estimate:
    """The criterion's answer after `screened` of `total` records, `relevant` of them relevant."""

    total: int
    screened: int
    relevant: int
    p: float
    recall: float = RECALL
    confidence: float = CONFIDENCE

    @property
    def holds(self) -> bool:
        """Screening may stop: every record is screened, or p is below 1 - confidence."""
        return self.screened >= self.total or self.p < 1 - self.confidence

    def sentence(self) -> str:
        """What the screen shows and the release notes say."""
        recall, confidence = f"{self.recall:.0%}", f"{self.confidence:.0%}"
        if self.screened >= self.total:
            return f"every record of this batch is screened ({self.screened:,} of {self.total:,})"
        if self.holds:
            return (
                f"with {confidence} confidence, at least {recall} of the relevant records in this batch have been "
                f"found ({self.relevant:,} relevant in {self.screened:,} of {self.total:,} screened; p = {self.p:.3f}); "
                "screening may stop"
            )
        return (
            f"not yet {confidence} confident that {recall} of the relevant records are found "
            f"(p = {self.p:.2f}; {self.relevant:,} relevant in {self.screened:,} of {self.total:,} screened)"
        )


def estimate(labels: Sequence[int], total: int, *, recall: float = RECALL, confidence: float = CONFIDENCE) -> Estimate:
    """The criterion after screening records with these labels (1 relevant, 0 not), in the order
    they were screened, out of a batch of `total` records."""
    labels = [1 if label else 0 for label in labels]
    screened, relevant = len(labels), sum(labels)
    if screened > total:
        raise ValueError(f"{screened} records screened of a batch of {total}")
    p = 1.0
    if screened and screened < total:
        import numpy as np
        from buscarpy import calculate_h0

        value = float(calculate_h0(np.array(labels, dtype=np.int64), total, recall_target=recall))
        p = 1.0 if math.isnan(value) else min(max(value, 0.0), 1.0)
    elif screened:
        p = 0.0
    return Estimate(total, screened, relevant, p, recall, confidence)
