"""CPU per answer, in-process: the answering core alone, without HTTP, SQLite or threads.

bench/webhook.py measures the whole server; this isolates `Bot.handle` over the
dev questions (/work/shared/eval/dev-questions.tsv, else bench/questions.py),
each with a fresh session, so the answer's share of a webhook's CPU can be seen.
The first round is reported apart (cold: lazy models, MeCab pages, empty caches);
the warm figure is the median of the later rounds' CPU per answer, every text
remembered (bot.core.memo); the new figure is the median, over the same rounds,
of the texts made new (a round number appended, as bench/webhook.py --novel):
what a question nobody asked before costs (`time.process_time`: load elsewhere
on the machine does not count).
`--before DIR` runs the same in a fresh interpreter from another source tree
(e.g. `git archive <commit> bot knowledge translations | tar -x -C DIR`).

    .venv/bin/python bench/answer_cpu.py [--rounds 20] [--before DIR] [--profile FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = Path("/work/shared/eval/dev-questions.tsv")


def questions() -> list[str]:
    """The dev set's texts when present (the accuracy set), else the bench questions."""
    if DEV.exists():
        rows = DEV.read_text(encoding="utf-8").splitlines()[1:]
        texts = [r.split("\t")[2] for r in rows if r.count("\t") >= 2]
        if texts:
            return texts
    sys.path.insert(0, str(REPO))
    from bench.questions import QUESTIONS

    return list(QUESTIONS)


def measure(rounds: int, profile: str | None) -> dict[str, float]:
    """Per-answer CPU ms of the first round and the median of the others."""
    from bot.core.dialogue import Bot
    from bot.core.types import Incoming, Session

    bot = Bot.load(None)
    texts = questions()
    per_round: list[float] = []
    new_round: list[float] = []
    profiler = None
    for i in range(rounds):
        if i == 1 and profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t0 = time.process_time()
        for text in texts:
            bot.handle(Incoming(kind="text", text=text), Session())
        per_round.append((time.process_time() - t0) * 1000 / len(texts))
        if i == 0:
            continue
        # Never seen before, as bench/webhook.py --novel makes them: nothing remembered.
        fresh = [f"{text} {i}" for text in texts]
        t0 = time.process_time()
        for text in fresh:
            bot.handle(Incoming(kind="text", text=text), Session())
        new_round.append((time.process_time() - t0) * 1000 / len(texts))
    if profiler is not None and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    return {
        "questions": len(texts),
        "cold_ms": per_round[0],
        "warm_ms": statistics.median(per_round[1:]) if rounds > 1 else per_round[0],
        "new_ms": statistics.median(new_round) if new_round else per_round[0],
    }


def run_tree(src: Path, rounds: int) -> dict[str, float]:
    """`measure` in a fresh interpreter importing `bot` from `src`."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2]);"
        "from bench.answer_cpu import measure; print(json.dumps(measure(int(sys.argv[3]), None)))"
    )
    with tempfile.TemporaryDirectory() as cwd:  # `-c` puts the working folder on sys.path
        out = subprocess.run(
            [sys.executable, "-c", code, str(src), str(REPO), str(rounds)],
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{REPO}"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--before", type=Path, help="also measure this source tree")
    ap.add_argument("--profile", help="cProfile stats of the warm rounds to this file")
    args = ap.parse_args()
    if args.profile:
        sys.path.insert(0, str(REPO))
        print(json.dumps(measure(args.rounds, args.profile)))
        return
    trees = [("after", REPO)] + ([("before", args.before)] if args.before else [])
    results = {name: run_tree(src, args.rounds) for name, src in trees}
    print(f"{'tree':<8}{'questions':>10}{'cold ms':>10}{'warm ms':>10}{'new ms':>10}")
    for name, r in results.items():
        print(
            f"{name:<8}{r['questions']:>10.0f}{r['cold_ms']:>10.3f}{r['warm_ms']:>10.3f}"
            f"{r.get('new_ms', float('nan')):>10.3f}"
        )
    if "before" in results:
        ratio = results["before"]["warm_ms"] / results["after"]["warm_ms"]
        print(f"before/after warm CPU per answer: x{ratio:.1f}")
        if "new_ms" in results["before"]:
            ratio = results["before"]["new_ms"] / results["after"]["new_ms"]
            print(f"before/after CPU per answer to a new text: x{ratio:.2f}")


if __name__ == "__main__":
    main()
