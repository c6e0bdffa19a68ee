"""Masking of personal data in logged message text (kept for staff review only).

Staff read unanswered questions to improve the answers, so the text must stay
readable ("3 kids", "2026", "8:30", "110", "1,000,000円") while whatever could
identify or reach a person is replaced: e-mail addresses, phone numbers in
Japanese and foreign formats (full-width digits and the dashes Japanese input
methods type included), postal codes, residence card numbers and any other run
of 6 or more digits. Calendar dates (2026-04-01) are kept: they say when, not who.
"""

from __future__ import annotations

import re

from bot.core import memo

# Characters people put between the digit groups of a phone number or postal code:
# dashes of every width (ー is what a Japanese IME often types), dots, spaces and
# brackets, slashes and wave dashes (〜 ～, what an IME types for "to"). A colon ends
# a number ("8:30"); a comma joins groups, but thousands ("1,000,000") stay readable.
_SEP = r"\-‐‑‒–—―−－ーｰ.．\s\u3000()（）/／~〜～"
_DASH = r"\-‐‑‒–—―−－ーｰ"
_COMMA = ","  # ASCII, no space after it: "，" and ", " end a number (lists, sentences)

# "@" as typed, full width, or spelled out in brackets to dodge spam bots: name(at)example.com.
# The domain may lack a dot (an intranet or a typo: maria@gmail).
_AT = r"(?:[@＠]|\s?[(（\[［<]\s?(?:at|AT|At|ａｔ)\s?[)）\]］>]\s?)"
_EMAIL = re.compile(rf"[\w.+\-]+{_AT}[\w\-]+(?:[.．][\w\-]+)*")
# What every match of `_EMAIL` and `_TOKENS` contains: an "@" (or "at" in brackets),
# and a digit. A text without them is returned as it is, with one quick scan each:
# the full patterns try every position (a word's letters again from each one), which
# cost more than a remembered answer's whole reply (~11 µs of a turn's CPU).
_MAY_BE_EMAIL = re.compile(r"[@＠]|[(（\[［<]\s?(?:at|AT|At|ａｔ)\s?[)）\]］>]")
_DIGIT = re.compile(r"\d")
_THOUSANDS = re.compile(r"[+＋]?\d{1,3}(?:[,，]\d{3})+(?:[.．]\d+)?")
_TOKENS = re.compile(
    # A residence card number (two letters, eight digits, two letters).
    r"(?P<card>(?<![A-Za-z0-9])[A-Za-z]{2}\d{8}[A-Za-z]{2}(?![A-Za-z0-9]))"
    # A calendar date: left alone.
    r"|(?P<date>(?<!\d)(?:19|20)\d\d([-/.])(?:0?[1-9]|1[0-2])\3(?:0?[1-9]|[12]\d|3[01])(?!\d)"
    r"|(?<!\d)(?:0?[1-9]|[12]\d|3[01])([-/.])(?:0?[1-9]|[12]\d|3[01])\4(?:19|20)\d\d(?!\d))"
    # Anything else made of digit groups: judged by `_number` below.
    rf"|(?P<number>(?:〒\s*)?[+＋]?[(（]?\d(?:(?:[{_SEP}]{{0,3}}|[{_COMMA}])\d)*)"
)
_POSTCODE = re.compile(rf"\d{{3}}[{_DASH}]\d{{4}}")
MIN_DIGITS = 6  # fewer digits in a row are counts, years, times or emergency numbers
MIN_PHONE_DIGITS = 9  # 0120-123-456, 03-1234-5678, +84 912 345 678


def _number(run: str) -> str:
    digits = sum(c.isdigit() for c in run)
    if run.startswith("〒"):
        return "〒[postcode]"
    if digits < MIN_DIGITS or _THOUSANDS.fullmatch(run):
        return run
    if _POSTCODE.fullmatch(run):
        return "[postcode]"
    if run[0] in "+＋(（0０" and digits >= MIN_PHONE_DIGITS:
        return "[phone]"
    return "[number]"


def _token(m: re.Match[str]) -> str:
    if m.group("card"):
        return "[id]"
    if m.group("date"):
        return m.group(0)
    return _number(m.group(0))


@memo.per_text  # residents repeat their questions; two regex passes per logged turn
def mask(text: str) -> str:
    """The text with e-mail addresses, phone numbers, postal codes and long digit
    runs replaced by [email], [phone], [postcode], [id] and [number]."""
    if _MAY_BE_EMAIL.search(text):
        text = _EMAIL.sub("[email]", text)
    return _TOKENS.sub(_token, text) if _DIGIT.search(text) else text
