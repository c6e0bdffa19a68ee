"""Which language a message is in: accuracy and the memory the detector's models take.

The reply language must not get worse when the detector gets lighter, so this
prints, per source tree, the detector's own verdict (`bot.core.language.detect`
with the knowledge base's lexicon) against the expected language on:
- the dev texts (/work/shared/eval: questions and conversation turns with a
  language; skipped when absent);
- our question variants (the lexicon holds them, so this flatters every tree
  alike; it still shows where the statistics err);
- the same Vietnamese, Portuguese and Spanish variants with their accents and
  tone marks stripped, as residents type on a phone.
and the RSS the first detection in each language adds (the models loading).
`--before DIR` measures another source tree in the same run, each in a fresh
interpreter (e.g. `git archive <commit> bot knowledge translations | tar -x -C DIR`).

    .venv/bin/python bench/language.py [--before DIR] [--show]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

MEASURE = r'''
import csv, json, sys, unicodedata
from collections import Counter
from pathlib import Path

def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

from bot.core import language
from bot.core.dialogue import Bot
from bot.core.langs import LANGS

bot = Bot.load()
before = rss()
for text in ["where do I put out plastic", "onde jogo o lixo", "donde tiro la basura",
             "saan ako magtatapon ng basura", "toi muon hoc tieng nhat", "日本語", "垃圾"]:
    language.detect(text, bot.lexicon)
models = rss() - before

def strip(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))

sets = {}
dev = Path(DEV)
if dev.exists():
    rows = []
    for row in csv.DictReader((dev / "dev-questions.tsv").open(encoding="utf-8"), delimiter="\t"):
        rows.append((row["lang"], row["text"]))
    for line in (dev / "dev-conversations.jsonl").open(encoding="utf-8"):
        for turn in json.loads(line)["turns"]:
            if "lang" in turn.get("expect", {}):
                rows.append((turn["expect"]["lang"], turn["text"]))
    sets["dev texts"] = rows
variants = [(v.lang, v.text) for v in bot.index.variants
            if v.lang in LANGS and not v.entry_id.startswith("out_of_scope")]
sets["our variants"] = variants
sets["variants without marks"] = [(lang, strip(t)) for lang, t in variants
                                  if lang in ("vi", "pt", "es") and strip(t) != t]

print(f"  models loaded by the first detections: {models:+.1f} MiB RSS")
print(f"  {'set':<24}{'texts':>7}{'right':>8}{'%':>7}{'none':>6}{'wrong':>7}  most common wrong")
for name, items in sets.items():
    right = none = 0
    wrong = Counter()
    shown = []
    for lang, text in items:
        got = language.detect(text, bot.lexicon)
        if got == lang:
            right += 1
        elif got is None:
            none += 1
        else:
            wrong[(lang, got)] += 1
            shown.append((lang, got, text))
    common = ", ".join(f"{a}->{b} {n}" for (a, b), n in wrong.most_common(3))
    print(f"  {name:<24}{len(items):>7}{right:>8}{100 * right / max(len(items), 1):>7.1f}"
          f"{none:>6}{sum(wrong.values()):>7}  {common}")
    if SHOW:
        for lang, got, text in shown:
            print(f"      {lang}->{got}  {text}")
'''


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, help="also measure this source tree")
    ap.add_argument("--dev", type=Path, default=Path("/work/shared/eval"))
    ap.add_argument("--show", action="store_true", help="list every wrong verdict")
    args = ap.parse_args()
    trees = [("resbot", REPO)] + ([("before", args.before.resolve())] if args.before else [])
    for name, src in trees:
        print(f"== {name} ({src})")
        env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{REPO}"}
        code = f"DEV = {str(args.dev)!r}\nSHOW = {args.show}\n" + MEASURE
        # Not from the repository folder: `-c` puts the working folder first on sys.path.
        with tempfile.TemporaryDirectory() as cwd:
            subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, check=True)


if __name__ == "__main__":
    main()
