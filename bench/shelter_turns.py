"""A resident's location turn, end to end through the core, on Hachioji's real sites.

Loads the shipped knowledge with Hachioji's GSI lists imported (../shared/fixtures;
exits with a message when absent), then times: the site index built at load
(`SiteIndex(...).warm()`, once per server start or import), and `Bot.handle` for a
location with the disaster already chosen (nearest 3, text in the resident's language)
at random points in and around the city, and for the typed question that asks for the
location. Prints figures; asserts nothing (target: a location turn p99 < 20 ms).

    .venv/bin/python bench/shelter_turns.py [--points N]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.core.dialogue import Bot
from bot.core.types import Incoming, Session
from bot.shelters import store
from bot.shelters.gsi_csv import parse_file
from bot.shelters.index import SiteIndex

REPO = Path(__file__).resolve().parents[1]
HACHIOJI = REPO.parent / "shared" / "fixtures" / "shelters" / "hachioji"
LANGS = ("ja", "vi", "pt", "es", "tl", "en", "zh")


def ms(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    median = statistics.median(values)
    return f"median {median:.2f} ms, p99 {q[98]:.2f} ms, max {max(values):.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=2000)
    args = ap.parse_args()
    if not HACHIOJI.exists():
        sys.exit(f"{HACHIOJI} is absent: this benchmark needs ../shared")
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        knowledge = Path(tmp) / "knowledge"
        shutil.copytree(REPO / "knowledge", knowledge)
        sites = [s for f in sorted(HACHIOJI.glob("*.csv")) for s in parse_file(f).sites]
        store.save(knowledge, sites, ["bench"], date.today())
        t0 = time.perf_counter()
        bot = Bot.load(knowledge)
        t1 = time.perf_counter()
        builds = []
        for _ in range(20):
            b0 = time.perf_counter()
            SiteIndex(store.load(knowledge)).warm()
            builds.append((time.perf_counter() - b0) * 1000)
        print(f"{len(sites)} sites; Bot.load {t1 - t0:.1f} s (all of the knowledge base)")
        print(f"site index load + warm (once per start/import): {ms(builds)}")
        turns = []
        for i in range(args.points):
            lat, lon = rng.uniform(35.58, 35.72), rng.uniform(139.20, 139.45)
            session = Session(lang=LANGS[i % 7], shelter_disaster=rng.choice(
                ["flood", "earthquake", "landslide", "inland_flood"]), shelter_explained=True)
            s0 = time.perf_counter()
            bot.handle(Incoming(kind="location", lat=lat, lon=lon), session)
            turns.append((time.perf_counter() - s0) * 1000)
        print(f"location turn ({args.points} points, 7 languages): {ms(turns)}")
        asks = []
        texts = ["避難所はどこですか", "onde tem abrigo aqui perto", "nearest shelter for flood",
                 "nơi sơ tán gần nhất khi lũ lụt", "最近的避难场所 地震"]
        for text in texts * 40:
            s0 = time.perf_counter()
            bot.handle(Incoming(text=text))
            asks.append((time.perf_counter() - s0) * 1000)
        print(f"typed 'nearest site?' turn ({len(asks)}): {ms(asks)}")


if __name__ == "__main__":
    main()
