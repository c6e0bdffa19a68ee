"""Messy input is handled or reported with file and line, never dropped silently.

tests/fixtures/5374/messy has: a BOM and CRLF line ends, full-width digits,
letters and spaces, an empty line, unknown tokens, impossible dates, a month 13, a
footnote with no remark, a duplicate area, rows too long and too short, a row with
no name, a category without description, a bad closure date, and a Shift_JIS
target.csv with a category typed into the name column and a typo in a category.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.garbage import GarbageData, import_5374
from bot.garbage.rules import Closure

from .conftest import FIXTURES, resbot

MESSY = FIXTURES / "messy"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    knowledge = tmp_path_factory.mktemp("messy") / "knowledge"
    result = import_5374(MESSY, knowledge)
    assert result.ok
    # Paths relative to the fixture, so the expectations read like the report.
    return knowledge, [str(p).replace(f"{MESSY}/", "") for p in result.problems]


EXPECTED = [
    "area_days.csv:3: warning: empty row skipped",
    "area_days.csv:4:3: error: 緑町2丁目 / 燃えるごみ: '毎週月' is not a rule",
    "area_days.csv:5:4: error: 緑町3丁目 / 燃えないごみ: '20240230' is not a valid date",
    "area_days.csv:6:4: error: 緑町4丁目 / 燃えないごみ: month list: '13' is not a month",
    "area_days.csv:7:3: error: 緑町5丁目 / 燃えるごみ: no remark *9 in remarks.csv",
    "area_days.csv:8: error: area '緑町1丁目' on lines 2, 8 with different days: kept apart",
    # 燃,水2,金,extra under three categories: a stray comma, so no day of it is served.
    "area_days.csv:9: error: area '緑町6丁目': 6 cells where the header has 4: a comma "
    "inside a cell shifts the cells after it; no day of this area is imported",
    "area_days.csv:10: warning: 3 cell(s) where the header has 4",
    "area_days.csv:11: error: row without area name; ignored",
    "area_days.csv:12: warning: empty row skipped",
    "center.csv:2: error: C1: '2024/13/01' is not a date",
    "description.csv: warning: category '燃えないごみ' has no row here",
    "target.csv: warning: read as Shift_JIS; written as UTF-8",
    "target.csv:4: error: item '傘 燃えないごみ' has no category; "
    "the name ends with '燃えないごみ'",
    "target.csv:6: error: item 'なべ': unknown category '燃えなごみ'; did you mean '燃えないごみ'?",
]


@pytest.mark.parametrize("expected", EXPECTED)
def test_each_problem_is_reported_with_its_line(
    report: tuple[Path, list[str]], expected: str
) -> None:
    assert any(p.startswith(expected) for p in report[1]), "\n".join(report[1])


def test_nothing_else_is_reported(report: tuple[Path, list[str]]) -> None:
    # One extra line: 緑町4丁目's month list is also reported as empty.
    assert len(report[1]) == len(EXPECTED) + 1


def test_folded_values_are_usable(report: tuple[Path, list[str]]) -> None:
    data = GarbageData.load(report[0])
    # "\u3000緑町１丁目 " and "Ｃ１" are trimmed and folded; " 月\u3000木 " and "水２" parse.
    # Line 8 gives the same name other days: both kept, named by how they differ.
    name = "緑町1丁目（燃えるごみ 月 木）"
    assert data.match_area("緑町1丁目") == [name, "緑町1丁目（燃えるごみ 火）"]
    area = data.dataset.areas[name]
    assert area.centre == "C1"
    assert [c.dates for c in data.next_dates(name, date(2024, 1, 1), 14)] == [
        [date(2024, 1, 1), date(2024, 1, 4), date(2024, 1, 8), date(2024, 1, 11)],
        [date(2024, 1, 10)],  # 水2: January 2024 Wednesdays are 3, 10, ...
    ]
    # The full-width closure date was understood.
    assert data.dataset.closures == [Closure("C1", date(2024, 12, 29), date(2025, 1, 3))]
    # The Shift_JIS dictionary is readable, trimmed, and written back as UTF-8.
    assert [i.name for i in data.dataset.items] == ["紙くず", "生ごみ", "傘", "なべ"]
    assert (report[0] / "garbage" / "target.csv").read_bytes().decode("utf-8")
    area_days = (report[0] / "garbage" / "area_days.csv").read_bytes()
    assert not area_days.startswith(b"\xef\xbb\xbf") and b"\r\n" not in area_days


def test_problems_stay_visible_after_import(report: tuple[Path, list[str]]) -> None:
    # Bad cells are written as they were, so `garbage check` still names them (on
    # line 3 now: the empty line 3 of the source is not written).
    result = resbot(report[0], "check")
    assert result.exit_code == 1
    assert "garbage/area_days.csv:3:3: error: 緑町2丁目 / 燃えるごみ: '毎週月'" in result.output


def test_fatal_problems_write_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "src"
    empty.mkdir()
    (empty / "target.csv").write_text("type,name,notice,furigana\n", encoding="utf-8")
    knowledge = tmp_path / "knowledge"
    result = resbot(knowledge, "import-5374", str(empty))
    assert result.exit_code == 1
    assert "area_days.csv: fatal: file missing" in result.output
    assert "NOT imported" in result.output
    assert not (knowledge / "garbage").exists()

    (empty / "area_days.csv").write_text("地名,センター\n旭町,A\n", encoding="utf-8")
    result = resbot(knowledge, "import-5374", str(empty))
    assert result.exit_code == 1
    assert "area_days.csv:1: fatal: header needs" in result.output

    (empty / "area_days.csv").write_bytes(b"\xff\xfe\x00garbage\x81")
    result = resbot(knowledge, "import-5374", str(empty))
    assert result.exit_code == 1
    assert "neither UTF-8 nor Shift_JIS" in result.output


def test_strict_fails_on_errors(tmp_path: Path) -> None:
    result = resbot(tmp_path / "k", "import-5374", "--strict", str(MESSY))
    assert result.exit_code == 1
    assert "imported:" in result.output
