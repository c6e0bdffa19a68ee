"""Buttons fit every channel: distinct labels, at most 13, at most 20 characters,
never cut inside a word."""

from __future__ import annotations

import pytest

from bot.core.dialogue import Bot
from bot.core.langs import LANGS
from bot.core.types import MAX_BUTTONS, Button, Incoming, Reply, Session, fit_buttons, short_label

NAV_KEYS = ("btn_menu", "btn_desk", "btn_notify", "btn_language", "btn_helpful", "btn_not_helpful")


@pytest.mark.parametrize("lang", LANGS)
def test_menu_and_navigation_labels_are_distinct(lang: str, bot: Bot) -> None:
    labels = [bot.kb.topics.category_label(c, lang) for c in bot.kb.topics.categories]
    labels += [bot.t(k, lang) for k in NAV_KEYS]
    assert len(labels) == len(set(labels)), labels


def test_short_labels_are_cut_between_words() -> None:
    assert short_label("Phòng chống thiên tai và an toàn") == "Phòng chống thiên…"
    assert short_label("Consultation desk") == "Consultation desk"
    assert len(short_label("にほんごきょうしつの　もうしこみの　しかた")) <= 20
    assert short_label("a" * 30) == "a" * 19 + "…"


def test_fit_buttons_drops_repeats_and_keeps_the_limit() -> None:
    replies = [
        Reply("a", [Button("Menu", "menu"), Button("Menu", "menu2")]),
        Reply("b", [Button(f"b{i}", f"d{i}") for i in range(20)] + [Button("x", "menu")]),
    ]
    fit_buttons(replies)
    shown = [b for r in replies for b in r.buttons]
    assert [b.data for b in shown][:2] == ["menu", "d0"] and len(shown) == MAX_BUTTONS


MESSAGES = [
    "ごみの　だしかた", "rac nhua thu may", "lixo grande", "clases de japones",
    "kailan ang koleksyon ng basura", "how do i throw away a battery", "日语课", "asdkjh qwe",
    "co chay", "when is burnable garbage",
]


@pytest.mark.parametrize("lang", LANGS)
def test_every_reply_fits_its_channels(lang: str, bot: Bot) -> None:
    session = Session(lang=lang)
    results = [bot.handle(Incoming(kind="follow", platform_lang=lang), Session())]
    results += [bot.handle(Incoming(text=t), session) for t in MESSAGES]
    results += [
        bot.handle(Incoming(kind="postback", text=f"cat:{c}"), session)
        for c in bot.kb.topics.categories
    ]
    for result in results:
        buttons = [b for r in result.replies for b in r.buttons]
        assert len(buttons) <= MAX_BUTTONS
        assert len({b.label for b in buttons}) == len(buttons)
        assert all(len(b.label) <= 20 for b in buttons)


@pytest.mark.parametrize("lang", LANGS)
def test_the_welcome_keeps_every_language(lang: str, bot: Bot) -> None:
    result = bot.handle(Incoming(kind="follow", platform_lang=lang), Session())
    datas = [b.data for r in result.replies for b in r.buttons]
    assert all(f"lang:{x}" in datas for x in LANGS)
    assert any(d.startswith("cat:") for d in datas)


def test_a_long_category_menu_is_paged_and_every_entry_is_reachable(bot: Bot) -> None:
    for category in bot.kb.topics.categories:
        want = {e.id for e in bot.kb.entries.values() if e.category == category}
        seen: set[str] = set()
        data = f"cat:{category}"
        for _ in range(10):
            result = bot.handle(Incoming(kind="postback", text=data), Session(lang="en"))
            datas = [b.data for r in result.replies for b in r.buttons]
            assert len(datas) <= MAX_BUTTONS
            seen |= {d[2:] for d in datas if d.startswith("e:")}
            more = [d for d in datas if d.startswith(f"cat:{category}:")]
            if not more:
                break
            data = more[0]
        assert seen == want
