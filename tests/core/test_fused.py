"""bot/core/_fused.c, retrieval's column scores in one C pass (issue 18): the
same scores as the numpy path bit for bit, and a wrong array is an exception,
never a read or write outside memory."""

from __future__ import annotations

import shutil
import sysconfig
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from bot.core import retrieval
from bot.core.dialogue import Bot
from bot.core.retrieval import CONTEXT_SEP, Index

try:
    from bot.core import _fused
except ImportError:  # pragma: no cover - depends on the build
    _fused = None  # type: ignore[assignment]

HAS_COMPILER = (
    bool(shutil.which("cc") or shutil.which("gcc"))
    and (Path(sysconfig.get_paths()["include"]) / "Python.h").exists()
)

needs_fused = pytest.mark.skipif(
    _fused is None, reason="bot/core/_fused.c not built here (no C compiler): numpy path"
)


def test_built_wherever_a_compiler_is() -> None:
    """`optional=True` must not hide a broken build on a machine that can build it."""
    if not HAS_COMPILER:
        pytest.skip("no C compiler or Python headers: the numpy path serves")
    assert _fused is not None, "a C compiler is here, yet bot/core/_fused.c was not built"
    assert retrieval._fused_scores is _fused.column_scores


@needs_fused
def test_the_same_scores_as_numpy_bit_for_bit(bot: Bot) -> None:
    """Every 5th knowledge variant, alone and beside a context of three others
    (~11,000 positions a search), and texts made of unknown words."""
    index = bot.index
    cols = index._cols
    rows = len(index.variants) + len(index.entry_ids)
    texts = [v.text for v in index.variants[::5]]
    queries = [index._queries(t) for t in texts]
    for i, (idx, w) in enumerate(queries[:400]):
        context = CONTEXT_SEP.join(texts[(i + k) % len(texts)] for k in (7, 11, 13))
        queries.append(index._with_context(idx, w, context, 0.5))
    queries.append(index._queries("zzqx vvkk"))
    assert sum(len(q[0]) for q in queries) > 20_000
    for idx, w in queries:
        fused = Index._scores(cols, rows, idx, w)
        plain = Index._numpy_scores(cols, rows, idx, w)
        assert fused.dtype == plain.dtype and fused.shape == plain.shape
        assert fused.tobytes() == plain.tobytes()


def _arrays() -> dict[str, np.ndarray]:
    # Two columns over three rows: column 0 = rows 0, 2; column 1 = row 1.
    return {
        "out": np.empty(3),
        "indptr": np.array([0, 2, 3], dtype=np.int64),
        "indices": np.array([0, 2, 1], dtype=np.int64),
        "data": np.array([1.0, 2.0, 3.0]),
        "idx": np.array([1, 0], dtype=np.int64),
        "w": np.array([0.5, 2.0]),
    }


def _call(a: dict[str, np.ndarray]) -> None:
    _fused.column_scores(a["out"], a["indptr"], a["indices"], a["data"], a["idx"], a["w"])


@needs_fused
def test_a_small_matrix_by_hand() -> None:
    a = _arrays()
    a["out"][:] = 99.0  # every row written, also those no column reaches
    _call(a)
    assert a["out"].tolist() == [2.0, 1.5, 4.0]
    a["idx"] = np.empty(0, dtype=np.int64)
    a["w"] = np.empty(0)
    _call(a)
    assert a["out"].tolist() == [0.0, 0.0, 0.0]


@needs_fused
@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("idx", np.array([1, 2], dtype=np.int64), IndexError),  # no column 2
        ("idx", np.array([-1, 0], dtype=np.int64), IndexError),
        ("indices", np.array([0, 3, 1], dtype=np.int64), IndexError),  # no row 3
        ("indices", np.array([0, -5, 1], dtype=np.int64), IndexError),
        ("indptr", np.array([0, 2, 9], dtype=np.int64), ValueError),  # past the end
        ("indptr", np.array([0, 3, 1], dtype=np.int64), ValueError),  # out of order
        ("indptr", np.empty(0, dtype=np.int64), ValueError),
        ("w", np.array([0.5]), ValueError),  # a weight short
        ("data", np.array([1.0, 2.0]), ValueError),
        ("idx", np.array([1, 0], dtype=np.int32), TypeError),
        ("w", np.array([0.5, 2.0], dtype=np.float32), TypeError),
        ("out", np.empty((3, 1)), TypeError),
        ("data", np.array([1.0, 9.0, 2.0, 9.0, 3.0, 9.0])[::2], ValueError),  # strided
        ("out", b"\0" * 24, BufferError),  # read-only
        ("data", [1.0, 2.0, 3.0], TypeError),  # not an array
    ],
)
def test_a_wrong_array_raises(name: str, value: object, error: type[Exception]) -> None:
    a: dict[str, object] = dict(_arrays())
    a[name] = value
    with pytest.raises(error):
        _fused.column_scores(*a.values())


