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

import math
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from rapidfuzz import fuzz

from . import memo
from .normalize import (
    MAX_INPUT_CHARS,
    NOT_CJK_OR_SPACE_RE,
    PIECES_RE,
    has_cjk,
    has_kana,
    normalize,
)
from .tagging import words as tagged

try:  # the same numbers in C, when that part was built (setup.py)
    from ._fused import column_scores as _fused_scores
    from ._fused import merge as _fused_merge
    from ._fused import nearest as _fused_nearest
except ImportError:  # built without a C compiler: numpy and Python, the same numbers
    _fused_scores = _fused_merge = _fused_nearest = None

W_VARIANT = 0.55
W_ENTRY = 0.30
W_FUZZ = 0.15
RERANK = 8
CONTEXT_SEP = "\x1e"
"""Between the questions of a follow-up's context (`Index.search`): a control
character no question has once folded, so each part is a question as it was asked."""
UNKNOWN_POWER = 0.5
UNKNOWN_WEIGHT = 1.0
JAPANESE_WORDS = True


_SKIP_POS = ("助詞", "助動詞", "補助記号", "記号", "空白")


def japanese_words(raw: str) -> list[str]:
    """Content words of Japanese text (fugashi), folded: particles carry no topic."""
    out = []
    for word in tagged(unicodedata.normalize("NFKC", raw)):
        if word.pos1 in _SKIP_POS:
            continue
        folded = normalize(word.surface)
        if folded:
            out.append("j" + folded)
    return out


def analyze(raw: str) -> list[str]:
    # Entry documents are long and folded whole; queries are capped earlier. Within
    # the cap both folds are the same string, and the capped one is already remembered
    # (the emergency check folds every message first): one fold per new message, not two.
    folded = normalize(raw) if len(raw) <= MAX_INPUT_CHARS else normalize(raw, limit=None)
    feats = features(folded)
    if JAPANESE_WORDS and has_kana(raw):
        feats += japanese_words(raw)
    return feats


def features(folded: str) -> list[str]:
    """Words, word pairs and character trigrams for Latin text; characters and
    character pairs for CJK text (it has no spaces to split on)."""
    feats: list[str] = []
    latin: list[str] = []
    for cjk_char, run in PIECES_RE.findall(folded):
        if cjk_char:
            feats.append("c" + cjk_char)
        else:
            latin.append(run)
    # Pairs of CJK characters, across the Latin letters between them ("ごみabcの").
    for chunk in NOT_CJK_OR_SPACE_RE.sub("", folded).split():
        feats += ["d" + chunk[i : i + 2] for i in range(len(chunk) - 1)]
    for w in latin:
        feats.append("w" + w)
        padded = f"<{w}>"
        if len(w) > 2:
            feats += ["t" + padded[i : i + 3] for i in range(len(padded) - 2)]
    feats += ["b" + a + "_" + b for a, b in pairwise(latin)]
    return feats


def _norm(v: np.ndarray) -> float:
    """The Euclidean length, as `np.linalg.norm` computes it for a 1-D float vector
    (the square root of `v.dot(v)`), without its Python-level argument checks: a
    search makes dozens of small numpy calls, and their overhead is most of their cost."""
    return math.sqrt(v.dot(v))


def _first(item: tuple[float, int, int]) -> float:
    return item[0]


def _sorted_words(folded: str) -> str:
    """The words in sorted order: what fuzz.token_sort_ratio compares."""
    return " ".join(sorted(folded.split()))


_NO_IDS = np.empty(0, dtype=np.int64)
_NO_WEIGHTS = np.empty(0)
_NO_IDS.flags.writeable = _NO_WEIGHTS.flags.writeable = False


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


@dataclass(frozen=True)
class Columns:
    """A sparse matrix in compressed-column form: column j's rows are
    `indices[indptr[j]:indptr[j+1]]` with values `data[...]` (scipy's CSC layout).

    Kept in the widths a search computes in (int64 rows for `np.bincount`, float64
    values), each value the float32 that scikit-learn's arithmetic gives, widened
    once: a search no longer converts the columns it reads (~3 % of a new text's
    instructions with `counting`, below, for +5 MB). `counting` is 0, 1, 2...
    as long as all values, so a search slices it instead of making an `arange`."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    counting: np.ndarray


def _triplets(
    texts: Iterable[str], vocab: dict[str, int], grow: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, count) of each feature of each text, in compact C arrays.

    One text's features at a time: no per-variant Python objects outlive their row.
    `grow`: unseen features get the next column id; otherwise they are dropped,
    as the vectorizer's transform does."""
    rows, cols, counts = array("i"), array("i"), array("f")
    for r, text in enumerate(texts):
        for f, k in Counter(analyze(text)).items():
            j = vocab.setdefault(f, len(vocab)) if grow else vocab.get(f)
            if j is not None:
                rows.append(r)
                cols.append(j)
                counts.append(k)
    as_np = np.frombuffer
    return as_np(rows, dtype=np.int32), as_np(cols, dtype=np.int32), as_np(counts, np.float32)


