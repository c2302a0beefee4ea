"""Which undecided records are most likely to be included: a model learned from the review's own
decisions, as ASReview LAB learns (TF-IDF features and a simple classifier, retrained as
decisions arrive), on scikit-learn.

- RankingModel(texts) turns every record's text into TF-IDF features once (words and word pairs,
  sublinear term frequency);
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
source's Table 1 text, which is what the review included it for).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

#: The Table 1 columns of the study table that describe a study (livingreview.data.studies).
STUDY_TEXT_COLUMNS = ("title", "dataset", "method", "model", "application", "purpose", "limitations")
CLASSIFIERS = ("svm", "nb")


def record_text(row: Mapping) -> str:
    """A candidate's (or labelled record's) text: title, abstract, venue."""
    return " ".join(str(row.get(name) or "") for name in ("title", "abstract", "venue")).strip()


def study_text(row: Mapping) -> str:
    """An included study's text: its title and the source's Table 1 description of it."""
    return " ".join(str(row.get(name) or "") for name in STUDY_TEXT_COLUMNS).strip()


class RankingModel:
    """TF-IDF features of a fixed set of texts and a classifier trained on some of them."""

    def __init__(self, texts: Sequence[str], *, classifier: str = "svm"):
        from sklearn.feature_extraction.text import TfidfVectorizer

        if classifier not in CLASSIFIERS:
            raise ValueError(f"classifier must be one of {', '.join(CLASSIFIERS)}")
        self.classifier = classifier
        self.size = len(texts)
        # Words and word pairs that occur in at least two records (one-off strings carry no
        # signal and would only grow the vocabulary). No stop-word list: on both labelled
        # datasets of benchmarks/screening.py, leaving English stop words out lowered the work
        # saved at 95 % recall (Kitchenham 54 % against 65 %, Nagtegaal 62 % against 69 %).
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            min_df=2 if len(texts) > 50 else 1,
            max_df=0.9 if len(texts) > 50 else 1.0,
            sublinear_tf=True,
            dtype=np.float32,
            strip_accents="unicode",
        )
        try:
            self.features = vectorizer.fit_transform(texts)
        except ValueError:  # no words at all (empty texts): every record scores the same
            from scipy.sparse import csr_matrix

            self.features = csr_matrix((len(texts), 1), dtype=np.float32)
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
