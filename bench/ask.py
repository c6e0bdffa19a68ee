"""Answers per second and p50/p99 latency of the in-process answer path.

Runs on the shipped knowledge base and on a synthetic one 20x larger (every
entry copied 20 times with shuffled question variants), with logging to SQLite
off and on. Prints figures; asserts nothing (targets live in the README).

    .venv/bin/python bench/ask.py [--rounds N]
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.questions import QUESTIONS
from bot.core.dialogue import Bot
from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.core.types import Incoming


def grow(kb: KnowledgeBase, factor: int) -> KnowledgeBase:
    big = copy.copy(kb)
    rng = random.Random(1)
    entries = {}
    for i in range(factor):
        for entry in kb.entries.values():
            clone = copy.copy(entry)
            clone.id = f"{entry.id}#{i}" if i else entry.id
            clone.questions = {
                lang: rng.sample(qs, len(qs)) + [f"{q} {i}" for q in qs[:2]]
                for lang, qs in entry.questions.items()
            }
            entries[clone.id] = clone
    big.entries = entries
    return big


def measure(label: str, handle, rounds: int) -> None:  # type: ignore[no-untyped-def]
    times: list[float] = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t0 = time.perf_counter()
            handle(q)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[int(len(times) * 0.99) - 1]
    rate = len(times) / (sum(times) / 1000)
    print(f"{label:<44} {rate:8.0f} answers/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    kb = load_knowledge()
    variants = sum(len(q) for e in kb.entries.values() for q in e.questions.values())
    print(f"shipped knowledge base: {len(kb.entries)} entries, {variants} question variants")
    bot = Bot(kb)
    for q in QUESTIONS:  # warm-up: lingua models, caches
        bot.handle(Incoming(text=q))
    measure("shipped KB, no logging", lambda q: bot.handle(Incoming(text=q)), args.rounds)

    big = grow(kb, 20)
    t0 = time.perf_counter()
    big_bot = Bot(big)
    variants = sum(len(q) for e in big.entries.values() for q in e.questions.values())
    print(
        f"20x knowledge base: {len(big.entries)} entries, {variants} variants "
        f"(index built in {time.perf_counter() - t0:.1f} s)"
    )
    measure("20x KB, no logging", lambda q: big_bot.handle(Incoming(text=q)), args.rounds)

    from bot.service import Service
    from bot.storage import Store

    with tempfile.TemporaryDirectory() as tmp:
        service = Service(big_bot, Store(Path(tmp) / "bench.sqlite3"))
        counter = iter(range(10**9))
        measure(
            "20x KB, with session + interaction logging",
            lambda q: service.handle("bench", f"user{next(counter) % 50}", Incoming(text=q)),
            args.rounds,
        )


if __name__ == "__main__":
    main()
