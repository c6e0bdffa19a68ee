"""Cells of area_days.csv: parsing every rule type, and the dates they give."""

from __future__ import annotations

from datetime import date

import pytest

from bot.garbage.rules import (
    Cell,
    Closure,
    EveryOtherWeek,
    Group,
    NthWeekday,
    OnDate,
    Weekly,
    collection_dates,
    is_holiday,
    parse_cell,
)

MON, TUE, WED, THU, FRI = range(5)


def test_parse_every_rule_type() -> None:
    cell, problems = parse_cell("月 木 水2 隔火20240102 20240110 *1")
    assert problems == []
    assert cell.rules == (
        Weekly(MON),
        Weekly(THU),
        NthWeekday(WED, 2),
        EveryOtherWeek(TUE, date(2024, 1, 2)),
        OnDate(date(2024, 1, 10)),
    )
    assert cell.remarks == ("1",)
    assert [g.months for g in cell.groups] == [None]


def test_month_list_applies_to_all_rules_before_the_colon() -> None:
    cell, problems = parse_cell("火2 金4:4 6 8 10 12 2")
    assert problems == []
    assert cell.groups == (
        Group((NthWeekday(TUE, 2), NthWeekday(FRI, 4)), frozenset({4, 6, 8, 10, 12, 2})),
    )


def test_full_width_and_stray_spaces_are_folded() -> None:
    cell, problems = parse_cell(" 月\u3000木  水２ ＊１ ")
    assert problems == []
    assert cell.rules == (Weekly(MON), Weekly(THU), NthWeekday(WED, 2))
    assert cell.remarks == ("1",)


def test_empty_cell_is_no_collection() -> None:
    assert parse_cell("") == (Cell(), [])


def test_a_cell_with_an_unread_token_says_so() -> None:
    # Its dates may be missing: answers must not say "none" on its word.
    assert parse_cell("月 毎週")[0].unread
    assert not parse_cell("月 木")[0].unread
    assert not parse_cell("日6")[0].unread  # a warning: read, as "never"


@pytest.mark.parametrize("text", ["--", "-", "なし", " ー "])
def test_not_collected_here(text: str) -> None:
    # Hamamatsu's 5374 writes -- in the columns an area does not have; its app
    # hides them. No rule, no problem, and answers say "not collected here".
    cell, problems = parse_cell(text)
    assert (cell.rules, problems, cell.not_collected, cell.unread) == ((), [], True, False)


def test_a_week_no_month_has_is_never() -> None:
    # Takamatsu's 一色台 has 日6 under the resource-station columns: no month has a
    # 6th Sunday, so the original app never shows a day; it is their "none".
    cell, problems = parse_cell("日6")
    assert cell.rules == () and cell.not_collected
    assert problems == ["warning: '日6': no month has a 6th 日曜日; read as no collection"]


def test_the_weekday_written_once_before_its_weeks() -> None:
    # Fukuchiyama writes 水１　３ for the 1st and 3rd Wednesday (full-width, with
    # ideographic spaces); 金2 4 likewise. A bare number repeats the weekday before it.
    cell, problems = parse_cell("水１\u3000３ 金2 4")
    assert problems == []
    assert cell.rules == (
        NthWeekday(WED, 1), NthWeekday(WED, 3), NthWeekday(FRI, 2), NthWeekday(FRI, 4)
    )
    assert "nth shorthand" in cell.features
    # Without an n-th weekday before it, a bare number is still not a rule.
    assert parse_cell("月 3")[1] == [
        "'3' is not a rule (expected e.g. 月, 水2, 隔月20150112, 20230122 or *1)"
    ]


def test_the_week_written_before_the_day() -> None:
    # Minato's data (in the original 5374 repository) writes 2土 4土.
    cell, problems = parse_cell("2土 4土")
    assert (cell.rules, problems) == ((NthWeekday(5, 2), NthWeekday(5, 4)), [])


def test_weekdays_run_together() -> None:
    # Misato writes 火金 for Tuesday and Friday.
    cell, problems = parse_cell("火金")
    assert (cell.rules, problems) == ((Weekly(TUE), Weekly(FRI)), [])
    assert "run together" in cell.features
    assert parse_cell("火火")[1]  # not two weekdays: still reported


