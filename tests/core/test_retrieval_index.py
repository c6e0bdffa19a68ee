"""The compact TF-IDF index (issue 18): the arithmetic of scikit-learn's
TfidfVectorizer(sublinear_tf=True, norm="l2", smooth idf), without it."""

from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from bot.core.normalize import normalize
from bot.core.retrieval import Index, Variant, analyze, features


def _variant(entry: str, lang: str, text: str) -> Variant:
    return Variant(entry, lang, text, normalize(text))


VARIANTS = [
    _variant("garbage.days", "en", "what day is plastic collection"),
    _variant("garbage.days", "en", "plastic plastic garbage day"),
    _variant("garbage.days", "vi", "ngay nao do rac nhua"),
    _variant("tax.resident", "en", "how do I pay resident tax"),
    _variant("tax.resident", "zh", "住民税怎么交"),
]


def _dense(cols: object, rows: int) -> np.ndarray:
    indptr, indices, data = cols.indptr, cols.indices, cols.data  # type: ignore[attr-defined]
    out = np.zeros((rows, len(indptr) - 1))
    for j in range(len(indptr) - 1):
        for p in range(indptr[j], indptr[j + 1]):
            out[indices[p], j] = data[p]
    return out


def _expected(docs: list[str], vocab: dict[str, int], n_fit: int, df: Counter[str]) -> np.ndarray:
    """TF-IDF by the textbook formula, in plain Python floats."""
    out = np.zeros((len(docs), len(vocab)))
    for r, doc in enumerate(docs):
        counts = Counter(f for f in analyze(doc) if f in vocab)
        row = {
            f: (1 + math.log(k)) * (math.log((1 + n_fit) / (1 + df[f])) + 1)
            for f, k in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in row.values()))
        for f, v in row.items():
            out[r, vocab[f]] = v / norm
    return out


def test_index_matrices_are_sublinear_smooth_idf_l2_tfidf() -> None:
    index = Index(VARIANTS)
    texts = [v.text for v in index.variants]
    df: Counter[str] = Counter(f for t in texts for f in set(analyze(t)))
    assert sorted(index._vocab) == sorted(df)  # every feature of every variant, once
    assert list(index._vocab.values()) == list(range(len(df)))
    n_entries = len(index.entry_ids)
    both = _dense(index._cols, len(texts) + n_entries)  # variants' rows, then entries'
    got = both[: len(texts)]
    assert np.allclose(got, _expected(texts, index._vocab, len(texts), df), atol=1e-6)
    entry_docs = [
        "".join("\n" + v.text for v in index.variants if v.entry_id == e) for e in index.entry_ids
    ]
    got = both[len(texts) :]
    assert np.allclose(got, _expected(entry_docs, index._vocab, len(texts), df), atol=1e-6)


def test_search_still_finds_across_languages() -> None:
    index = Index(VARIANTS)
    assert index.search("ngay nao do rac")[0].entry_id == "garbage.days"
    assert index.search("resident tax pay")[0].entry_id == "tax.resident"
    assert index.search("住民税")[0].entry_id == "tax.resident"


def test_empty_index_is_refused() -> None:
    with pytest.raises(ValueError):
        Index([])


