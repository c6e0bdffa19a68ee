"""Dialects of the 5374 format, each read the way its authors mean it.

Three small fixtures under tests/fixtures/5374/, imported through the CLI:
- monthgroups/: several `rules:months` groups per cell, `;` between groups,
  cells that are not rules (公社, 2020024), repeated area rows;
- english/: `;` as delimiter, UTF-8 with BOM, CRLF, a `Master` column, a quoted
  header cell with a comma, a column with an empty header, trailing empty
  columns, Mon..Sun and Wed2, a centre closed twice, centre names with spaces;
- sjis/: Shift_JIS (cp932), CRLF, center.csv listing single closed days.

Calendar facts used (checked against a printed calendar): 2026-04-01 is a
Wednesday, 2026-05-01 a Friday, 2026-06-01 a Monday, 2026-07-01 a Wednesday,
2026-08-01 a Saturday, 2026-10-01 a Thursday, 2026-11-01 a Sunday,
2026-12-01 a Tuesday, 2027-01-01 a Friday. The n-th weekday is the one in days
7n-6..7n of the month.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.garbage import GarbageData

from .conftest import FIXTURES, next_json, resbot


def _import(tmp: pytest.TempPathFactory, name: str) -> tuple[Path, str]:
    knowledge = tmp.mktemp(name) / "knowledge"
    result = resbot(knowledge, "import-5374", str(FIXTURES / name))
    assert result.exit_code == 0, result.output
    return knowledge, result.output


@pytest.fixture(scope="module")
def groups(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _import(tmp_path_factory, "monthgroups")


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _import(tmp_path_factory, "english")


@pytest.fixture(scope="module")
def sjis(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return _import(tmp_path_factory, "sjis")


# ---------------------------------------------------------------- month groups


def test_two_month_groups_in_one_cell(groups: tuple[Path, str]) -> None:
    # 北町 不燃ごみ: 水1:6 7 11 12 1 2 3 水2:4 5 8 9 10
    # April and May are in the second list (2nd Wednesday). Apr 2026: 1 Apr is a
    # Wednesday, so Wednesdays are 1, 8 -> 2nd = 8 Apr (1 Apr, the 1st, is not a
    # day). May: 1 May is a Friday, Wednesdays 6, 13 -> 2nd = 13 May.
    got = next_json(groups[0], "北町", "2026-04-01", 61)  # 1 Apr .. 31 May
    assert got["不燃ごみ"] == ["2026-04-08", "2026-05-13"]
    # November and December are in the first list (1st Wednesday): 1 Nov is a
    # Sunday -> 4 Nov; 1 Dec is a Tuesday -> 2 Dec.
    got = next_json(groups[0], "北町", "2026-11-01", 61)  # 1 Nov .. 31 Dec
    assert got["不燃ごみ"] == ["2026-11-04", "2026-12-02"]


def test_a_month_list_binds_every_rule_before_it(groups: tuple[Path, str]) -> None:
    # 北町 資源: 火2 金4:4 6 8 10 12 2 -> both rules, even months only.
    # November: none. December (1 Dec a Tuesday): Tuesdays 1, 8 -> 2nd = 8 Dec;
    # Fridays 4, 11, 18, 25 -> 4th = 25 Dec.
    got = next_json(groups[0], "北町", "2026-11-01", 61)
    assert got["資源"] == ["2026-12-08", "2026-12-25"]
    # 北町 燃えるごみ: 月 木 日5:12 -> all three in December only. From Mon 23 Nov
    # for 14 days: Mon 23, Thu 26, Mon 30 Nov are November (no); Thu 3 Dec is a
    # day; Sun 6 Dec is the 1st Sunday (December 2026 has no 5th: 6 13 20 27).
    got = next_json(groups[0], "北町", "2026-11-23", 14)
    assert got["燃えるごみ"] == ["2026-12-03"]


def test_semicolon_separates_groups(groups: tuple[Path, str]) -> None:
    # 北町 古紙: 水1:4 6 7 8 9 10 11 12 2 3; 水2:5 1
    # December: 1st Wednesday = 2 Dec. January 2027 (1 Jan a Friday): Wednesdays
    # 6, 13 -> January is in the `水2:5 1` group, so 13 Jan, not 6 Jan.
    got = next_json(groups[0], "北町", "2026-12-01", 62)  # 1 Dec .. 31 Jan
    assert got["古紙"] == ["2026-12-02", "2027-01-13"]
    # "3;" is the end of a month list, not a bad month.
    assert "not a month" not in groups[1]


def test_rules_after_the_last_month_list_apply_every_month(groups: tuple[Path, str]) -> None:
    # 西町 不燃ごみ: 水1:11 12 金 -> 1st Wednesday in Nov and Dec, Fridays always.
    # October (1 Oct a Thursday): Fridays 2, 9; 1st Wed 7 Oct is not a day.
    assert next_json(groups[0], "西町", "2026-10-01", 14)["不燃ごみ"] == [
        "2026-10-02",
        "2026-10-09",
    ]
    # November: 1st Wed = 4 Nov; Fridays 6, 13.
    assert next_json(groups[0], "西町", "2026-11-01", 14)["不燃ごみ"] == [
        "2026-11-04",
        "2026-11-06",
        "2026-11-13",
    ]
    # 西町 資源: 火2:4 5; 木 -> Thursdays always, 2nd Tuesday in April and May only.
    # April: Thursdays 2, 9; Tuesdays 7, 14 -> 2nd = 14 Apr.
    assert next_json(groups[0], "西町", "2026-04-01", 14)["資源"] == [
        "2026-04-02",
        "2026-04-09",
        "2026-04-14",
    ]
    # June (1 Jun a Monday): Thursdays 4, 11; the 2nd Tuesday (9 Jun) is not a day.
    assert next_json(groups[0], "西町", "2026-06-01", 14)["資源"] == [
        "2026-06-04",
        "2026-06-11",
    ]


def test_cells_that_are_not_rules_are_reported_and_the_rest_imports(
    groups: tuple[Path, str],
) -> None:
    knowledge, output = groups
    # file:line:column, column counted from 1 (地名 is column 1).
    assert "area_days.csv:4:4: error: 南町 / 資源: '公社' is not a rule" in output
    assert (
        "area_days.csv:4:6: error: 南町 / 古紙: '2020024' is not a rule: "
        "a date needs 8 digits (YYYYMMDD)"
    ) in output
    assert "imported:" in output
    # The rest of the row works: 南町 燃えるごみ 月 木 from Mon 2 Nov, 7 days.
    got = next_json(knowledge, "南町", "2026-11-02", 7)
    assert got["燃えるごみ"] == ["2026-11-02", "2026-11-05"]
    assert got["資源"] == [] and got["古紙"] == []


def test_repeated_area_rows_are_reported_once(groups: tuple[Path, str]) -> None:
    knowledge, output = groups
    # 南町 on lines 4, 5 and 6, all the same: one warning, one area. 東町 on lines 7
    # and 8 with another 古紙 day: one error, and both calendars kept, named by the
    # days that tell them apart; neither is served to the other's residents.
    assert output.count("area '南町'") == 1
    assert "area_days.csv:5: warning: area '南町' also on line 4; same days on 5, 6" in output
    assert output.count("area '東町'") == 1
    assert (
        "area_days.csv:8: error: area '東町' on lines 7, 8 with different days: kept apart "
        "as '東町（古紙 金）', '東町（古紙 土）'; a resident who names 東町 is asked which"
    ) in output
    data = GarbageData.load(knowledge)
    assert data.match_area("東町") == ["東町（古紙 金）", "東町（古紙 土）"]
    # 古紙 from Mon 2 Nov: Fri 6 Nov on line 7, Sat 7 Nov on line 8.
    assert next_json(knowledge, "東町（古紙 金）", "2026-11-02", 7)["古紙"] == ["2026-11-06"]
    assert next_json(knowledge, "東町（古紙 土）", "2026-11-02", 7)["古紙"] == ["2026-11-07"]


def test_month_group_summary(groups: tuple[Path, str]) -> None:
    output = groups[1]
    assert "how the data was read:" in output
    # 北町: 4 cells with lists, 2 of them with two groups, ... see the CSV.
    assert (
        "month lists (rules:months): 6 cell(s); several groups in one cell: 4; "
        "groups separated by ';': 2"
    ) in output
    assert "repeated area rows: 3 (the same days once; other days kept apart" in output
    assert "cells with errors (not rules, bad dates, unknown footnotes): 2 " in output


# ---------------------------------------------------------------- English data set


def test_english_layout_is_read(english: tuple[Path, str]) -> None:
    knowledge, output = english
    data = GarbageData.load(knowledge)
    # Column 6 has an empty header (and empty cells): not a category, no error.
    assert data.dataset.area_columns == ["Burnable", "Empty cans, PET bottles", "Plastics"]
    assert "0 error(s)" in output
    assert data.dataset.areas["Hill Town"].group == "East"  # the Master column
    assert data.dataset.areas["Lake Town"].group == "West"
    # Written back as plain comma CSV: no BOM, no CR, the comma in the label quoted.
    area_days = (knowledge / "garbage" / "area_days.csv").read_bytes()
    assert not area_days.startswith(b"\xef\xbb\xbf") and b"\r" not in area_days
    assert area_days.startswith(
        b'Master,Area,Center,Burnable,"Empty cans, PET bottles",,Plastics\n'
    )
    for line in (
        "encoding: UTF-8 with BOM: area_days.csv",
        "field delimiter other than ',': area_days.csv (';')",
        "CRLF line ends: area_days.csv",
        "trailing empty columns dropped: area_days.csv (2)",
        "'Master' column: 2 district(s) grouping the areas",
        "area_days.csv: column(s) 6 have no header: not categories",
        "English weekdays (Mon..Sun, Wed2): 9 cell(s)",
        "footnotes (*1 -> remarks.csv): 1 cell(s)",
        "closure periods (start-end): 2 for 1 centre(s); several periods for North Center (2)",
    ):
        assert line in output


def test_english_weekdays_and_closures(english: tuple[Path, str]) -> None:
    knowledge = english[0]
    # Hill Town (North Center, closed 3-6 May, a row whose name has trailing
    # spaces). From Mon 27 Apr for 21 days (to Sun 17 May):
    got = next_json(knowledge, "Hill Town", "2026-04-27", 21)
    # Mon Thu: 27, 30 Apr, [Mon 4 May closed], 7, 11, 14 May.
    assert got["Burnable"] == [
        "2026-04-27",
        "2026-04-30",
        "2026-05-07",
        "2026-05-11",
        "2026-05-14",
    ]
    # Wed2 Wed4: May Wednesdays 6, 13 -> 2nd = 13 May (4th of April, 22 Apr, is before).
    assert got["Empty cans, PET bottles"] == ["2026-05-13"]
    # Tue:4 5 6 Fri -> Tuesdays in Apr-Jun (28 Apr, [5 May closed], 12 May) and
    # Fridays every month (1, 8, 15 May).
    assert got["Plastics"] == [
        "2026-04-28",
        "2026-05-01",
        "2026-05-08",
        "2026-05-12",
        "2026-05-15",
    ]
    # July: Fri 3 Jul only; Tue 7 Jul is outside the Tuesday months.
    assert next_json(knowledge, "Hill Town", "2026-07-01", 7)["Plastics"] == ["2026-07-03"]


def test_closures_on_nth_weekdays_and_several_rows_per_centre(english: tuple[Path, str]) -> None:
    knowledge = english[0]
    # River Town "North Center  " (trailing spaces in area_days.csv too).
    # Wed1 Wed3 in May: 1st = 6 May, inside the 3-6 May closure: skipped, not moved;
    # 3rd = 20 May.
    got = next_json(knowledge, "River Town", "2026-05-01", 31)
    assert got["Empty cans, PET bottles"] == ["2026-05-20"]
    # The second closure row (29 Dec - 3 Jan) counts too: Tue Fri from Mon 28 Dec:
    # [Tue 29 Dec, Fri 1 Jan closed], Tue 5, Fri 8 Jan.
    got = next_json(knowledge, "River Town", "2026-12-28", 14)
    assert got["Burnable"] == ["2027-01-05", "2027-01-08"]


def test_english_month_list_on_a_fifth_weekday(english: tuple[Path, str]) -> None:
    knowledge = english[0]
    # Lake Town Plastics: Sun5:5 Fri. May Sundays 3, 10, 17, 24, 31 -> 5th = 31 May.
    got = next_json(knowledge, "Lake Town", "2026-05-25", 7)
    assert got["Plastics"] == ["2026-05-29", "2026-05-31"]
    # August also has a 5th Sunday (Sundays 2, 9, 16, 23, 30) but is not listed.
    got = next_json(knowledge, "Lake Town", "2026-08-24", 7)
    assert got["Plastics"] == ["2026-08-28"]


def test_english_items_and_footnotes(english: tuple[Path, str]) -> None:
    data = GarbageData.load(english[0])
    match = data.find_item("Juice can")
    assert match is not None
    assert (match.category, match.notice) == ("Empty cans, PET bottles", "Rinse, then crush")
    assert data.remarks("Lake Town") == {
        "Empty cans, PET bottles": ["Cans only on the 2nd Monday; bottles go to the shop."]
    }


# ---------------------------------------------------------------- Shift_JIS, single days


def test_single_closure_days_are_days_not_a_range(sjis: tuple[Path, str]) -> None:
    knowledge, output = sjis
    # 西センター,2026/12/29,2027/01/04 under the header 名称,休止日,...: closed on
    # those two days only. 南本町 月 木 from Mon 28 Dec: Mon 28, Thu 31 Dec (open;
    # a range would close it), [Mon 4 Jan closed], Thu 7 Jan.
    got = next_json(knowledge, "南本町", "2026-12-28", 14)
    assert got["燃やすごみ"] == ["2026-12-28", "2026-12-31", "2027-01-07"]
    assert "single closed days (center.csv header 名称,休止日,...): 7 for 2 centre(s)" in output


def test_single_days_past_the_header_and_year_end_nth_weekday(sjis: tuple[Path, str]) -> None:
    knowledge = sjis[0]
    # 東センター closed 31 Dec, 1, 2, 3 Jan (4 dates under 4 休止日 columns).
    # 本町 月 木 土 from Mon 28 Dec: Mon 28, [Thu 31 closed], [Sat 2 Jan closed],
    # Mon 4, Thu 7, Sat 9 Jan.
    got = next_json(knowledge, "本町", "2026-12-28", 14)
    assert got["燃やすごみ"] == ["2026-12-28", "2027-01-04", "2027-01-07", "2027-01-09"]
    # 金1: 1 Jan 2027 is the 1st Friday and a closed day: skipped, not moved.
    assert got["燃やさないごみ"] == []
    # A second row for 東センター (13 Aug, a Thursday) counts too: from Mon 10 Aug,
    # Mon 10, [Thu 13 closed], Sat 15.
    got = next_json(knowledge, "本町", "2026-08-10", 7)
    assert got["燃やすごみ"] == ["2026-08-10", "2026-08-15"]


def test_shift_jis_is_read_and_written_as_utf8(sjis: tuple[Path, str]) -> None:
    knowledge, output = sjis
    assert "encoding: Shift_JIS: area_days.csv" in output
    assert "CRLF line ends: area_days.csv" in output
    data = GarbageData.load(knowledge)
    item = next(i for i in data.dataset.items if i.name == "かさ")
    assert item.notice == "①ほねを はずします"  # ① exists in cp932, not in plain Shift_JIS
    center = (knowledge / "garbage" / "center.csv").read_text(encoding="utf-8")
    assert center.startswith("名称,休止日,休止日,休止日,休止日\n東センター,2026/12/31,2027/01/01")
