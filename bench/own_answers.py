"""Does each question variant of the knowledge base, asked as it is written, reach
its own entry? A variant answered by another entry is either two entries that
compete for the same words (a content fix) or a dialogue rule that overrides the
search (the emergency fast path, the language menu): both worth a look.

Prints the count and, per entry, the variants answered elsewhere, in a fresh
session each. A clarifying question counts as reaching the entry (it is among the
choices), as does any garbage answer for a garbage variant. Asserts nothing.
`--before DIR` runs another source tree in the same way, in its own interpreter
(e.g. `git archive <commit> bot knowledge translations | tar -x -C DIR`).

    .venv/bin/python bench/own_answers.py [--before DIR] [--show N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

MEASURE = r"""
import collections, json, sys
sys.path.insert(0, sys.argv[1])
from bot.core.dialogue import Bot
from bot.core.types import Incoming, Session

bot = Bot.load(None)
asked = 0
elsewhere = collections.defaultdict(list)
for v in bot.index.variants:
    entry = bot.kb.entries.get(v.entry_id)
    if entry is None:
        continue  # out-of-scope examples
    asked += 1
    r = bot.handle(Incoming(text=v.text), Session())
    same = r.topic == entry.topic or r.outcome == "clarify"
    garbage = entry.topic.startswith("garbage") and (r.topic or "").startswith("garbage")
    if not (same or garbage):
        elsewhere[entry.id].append([v.lang, v.text, r.topic, r.outcome])
print(json.dumps({"asked": asked, "elsewhere": elsewhere}))
"""


def run(src: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(src)],
        cwd=src,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, help="also measure this source tree")
    ap.add_argument("--show", type=int, default=3, help="variants shown per entry")
    args = ap.parse_args()
    trees = [("resbot", REPO)] + ([("before", args.before.resolve())] if args.before else [])
    for name, src in trees:
        result = run(src)
        elsewhere: dict[str, list[list[str]]] = result["elsewhere"]  # type: ignore[assignment]
        total = sum(len(v) for v in elsewhere.values())
        print(f"== {name} ({src}): {total} of {result['asked']} variants reach another entry")
        for entry_id, rows in sorted(elsewhere.items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(rows):3d}  {entry_id}")
            for lang, text, topic, outcome in rows[: args.show]:
                print(f"         [{lang}] {text!r} -> {topic} ({outcome})")


if __name__ == "__main__":
    main()
