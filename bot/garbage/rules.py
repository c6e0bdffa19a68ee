"""Collection rules of one area_days.csv cell, and the dates they give.

A cell of the 5374.jp format lists rules separated by spaces:

    月 木              every Monday and Thursday
    水2 / 火1 火3 火5  the 2nd Wednesday / 1st, 3rd and 5th Tuesday of each month
    火2 金4:4 6 8 10   the rules before the colon only in the listed months
    水1:6 7 水2:4 5    month groups: each list binds the rules since the previous
                       list (or `;`, or the start); rules after the last list: every month
    20230122           an explicit date (YYYYMMDD)
    隔月20150112       every other Monday, counting from the week of that date
    4週火20170411      every 4 weeks on Tuesday from that date (Hamamatsu)
    e2w20180404        every 2 weeks on that date's weekday, a week the centre is
                       closed not counted (Tokushima: its generator counts only open days)
    火金               Tuesday and Friday: weekdays run together (Misato)
    2土 4土            the 2nd and 4th Saturday, the number first (Minato)
    水1 3              the 1st and 3rd Wednesday: a bare number repeats the weekday
                       before it (Fukuchiyama writes 水１　３)
    --                 not collected in this area (the whole cell; also -, なし)
    日6                a week no month has: never (a city's way to write "none")
    *1                 a footnote id into remarks.csv
    Mon Wed2           English data sets: the same rules with Sun..Sat

Cells are parsed once into small frozen rule objects; a date is then checked
against them. Problems are returned as text, never raised, so an importer can
report every bad cell with its line at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays

WEEKDAYS = "月火水木金土日"
"""Weekday letters indexed like `date.weekday()` (Monday = 0)."""

HolidayRule = Literal["collect", "skip"]
ClosureRule = Literal["skip", "shift"]
"""A collection day in a centre closure: `skip` it, or `shift` an n-th weekday (and
every later one of that rule in the month) a week on, as 5374's `WeekShift = true`
(the original app's setting) does: 金1 on a closed 2 January is 9 January."""

_NTH_RE = re.compile(r"^([日月火水木金土])([1-5])$")
_NTH_FIRST_RE = re.compile(r"^([1-5])([日月火水木金土])$")
_NEVER_RE = re.compile(r"^([日月火水木金土])([6-9])$")
_RUN_TOGETHER_RE = re.compile(r"^[日月火水木金土]{2,7}$")
_EVERY_OTHER_RE = re.compile(r"^(隔|[2-9]週)([日月火水木金土])(\d{8})$")
_EVERY_N_OPEN_RE = re.compile(r"^e([2-9])w(\d{8})$", re.IGNORECASE)
NOT_COLLECTED = frozenset({"-", "--", "---", "ー", "―", "なし", "収集なし", "×"})
"""A whole cell saying the category is not collected in this area (5374 forks hide it)."""
_DATE_RE = re.compile(r"^\d{8}$")
_REMARK_RE = re.compile(r"^\*(\w+)$")
_SEPARATORS_RE = re.compile(r"([:;])")
_ENGLISH = dict(zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), WEEKDAYS, strict=True))
_ENGLISH_RE = re.compile(r"^(隔?)(mon|tue|wed|thu|fri|sat|sun)(?=\d|$)", re.IGNORECASE)


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
    """Every other week (or every `weeks` weeks) on one weekday; `anchor` is a
    collection day (same weekday). With `open_weeks`, a week whose day falls in a
    centre closure is not counted (the cycle pauses): see `collection_dates`."""

    weekday: int
    anchor: date
    weeks: int = 2
    open_weeks: bool = False

    def matches(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and ((day - self.anchor).days // 7) % self.weeks == 0
        )

    def matches_open(self, day: date, closures: tuple[Closure, ...]) -> bool:
        """`matches`, counting only the weeks whose day no closure covers."""
        if day.weekday() != self.weekday or any(c.covers(day) for c in closures):
            return False
        low, high = sorted((self.anchor, day))
        closed = sum(_closed_weekdays(c, low, high, self.weekday) for c in closures)
        weeks = (day - self.anchor).days // 7
        weeks += closed if day < self.anchor else -closed
        return weeks % self.weeks == 0


def _closed_weekdays(closure: Closure, low: date, high: date, weekday: int) -> int:
    """How many days of `weekday` in [low, high] the closure covers."""
    start, end = max(closure.start, low), min(closure.end, high)
    if start > end:
        return 0
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    return 0 if first > end else (end - first).days // 7 + 1


@dataclass(frozen=True)
class OnDate:
    """One explicit date. Not affected by month lists or the holiday setting:
    a city that names a date means that date."""

    day: date

    def matches(self, day: date) -> bool:
        return day == self.day


Rule = Weekly | NthWeekday | EveryOtherWeek | OnDate


@dataclass(frozen=True)
class Group:
    """Rules bound to one month list (None: every month)."""

    rules: tuple[Rule, ...]
    months: frozenset[int] | None = None

    def matches(self, day: date) -> bool:
        for rule in self.rules:
            if isinstance(rule, OnDate):
                if rule.matches(day):
                    return True
            elif (self.months is None or day.month in self.months) and rule.matches(day):
                return True
        return False


Feature = Literal[
    "month list", "month groups", "semicolon", "english", "footnote",
    "not collected", "nth shorthand", "every n weeks", "never", "run together",
]
"""Dialect features a cell used, for the import summary."""


@dataclass(frozen=True)
class Cell:
    """All rules of one area and category, grouped by month list, plus footnotes."""

    groups: tuple[Group, ...] = ()
    remarks: tuple[str, ...] = ()
    features: frozenset[Feature] = field(default=frozenset(), compare=False)
    unread: bool = field(default=False, compare=False)
    """Some of the cell could not be read: its dates may be missing, never "none"."""
    _checks: tuple[tuple[Rule, frozenset[int] | None], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # (rule, months) flattened once: matches() runs per area x category x day.
        # Explicit dates ignore month lists, so they get None.
        checks = tuple(
            (r, None if isinstance(r, OnDate) else g.months) for g in self.groups for r in g.rules
        )
        object.__setattr__(self, "_checks", checks)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for r, _ in self._checks)

    @property
    def no_days(self) -> bool:
        """The city wrote nothing here (an empty cell): no day, and no word of why."""
        return not (self.groups or self.remarks or self.features or self.unread)

    @property
    def not_collected(self) -> bool:
        """The city wrote that this category is not collected here (--, 日6)."""
        return not self.groups and bool(self.features & {"not collected", "never"})

    def matches(self, day: date) -> bool:
        for rule, months in self._checks:
            if (months is None or day.month in months) and rule.matches(day):
                return True
        return False

    def matches_open(self, day: date, closures: tuple[Closure, ...]) -> bool:
        """`matches`, with every-N-weeks rules that pause over closures counted so."""
        for rule, months in self._checks:
            if months is not None and day.month not in months:
                continue
            if isinstance(rule, EveryOtherWeek) and rule.open_weeks:
                if rule.matches_open(day, closures):
                    return True
            elif rule.matches(day):
                return True
        return False

    @property
    def counts_open_weeks(self) -> bool:
        return any(isinstance(r, EveryOtherWeek) and r.open_weeks for r in self.rules)

    def explicit(self, day: date) -> bool:
        return any(isinstance(r, OnDate) and r.day == day for r in self.rules)


def fold_cell(text: str) -> str:
    """NFKC (full-width digits, ＊, ： and ；) and single spaces: the canonical cell text."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _parse_date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _japanese_weekday(token: str) -> str:
    """`Wed2` -> `水2`, `隔Mon20150112` -> `隔月20150112`: English data sets, same rules."""
    return _ENGLISH_RE.sub(lambda m: m.group(1) + _ENGLISH[m.group(2).lower()], token)


def _parse_token(token: str, problems: list[str]) -> Rule | str | None:
    """A rule, a remark id (str), or None when the token is not understood."""
    if len(token) == 1 and token in WEEKDAYS:
        return Weekly(WEEKDAYS.index(token))
    if m := _NTH_RE.match(token):
        return NthWeekday(WEEKDAYS.index(m.group(1)), int(m.group(2)))
    if m := _NTH_FIRST_RE.match(token):  # 2土 4土 (Minato): the week before the day
        return NthWeekday(WEEKDAYS.index(m.group(2)), int(m.group(1)))
    if m := _EVERY_OTHER_RE.match(token):
        weeks = 2 if m.group(1) == "隔" else int(m.group(1)[0])
        weekday = WEEKDAYS.index(m.group(2))
        start = _parse_date(m.group(3))
        if start is None:
            problems.append(f"{token!r}: {m.group(3)} is not a valid date (YYYYMMDD)")
            return None
        anchor = start + timedelta(days=weekday - start.weekday())
        if anchor != start:
            # Seen in real data (隔火20150114, a Wednesday): the letter is kept and the
            # date read as "the week of", which matches the neighbouring columns.
            problems.append(
                f"warning: {token!r}: {start.isoformat()} is a {WEEKDAYS[start.weekday()]}曜日, "
                f"not {m.group(2)}曜日; counting from {anchor.isoformat()} "
                "(the same week)"
            )
        return EveryOtherWeek(weekday, anchor, weeks)
    if m := _EVERY_N_OPEN_RE.match(token):
        start = _parse_date(m.group(2))
        if start is None:
            problems.append(f"{token!r}: {m.group(2)} is not a valid date (YYYYMMDD)")
            return None
        return EveryOtherWeek(start.weekday(), start, int(m.group(1)), open_weeks=True)
    if _DATE_RE.match(token):
        day = _parse_date(token)
        if day is None:
            problems.append(f"{token!r} is not a valid date (YYYYMMDD)")
            return None
        return OnDate(day)
    if m := _REMARK_RE.match(token):
        return m.group(1)
    if token.isdigit() and len(token) > 2:
        problems.append(f"{token!r} is not a rule: a date needs 8 digits (YYYYMMDD)")
        return None
    problems.append(
        f"{token!r} is not a rule (expected e.g. 月, 水2, 隔月20150112, 20230122 or *1)"
    )
    return None


def _is_month_token(token: str) -> bool:
    return token.isdigit() and len(token) <= 2


class _CellParser:
    """Reads the tokens of one cell left to right, closing a group at each month list
    that ends (a rule after it) and at each `;`."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.groups: list[Group] = []
        self.remarks: list[str] = []
        self.features: set[Feature] = set()
        self.pending: list[Rule] = []
        self.months: set[int] | None = None  # not None while reading a month list

    def close(self) -> None:
        if self.months is not None:
            self.features.add("month list")
            if not self.pending:
                self.problems.append("month list with no rule before it; ignored")
            elif not self.months:
                self.problems.append("month list after ':' is empty: the rules apply in no month")
            if self.pending:
                self.groups.append(Group(tuple(self.pending), frozenset(self.months)))
        elif self.pending:
            self.groups.append(Group(tuple(self.pending)))
        self.pending, self.months = [], None

    def token(self, tok: str) -> None:
        if tok == ";":
            self.features.add("semicolon")
            self.close()
        elif tok == ":":
            if self.months is not None:
                self.problems.append("':' twice in one month list")
            else:
                self.months = set()
        elif self.months is not None and _is_month_token(tok):
            if 1 <= int(tok) <= 12:
                self.months.add(int(tok))
            else:
                self.problems.append(f"month list: {tok!r} is not a month (1-12)")
        elif self.months is None and tok in "12345" and self._last_nth() is not None:
            # 水1 3: the weekday is written once (Fukuchiyama's 水１　３).
            last = self._last_nth()
            assert last is not None
            self.features.add("nth shorthand")
            self.pending.append(NthWeekday(last.weekday, int(tok)))
        elif _RUN_TOGETHER_RE.match(tok) and len(set(tok)) == len(tok):
            # 火金 for 火 金: the original app reads it as a broken n-th rule.
            if self.months is not None:
                self.close()
            self.features.add("run together")
            self.pending += [Weekly(WEEKDAYS.index(c)) for c in tok]
        elif m := _NEVER_RE.match(tok):
            # 日6: no month has a 6th Sunday; the city's way to write "not here".
            self.features.add("never")
            self.problems.append(
                f"warning: {tok!r}: no month has a {m.group(2)}th {m.group(1)}曜日; "
                "read as no collection"
            )
            if self.months is not None:
                self.close()
        else:
            if self.months is not None:
                self.close()  # a rule after a month list starts the next group
            english = _japanese_weekday(tok)
            if english != tok:
                self.features.add("english")
            parsed = _parse_token(english, self.problems)
            if isinstance(parsed, EveryOtherWeek) and (parsed.weeks != 2 or parsed.open_weeks):
                self.features.add("every n weeks")
            if isinstance(parsed, str):
                self.features.add("footnote")
                self.remarks.append(parsed)
            elif parsed is not None:
                self.pending.append(parsed)

    def _last_nth(self) -> NthWeekday | None:
        last = self.pending[-1] if self.pending else None
        return last if isinstance(last, NthWeekday) else None

    def cell(self) -> Cell:
        self.close()
        if len(self.groups) > 1 and any(g.months is not None for g in self.groups):
            self.features.add("month groups")
        unread = any(not p.startswith("warning: ") for p in self.problems)
        return Cell(tuple(self.groups), tuple(self.remarks), frozenset(self.features), unread)


def parse_cell(text: str) -> tuple[Cell, list[str]]:
    """Parse one cell. Problems starting with "warning:" are not errors.

    `水1:6 7 11 12 1 2 3 水2:4 5 8 9 10` is two groups: a month list binds every
    rule since the start of the cell, the previous month list or a `;`; rules
    after the last month list apply every month.
    """
    folded = fold_cell(text)
    if folded in NOT_COLLECTED:
        return Cell(features=frozenset({"not collected"})), []
    parser = _CellParser()
    for tok in _SEPARATORS_RE.sub(r" \1 ", folded).split():
        parser.token(tok)
    return parser.cell(), parser.problems


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


def _shifted_nth(cell: Cell, start: date, end: date, closures: tuple[Closure, ...]) -> set[date]:
    """The n-th weekday dates of `cell` in [start, end] under WeekShift: once a
    closure covers an occurrence of the weekday in a month, that occurrence and the
    later ones move a week on (dropped if that leaves the month), as the app does."""
    out: set[date] = set()
    month = date(start.year, start.month, 1)
    while month <= end:
        for rule, months in cell._checks:
            if not isinstance(rule, NthWeekday):
                continue
            if months is not None and month.month not in months:
                continue
            first = month + timedelta(days=(rule.weekday - month.weekday()) % 7)
            weeks = [first + timedelta(weeks=k) for k in range(rule.nth)]
            if weeks[-1].month != month.month:
                continue  # no 5th Wednesday this month
            day = weeks[-1]
            if any(any(c.covers(w) for c in closures) for w in weeks):
                day += timedelta(weeks=1)
            if day.month == month.month and start <= day <= end:
                out.add(day)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _only_nth(cell: Cell, day: date) -> bool:
    """Every rule of the cell that gives this day is an n-th weekday."""
    hits = [r for r, months in cell._checks if (months is None or day.month in months)
            and r.matches(day)]
    return bool(hits) and all(isinstance(r, NthWeekday) for r in hits)


def collection_dates(
    cell: Cell,
    start: date,
    days: int,
    *,
    closures: tuple[Closure, ...] = (),
    holiday_rule: HolidayRule = "collect",
    closure_rule: ClosureRule = "skip",
) -> list[date]:
    """Dates from `start` (inclusive) for `days` days when this cell's category is collected.

    A centre closure removes a date (or, with `closure_rule="shift"`, moves an n-th
    weekday a week on); a national holiday removes it when the city's rule is "skip"
    (explicit dates are kept: the city chose them knowingly).
    """
    shift = closure_rule == "shift" and bool(closures) and days > 0
    end = start + timedelta(days=days - 1)
    moved = _shifted_nth(cell, start, end, closures) if shift else set()
    out: list[date] = []
    paused = cell.counts_open_weeks and bool(closures)
    for offset in range(max(days, 0)):
        day = start + timedelta(days=offset)
        # A day in `moved` is an n-th weekday a week on: the app shows it, closed or not.
        if day not in moved:
            if shift and _only_nth(cell, day):
                continue  # its n-th weekday rules were worked out in `moved`
            if not (cell.matches_open(day, closures) if paused else cell.matches(day)):
                continue
            if any(c.covers(day) for c in closures):
                continue
        if holiday_rule == "skip" and is_holiday(day) and not cell.explicit(day):
            continue
        out.append(day)
    return out
