"""Subject -> file-plan series, learned from the archive's own confirmed filings.

Word 1-2-grams and character 2-4-grams of folded text (so "hòa"/"hoà"/"hoa" and OCR's lost
diacritics look alike) feed a linear classifier (scikit-learn ``SGDClassifier``, log loss): a
hundred thousand filings train in seconds on two cores.

The model learns from document subjects, so it is document text: it is stored only sealed.
``to_bytes`` writes plain NumPy arrays (vocabularies, idf, weights) in an ``.npz`` loaded with
``allow_pickle=False``, so even a forged file cannot run code; ``seal_model`` encrypts and
authenticates those bytes (``security.crypto.stream``) under a fixed binding, so a tampered or
swapped model fails before it is parsed.

scikit-learn (and SciPy under it) take seconds to import: they are imported where a model is
trained or opened, never by merely importing this module, so a `kho` command or a web worker
that never classifies a subject does not pay for them.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ingest.describe.text import fold
from security.crypto.stream import decrypt_bytes, encrypt_bytes

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

BINDING = b"kho/model/series/v1"
MAX_WORD_FEATURES = 60_000
MAX_CHAR_FEATURES = 60_000
MIN_EXAMPLES = 2  # below this a series is not learnt (one filing is an anecdote, not a pattern)
_FORMAT = 1


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(
        ngram_range=(1, 2), max_features=MAX_WORD_FEATURES, sublinear_tf=True, dtype=np.float32
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        max_features=MAX_CHAR_FEATURES,
        sublinear_tf=True,
        dtype=np.float32,
    )
    return words, chars


def _restore(vocab: np.ndarray, idf: np.ndarray, template: TfidfVectorizer) -> TfidfVectorizer:
    template.vocabulary_ = {str(term): i for i, term in enumerate(vocab)}
    template.idf_ = idf
    return template


@dataclass
class Model:
    """A trained subject classifier: two fitted vectorizers and the linear weights."""

    words: TfidfVectorizer
    chars: TfidfVectorizer
    classes: list[str]
    coef: np.ndarray  # (classes, features), float32
    intercept: np.ndarray
    examples: int

    def _features(self, subjects: list[str]):
        from scipy.sparse import hstack

        folded = [fold(s) for s in subjects]
        return hstack([self.words.transform(folded), self.chars.transform(folded)]).tocsr()

    def suggest(self, subject: str, k: int = 3) -> list[tuple[str, float, str]]:
        """The k likeliest series as (series, probability, reason); the reason names the words
        that weighed most, so an archivist sees why ("giống hồ sơ đã lập: 'dang vien'...")."""
        if not subject or not subject.strip():
            return []
        x = self._features([subject])
        scores = (x @ self.coef.T).ravel() + self.intercept
        if len(self.classes) == 2:  # binary: one weight row, ``classes[1]`` is the positive
            p1 = 1 / (1 + np.exp(-scores[0]))
            probs = np.array([1 - p1, p1])
        else:  # one-vs-rest, normalised as scikit-learn does
            probs = 1 / (1 + np.exp(-scores))
            probs = probs / probs.sum() if probs.sum() else probs
        order = np.argsort(-probs)[:k]
        names, n_words = self._word_names(), len(self.words.vocabulary_)
        out = []
        for i in order:
            row = self.coef[0] * (1 if i == 1 else -1) if len(self.classes) == 2 else self.coef[i]
            contrib = x[:, :n_words].multiply(row[:n_words]).tocsr()
            best = contrib.indices[np.argsort(-contrib.data)[:3]] if contrib.nnz else []
            terms = [names[j] for j in best if contrib[0, j] > 0]
            reason = f"học từ {self.examples} hồ sơ đã lập" + (
                ": trích yếu có " + ", ".join(f"“{t}”" for t in terms) if terms else ""
            )
            out.append((self.classes[i], round(float(probs[i]), 3), reason))
        return out

    def _word_names(self) -> list[str]:
        names = [""] * len(self.words.vocabulary_)
        for term, i in self.words.vocabulary_.items():
            names[i] = term
        return names

    def to_bytes(self) -> bytes:
        """Plain arrays in an .npz (no pickle anywhere); seal before it touches a disk."""
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            format=np.array([_FORMAT, self.examples]),
            classes=np.array(self.classes, dtype=str),
            word_vocab=_vocab_array(self.words),
            word_idf=self.words.idf_.astype(np.float32),
            char_vocab=_vocab_array(self.chars),
            char_idf=self.chars.idf_.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Model:
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            fmt, examples = (int(v) for v in data["format"])
            if fmt != _FORMAT:
                raise ValueError(f"unknown model format {fmt}")
            words, chars = _vectorizers()
            return cls(
                words=_restore(data["word_vocab"], data["word_idf"], words),
                chars=_restore(data["char_vocab"], data["char_idf"], chars),
                classes=[str(c) for c in data["classes"]],
                coef=data["coef"],
                intercept=data["intercept"],
                examples=examples,
            )


def _vocab_array(vec: TfidfVectorizer) -> np.ndarray:
    terms = [""] * len(vec.vocabulary_)
    for term, i in vec.vocabulary_.items():
        terms[i] = term
    return np.array(terms, dtype=str)


def train(examples: Iterable[tuple[str, str]], seed: int = 0) -> Model:
    """Train on (subject, series) pairs; series with fewer than MIN_EXAMPLES are left out.

    Raises ValueError when fewer than two series remain (nothing to choose between).
    """
    pairs = [(s, c) for s, c in examples if s and s.strip() and c]
    counts = Counter(c for _, c in pairs)
    pairs = [(s, c) for s, c in pairs if counts[c] >= MIN_EXAMPLES]
    if len({c for _, c in pairs}) < 2:
        raise ValueError("need confirmed filings in at least two series to learn from")
    from scipy.sparse import hstack
    from sklearn.linear_model import SGDClassifier

    words, chars = _vectorizers()
    folded = [fold(s) for s, _ in pairs]
    x = hstack([words.fit_transform(folded), chars.fit_transform(folded)]).tocsr()
    y = [c for _, c in pairs]
    clf = SGDClassifier(
        loss="log_loss", alpha=1e-5, max_iter=5, tol=None, random_state=seed, n_jobs=2
    )
    clf.fit(x, y)
    return Model(
        words,
        chars,
        [str(c) for c in clf.classes_],
        clf.coef_.astype(np.float32),
        clf.intercept_.astype(np.float32),
        len(pairs),
    )


def retrain(confirmed: Iterable[object]) -> Model | None:
    """Train from confirmed filings: objects with ``subject`` and ``series`` attributes (or
    (subject, series) pairs). None when there is not yet enough to learn from; call it when
    filings change (e.g. after each batch of confirmations, or nightly)."""
    pairs = [
        (f[0], f[1]) if isinstance(f, tuple) else (getattr(f, "subject", ""), f.series)
        for f in confirmed
    ]
    try:
        return train(pairs)
    except ValueError:
        return None


def seal_model(model: Model, key: bytes) -> bytes:
    """Encrypt and authenticate the model with a data key (wrap that key with the Keyring)."""
    return encrypt_bytes(key, model.to_bytes(), BINDING)


def open_model(blob: bytes, key: bytes) -> Model:
    """Authenticate and decrypt, then parse; a tampered blob raises IntegrityError first."""
    return Model.from_bytes(decrypt_bytes(key, blob, BINDING))
