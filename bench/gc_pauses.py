"""Python's cycle collector during a server's turns, with and without bot.heap's freeze.

Each case runs in a fresh interpreter: the service is built as `resbot serve`
builds it, 1,500 new-text turns warm it up (the lazy parts load, each of 200
residents has a session), then `--turns` more new-text turns are timed with a
`gc.callbacks` probe that records every collection: how many per generation,
their total time, the longest (a pause with the GIL held: no other request
moves meanwhile). `frozen` calls `bot.heap.freeze_startup()` after loading the
knowledge, as `resbot serve` does before it serves (the lazy parts load later,
so they stay under the collector, as in the server).

Full collections come every few thousand turns, so a short window may hold none
(bench/turn_instructions.py counts 200 turns: it never sees one); the default
10,000 turns hold one or two. Wall-clock figures: the machine's load shows in them.

    .venv/bin/python bench/gc_pauses.py [--turns 10000] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WARM = 1500


def child(turns: int, freeze: bool) -> None:
    """In a fresh interpreter: print one JSON line of figures."""
    import gc

    sys.path.append(str(REPO))
    from bench.questions import QUESTIONS
    from bot.core.dialogue import Bot
    from bot.core.types import Incoming
    from bot.service import Service
    from bot.storage import Store

    service = Service(Bot.load(None), Store(Path(tempfile.mkdtemp()) / "bench.sqlite3"))
    frozen = 0
    if freeze:
        from bot import heap

        frozen = heap.freeze_startup()

    def run(start: int, count: int) -> None:
        marks: list[tuple[str, str]] = []
        for n in range(start, start + count):
            event_id = f"01GC{n:020d}"
            user = f"U{n % 200:032x}"
            service.handle(
                "line",
                user,
                Incoming(kind="text", text=f"{QUESTIONS[n % len(QUESTIONS)]} {n}"),
                event_id=event_id,
                reply_owed=True,
                reply_to={"token": f"reply-{n}", "to": user},
            )
            marks.append((event_id, "done"))
            if len(marks) >= 17:
                service.claims.settle_many(marks)
                marks = []

    run(0, WARM)
    counts = [0, 0, 0]
    totals = [0.0, 0.0, 0.0]
    longest = [0.0, 0.0, 0.0]
    started = [0.0]

    def probe(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        took = time.perf_counter() - started[0]
        g = info["generation"]
        counts[g] += 1
        totals[g] += took
        longest[g] = max(longest[g], took)

    gc.callbacks.append(probe)
    cpu = time.process_time()
    run(10**6, turns)
    cpu = time.process_time() - cpu
    gc.callbacks.remove(probe)
    figures = {
        "frozen": frozen,
        "tracked": len(gc.get_objects()),
        "cpu_ms_per_turn": cpu / turns * 1000,
        "counts": counts,
        "us_per_turn": [t / turns * 1e6 for t in totals],
        "longest_ms": [t * 1000 for t in longest],
    }
    print(json.dumps(figures))


def measure(src: Path | None, turns: int, freeze: bool) -> dict[str, object]:
    env = {**os.environ}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, __file__, "--child", "frozen" if freeze else "plain"]
    cmd += ["--turns", str(turns)]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=10_000, help="new-text turns timed per case")
    ap.add_argument("--before", type=Path, help="also run the unfrozen case from this tree")
    ap.add_argument("--child", choices=["plain", "frozen"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.turns, args.child == "frozen")
        return
    cases: list[tuple[str, Path | None, bool]] = [("plain", None, False), ("frozen", None, True)]
    if args.before:
        cases.insert(0, ("before", args.before, False))
    print(f"{args.turns} new-text turns after {WARM}; collections by generation 0 / 1 / 2")
    print(f"{'case':<8}{'frozen':>8}{'tracked':>9}  {'count':<14}{'µs per turn':<20}longest ms")
    for name, src, freeze in cases:
        f = measure(src, args.turns, freeze)
        counts = " / ".join(str(c) for c in f["counts"])  # type: ignore[attr-defined]
        per = " / ".join(f"{x:.1f}" for x in f["us_per_turn"])  # type: ignore[attr-defined]
        worst = " / ".join(f"{x:.1f}" for x in f["longest_ms"])  # type: ignore[attr-defined]
        print(f"{name:<8}{f['frozen']:>8}{f['tracked']:>9}  {counts:<14}{per:<20}{worst}")
        print(f"{'':<8}CPU {f['cpu_ms_per_turn']:.3f} ms per turn (the whole turn)")


if __name__ == "__main__":
    main()
