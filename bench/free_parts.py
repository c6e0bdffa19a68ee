"""What a new text's turn would cost if a part of the answer cost nothing: the
ceiling of making that part faster (compiled matching, issue 18).

The turns of bench/turn_instructions.py (200 residents, 1,500 warm-up turns,
then 200 counted, or 1,000 timed, each text new) run twice on the same knowledge base. The
first run records what retrieval (`Index.search`'s work, query analysis
included) and language detection (`Bot.detect`) returned for each call. Every
remembered result is then forgotten (`memo.clear_all`), and the same turns run
again on a fresh database, with the chosen parts answered from the record by a
dict lookup: the turn does everything else as before, with the same results.
`none` replays nothing (the turn as it is), so the difference is the part's
whole cost. Counted by callgrind (instructions, repeatable) and by
`time.process_time` (CPU seconds, the median of `--runs` children; noisy on a
shared machine). Needs valgrind for the count; about two minutes per part.

    .venv/bin/python bench/free_parts.py [--runs 3] [--no-count]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WARM = 1500
COUNTED = 200
TIMED = 1000  # turns timed per child: CPU seconds of 200 turns swing too much
SETTLE_BATCH = 17
PARTS = {
    "none": (),
    "retrieval": ("retrieval",),
    "language": ("language",),
    "retrieval+language": ("retrieval", "language"),
}


def run_child(part: str, counted: bool) -> None:
    """Record, forget, replay with `part` free; count (callgrind) or time the last
    COUNTED turns of the replay."""
    sys.path.insert(0, str(REPO))
    from bench.questions import QUESTIONS
    from bot.core import memo
    from bot.core.dialogue import Bot
    from bot.core.types import Incoming
    from bot.service import Service
    from bot.storage import Store

    bot = Bot.load(None)

    def turns(service: Service, start: int, count: int) -> None:
        marks: list[tuple[str, str]] = []
        for n in range(start, start + count):
            user = f"U{n % 200:032x}"
            text = f"{QUESTIONS[n % len(QUESTIONS)]} {n}"  # new: nothing remembered
            event_id = f"01BENCH{n:020d}"
            service.handle(
                "line",
                user,
                Incoming(kind="text", text=text),
                event_id=event_id,
                reply_owed=True,
                reply_to={"token": f"reply-{n}", "to": user},
            )
            marks.append((event_id, "done"))
            if len(marks) >= SETTLE_BATCH:
                service.claims.settle_many(marks)
                marks = []

    def fresh() -> Service:
        return Service(bot, Store(Path(tempfile.mkdtemp()) / "bench.sqlite3"))

    searched: dict[tuple[Any, ...], Any] = {}
    detected: dict[str, str | None] = {}
    search, detect = bot.index._remembered, bot.detect

    def recording(fn: Callable[..., Any], record: dict[Any, Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            key = args if len(args) > 1 else args[0]
            if key not in record:
                record[key] = fn(*args)
            return record[key]

        return call

    last = COUNTED if counted else TIMED
    bot.index._remembered = recording(search, searched)
    bot.detect = recording(detect, detected)
    first = fresh()
    turns(first, 0, WARM)
    turns(first, 10**6, last)
    memo.clear_all()
    free = PARTS[part]
    # A replayed call not in the record raises KeyError: the replay left the path.
    bot.index._remembered = (lambda *args: searched[args]) if "retrieval" in free else search
    bot.detect = detected.__getitem__ if "language" in free else detect
    second = fresh()
    turns(second, 0, WARM)
    if counted:
        control = ["callgrind_control", "-i"]
        subprocess.run([*control, "on", str(os.getpid())], check=True, capture_output=True)
        turns(second, 10**6, COUNTED)
        subprocess.run([*control, "off", str(os.getpid())], check=True, capture_output=True)
    else:
        t0 = time.process_time()
        turns(second, 10**6, TIMED)
        print((time.process_time() - t0) / TIMED * 1000)


def count(part: str) -> float:
    """Millions of instructions per counted turn with `part` free."""
    with tempfile.TemporaryDirectory() as tmpdir:
        out = Path(tmpdir) / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        cmd += [f"--callgrind-out-file={out}", sys.executable, __file__, "--child", part]
        subprocess.run(cmd, cwd=tmpdir, check=True, capture_output=True)
        total = 0
        for dumped in Path(tmpdir).glob("callgrind.out*"):
            for line in dumped.read_text(errors="replace").splitlines():
                if line.startswith("totals:"):  # "summary:" is 0 when counting starts off
                    total += int(line.split()[1])
        return total / COUNTED / 1e6


def cpu_ms(part: str) -> float:
    """CPU milliseconds per counted turn with `part` free, in a fresh interpreter."""
    cmd = [sys.executable, __file__, "--child", part, "--timed"]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3, help="timed children per part (median)")
    ap.add_argument("--no-count", action="store_true", help="CPU seconds only (no valgrind)")
    ap.add_argument("--child", choices=list(PARTS), help=argparse.SUPPRESS)
    ap.add_argument("--timed", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_child(args.child, counted=not args.timed)
        return
    print(f"a new text's turn in-process, {COUNTED} counted after {WARM}; part free:")
    print(f"{'free':<20} {'M instr':>8} {'saved':>7} {'CPU ms':>7} {'saved':>7}")
    base_m = base_ms = 0.0
    for part in PARTS:
        m = 0.0 if args.no_count else count(part)
        ms = statistics.median(cpu_ms(part) for _ in range(args.runs))
        if part == "none":
            base_m, base_ms = m, ms
        count_cols = f"{m:8.3f} {(1 - m / base_m) * 100:6.1f}%" if base_m else f"{'-':>8} {'-':>7}"
        print(f"{part:<20} {count_cols} {ms:7.3f} {(1 - ms / base_ms) * 100:6.1f}%")


if __name__ == "__main__":
    main()
