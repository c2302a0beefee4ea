"""Which undecided records are most likely to be included: a model learned from the review's own
decisions, as ASReview LAB learns (TF-IDF features and a simple classifier, retrained as
decisions arrive), on scikit-learn.

- RankingModel(texts) turns every record's text into TF-IDF features once (words and word pairs,
  sublinear term frequency; tfidf_features): the same features as scikit-learn's
  TfidfVectorizer with these settings (tests/test_ranking.py compares them), built with
  str.split, pandas' hashing and scipy instead of a Python loop per word, so 20,000 records take
  about 2 s of CPU instead of 7; given a cache folder (feature_cache()), features are kept by
  the SHA-256 of the texts, so the next `screen` on the same candidates loads them at once;
- .fit(labels) trains the classifier on the records decided so far (index -> relevant or not):
  a linear support vector machine with balanced class weights, the classifier of ASReview LAB
  2's default model (ELAS u4); naive Bayes, ASReview 1's default, is kept as classifier='nb'
  for comparison (benchmarks/screening.py measures both);
- .scores() gives every record a score (higher: more likely relevant) and .rank(indices) orders
  records by it; until both kinds of decision exist, the score is the record's similarity to the
  nearest relevant record (or 0 with none);
- .nearest(index, among) gives the most similar records (cosine similarity of the features): the
  included studies a candidate resembles.

A rank is a suggestion: nothing is ever decided by it. Text of a record: record_text() for a
candidate (title, abstract, venue), study_text() for a study of the table (its title and the
source's Table 1 text, which is what the review included it for; cells still to do are left out).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import count
from pathlib import Path

import numpy as np

from ..data.validation import is_to_do

#: The Table 1 columns of the study table that describe a study (livingreview.data.studies).
STUDY_TEXT_COLUMNS = ("title", "dataset", "method", "model", "application", "purpose", "limitations")
CLASSIFIERS = ("svm", "nb")


def record_text(row: Mapping) -> str:
    """A candidate's (or labelled record's) text: title, abstract, venue."""
    return " ".join(str(row.get(name) or "") for name in ("title", "abstract", "venue")).strip()


def study_text(row: Mapping) -> str:
    """An included study's text: its title and the source's Table 1 description of it (a cell
    still to do, as `add` leaves it, is no text)."""
    cells = (str(row.get(name) or "") for name in STUDY_TEXT_COLUMNS)
    return " ".join(cell for cell in cells if not is_to_do(cell)).strip()


# --------------------------------------------------------------------------------------------
# Features: TF-IDF of words and word pairs

#: A word: two or more letters, digits or '_' (scikit-learn's default token pattern).
TOKEN = re.compile(r"(?u)\b\w\w+\b")
#: ASCII text is split on every character that is not a word character: the same words as
#: TOKEN finds (single characters dropped later), at str.split's speed.
_SEPARATORS = str.maketrans({chr(i): " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "_")})
#: Bumped when the features change, so cached features of an older build are not used.
FEATURES_VERSION = 1


def _words(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Every word of every text as an id, the text each word is in, and how many ids there are.
    Lower case, accents stripped (NFKD) as TfidfVectorizer(strip_accents='unicode') does."""
    from sklearn.feature_extraction.text import strip_accents_unicode

    vocabulary: defaultdict[str, int] = defaultdict(count().__next__)
    word_id = vocabulary.__getitem__
    ids: list[int] = []
    lengths = np.empty(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        text = str(text).lower()
        tokens = text.translate(_SEPARATORS).split() if text.isascii() else TOKEN.findall(strip_accents_unicode(text))
        ids += map(word_id, tokens)
        lengths[i] = len(tokens)
    word = np.array(ids, dtype=np.int64)
    text_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    # One-character words are no words (TOKEN's \w\w+); word pairs are made without them.
    long_enough = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary)) >= 2
    keep = long_enough[word] if len(word) else np.zeros(0, dtype=bool)
    return word[keep], text_of[keep], len(vocabulary)


def tfidf_features(texts: Sequence[str]):
    """TF-IDF features of words and word pairs (a CSR matrix, rows L2-normalised), as
    TfidfVectorizer(ngram_range=(1, 2), min_df, max_df, sublinear_tf=True,
    strip_accents='unicode') makes them: terms in fewer than `min_df` records (2, from 51
    records) or in more than 90 % of them are left out (one-off strings carry no signal);
    idf = ln((1 + n) / (1 + df)) + 1; tf = 1 + ln(count). No stop-word list: on both labelled
    datasets of benchmarks/screening.py, leaving English stop words out lowered the work saved at
    95 % recall (Kitchenham 54 % against 65 %, Nagtegaal 62 % against 69 %)."""
    import pandas as pd
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    n = len(texts)
    min_df, max_df = (2, 0.9) if n > 50 else (1, 1.0)
    word, text_of, words = _words(texts)
    same_text = text_of[1:] == text_of[:-1]
    pair_codes, pairs = pd.factorize(word[:-1][same_text] * words + word[1:][same_text])
    rows = np.concatenate([text_of, text_of[:-1][same_text]])
    columns = np.concatenate([word, words + pair_codes])
    width = words + len(pairs)
    counts = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(n, width))
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=width)
    kept = (df >= min_df) & (df <= max_df * n)
    if not kept.any():  # no words at all (empty texts): every record scores the same
        return csr_matrix((n, 1), dtype=np.float32)
    new_column = np.cumsum(kept) - 1
    mask = kept[counts.indices]
    indptr = np.concatenate([[0], np.cumsum(mask)])[counts.indptr]
    indices = new_column[counts.indices[mask]]
    idf = (np.log((1 + n) / (1 + df[kept])) + 1).astype(np.float32)
    data = ((1 + np.log(counts.data[mask])) * idf[indices]).astype(np.float32)
    features = csr_matrix((data, indices.astype(np.int32), indptr.astype(np.int32)), shape=(n, int(kept.sum())))
    return normalize(features, copy=False)


