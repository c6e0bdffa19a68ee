"""Find the entries a question is about, across all seven languages at once.

Two views of similarity are blended, because each fails where the other holds:
- TF-IDF over words, character trigrams (typos, missing accents) and CJK
  bigrams, compared with each question variant and with the entry as a whole
  (so words spread over several variants still add up);
- rapidfuzz string similarity with the closest variants of the best candidates
  (word order, small spelling slips).
The topic never depends on guessing the language first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from rapidfuzz import fuzz
from sklearn.feature_extraction.text import TfidfVectorizer

from .normalize import is_cjk_char, normalize

W_VARIANT = 0.55
W_ENTRY = 0.30
W_FUZZ = 0.15
RERANK = 8


def features(folded: str) -> list[str]:
    """Words, word pairs and character trigrams for Latin text; characters and
    character pairs for CJK text (it has no spaces to split on)."""
    feats: list[str] = []
    latin: list[str] = []
    for word in folded.split():
        run = ""
        for ch in word + " ":
            if ch != " " and is_cjk_char(ch):
                if run:
                    latin.append(run)
                    run = ""
                feats.append("c" + ch)
                continue
            if ch == " ":
                if run:
                    latin.append(run)
                    run = ""
            else:
                run += ch
    cjk = "".join(ch for ch in folded if is_cjk_char(ch) or ch == " ")
    for chunk in cjk.split():
        feats += ["d" + chunk[i : i + 2] for i in range(len(chunk) - 1)]
    for w in latin:
        feats.append("w" + w)
        padded = f"<{w}>"
        if len(w) > 2:
            feats += ["t" + padded[i : i + 3] for i in range(len(padded) - 2)]
    feats += ["b" + a + "_" + b for a, b in pairwise(latin)]
    return feats


@dataclass(frozen=True)
class Variant:
    entry_id: str
    lang: str
    text: str
    folded: str


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float
    lang: str  # language of the closest variant
    variant: str


class Index:
    """A search index over question variants, built once per knowledge base."""

    def __init__(self, variants: Iterable[Variant]) -> None:
        rows = sorted(variants, key=lambda v: v.entry_id)
        if not rows:
            raise ValueError("cannot build an index with no question variants")
        self.variants = rows
        self.entry_ids: list[str] = sorted({v.entry_id for v in rows})
        position = {e: i for i, e in enumerate(self.entry_ids)}
        self._row_entry = np.array([position[v.entry_id] for v in rows])
        # Start row of each entry's block, for a max over each block.
        self._starts = np.searchsorted(self._row_entry, np.arange(len(self.entry_ids)))
        self._vectorizer = TfidfVectorizer(
            analyzer=features, sublinear_tf=True, norm="l2", dtype=np.float32
        )
        self._variant_matrix = self._vectorizer.fit_transform([v.folded for v in rows])
        docs = [""] * len(self.entry_ids)
        for v in rows:
            docs[position[v.entry_id]] += " " + v.folded
        self._entry_matrix = self._vectorizer.transform(docs)

    def search(self, text: str, limit: int = 5) -> list[Candidate]:
        folded = normalize(text)
        if not folded:
            return []
        q = self._vectorizer.transform([folded])
        if q.nnz == 0:
            return []
        by_variant = (self._variant_matrix @ q.T).toarray().ravel()
        by_entry = (self._entry_matrix @ q.T).toarray().ravel()
        best_variant = np.maximum.reduceat(by_variant, self._starts)
        coarse = W_VARIANT * best_variant + W_ENTRY * by_entry
        top = np.argsort(-coarse)[:RERANK]
        out: list[Candidate] = []
        for e in top:
            if coarse[e] <= 0:
                continue
            start = self._starts[e]
            end = self._starts[e + 1] if e + 1 < len(self._starts) else len(self.variants)
            block = by_variant[start:end]
            # The closest variants by TF-IDF are the ones worth a string comparison.
            near = start + np.argsort(-block)[:3]
            fz = 0.0
            best_row = int(near[0])
            for r in near:
                s = fuzz.token_sort_ratio(folded, self.variants[r].folded) / 100.0
                if s > fz:
                    fz = s
            score = float(coarse[e] + W_FUZZ * fz * min(1.0, best_variant[e] * 2))
            v = self.variants[best_row]
            out.append(Candidate(self.entry_ids[e], score, v.lang, v.text))
        out.sort(key=lambda c: c.score, reverse=True)
        return out[:limit]
