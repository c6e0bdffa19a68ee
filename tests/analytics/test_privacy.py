"""Personal data never reaches the log: masked text, pseudonymous user keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import mask
from tests.analytics.conftest import PERSONAL, RAW_IDS, Played


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # Japanese numbers: mobile, landline, free dial, full-width, IME dashes, +81.
        ("電話番号は090-1234-5678です。", "電話番号は[phone]です。"),
        ("市役所 03-1234-5678 に電話しました", "市役所 [phone] に電話しました"),
        ("0120-123-456 は無料ですか", "[phone] は無料ですか"),
        ("０９０－１２３４－５６７８に電話してください", "[phone]に電話してください"),
        ("でんわ 090ー1234ー5678 です", "でんわ [phone] です"),
        ("Call me at +81 90 1234 5678 after 17:00", "Call me at [phone] after 17:00"),
        ("or (03) 1234-5678, please", "or [phone], please"),
        # Foreign formats, written the way residents write them.
        (
            "Meu celular é +55 11 91234-5678, tenho 3 filhos",
            "Meu celular é [phone], tenho 3 filhos",
        ),
        ("Ang number ko ay +63 917 123 4567. Salamat po!", "Ang number ko ay [phone]. Salamat po!"),
        ("Số điện thoại của tôi là +84 912 345 678 nhé", "Số điện thoại của tôi là [phone] nhé"),
        ("số điện thoại 0901234567", "số điện thoại [phone]"),
        ("我的电话是0120-123-456，2026年4月来的", "我的电话是[phone]，2026年4月来的"),
        # E-mail addresses, also typed in full width.
        (
            "email: minh.nguyen+city@gmail.com, thanks",
            "email: [email], thanks",
        ),
        ("メールは ｍａｒｉａ＠ｅｘａｍｐｌｅ．ｊｐ です", "メールは [email] です"),
        # Postal codes, residence card numbers, other long digit runs.
        ("〒123-4567 ○○市△△町1-2-3", "〒[postcode] ○○市△△町1-2-3"),
        ("Mi código postal es 123-4567", "Mi código postal es [postcode]"),
        ("在留カード AB12345678CD をなくしました", "在留カード [id] をなくしました"),
        ("マイナンバーは123456789012です", "マイナンバーは[number]です"),
        ("số tài khoản 1234567", "số tài khoản [number]"),
        # Separators people use to slip past filters or out of habit.
        ("携帯は090/5555/1212です", "携帯は[phone]です"),
        ("連絡先 080～7777～1414 まで", "連絡先 [phone] まで"),
        ("連絡先 080〜7777〜1414 まで", "連絡先 [phone] まで"),
        ("call 0 9 0 5 5 5 5 1 2 1 2 please", "call [phone] please"),
        ("my number 090,5555,1212 ok", "my number [phone] ok"),
        ("write to maria(at)example.com", "write to [email]"),
        ("write to maria [at] example.com", "write to [email]"),
        ("email maria.silva@localhost please", "email [email] please"),
        ("メールは tanaka＠gmail です", "メールは [email] です"),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert mask(masked) == masked  # masking twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "I have 3 kids, the youngest is 2",
        "ゴミは 8:30 までに 出して ください",
        "Can I move in 2026?",
        "Gọi 119 hay 110 khi có động đất?",
        "#7119 ou 119?",
        "El alquiler es 1,000,000円 al año",
        "Lunes–Viernes 8:30–17:15",
        "Nasa 2-3 araw pa",
        "Lipat ako sa 2026-04-01",
        "住所は 1-2-3 です",
        "Deadline 2026-12-05, office 8:30-17:15",
        "Lipat ako sa 05/12/2026",
        "El alquiler es 1,000,000円, 2026",
        "1,500,000.50 yen",
        "10:00〜12:00 に来てください",
    ],
)
def test_short_numbers_stay_readable(text: str) -> None:
    assert mask(text) == text


def db_bytes(path: Path) -> bytes:
    """The database file and its write-ahead log, where recent writes still are."""
    files = [path, path.with_name(path.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_the_database_file_holds_no_raw_ids_and_no_personal_data(played: Played) -> None:
    data = db_bytes(played.db_path)
    assert len(data) > 10_000  # the log is really in there
    for raw in RAW_IDS + PERSONAL:
        assert raw.encode() not in data, f"{raw!r} is in the database file"
    keys = {r["user_key"] for r in played.store.db.query("select user_key from users")}
    assert len(keys) == 7
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    # The masked text is what staff review.
    texts = {r["text"] for r in played.store.db.query("select text from interactions")}
    assert "Tôi muốn hỏi về thuế, số điện thoại [phone]" in texts


# Characters the masking patterns care about, and ordinary ones around them.
_PIECES = st.sampled_from(
    ["@", "＠", "(at)", "（ａｔ）", "[AT]", "<At>", " at ", "@gmail", "maria", ".", "-", "ー", " ",
     "090", "1234", "5678", "〒", "+", "(", "0", "１", "2026/04/01", "ZZ12345678AB", "ngày",
     "ごみ", "a", "com", ",", "000", "\u3000"]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_the_quick_checks_skip_only_texts_the_patterns_would_leave_alone(text: str) -> None:
    """`mask` runs its two full patterns only when the text has an "@" (or a
    bracketed "at") and a digit: the same output as running both on every text."""
    from bot.privacy import _EMAIL, _TOKENS, _token

    assert mask.__wrapped__(text) == _TOKENS.sub(_token, _EMAIL.sub("[email]", text))
