"""Instructions per turn in-process, counted by valgrind's callgrind: `Service.handle`
as a LINE webhook calls it, without HTTP or threads.

bench/webhook_instructions.py counts the whole server, one request per resident.
This counts the turn alone in steady use: 200 residents each ask a few questions
first (1,500 turns, of the same kind as the counted ones), so contexts hold
several earlier questions, as in a long chat. Then 200 counted turns, each with
an owed reply (sealed, then marked settled in batches of 17, as the LINE worker
does). `repeated`: the bench questions again (remembered answers); `novel`: each
with a new number (nothing remembered). Deterministic to within a few hundredths
of a percent, so a cut of 1 % shows; it does not count cache misses or the
kernel's share. `--before DIR` also counts a turn from another source tree
(`git archive <commit> bot knowledge translations | tar -x -C DIR`).
Needs valgrind; about a minute per tree and kind.

    .venv/bin/python bench/turn_instructions.py [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WARM = 1500
COUNTED = 200
SETTLE_BATCH = 17


def run_turns(novel: bool) -> None:
    """In the child, under callgrind: warm up, then count COUNTED turns. `bot` comes
    from $PYTHONPATH when set (the tree measured), the questions from this repo."""
    sys.path.append(str(REPO))
    from bench.questions import QUESTIONS
    from bot.core.dialogue import Bot
    from bot.core.types import Incoming
    from bot.service import Service
    from bot.storage import Store

    service = Service(Bot.load(None), Store(Path(tempfile.mkdtemp()) / "bench.sqlite3"))

    def turns(start: int, count: int, new_texts: bool) -> None:
        marks: list[tuple[str, str]] = []
        for n in range(start, start + count):
            text = QUESTIONS[n % len(QUESTIONS)]
            event_id = f"01BENCH{n:020d}"
            user = f"U{n % 200:032x}"
            service.handle(
                "line",
                user,
                Incoming(kind="text", text=f"{text} {n}" if new_texts else text),
                event_id=event_id,
                reply_owed=True,
                reply_to={"token": f"reply-{n}", "to": user},
            )
            marks.append((event_id, "done"))
            if len(marks) >= SETTLE_BATCH:
                service.claims.settle_many(marks)
                marks = []

    turns(0, WARM, novel)
    control = ["callgrind_control", "-i"]
    subprocess.run([*control, "on", str(os.getpid())], check=True, capture_output=True)
    turns(10**6, COUNTED, novel)
    subprocess.run([*control, "off", str(os.getpid())], check=True, capture_output=True)


def count(src: Path | None, novel: bool) -> float:
    """Millions of instructions per counted turn of the tree at `src` (None: this one)."""
    with tempfile.TemporaryDirectory() as tmpdir:
        out = Path(tmpdir) / "callgrind.out"
        env = {**os.environ}
        if src is not None:
            env["PYTHONPATH"] = str(src)
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        cmd += [f"--callgrind-out-file={out}", sys.executable, __file__, "--child"]
        cmd += ["novel" if novel else "repeated"]
        subprocess.run(cmd, env=env, cwd=tmpdir, check=True, capture_output=True)
        total = 0
        for dumped in Path(tmpdir).glob("callgrind.out*"):
            for line in dumped.read_text(errors="replace").splitlines():
                if line.startswith("totals:"):  # "summary:" is 0 when counting starts off
                    total += int(line.split()[1])
        return total / COUNTED / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, help="also count a turn from this source tree")
    ap.add_argument("--child", choices=["novel", "repeated"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_turns(args.child == "novel")
        return
    trees: dict[str, Path | None] = {"resbot": None}
    if args.before:
        trees["before"] = args.before.resolve()
    for novel in (False, True):
        print("texts:", "each new" if novel else "repeated, remembered")
        figures = {name: count(src, novel) for name, src in trees.items()}
        for name, m in figures.items():
            print(f"{name:<8} {m:8.3f} M instructions per turn")
        if "before" in figures:
            change = (figures["resbot"] / figures["before"] - 1) * 100
            print(f"resbot vs before: {change:+.1f} %")


if __name__ == "__main__":
    main()