def test_serving_imports_no_report_or_training_libraries() -> None:
    """`resbot serve` imports: no scikit-learn/scipy (the index is numpy), no
    matplotlib/openpyxl (reports load them when a report is made), no
    python-telegram-bot while Telegram is off."""
    code = (
        "import sys, uvicorn, bot.cli, bot.web.app, bot.channels.line\n"
        "heavy = ('sklearn', 'scipy', 'matplotlib', 'openpyxl', 'telegram')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_features_of_mixed_text() -> None:
    """CJK characters and their pairs (across Latin letters inside a word, not across
    spaces), Latin words, their trigrams and word pairs, in this order."""
    assert features("ごみab日 day off") == [
        "cご", "cみ", "c日", "dごみ", "dみ日",
        "wab", "wday", "t<da", "tday", "tay>", "woff", "t<of", "toff", "tff>",
        "bab_day", "bday_off",
    ]  # fmt: skip


def test_a_follow_up_analyses_each_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The follow-up's second search (beside the previous question) and the next
    turn's search with that question as context reuse the texts' analyses, and
    score exactly as a fresh index does."""
    import bot.core.retrieval as retrieval

    seen: list[str] = []

    def counted(raw: str) -> list[str]:
        seen.append(raw)
        return analyze(raw)

    index = Index(VARIANTS)
    monkeypatch.setattr(retrieval, "analyze", counted)
    first = index.search("plastic day")
    second = index.search("nhua", context="plastic day")
    third = index.search("plastic day", context="nhua")
    assert sorted(seen) == ["nhua", "plastic day"]
    monkeypatch.undo()
    fresh = Index(VARIANTS)
    assert first == fresh.search("plastic day")
    assert second == fresh.search("nhua", context="plastic day")
    assert third == fresh.search("plastic day", context="nhua")


def test_a_remembered_query_cannot_be_changed() -> None:
    index = Index(VARIANTS)
    idx, w = index._queries("plastic day")
    with pytest.raises(ValueError):
        w[0] = 0.0
    with pytest.raises(ValueError):
        idx[0] = 0
    empty_idx, empty_w = index._queries("zzzz qqqq")
    assert not len(empty_idx) and not empty_w.flags.writeable


def test_the_entries_reranked_are_the_best_by_the_sparse_scores() -> None:
    """A search reranks the RERANK entries with the best coarse scores, found by a
    partition rather than a sort of all entries, from column scores that equal the
    dense product: checked against both computed the plain way."""
    import bot.core.retrieval as retrieval

    words = ["plastic", "garbage", "tax", "visa", "clinic", "school", "bus", "rent", "water"]
    variants = [
        _variant(f"e{i:02d}", "en", f"{words[i % 9]} {words[(i * 4) % 9]} question {i}")
        for i in range(30)
    ]
    index = Index(variants)
    n, entries = len(index.variants), len(index.entry_ids)
    dense = _dense(index._cols, n + entries)
    for text in ["plastic tax question", "visa clinic", "bus rent water", "garbage 7"]:
        idx, w = index._queries(text)
        vector = np.zeros(dense.shape[1])
        vector[idx] = w
        scores = index._scores(index._cols, n + entries, idx, w)
        assert np.allclose(scores, dense @ vector)
        best_variant = [scores[a:b].max() for a, b in index._bounds]
        coarse = [
            retrieval.W_VARIANT * bv + retrieval.W_ENTRY * scores[n + e]
            for e, bv in enumerate(best_variant)
        ]
        ranked = sorted(range(entries), key=lambda e: -coarse[e])
        expected = {index.entry_ids[e] for e in ranked[: retrieval.RERANK] if coarse[e] > 0}
        found = {c.entry_id for c in index.search(text, limit=entries)}
        assert found == expected


def test_a_context_of_several_questions_analyses_none_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A follow-up's context holds the conversation's questions; each was analysed
    when it was asked, and the context's counts are the sum of theirs."""
    import bot.core.retrieval as retrieval

    seen: list[str] = []

    def counted(raw: str) -> list[str]:
        seen.append(raw)
        return analyze(raw)

    index = Index(VARIANTS)
    monkeypatch.setattr(retrieval, "analyze", counted)
    index.search("plastic day")
    index.search("nhua")
    sep = retrieval.CONTEXT_SEP
    found = index.search("rac", context=f"plastic day{sep}nhua")
    assert sorted(seen) == ["nhua", "plastic day", "rac"]
    monkeypatch.undo()
    # The same vector as the questions' features counted together.
    idx, w = index._queries(f"plastic day{sep}nhua")
    feats = Counter(f for t in ("plastic day", "nhua") for f in analyze(t) if f in index._vocab)
    expected = {
        index._vocab[f]: (1 + math.log(k)) * index._idf[index._vocab[f]] for f, k in feats.items()
    }
    norm = math.sqrt(sum(v * v for v in expected.values()))
    assert dict(zip(idx.tolist(), (w * norm).tolist(), strict=True)) == pytest.approx(expected)
    assert found[0].entry_id == "garbage.days"


def test_a_long_text_is_analysed_whole_and_a_short_one_as_capped() -> None:
    """Entry documents are longer than a message may be: every word counts, also
    past the cap. Within the cap, the remembered capped fold is the same text."""
    from bot.core.normalize import MAX_INPUT_CHARS

    long = " ".join(f"word{i}" for i in range(MAX_INPUT_CHARS // 4))
    assert len(long) > MAX_INPUT_CHARS
    assert "wword124" in analyze(long)
    assert analyze(long) == features(normalize(long, limit=None))
    for text in ["Lixo não queimável, quando?", "住民税", "x" * MAX_INPUT_CHARS]:
        assert analyze(text) == features(normalize(text, limit=None))


def test_fewer_candidates_are_the_first_of_more() -> None:
    """Candidates are made only for the entries returned: the first `limit` of the
    reranked list, each with its entry's closest variant by TF-IDF."""
    by_text = {v.text: v for v in VARIANTS}
    for text in ["plastic day", "resident tax", "rac nhua", "住民税", "garbage tax day"]:
        every = Index(VARIANTS).search(text, limit=8)
        assert every and [c.score for c in every] == sorted((c.score for c in every), reverse=True)
        assert Index(VARIANTS).search(text, limit=1) == every[:1]
        for c in every:
            assert by_text[c.variant].entry_id == c.entry_id and by_text[c.variant].lang == c.lang
    both = Index(VARIANTS).search("garbage tax day", limit=8)
    assert len(both) == 2 and Index(VARIANTS).search("garbage tax day", limit=1) == both[:1]
