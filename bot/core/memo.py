"""Bounded memory of pure per-text work: the same question is not worked out twice.

Residents ask the same few hundred questions over and over ("ngay nao do rac
nhua", "プラスチックごみの収集日"); language detection, Japanese tagging, the
emergency scan, the garbage-name scans and the retrieval scores of a text depend
on nothing but the text and the knowledge base, and were three quarters of the
answer's CPU (bench/answer_cpu.py, issue 18). Each is remembered here in an LRU
of at most `SIZE` entries, so memory stays flat whatever residents type.

Two kinds of caches, both `functools.lru_cache` (C, thread-safe):
- `per_text`: module functions over static data (tagging, emergency words);
- `bound`: a method of one knowledge base's object (its index, lexicon, garbage
  data); it lives and dies with that object, so a reload (a new `Bot` after a
  staff edit, bot.staff.reload) starts with empty caches by construction.
`clear_all` empties every live cache of either kind; the staff reload calls it.
Results must be immutable (tuples, frozen dataclasses, str): a cached value is
shared by every caller.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any, ParamSpec, TypeVar, cast

SIZE = 4096
P = ParamSpec("P")
R = TypeVar("R")

_caches: weakref.WeakSet[Any] = weakref.WeakSet()


def per_text(fn: Callable[P, R]) -> Callable[P, R]:
    """A module function remembered for its last `SIZE` distinct arguments."""
    cached = lru_cache(maxsize=SIZE)(fn)
    _caches.add(cached)
    return cast(Callable[P, R], cached)


def bound(method: Callable[P, R], size: int = SIZE) -> Callable[P, R]:
    """A bound method remembered per instance (assign it on the instance in
    `__init__`): no cache outlives the object, so no entry is stale after a reload."""
    cached = lru_cache(maxsize=size)(method)
    _caches.add(cached)
    return cast(Callable[P, R], cached)


def clear(cached: Callable[..., Any]) -> None:
    """Forget what one cache (made by `per_text` or `bound`) remembers."""
    cast(Any, cached).cache_clear()


def clear_all() -> None:
    """Forget every remembered result (after the knowledge base changed)."""
    for cached in list(_caches):
        cached.cache_clear()


def sizes() -> list[int]:
    """Current entry counts of the live caches (tests: bounded, cleared)."""
    return [cached.cache_info().currsize for cached in list(_caches)]
