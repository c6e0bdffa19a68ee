"""Collection rules of one area_days.csv cell, and the dates they give.

A cell of the 5374.jp format lists rules separated by spaces:

    月 木              every Monday and Thursday
    水2 / 火1 火3 火5  the 2nd Wednesday / 1st, 3rd and 5th Tuesday of each month
    火2 金4:4 6 8 10   the rules before the colon only in the listed months
    20230122           an explicit date (YYYYMMDD)
    隔月20150112       every other Monday, counting from the week of that date
    *1                 a footnote id into remarks.csv

Cells are parsed once into small frozen rule objects; a date is then checked
against them. Problems are returned as text, never raised, so an importer can
report every bad cell with its line at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays

WEEKDAYS = "月火水木金土日"
"""Weekday letters indexed like `date.weekday()` (Monday = 0)."""

HolidayRule = Literal["collect", "skip"]

_NTH_RE = re.compile(r"^([日月火水木金土])([1-5])$")
_EVERY_OTHER_RE = re.compile(r"^隔([日月火水木金土])(\d{8})$")
_DATE_RE = re.compile(r"^\d{8}$")
_REMARK_RE = re.compile(r"^\*(\w+)$")


@dataclass(frozen=True)
class Weekly:
    """Every week on one weekday."""

    weekday: int

    def matches(self, day: date) -> bool:
        return day.weekday() == self.weekday


@dataclass(frozen=True)
class NthWeekday:
    """The n-th given weekday of each month (days 1-7 are the 1st, 8-14 the 2nd...)."""

    weekday: int
    nth: int

    def matches(self, day: date) -> bool:
        return day.weekday() == self.weekday and (day.day - 1) // 7 + 1 == self.nth


@dataclass(frozen=True)
class EveryOtherWeek:
    """Every other week on one weekday; `anchor` is a collection day (same weekday)."""

    weekday: int
    anchor: date

    def matches(self, day: date) -> bool:
        return day.weekday() == self.weekday and ((day - self.anchor).days // 7) % 2 == 0


@dataclass(frozen=True)
class OnDate:
    """One explicit date. Not affected by month lists or the holiday setting:
    a city that names a date means that date."""

    day: date

    def matches(self, day: date) -> bool:
        return day == self.day


Rule = Weekly | NthWeekday | EveryOtherWeek | OnDate


@dataclass(frozen=True)
class Cell:
    """All rules of one area and category, plus its month list and footnotes."""

    rules: tuple[Rule, ...] = ()
    months: frozenset[int] | None = None
    remarks: tuple[str, ...] = ()

    def matches(self, day: date) -> bool:
        for rule in self.rules:
            if isinstance(rule, OnDate):
                if rule.matches(day):
                    return True
            elif (self.months is None or day.month in self.months) and rule.matches(day):
                return True
        return False

    def explicit(self, day: date) -> bool:
        return any(isinstance(r, OnDate) and r.day == day for r in self.rules)


def fold_cell(text: str) -> str:
    """NFKC (full-width digits, ＊ and ：) and single spaces: the canonical cell text."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _parse_date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _parse_token(token: str, problems: list[str]) -> Rule | str | None:
    """A rule, a remark id (str), or None when the token is not understood."""
    if len(token) == 1 and token in WEEKDAYS:
        return Weekly(WEEKDAYS.index(token))
    if m := _NTH_RE.match(token):
        return NthWeekday(WEEKDAYS.index(m.group(1)), int(m.group(2)))
    if m := _EVERY_OTHER_RE.match(token):
        weekday = WEEKDAYS.index(m.group(1))
        start = _parse_date(m.group(2))
        if start is None:
            problems.append(f"{token!r}: {m.group(2)} is not a valid date (YYYYMMDD)")
            return None
        anchor = start + timedelta(days=weekday - start.weekday())
        if anchor != start:
            # Seen in real data (隔火20150114, a Wednesday): the letter is kept and the
            # date read as "the week of", which matches the neighbouring columns.
            problems.append(
                f"warning: {token!r}: {start.isoformat()} is a {WEEKDAYS[start.weekday()]}曜日, "
                f"not {m.group(1)}曜日; counting from {anchor.isoformat()} "
                "(the same week)"
            )
        return EveryOtherWeek(weekday, anchor)
    if _DATE_RE.match(token):
        day = _parse_date(token)
        if day is None:
            problems.append(f"{token!r} is not a valid date (YYYYMMDD)")
            return None
        return OnDate(day)
    if m := _REMARK_RE.match(token):
        return m.group(1)
    problems.append(
        f"{token!r} is not a rule (expected e.g. 月, 水2, 隔月20150112, 20230122 or *1)"
    )
    return None


def parse_cell(text: str) -> tuple[Cell, list[str]]:
    """Parse one cell. Problems starting with "warning:" are not errors."""
    problems: list[str] = []
    text = fold_cell(text)
    if not text:
        return Cell(), problems
    rules_part, colon, months_part = text.partition(":")
    months: frozenset[int] | None = None
    if colon:
        values: set[int] = set()
        for tok in months_part.split():
            if tok.isdigit() and 1 <= int(tok) <= 12:
                values.add(int(tok))
            else:
                problems.append(f"month list: {tok!r} is not a month (1-12)")
        if not values:
            problems.append("month list after ':' is empty: the rules apply in no month")
        months = frozenset(values)
    rules: list[Rule] = []
    remarks: list[str] = []
    for tok in rules_part.split():
        parsed = _parse_token(tok, problems)
        if isinstance(parsed, str):
            remarks.append(parsed)
        elif parsed is not None:
            rules.append(parsed)
    return Cell(tuple(rules), months, tuple(remarks)), problems


@dataclass(frozen=True)
class Closure:
    """A centre's pause (year end): no collection from `start` to `end` inclusive."""

    centre: str
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@lru_cache(maxsize=64)
def japan_holidays(year: int) -> frozenset[date]:
    """National holidays of Japan (substitute holidays included) from `holidays`."""
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_holiday(day: date) -> bool:
    return day in japan_holidays(day.year)


def collection_dates(
    cell: Cell,
    start: date,
    days: int,
    *,
    closures: tuple[Closure, ...] = (),
    holiday_rule: HolidayRule = "collect",
) -> list[date]:
    """Dates from `start` (inclusive) for `days` days when this cell's category is collected.

    A centre closure removes a date; a national holiday removes it when the city's
    rule is "skip" (explicit dates are kept: the city chose them knowingly).
    """
    out: list[date] = []
    for offset in range(max(days, 0)):
        day = start + timedelta(days=offset)
        if not cell.matches(day):
            continue
        if any(c.covers(day) for c in closures):
            continue
        if holiday_rule == "skip" and is_holiday(day) and not cell.explicit(day):
            continue
        out.append(day)
    return out
