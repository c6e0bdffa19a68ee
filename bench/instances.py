"""Answered events per second through `Service.handle` (claim, answer, log in one
transaction): one instance on SQLite, then 1 and N instances (threads, each with
its own store and connection) on one PostgreSQL database. Every event goes to
every instance (all but one copy are redeliveries), so the figures include the
cost of refusing duplicates. Prints figures; asserts nothing.

    .venv/bin/python bench/instances.py [--url postgresql://...] [--events N] [--instances N]

Without --url a throwaway PostgreSQL cluster is started (tests/pg.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.questions import QUESTIONS
from bot.core.dialogue import Bot
from bot.core.types import Incoming
from bot.service import Service
from bot.storage import Store


def run(bot: Bot, target: str | Path, events: int, instances: int) -> tuple[float, int]:
    """(seconds, events answered) for `instances` services on one database."""
    stream = [(f"U{i % 50}", f"ev-{i}", QUESTIONS[i % len(QUESTIONS)][0]) for i in range(events)]
    answered = [0] * instances
    services = [Service(bot, Store(target), b"bench") for _ in range(instances)]

    def work(k: int) -> None:
        for user, event_id, text in stream[k:] + stream[:k]:  # each starts elsewhere
            if services[k].handle("web", user, Incoming(text=text), event_id) is not None:
                answered[k] += 1

    threads = [threading.Thread(target=work, args=(k,)) for k in range(instances)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, sum(answered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL URL (default: a throwaway cluster)")
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--instances", type=int, default=2)
    args = parser.parse_args()
    bot = Bot.load()
    with tempfile.TemporaryDirectory() as tmp:
        seconds, n = run(bot, Path(tmp) / "bench.sqlite3", args.events, 1)
        print(f"sqlite      1 instance : {n} answered, {n / seconds:6.1f} events/s")
    cluster = None
    if args.url is None:
        from tests.pg import Cluster, why_not

        reason = why_not()
        if reason:
            sys.exit(f"no PostgreSQL: {reason}")
        cluster = Cluster()
        cluster.start()
    try:
        for instances in sorted({1, args.instances}):
            url = args.url or cluster.new_database()  # type: ignore[union-attr]
            seconds, n = run(bot, url, args.events, instances)
            total = args.events * instances
            print(
                f"postgresql {instances} instance(s): {n} answered of {total} deliveries,"
                f" {n / seconds:6.1f} events/s ({total / seconds:6.1f} deliveries/s)"
            )
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