def test_every_four_weeks_from_a_date() -> None:
    # Hamamatsu: 4週火20170411 = every 28 days from Tuesday 2017-04-11 (its app adds
    # 28 days to the date). By hand: 04-11, 05-09, 06-06, 07-04.
    cell, problems = parse_cell("4週火20170411")
    assert problems == []
    days = collection_dates(cell, date(2017, 4, 1), 100)
    assert days == [date(2017, 4, 11), date(2017, 5, 9), date(2017, 6, 6), date(2017, 7, 4)]


def test_bad_tokens_are_reported_not_raised() -> None:
    cell, problems = parse_cell("毎週 水6 20240230 隔金20150198 水1:13")
    assert cell.rules == (NthWeekday(WED, 1),)  # the one valid rule is kept...
    assert cell.groups[0].months == frozenset()  # ...but applies in no month: reported
    assert len(problems) == 6
    assert "'毎週' is not a rule" in problems[0]
    assert problems[1].startswith("warning: '水6': no month has a 6th 水曜日")
    assert "'20240230' is not a valid date" in problems[2]
    assert "'隔金20150198': 20150198 is not a valid date" in problems[3]
    assert "'13' is not a month" in problems[4]
    assert "month list after ':' is empty" in problems[5]


def test_every_other_week_with_mismatched_weekday_uses_that_week() -> None:
    # 2015-01-14 is a Wednesday (2015-01-01 was a Thursday: 1 Thu, 7 Wed, 14 Wed),
    # but the rule says 火 (Tuesday): the Tuesday of that week, 2015-01-13, is used.
    cell, problems = parse_cell("隔火20150114")
    assert cell.rules == (EveryOtherWeek(TUE, date(2015, 1, 13)),)
    assert len(problems) == 1 and problems[0].startswith("warning: ")


def test_nth_weekday_counts_days_1_to_7_as_first() -> None:
    # January 2024 starts on a Monday: Wednesdays are 3, 10, 17, 24, 31.
    # 水1 = 3rd, 水3 = 17th, 水5 = 31st.
    cell, _ = parse_cell("水1 水3 水5")
    assert collection_dates(cell, date(2024, 1, 1), 31) == [
        date(2024, 1, 3),
        date(2024, 1, 17),
        date(2024, 1, 31),
    ]


def test_every_other_week_runs_both_ways_from_the_anchor() -> None:
    # Anchor Wed 2024-01-17: collection every 14 days, also before the anchor
    # (2024-01-03) and after it (2024-01-31); never on the Wednesdays between.
    cell, _ = parse_cell("隔水20240117")
    assert collection_dates(cell, date(2024, 1, 1), 31) == [
        date(2024, 1, 3),
        date(2024, 1, 17),
        date(2024, 1, 31),
    ]


def test_month_list_limits_weekday_rules() -> None:
    # 水1 only in June: 2024-05-01 (1st Wed of May) is skipped; June 2024 starts on a
    # Saturday, so its 1st Wednesday is June 5.
    cell, _ = parse_cell("水1:6")
    assert collection_dates(cell, date(2024, 5, 1), 40) == [date(2024, 6, 5)]


def test_closure_removes_dates() -> None:
    cell, _ = parse_cell("月")
    closure = Closure("C", date(2024, 1, 1), date(2024, 1, 3))
    # Mondays of January 2024: 1 (closed), 8, 15.
    got = collection_dates(cell, date(2024, 1, 1), 15, closures=(closure,))
    assert got == [date(2024, 1, 8), date(2024, 1, 15)]


def test_holiday_skip_keeps_explicit_dates() -> None:
    # 2024-01-08 is Coming of Age Day (2nd Monday of January), a national holiday.
    assert is_holiday(date(2024, 1, 8))
    weekly, _ = parse_cell("月")
    explicit, _ = parse_cell("20240108")
    start = date(2024, 1, 8)
    assert collection_dates(weekly, start, 1, holiday_rule="collect") == [start]
    assert collection_dates(weekly, start, 1, holiday_rule="skip") == []
    assert collection_dates(explicit, start, 1, holiday_rule="skip") == [start]


def test_substitute_holiday_comes_from_the_library() -> None:
    # Children's Day 2024-05-05 was a Sunday, so Monday 2024-05-06 was a substitute
    # holiday (振替休日); a hand-written list would likely miss it.
    assert is_holiday(date(2024, 5, 6))
    assert not is_holiday(date(2024, 5, 7))
