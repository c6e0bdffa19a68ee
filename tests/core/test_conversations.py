"""Multi-turn conversations written apart from the knowledge base, scored per turn.

`tests/data/conversations/<lang>.jsonl` (2026-12-07): 230 conversations, 624 scored
turns, in the seven languages and romaji, written by people who saw only the
topic catalogue and the national facts, as residents type (no accents,
teencode, Taglish, kana inside Chinese, spaced easy Japanese). The same format
and rules as `../shared/tools/dev-converse`, run here through the Service, so a
conversation keeps its language, area and topic between turns. Tuned on since
it was written: a floor against regressions, and every emergency turn must hold.

`*-2.jsonl` (2026-12-08): a second set written the same way, 155 conversations,
426 scored turns, measured before any tuning on it (335/426, 78.6 %).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from bot.core.dialogue import Bot
from bot.core.types import Incoming, Result
from bot.service import Service
from bot.storage import Store

SETS = sorted((Path(__file__).resolve().parents[1] / "data" / "conversations").glob("*.jsonl"))
FLOOR = 0.80  # 82.4 % of turns on 2026-12-07; both sets 85.0 % on 2026-12-08
Scored = list[tuple[dict[str, Any], list[str]]]


def _fold(s: str) -> str:
    return unicodedata.normalize("NFKC", s).casefold()


def failed(expect: dict[str, Any], got: Result) -> list[str]:
    """The expectations that do not hold, as dev-converse reads them."""
    out = []
    answer = _fold("\n".join(r.text for r in got.replies))
    if "topic" in expect:
        alts = [a.strip() for a in str(expect["topic"]).split("|")]
        fallback = got.topic is None or got.outcome == "fallback"
        if not any(fallback if a == "-" else got.topic == a for a in alts):
            out.append("topic")
    if "lang" in expect and got.lang not in str(expect["lang"]).split("|"):
        out.append("lang")
    if not all(_fold(s) in answer for s in expect.get("contains", [])):
        out.append("contains")
    if got.outcome in expect.get("outcome_not", []):
        out.append("outcome")
    return out


def run(bot: Bot, store: Store, conversations: list[dict[str, Any]]) -> Scored:
    """(expectation, failed checks) of every scored turn; each conversation its own user."""
    service = Service(bot, store, b"k")
    turns = []
    for conv in conversations:
        for turn in conv["turns"]:
            result = service.handle("cli", conv["id"], Incoming(text=turn["text"]))
            assert result is not None
            if turn.get("expect"):
                turns.append((turn, failed(turn["expect"], result)))
    return turns


@pytest.fixture(scope="module")
def scored(bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Scored:
    conversations = [
        json.loads(line) for path in SETS for line in path.read_text("utf-8").splitlines() if line
    ]
    assert len(conversations) >= 385
    store = Store(tmp_path_factory.mktemp("conv") / "c.sqlite3")
    return run(bot, store, conversations)


def test_conversation_turns_stay_above_the_floor(scored: Scored) -> None:
    right = sum(not f for _, f in scored)
    misses = [f"{t['text']!r}: {f}" for t, f in scored if f]
    assert right / len(scored) >= FLOOR, f"{right}/{len(scored)}\n" + "\n".join(misses)


def test_every_emergency_turn_gets_the_number_at_once(scored: Scored) -> None:
    """A turn that must name a number and must not ask first is an emergency."""
    calls = [(t, f) for t, f in scored if {"outcome_not", "contains"} <= t["expect"].keys()]
    assert len(calls) >= 25
    assert [t["text"] for t, f in calls if f] == []
