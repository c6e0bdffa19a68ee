"""Telegram broadcast throughput at a realistic round trip.

A real staff broadcast (bot.notify.broadcast) to N Telegram subscribers, sent by the
real outbox and sender (python-telegram-bot, the real limiter at Telegram's 30
messages a second) to the local fake Telegram API with a network in between: each
call takes `--latency` seconds there and back plus up to `--jitter` (tests/fakes.py).
The fake stamps each request when it "arrives at Telegram", half-way.

Prints the rate as Telegram received the messages (first to last; with 30k + 1
messages the best possible is exactly 30/s), the most in any one-second window
(Telegram's limit: 30) and how close the 31st message came to that second.

    .venv/bin/python bench/telegram_broadcast.py [--recipients 601] [--latency 0.08]
        [--jitter 0.02] [--check]
    .venv/bin/python bench/telegram_broadcast.py --pg --instances 3 [--url postgresql://...]

With --pg the broadcast is queued in a PostgreSQL database (a throwaway cluster,
tests/pg.py, unless --url names one) and sent by --instances outboxes at once, each
with its own connection and event loop in a thread, as several `resbot serve`
would: they share the window in the database (bot.notify.sendslots). Also prints
the messages Telegram received in each whole second and how many each instance sent.

With --check the exit status is 1 when any one-second window held more than 30, or
the rate was below 28.5/s (within 5% of 30).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bot.core.knowledge import load_knowledge  # noqa: E402
from bot.notify import ledger, subscriptions  # noqa: E402
from bot.notify.broadcast import Broadcasts  # noqa: E402
from bot.notify.limits import Limits  # noqa: E402
from bot.notify.outbox import Outbox  # noqa: E402
from bot.notify.senders import Outcome  # noqa: E402
from bot.notify.telegram_sender import TelegramSender  # noqa: E402
from bot.storage import Store  # noqa: E402
from tests.fakes import FakeApi, Served, telegram_app  # noqa: E402

TOKEN = "123456:BENCH-BROADCAST"
TARGET = 30 * 0.95


def most_in_a_second(times: list[float], width: float = 1.0) -> int:
    """The most timestamps in any window [t, t + width)."""
    times = sorted(times)
    most, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - width:
            j += 1
        most = max(most, i - j + 1)
    return most


def subscribe_and_queue(store: Store, recipients: int) -> None:
    for i in range(recipients):
        subscriptions.subscribe(
            store,
            user_key=f"key{i:06d}",
            channel="telegram",
            address=str(800_000_000 + i),
            kind="disaster",
            lang="en",
        )
    broadcasts = Broadcasts(store, load_knowledge(REPO / "knowledge"))
    bid = broadcasts.create_broadcast(text="避難訓練のお知らせ", kind="disaster")
    broadcasts.queue(bid)


class Counting(TelegramSender):
    """The real sender, counting the messages it sent (several instances in one process
    claim under one "host pid")."""

    sent = 0

    async def send(self, *args: Any, **kwargs: Any) -> Outcome:
        outcome = await super().send(*args, **kwargs)
        self.sent += outcome.status == "sent"
        return outcome


def send_all(store: Store, api_url: str) -> tuple[dict[str, int], Counting]:
    """One instance's outbox run to the end: (the ledger's counts, its sender)."""
    sender = Counting(TOKEN, f"{api_url}/bot", Limits())
    outbox = Outbox(store, telegram=sender)

    async def go() -> dict[str, int]:
        try:
            return await outbox.run()
        finally:
            await outbox.close()

    return asyncio.run(go()), sender


def per_second(times: list[float]) -> list[int]:
    """Messages received in each whole second from the first."""
    out = [0] * (int(times[-1] - times[0]) + 1)
    for t in times:
        out[int(t - times[0])] += 1
    return out


def figures(fake: FakeApi, took: float, sender: TelegramSender) -> dict[str, Any]:
    times = sorted(c.ts for c in fake.of("/sendMessage") if c.status == 200)
    return {
        "rate": (len(times) - 1) / (times[-1] - times[0]),
        "most": most_in_a_second(times),
        # How close a 31st message came to the second: > 0 is within the limit.
        "margin": min(b - a for a, b in zip(times, times[30:], strict=False)) - 1.0,
        "took": took,
        "fastest": sender.limiter.overall.fastest,
        "early": sender.limiter.overall.early(),
        "seconds": per_second(times),
        "count": len(times),
    }


def measure(recipients: int, latency: float, jitter: float) -> dict[str, Any]:
    """Send one broadcast to `recipients` chats; the figures as Telegram saw them."""
    fake = FakeApi(latency=latency, jitter=jitter)
    with tempfile.TemporaryDirectory() as tmp, Served(telegram_app(fake)) as api:
        store = Store(Path(tmp) / "bench.sqlite3")
        subscribe_and_queue(store, recipients)
        started = time.perf_counter()
        counts, sender = send_all(store, api.url)
        took = time.perf_counter() - started
        store.close()
    out = figures(fake, took, sender)
    assert counts["sent"] == recipients == out["count"], (counts, out["count"])
    return out


def measure_pg(
    url: str, instances: int, recipients: int, latency: float, jitter: float
) -> dict[str, Any]:
    """The same broadcast sent by `instances` outboxes on one PostgreSQL database."""
    fake = FakeApi(latency=latency, jitter=jitter)
    setup = Store(url)
    subscribe_and_queue(setup, recipients)
    results: list[tuple[dict[str, int], Counting]] = []
    with Served(telegram_app(fake)) as api:

        def instance() -> None:
            store = Store(url)
            try:
                results.append(send_all(store, api.url))
            finally:
                store.close()

        threads = [threading.Thread(target=instance) for _ in range(instances)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - started
    sent = ledger.counts(setup)["sent"]
    setup.close()
    out = figures(fake, took, results[0][1])
    out["per_instance"] = [sender.sent for _, sender in results]
    assert len(results) == instances and sent == recipients == out["count"], (sent, out["count"])
    assert sum(out["per_instance"]) == recipients, out["per_instance"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # 30k + 1: the best possible first-to-last rate is then exactly 30/s.
    parser.add_argument("--recipients", type=int, default=601)
    parser.add_argument("--latency", type=float, default=0.08, help="round trip, seconds")
    parser.add_argument("--jitter", type=float, default=0.02, help="extra, up to, seconds")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--pg", action="store_true", help="several instances on PostgreSQL")
    parser.add_argument("--instances", type=int, default=2, help="with --pg")
    parser.add_argument("--url", help="with --pg: a database (default: a throwaway cluster)")
    args = parser.parse_args()
    cluster = None
    if args.pg and not args.url:
        from tests.pg import Cluster, why_not

        reason = why_not()
        if reason:
            sys.exit(f"no PostgreSQL: {reason}")
        cluster = Cluster()
        cluster.start()
    try:
        results = []
        for _ in range(args.runs):
            if args.pg:
                url = args.url or cluster.new_database()  # type: ignore[union-attr]
                results.append(
                    measure_pg(url, args.instances, args.recipients, args.latency, args.jitter)
                )
            else:
                results.append(measure(args.recipients, args.latency, args.jitter))
    finally:
        if cluster is not None:
            cluster.stop()
    who = f"{args.instances} instances on PostgreSQL, " if args.pg else ""
    for r in results:
        print(
            f"{who}{args.recipients} Telegram messages, round trip {args.latency * 1000:.0f}"
            f"+0..{args.jitter * 1000:.0f} ms: {r['rate']:.2f} messages/s as received,"
            f" most in any second {r['most']:.0f} (the 31st {r['margin'] * 1000:+.1f} ms"
            f" after the second), {r['took']:.1f} s in all; fastest round trip"
            f" {r['fastest'] * 1000:.1f} ms, a send counted {r['early'] * 1000:.1f} ms"
            " before its end"
        )
        if args.pg:
            print(f"  received per whole second: {r['seconds']}")
            print(f"  sent per instance: {r['per_instance']}")
    rates = [r["rate"] for r in results]
    if len(results) > 1:
        print(f"rate: min {min(rates):.2f}, median {statistics.median(rates):.2f}/s")
    ok = all(r["most"] <= 30 for r in results) and min(rates) >= TARGET
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