def feature_cache() -> Path:
    """Where `screen` keeps features between sessions: $LIVINGREVIEW_CACHE, else
    $XDG_CACHE_HOME/livingreview, else ~/.cache/livingreview (outside the repository)."""
    if os.environ.get("LIVINGREVIEW_CACHE"):
        return Path(os.environ["LIVINGREVIEW_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "livingreview"


#: How many sets of features the cache keeps (the newest); each is tens of MB at 20,000 records.
CACHE_KEEP = 3


def cached_features(texts: Sequence[str], folder: Path):
    """tfidf_features(texts), read from `folder` when the same texts were featurised before
    (by the SHA-256 of the texts and FEATURES_VERSION), else built and kept there. A cache that
    cannot be read or written is only slower, never wrong."""
    from scipy.sparse import csr_matrix

    digest = hashlib.sha256(f"features {FEATURES_VERSION} {len(texts)}".encode())
    for text in texts:
        digest.update(str(text).encode("utf-8", "surrogatepass") + b"\0")
    path = Path(folder) / f"ranking-features-{digest.hexdigest()[:32]}.npz"
    try:
        with np.load(path) as saved:
            features = csr_matrix((saved["data"], saved["indices"], saved["indptr"]), shape=tuple(saved["shape"]))
        if features.shape[0] == len(texts):
            os.utime(path)
            return features
    except (OSError, ValueError, KeyError):
        pass
    features = tfidf_features(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as handle:
            np.savez(
                handle,
                data=features.data,
                indices=features.indices,
                indptr=features.indptr,
                shape=np.array(features.shape),
            )
        os.replace(partial, path)
        kept = sorted(path.parent.glob("ranking-features-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
    return features


class RankingModel:
    """TF-IDF features of a fixed set of texts and a classifier trained on some of them."""

    def __init__(self, texts: Sequence[str], *, classifier: str = "svm", cache: Path | None = None):
        if classifier not in CLASSIFIERS:
            raise ValueError(f"classifier must be one of {', '.join(CLASSIFIERS)}")
        self.classifier = classifier
        self.size = len(texts)
        self.features = cached_features(texts, cache) if cache is not None else tfidf_features(texts)
        self._scores = np.zeros(len(texts), dtype=np.float64)
        self.labels: dict[int, bool] = {}

    def fit(self, labels: Mapping[int, bool]) -> RankingModel:
        """Train on the decided records (index -> relevant?) and score every record."""
        self.labels = dict(labels)
        relevant = [i for i, y in self.labels.items() if y]
        irrelevant = [i for i, y in self.labels.items() if not y]
        if relevant and irrelevant:
            self._scores = self._classify(relevant, irrelevant)
        elif relevant:
            self._scores = self.similarity(relevant).max(axis=1)
        else:
            self._scores = np.zeros(self.size)
        return self

    def _classify(self, relevant: list[int], irrelevant: list[int]) -> np.ndarray:
        rows = np.array(relevant + irrelevant)
        y = np.array([1] * len(relevant) + [0] * len(irrelevant))
        X = self.features[rows]
        if self.classifier == "nb":
            from sklearn.naive_bayes import MultinomialNB

            # ASReview 1's naive Bayes (alpha 3.822), its classes balanced by sample weights.
            weights = np.where(y == 1, len(y) / (2 * len(relevant)), len(y) / (2 * len(irrelevant)))
            model = MultinomialNB(alpha=3.822).fit(X, y, sample_weight=weights)
            return model.predict_log_proba(self.features)[:, 1] - model.predict_log_proba(self.features)[:, 0]
        from sklearn.svm import LinearSVC

        # ASReview LAB 2's ELAS u4 classifier: a linear SVM, C 0.11, classes balanced.
        model = LinearSVC(C=0.11, class_weight="balanced", loss="squared_hinge")
        model.fit(X, y)
        return model.decision_function(self.features)

    def scores(self) -> np.ndarray:
        """Every record's score from the last fit (higher: more likely relevant)."""
        return self._scores

    def rank(self, indices: Iterable[int]) -> list[int]:
        """`indices`, most likely relevant first (ties in their given order)."""
        indices = list(indices)
        if not indices:
            return []
        order = np.argsort(-self._scores[indices], kind="stable")
        return [indices[i] for i in order]

    def similarity(self, among: Sequence[int]) -> np.ndarray:
        """Cosine similarity of every record to each of `among` (records x len(among))."""
        if not len(among):
            return np.zeros((self.size, 0))
        return (self.features @ self.features[list(among)].T).toarray()

    def nearest(self, index: int, among: Sequence[int], k: int = 3) -> list[tuple[int, float]]:
        """The `k` records of `among` most similar to record `index`, with their similarity."""
        among = [i for i in among if i != index]
        if not among:
            return []
        similarity = (self.features[index] @ self.features[among].T).toarray().ravel()
        best = np.argsort(-similarity, kind="stable")[:k]
        return [(among[i], float(similarity[i])) for i in best if similarity[i] > 0]
