"""Tokushima's layout, read as its authors mean it (tests/fixtures/5374/towns/).

area_days.csv is keyed by 収集地区 (A, B, C) and has no centre column; area.csv names
the towns residents know (地名,センター,収集地区), each with its own centre; e2w/e4w
are every 2 / 4 weeks from a date, and a week the centre is closed is not counted
(Tokushima's generator, awoni/py5374, keeps only the open days of a weekday and
takes every n-th of them).

Calendar facts: 2026-04-01 and 2026-04-08 are Wednesdays, 2026-04-10 a Friday.
From 2026-04-01, Wed 23 Dec is 38 weeks on, Wed 30 Dec 39; from 2026-04-10, Fri
18 Dec is 36 weeks on, Fri 1 Jan 38. 東部業務課 is closed 29 Dec - 3 Jan (Wed 30 Dec
and Fri 1 Jan), 西部業務課 31 Dec - 3 Jan (Fri 1 Jan, no Wednesday).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.garbage import GarbageData

from .conftest import FIXTURES, resbot


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    knowledge = tmp_path_factory.mktemp("towns") / "knowledge"
    result = resbot(knowledge, "import-5374", str(FIXTURES / "towns"))
    assert result.exit_code == 0, result.output
    return knowledge, result.output


def _dates(knowledge: Path, town: str, start: date, days: int) -> dict[str, list[date]]:
    data = GarbageData.load(knowledge)
    return {c.category: c.dates for c in data.next_dates(town, start, days)}


def test_the_towns_are_the_areas(imported: tuple[Path, str]) -> None:
    knowledge, output = imported
    data = GarbageData.load(knowledge)
    assert list(data.dataset.areas) == ["北町", "南町", "西町"]
    assert data.dataset.area_columns == ["燃やせるごみ", "プラスチック", "新聞紙"]
    assert data.dataset.areas["西町"].centre == "東部業務課"
    assert "area_days.csv: no centre column (the categories follow the area name)" in output
    assert "area.csv: 3 town(s) named by residents, in 2 収集地区" in output
    assert "area.csv:5: error: 東町: 収集地区 'X' is not in area_days.csv" in output
    assert "area.csv: warning: area_days.csv rows that no town of area.csv names: C" in output
    # Written to the knowledge folder too: a reload reads the same towns.
    assert (knowledge / "garbage" / "area.csv").is_file()


def test_every_two_weeks_pauses_over_a_closed_week(imported: tuple[Path, str]) -> None:
    knowledge = imported[0]
    # 北町 (A, 東部): 23 Dec (38); 30 Dec closed and not counted; 6 Jan is the 39th
    # open Wednesday, 13 Jan the 40th. Counting every week would have said 6 Jan.
    assert _dates(knowledge, "北町", date(2026, 12, 21), 28)["プラスチック"] == [
        date(2026, 12, 23), date(2027, 1, 13)
    ]


def test_every_four_weeks_pauses_too(imported: tuple[Path, str]) -> None:
    knowledge = imported[0]
    # 北町 新聞紙 e4w20260410: 18 Dec (36); 1 Jan closed; 15 Jan is the 39th open
    # Friday, 22 Jan the 40th.
    assert _dates(knowledge, "北町", date(2026, 12, 14), 49)["新聞紙"] == [
        date(2026, 12, 18), date(2027, 1, 22)
    ]


def test_each_town_has_its_own_centre(imported: tuple[Path, str]) -> None:
    knowledge = imported[0]
    start = date(2026, 12, 28)
    # Both in B (e2w20260408: Wed 30 Dec is 38 weeks on). 西部 is open on Wednesdays
    # over the year end; 東部 is closed on 30 Dec, so 西町's cycle pauses a week: its
    # 38th open Wednesday is 6 Jan, then 20 Jan.
    assert _dates(knowledge, "南町", start, 28)["プラスチック"] == [
        date(2026, 12, 30), date(2027, 1, 13)
    ]
    assert _dates(knowledge, "西町", start, 28)["プラスチック"] == [
        date(2027, 1, 6), date(2027, 1, 20)
    ]
    # 火 金 in B: Fri 1 Jan is closed for both.
    assert date(2027, 1, 1) not in _dates(knowledge, "南町", start, 7)["燃やせるごみ"]
