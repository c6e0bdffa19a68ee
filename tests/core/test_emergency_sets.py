"""Emergency messages written apart from the word list, scored one by one.

`tests/data/emergency_sets/first.jsonl` (240 messages) and `second.jsonl` (192),
2026-12-08: in the seven languages and romaji, by people who saw neither the
list nor each other's set. Each is an emergency now (the number to call: 119 or
110) or a look-alike with the same words (burnable garbage, a nosebleed that
stopped, a scam call that ended). Measured before the words they led to:
the second set found 30 of 80 calls for 119 and 10 of 48 for 110 before the word
list's second round, and was read once after it (60 and 38); its misses named
the situations of the third round (drowning in the bath, a machine, groping on
a train, a knife in the street...), after which it is tuned on: 75 and 47.
Floors against regressions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.core.dialogue import Bot
from bot.core.emergency import find_emergency
from bot.core.types import Incoming, Session

SETS = Path(__file__).resolve().parents[1] / "data" / "emergency_sets"
# (calls answered with their number at once, look-alikes left to the knowledge base)
FLOORS = {"first.jsonl": (0.90, 0.90), "second.jsonl": (0.90, 0.90)}


def _messages(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (SETS / name).read_text("utf-8").splitlines() if line]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_emergencies_get_their_number_and_look_alikes_do_not(name: str, bot: Bot) -> None:
    calls, alike, missed = [0, 0], [0, 0], []
    for m in _messages(name):
        if m["number"]:
            result = bot.handle(Incoming(text=m["text"]), Session())
            first = result.replies[0].text.splitlines()[0] if result.replies else ""
            ok = result.outcome == "answer" and m["number"] in first
            calls[0] += ok
            calls[1] += 1
        else:
            ok = find_emergency(m["text"]) is None
            alike[0] += ok
            alike[1] += 1
        if not ok:
            missed.append(f"[{m['lang']} {m['number']}] {m['text']}")
    floor_calls, floor_alike = FLOORS[name]
    report = f"calls {calls}, look-alikes {alike}\n" + "\n".join(missed)
    assert calls[0] / calls[1] >= floor_calls, report
    assert alike[0] / alike[1] >= floor_alike, report