@needs_fused
def test_read_only_arrays_are_read() -> None:
    """The index's arrays are read-only (shared by every search)."""
    a = _arrays()
    for key in ("indptr", "indices", "data", "idx", "w"):
        a[key].flags.writeable = False
    _call(a)
    assert a["out"].tolist() == [2.0, 1.5, 4.0]


def _merge(
    slots: np.ndarray,
    idx: np.ndarray,
    w: np.ndarray,
    cidx: np.ndarray,
    cw: np.ndarray,
    weight: float,
) -> tuple[np.ndarray, np.ndarray]:
    size = len(idx) + len(cidx)
    out_idx, out_w = np.empty(size, dtype=np.int64), np.empty(size)
    m = _fused.merge(out_idx, out_w, slots, idx, w, cidx, cw, weight)
    return out_idx[:m], out_w[:m]


@needs_fused
def test_the_same_merge_as_python_bit_for_bit(bot: Bot) -> None:
    """A question beside contexts of one to four other questions, through
    `_with_context` (C) and `_merged` (Python), for three weights."""
    index = bot.index
    texts = [v.text for v in index.variants[::9]]
    assert len(texts) > 500
    for i, text in enumerate(texts):
        idx, w = index._queries(text)
        context = CONTEXT_SEP.join(texts[(i + k) % len(texts)] for k in range(1, 2 + i % 4))
        cidx, cw = index._queries(context)
        for weight in (0.5, 0.3, 1.0):
            fused = index._with_context(idx, w, context, weight)
            plain = Index._merged(idx, w, cidx, cw, weight)
            assert fused[0].tobytes() == plain[0].tobytes()
            assert fused[1].tobytes() == plain[1].tobytes()
    assert (index._slots == -1).all()


@needs_fused
def test_a_merge_by_hand() -> None:
    """Sums in first-come order, repeated ids added as a dict adds them, and
    nothing at all when both vectors are empty."""
    slots = np.full(6, -1, dtype=np.int64)
    idx = np.array([4, 1, 4], dtype=np.int64)
    w = np.array([0.25, 0.5, 1.0])
    cidx = np.array([1, 5, 0], dtype=np.int64)
    cw = np.array([2.0, 4.0, 8.0])
    ids, sums = _merge(slots, idx, w, cidx, cw, 0.5)
    assert ids.tolist() == [4, 1, 5, 0]
    assert sums.tolist() == [1.25, 1.5, 2.0, 4.0]
    assert (slots == -1).all()
    empty_i, empty_w = np.empty(0, dtype=np.int64), np.empty(0)
    ids, sums = _merge(slots, empty_i, empty_w, empty_i, empty_w, 0.5)
    assert len(ids) == len(sums) == 0


@needs_fused
@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("idx", np.array([1, 6], dtype=np.int64), IndexError),  # no feature 6
        ("cidx", np.array([-1], dtype=np.int64), IndexError),
        ("slots", np.array([-1, 0, -1, -1, -1, -1], dtype=np.int64), ValueError),  # dirty
        ("out_idx", np.empty(2, dtype=np.int64), ValueError),  # too short
        ("w", np.array([0.5]), ValueError),
        ("cidx", np.array([1, 2], dtype=np.int32), TypeError),
        ("out_w", np.empty(3, dtype=np.float32), TypeError),
        ("weight", "half", TypeError),
    ],
)
def test_a_wrong_merge_raises_and_leaves_the_slots(
    name: str, value: object, error: type[Exception]
) -> None:
    a: dict[str, object] = {
        "out_idx": np.empty(3, dtype=np.int64),
        "out_w": np.empty(3),
        "slots": np.full(6, -1, dtype=np.int64),
        "idx": np.array([1, 2], dtype=np.int64),
        "w": np.array([0.5, 0.25]),
        "cidx": np.array([3], dtype=np.int64),
        "cw": np.array([1.0]),
        "weight": 0.5,
    }
    a[name] = value
    before = np.array(a["slots"], copy=True)
    with pytest.raises(error):
        _fused.merge(*a.values())
    assert (a["slots"] == before).all()


