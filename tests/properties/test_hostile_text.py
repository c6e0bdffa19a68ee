"""Arbitrary Unicode never crashes the answering core, and stays fast.

Emoji, right-to-left text, zero-width and control characters, lone surrogates
and 100 KB strings: residents paste all of it. Every message must get a reply.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.dialogue import Bot
from bot.core.language import detect
from bot.core.normalize import MAX_INPUT_CHARS, normalize
from bot.core.types import Incoming, Session

HOSTILE = st.text(
    alphabet=st.characters(blacklist_categories=()),  # everything, surrogates included
    max_size=300,
) | st.sampled_from(
    [
        "\u202eevil rtl\u202c",
        "\u200b\u200c\u200d\ufeff",
        "🗑️🔥♻️" * 50,
        "ｇａｒｂａｇｅ　ｄａｙ",
        "\x00\x01\x02 gomi",
        "ا" * 500,
        "a" * 100_000,
        "ごみ" * 50_000,
    ]
)
CHAT = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CHAT
@given(HOSTILE)
def test_normalize_is_total_and_bounded(text: str) -> None:
    out = normalize(text)
    assert isinstance(out, str)
    assert len(out) <= MAX_INPUT_CHARS * 4  # NFKC can expand, but never unbounded


@CHAT
@given(HOSTILE)
def test_detect_never_crashes(bot: Bot, text: str) -> None:
    assert detect(text, bot.lexicon) in (None, "ja", "vi", "pt", "es", "tl", "en", "zh")


@CHAT
@given(HOSTILE, st.sampled_from([None, "ja", "vi", "pt", "es", "tl", "en", "zh"]))
def test_every_message_gets_a_reply_quickly(bot: Bot, text: str, lang: str | None) -> None:
    started = time.perf_counter()
    result = bot.handle(Incoming(text=text), Session(lang=lang))
    elapsed = time.perf_counter() - started
    assert result.replies and all(r.text for r in result.replies)
    # Bounded time per message (a generous bound: this guards against blow-ups,
    # not speed; speed is measured by bench/ask.py).
    assert elapsed < 2.0


@CHAT
@given(st.text(max_size=400))
def test_postback_data_from_a_client_is_never_trusted(bot: Bot, data: str) -> None:
    result = bot.handle(Incoming(kind="postback", text=data), Session())
    assert result.replies