def _tfidf_columns(
    rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, n_rows: int, idf: np.ndarray
) -> Columns:
    """(row, column, count) -> l2-normalized sublinear TF-IDF, column-major, float32.

    The same arithmetic as scikit-learn's TfidfTransformer (log(tf) + 1, times idf,
    each row scaled to unit length), so scores do not move."""
    data = np.log(counts) + np.float32(1.0)
    data *= idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=data.astype(np.float64) ** 2, minlength=n_rows))
    data /= norms.astype(np.float32)[rows]
    order = np.lexsort((rows, cols))  # by column, then row
    indptr = np.zeros(len(idf) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=len(idf)), out=indptr[1:])
    columns = Columns(
        indptr,
        rows[order].astype(np.int64),
        data[order].astype(np.float64),
        np.arange(len(data), dtype=np.int64),
    )
    for a in (columns.indptr, columns.indices, columns.data, columns.counting):
        a.flags.writeable = False  # shared by every search
    return columns


class Index:
    """A search index over question variants, built once per knowledge base.

    TF-IDF as scikit-learn's `TfidfVectorizer(sublinear_tf=True, norm="l2")`
    computes it (smooth idf, float32), kept as two column-major sparse matrices in
    plain numpy arrays: a question touches few features, so scoring walks only
    their columns. No scikit-learn or scipy at run time: importing them cost the
    server ~80 MB and 3 s of start-up for what is a few array operations here."""

    def __init__(self, variants: Iterable[Variant]) -> None:
        rows = sorted(variants, key=lambda v: v.entry_id)
        if not rows:
            raise ValueError("cannot build an index with no question variants")
        self.variants = rows
        # Each variant's words in sorted order, made when it is first compared:
        # token_sort_ratio would sort both sides again for every comparison.
        self._sorted: list[str | None] = [None] * len(rows)
        self.entry_ids: list[str] = sorted({v.entry_id for v in rows})
        position = {e: i for i, e in enumerate(self.entry_ids)}
        self._row_entry = np.array([position[v.entry_id] for v in rows])
        # Start row of each entry's block, for a max over each block, and its end.
        self._starts = np.searchsorted(self._row_entry, np.arange(len(self.entry_ids)))
        self._ends = np.append(self._starts[1:], len(rows)).astype(np.int64)
        self._starts.flags.writeable = self._ends.flags.writeable = False
        # The same as Python pairs, for the rerank loop (numpy scalars are slow there).
        bounds = [*self._starts.tolist(), len(rows)]
        self._bounds = list(pairwise(bounds))
        seen: dict[str, int] = {}
        r, c, k = _triplets((v.text for v in rows), seen, grow=True)
        # Columns in sorted feature order, as the vectorizer numbers them.
        names = sorted(seen)
        self._vocab: dict[str, int] = {f: i for i, f in enumerate(names)}
        renumber = np.empty(len(names), dtype=np.int32)
        renumber[[seen[f] for f in names]] = np.arange(len(names), dtype=np.int32)
        c = renumber[c]
        del seen, names
        df = np.bincount(c, minlength=len(self._vocab)).astype(np.float32)
        n = np.float32(len(rows))
        idf32 = np.log((1 + n) / (1 + df)) + np.float32(1.0)
        self._idf = idf32.astype(np.float64)
        self._max_idf = float(idf32.max())
        docs = [""] * len(self.entry_ids)
        for v in rows:
            docs[position[v.entry_id]] += "\n" + v.text
        r2, c2, k2 = _triplets(docs, self._vocab, grow=False)
        # The variants' rows, then the entries' documents' rows, in one matrix: a
        # question's columns are walked once for both (half the numpy calls). Rows
        # are independent (each scaled by its own norm), so the values are the same
        # as in two matrices, and a column lists the variants' rows first.
        self._cols = _tfidf_columns(
            np.concatenate((r, r2 + len(rows))),
            np.concatenate((c, c2)),
            np.concatenate((k, k2)),
            len(rows) + len(docs),
            idf32,
        )
        # The same question scores the same against this index (bot.core.memo).
        self._remembered = memo.bound(self._search)
        # A follow-up searches twice (alone, then beside the previous question), and
        # the previous question was analysed in the turn before: each text once.
        self._queries = memo.bound(self._query)
        self._counts = memo.bound(self._count)
        self._known = memo.bound(self._known_share)
        # The C merge's scratch, one slot per feature (-1 between calls); it holds
        # the GIL from start to end, so concurrent searches never share it mid-call.
        self._slots = np.full(len(self._idf), -1, dtype=np.int64)

    def _count(self, text: str) -> tuple[tuple[int, int], ...]:
        """(feature id, count) of a text's known features, in the order they first
        come (remembered in `_counts`: a question is analysed once, also when it is
        later part of a follow-up's context)."""
        counts: dict[int, int] = {}
        for feat in analyze(text):
            i = self._vocab.get(feat)
            if i is not None:
                counts[i] = counts.get(i, 0) + 1
        return tuple(counts.items())

    def _query(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Feature ids and TF-IDF weights of a question, as the vectorizer would make
        them; read-only, since a remembered pair is shared (`_queries`).

        A follow-up's context holds the conversation's questions, each after a
        CONTEXT_SEP: its counts are the sum of theirs, so none is analysed again
        (only the word pair across each separator is not counted)."""
        parts = text.split(CONTEXT_SEP)
        if len(parts) == 1:
            counts = dict(self._counts(text))
        else:
            counts = {}
            for part in parts:
                for i, k in self._counts(part):
                    counts[i] = counts.get(i, 0) + k
        if not counts:
            return _NO_IDS, _NO_WEIGHTS
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        w = tf * self._idf[idx]
        w /= _norm(w)
        idx.flags.writeable = w.flags.writeable = False
        return idx, w

    @staticmethod
    def _scores(cols: Columns, rows: int, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Each row's dot product with the question: the sum over the question's
        features of its weight times the feature's column, added position by
        position (bot/core/_fused.c when built: one pass, ~3x faster; else numpy)."""
        if _fused_scores is not None:
            out = np.empty(rows)
            _fused_scores(out, cols.indptr, cols.indices, cols.data, idx, w)
            return out
        return Index._numpy_scores(cols, rows, idx, w)

    @staticmethod
    def _numpy_scores(cols: Columns, rows: int, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
        ends = cols.indptr[idx + 1]
        lengths = ends - cols.indptr[idx]
        before = lengths.cumsum()  # positions of the columns before each, and its own
        total = int(before[-1]) if len(before) else 0
        if not total:
            return np.zeros(rows)
        # Every position of the question's columns at once (no arange per column):
        # column k's run starts at ends[k] - lengths[k], which is where the k-th run
        # of 0..total-1 starts (before[k] - lengths[k]) moved by ends[k] - before[k].
        pos = (ends - before).repeat(lengths)
        pos += cols.counting[:total]
        # `take`: the plain gather, not fancy indexing's general iterator (~2x faster).
        weights = cols.data.take(pos)
        weights *= w.repeat(lengths)
        return np.bincount(cols.indices.take(pos), weights=weights, minlength=rows)

    def _known_share(self, folded: str) -> float:
        """How much of the question our knowledge base has words for, in (0, 1].

        TF-IDF silently drops words it has never seen, so "what time does the mall
        open" would look like "what time does ... open". A question whose main words
        are all unknown to us is about something we do not cover: scale it down.
        A word counts as known if we have it, or most of its trigrams (typos).
        """
        vocab = self._vocab
        idf = self._idf
        words = [w for w in folded.split() if len(w) > 1 and w.isascii()]
        # CJK character pairs: none in a Latin-only text (no features to build).
        cjk = [f for f in features(folded) if f[0] == "d"] if has_cjk(folded) else []
        units = ["w" + w for w in words] + cjk
        if not units:
            return 1.0
        known = unknown = 0.0
        for feat in units:
            if feat in vocab:
                known += float(idf[vocab[feat]])
                continue
            if feat[0] == "w":
                trigrams = [g for g in features(feat[1:]) if g[0] == "t"]
                grams = [vocab[g] for g in trigrams if g in vocab]
                total = len(trigrams)
                if total and len(grams) / total >= 0.6:
                    known += float(np.add.reduce(idf[grams]) / len(grams))  # = mean()
                    continue
            unknown += self._max_idf * UNKNOWN_WEIGHT
        return float((known / (known + unknown)) ** UNKNOWN_POWER) if known else 0.0

    def _with_context(
        self, idx: np.ndarray, w: np.ndarray, context: str, weight: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The question's vector plus `weight` times the previous question's: a
        short follow-up ("magkano?") is read in the light of what came before,
        while its own words still lead."""
        cidx, cw = self._queries(context[:MAX_INPUT_CHARS])
        if _fused_merge is not None:
            size = len(idx) + len(cidx)
            out_idx, out_w = np.empty(size, dtype=np.int64), np.empty(size)
            m = _fused_merge(out_idx, out_w, self._slots, idx, w, cidx, cw, weight)
            if not m:
                return idx, w
            out_w = out_w[:m]
            return out_idx[:m], out_w / _norm(out_w)
        return self._merged(idx, w, cidx, cw, weight)

    @staticmethod
    def _merged(
        idx: np.ndarray, w: np.ndarray, cidx: np.ndarray, cw: np.ndarray, weight: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """`_with_context`'s sum in Python (bot/core/_fused.c's `merge` when built)."""
        merged: dict[int, float] = {}
        for i, x in zip(idx.tolist(), w.tolist(), strict=True):
            merged[i] = merged.get(i, 0.0) + x
        for i, x in zip(cidx.tolist(), cw.tolist(), strict=True):
            merged[i] = merged.get(i, 0.0) + weight * x
        if not merged:
            return idx, w
        out_idx = np.fromiter(merged, dtype=np.int64, count=len(merged))
        out_w = np.fromiter(merged.values(), dtype=np.float64, count=len(merged))
        return out_idx, out_w / _norm(out_w)

    def _nearest(self, by_variant: np.ndarray, top: np.ndarray) -> tuple[list[int], int]:
        """Each top entry's three closest variants by TF-IDF (rows, -1 past a short
        block), and a bit per entry whose block equal scores decide (those the
        caller sorts with numpy). bot/core/_fused.c when built; else every bit is
        set, and every block is sorted."""
        if _fused_nearest is None:
            return [], -1
        found = np.empty(3 * len(top), dtype=np.int64)
        ties = _fused_nearest(found, by_variant, self._starts, self._ends, top)
        return found.tolist(), ties

    def search(
        self, text: str, limit: int = 5, context: str | None = None, context_weight: float = 0.5
    ) -> list[Candidate]:
        """The best `limit` entries for `text` (read beside `context`, if given)."""
        return list(self._remembered(text, limit, context, context_weight))

    def _search(
        self, text: str, limit: int, context: str | None, context_weight: float
    ) -> tuple[Candidate, ...]:
        folded = normalize(text)
        if not folded:
            return ()
        idx, w = self._queries(text[:MAX_INPUT_CHARS])
        if context:
            idx, w = self._with_context(idx, w, context, context_weight)
        if not len(idx):
            return ()
        known = self._known(folded)
        n = len(self.variants)
        scores = self._scores(self._cols, n + len(self.entry_ids), idx, w)
        by_variant, by_entry = scores[:n], scores[n:]
        best_variant = np.maximum.reduceat(by_variant, self._starts)
        coarse = W_VARIANT * best_variant + W_ENTRY * by_entry
        # The best RERANK entries: a partition (linear) and a sort of those few, not a
        # sort of every entry (~2 % of a new text's instructions). Equal scores may
        # come in another order, as they could from the sort (it is not stable).
        negated = -coarse
        k = min(RERANK, len(negated))
        top = negated.argpartition(k - 1)[:k]
        top = top[negated[top].argsort()]
        query_sorted = _sorted_words(folded)
        nearest, ties = self._nearest(by_variant, top)
        descending = None
        # (score, entry, closest variant); Candidates only for the `limit` returned.
        out: list[tuple[float, int, int]] = []
        # Plain floats from here on: the same IEEE arithmetic, without numpy scalars.
        for j, (e, c, b) in enumerate(
            zip(top.tolist(), coarse[top].tolist(), best_variant[top].tolist(), strict=True)
        ):
            if c <= 0:
                continue
            # The closest variants by TF-IDF are the ones worth a string comparison.
            if not ties >> j & 1:
                near = [r for r in nearest[3 * j : 3 * j + 3] if r >= 0]
            else:  # equal scores decide: the sort's own order, as ever
                if descending is None:
                    descending = -by_variant
                start, end = self._bounds[e]
                near = [start + i for i in descending[start:end].argsort()[:3].tolist()]
            fz = 0.0
            for r in near:
                other = self._sorted[r]
                if other is None:
                    other = self._sorted[r] = _sorted_words(self.variants[r].folded)
                s = fuzz.ratio(query_sorted, other) / 100.0  # = token_sort_ratio
                if s > fz:
                    fz = s
            out.append(((c + W_FUZZ * fz * min(1.0, b * 2)) * known, e, near[0]))
        out.sort(key=_first, reverse=True)  # stable: equal scores keep their order
        variants, entry_ids = self.variants, self.entry_ids
        return tuple(
            Candidate(entry_ids[e], score, variants[r].lang, variants[r].text)
            for score, e, r in out[:limit]
        )