def _sorted_three(values: np.ndarray, start: int, end: int) -> list[int]:
    """What the rerank took before `nearest`: the first three of numpy's sort."""
    return [start + i for i in (-values[start:end]).argsort()[:3].tolist()]


def _decided_by_ties(block: list[float]) -> bool:
    ranked = sorted(block, reverse=True)[:4]
    return any(a == b for a, b in pairwise(ranked))


@needs_fused
def test_nearest_is_the_sort_where_values_decide() -> None:
    """Blocks of 1 to 180 values, many with equal values (rounded to a few steps):
    unflagged, the rows are numpy's first three; flagged exactly where equal values
    decide their order or which three are taken."""
    rng = np.random.default_rng(18)
    flagged = unflagged = 0
    for _ in range(400):
        sizes = rng.integers(1, 180, size=12)
        ends = np.cumsum(sizes).astype(np.int64)
        starts = (ends - sizes).astype(np.int64)
        values = rng.random(int(ends[-1]))
        if rng.random() < 0.5:
            values = np.round(values * rng.integers(2, 40)) / 40  # many ties
        values[rng.random(len(values)) < 0.3] = 0.0
        entries = rng.permutation(12)[:8].astype(np.int64)
        out = np.empty(24, dtype=np.int64)
        ties = _fused.nearest(out, values, starts, ends, entries)
        for j, e in enumerate(entries.tolist()):
            s, t = int(starts[e]), int(ends[e])
            tied = bool(ties >> j & 1)
            assert tied is _decided_by_ties(values[s:t].tolist())
            if not tied:
                rows = [r for r in out[3 * j : 3 * j + 3].tolist() if r >= 0]
                assert rows == _sorted_three(values, s, t)
                unflagged += 1
            else:
                flagged += 1
    assert flagged > 300 and unflagged > 1000  # both cases were exercised


@needs_fused
def test_nearest_flags_nan_and_short_blocks_by_hand() -> None:
    values = np.array([0.2, 0.9, 0.5, float("nan"), 0.7, 0.7, 0.1])
    starts = np.array([0, 3, 6], dtype=np.int64)
    ends = np.array([3, 6, 7], dtype=np.int64)
    out = np.full(9, 99, dtype=np.int64)
    ties = _fused.nearest(out, values, starts, ends, np.array([0, 1, 2], dtype=np.int64))
    assert out[:3].tolist() == [1, 2, 0] and out[6:].tolist() == [6, -1, -1]
    assert ties == 0b010  # the NaN block is left to numpy


@needs_fused
def test_the_same_search_with_nearest_as_with_the_sort(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every 4th variant and the bench questions, alone and beside a context: the
    same candidates, scores and closest variants bit for bit with the C step as
    with numpy's sort of every block."""
    from bench.questions import QUESTIONS

    texts = [v.text for v in bot.index.variants[::4]]
    texts += [f"{q} {n}" for n, q in enumerate(QUESTIONS)]
    contexts = [None, *texts[1:200:7]]

    def run() -> list[object]:
        index = Index(bot.index.variants)
        return [
            index.search(t, limit=8, context=contexts[n % len(contexts)])
            for n, t in enumerate(texts)
        ]

    fused = run()
    monkeypatch.setattr(retrieval, "_fused_nearest", None)
    assert fused == run()
    assert sum(len(found) for found in fused) > 5_000


@needs_fused
@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("out", np.empty(5, dtype=np.int64), ValueError),  # shorter than 3 per entry
        ("out", np.empty(6), TypeError),
        ("values", np.empty(6, dtype=np.int64), TypeError),
        ("starts", np.array([0], dtype=np.int64), ValueError),  # not as long as ends
        ("ends", np.array([3, 7], dtype=np.int64), ValueError),  # past the values
        ("entries", np.array([0, 2], dtype=np.int64), IndexError),
        ("entries", np.array([-1], dtype=np.int64), IndexError),
    ],
)
def test_a_wrong_nearest_raises(name: str, value: object, error: type[Exception]) -> None:
    a: dict[str, object] = {
        "out": np.empty(6, dtype=np.int64),
        "values": np.arange(6, dtype=np.float64),
        "starts": np.array([0, 3], dtype=np.int64),
        "ends": np.array([3, 6], dtype=np.int64),
        "entries": np.array([1, 0], dtype=np.int64),
    }
    a[name] = value
    with pytest.raises(error):
        _fused.nearest(a["out"], a["values"], a["starts"], a["ends"], a["entries"])
