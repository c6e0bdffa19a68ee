"""The phrases and word lists the notification flows speak with, in every language."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.core.langs import LANGS
from bot.core.phrases import load_phrases
from bot.core.reminder_times import load_reminder_times
from bot.core.signup_flow import asks_to_forget, looks_like_contact

OURS = (
    "btn_notify", "btn_sub_", "btn_signup_", "btn_forget", "btn_stop", "btn_level_",
    "btn_class_type_", "btn_agree", "btn_disagree", "btn_cancel", "btn_skip", "btn_send",
)  # fmt: skip


def test_every_button_fits_a_line_quick_reply_in_every_language() -> None:
    phrases = load_phrases()
    keys = [k for k in phrases.sources if k.startswith(OURS)]
    assert len(keys) > 20
    long = [(k, lang) for k in keys for lang in LANGS if len(phrases.raw(k, lang)) > 20]
    assert long == []
    assert phrases.missing() == {}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("わたしの　データを　けして　ください", "ja"),
        ("個人情報を削除してほしい", "ja"),
        ("Xóa dữ liệu của tôi", "vi"),
        ("xoa du lieu cua toi", "vi"),
        ("quero apagar meus dados", "pt"),
        ("Por favor, borra mis datos", "es"),
        ("pakiburahin... burahin ang data ko", "tl"),
        ("Please delete my data", "en"),
        ("请删除我的数据", "zh"),
    ],
)
def test_delete_my_data_is_recognised_in_every_language(text: str, lang: str) -> None:
    assert asks_to_forget(text) == lang


@pytest.mark.parametrize(
    "text", ["how to sort garbage", "dữ liệu rác", "データ放送", "meus documentos", "delete"]
)
def test_ordinary_messages_are_not_taken_for_it(text: str) -> None:
    assert asks_to_forget(text) is None


def test_contacts() -> None:
    assert looks_like_contact("090-1234-5678") and looks_like_contact("ａｎａ＠example.com")
    assert not looks_like_contact("call me") and not looks_like_contact("12345")


def test_reminder_times_come_from_settings_then_the_city(tmp_path: Path) -> None:
    assert load_reminder_times(tmp_path).evening == time(19, 0)
    assert load_reminder_times(tmp_path, "8:00").put_out_by == time(8, 0)
    (tmp_path / "settings.yaml").write_text(
        "reminders: {evening: '20:30', put_out_by: '09:00', quiet: '22:00-07:00'}\n",
        encoding="utf-8",
    )
    times = load_reminder_times(tmp_path, "8:00")
    assert (times.evening, times.morning, times.put_out_by) == (time(20, 30), time(7), time(9))
    assert times.quiet(time(23, 0)) and times.quiet(time(6, 59)) and not times.quiet(time(7, 0))


def test_exported_answers_never_become_spreadsheet_formulas() -> None:
    from bot.notify.signups import _cell

    assert _cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert _cell("+81 90") == "'+81 90"
    assert _cell("Lan") == "Lan"
    assert _cell(3) == 3
