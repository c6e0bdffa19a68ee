"""Rule types the real data sets lack, on tests/fixtures/5374/rules (a made-up city).

The city has a leading マスター column, Nth weekdays limited to some months,
explicit dates, footnotes (*1) and two centres with closures:

    マスター,地名,センター,燃えるごみ,燃えないごみ,資源,粗大ごみ
    北地区,青葉町1〜3丁目,東センター,月 木,水1:6 7 11 12 1 2 3,火2 金4:4 6 8 10 12 2,
        20240108 20240124 *1   (one line in the file)
    北地区,青葉町4丁目,東センター,火 金,水3,隔水20240103,20240117
    南地区,桜町,西センター,月 木 *2,水2,金1 金3 金5,
    東センター closed 2023/12/29-2024/01/03; 西センター closed 2024/05/03-2024/05/05

Calendar facts used below: 2023-12-01 was a Friday, 2024-01-01 a Monday,
2024-04-01 a Monday, 2024-05-01 a Wednesday, 2024-06-01 a Saturday.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.garbage import GarbageData

from .conftest import FIXTURES, imported, resbot


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported(tmp_path_factory.mktemp("rules"), FIXTURES / "rules")


def dates(knowledge: Path, area: str, start: str, days: int) -> dict[str, list[str]]:
    result = resbot(
        knowledge, "next", "--area", area, "--date", start, "--days", str(days), "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["area"] == area and out["from"] == start
    return {c["category"]: c["dates"] for c in out["categories"]}


def with_settings(knowledge: Path, tmp_path: Path, text: str) -> Path:
    """A copy of the knowledge folder with another settings.yaml."""
    copy = tmp_path / "k"
    shutil.copytree(knowledge, copy)
    (copy / "garbage" / "settings.yaml").write_text(text, encoding="utf-8")
    return copy


def test_master_column_is_kept_and_does_not_shift_columns(knowledge: Path) -> None:
    header = (knowledge / "garbage" / "area_days.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("マスター,地名,センター,燃えるごみ")
    data = GarbageData.load(knowledge)
    assert data.areas == ["青葉町1〜3丁目", "青葉町4丁目", "桜町"]
    assert data.dataset.areas["桜町"].group == "南地区"
    assert data.dataset.areas["桜町"].centre == "西センター"
    assert data.dataset.area_columns == ["燃えるごみ", "燃えないごみ", "資源", "粗大ごみ"]
    assert data.problems == []


def test_year_end_closure_weekly_nth_with_months_and_explicit_dates(knowledge: Path) -> None:
    # 青葉町1〜3丁目, 2023-12-25 (Mon) for 31 days = up to 2024-01-24; 東センター is
    # closed 2023-12-29..2024-01-03.
    got = dates(knowledge, "青葉町1〜3丁目", "2023-12-25", 31)
    # 月 木: Mon 12-25, Thu 12-28; Mon 01-01 is in the closure; Thu 01-04 is the first
    # day after it; then Mondays 8, 15, 22 and Thursdays 11, 18 (Thu 25 is past the end).
    # 01-08 is Coming of Age Day, collected: the default holiday rule is "collect".
    assert got["燃えるごみ"] == [
        "2023-12-25",
        "2023-12-28",
        "2024-01-04",
        "2024-01-08",
        "2024-01-11",
        "2024-01-15",
        "2024-01-18",
        "2024-01-22",
    ]
    # 水1 in months 6 7 11 12 1 2 3: December's 1st Wednesday (12-06) is before the
    # start; January's (01-03) is in the closure: nothing.
    assert got["燃えないごみ"] == []
    # 火2 金4 only in 4 6 8 10 12 2: December's 2nd Tue (12-12) and 4th Fri (12-22) are
    # before the start, and January is not listed: nothing.
    assert got["資源"] == []
    # Explicit dates 20240108 and 20240124, both inside the period.
    assert got["粗大ごみ"] == ["2024-01-08", "2024-01-24"]


def test_month_list_selects_months(knowledge: Path) -> None:
    # 火2 金4 in April (listed): April 2024 starts on a Monday, so Tuesdays are
    # 2, 9, 16... (2nd = 04-09) and Fridays 5, 12, 19, 26 (4th = 04-26). May is
    # not listed, so nothing in May although 05-14 and 05-24 are 2nd Tue / 4th Fri.
    got = dates(knowledge, "青葉町1〜3丁目", "2024-04-01", 61)
    assert got["資源"] == ["2024-04-09", "2024-04-26"]
    # 水1 in June only of these months: 05-01 (1st Wed of May) is not listed; June
    # 2024 starts on a Saturday, so its 1st Wednesday is 06-05.
    got = dates(knowledge, "青葉町1〜3丁目", "2024-05-01", 40)
    assert got["燃えないごみ"] == ["2024-06-05"]


def test_every_other_week_and_third_weekday_across_the_closure(knowledge: Path) -> None:
    got = dates(knowledge, "青葉町4丁目", "2023-12-25", 31)
    # 火 金: Tue 12-26; Fri 12-29 and Tue 01-02 are closed; then Fri 5, Tue 9, Fri 12,
    # Tue 16, Fri 19, Tue 23.
    assert got["燃えるごみ"] == [
        "2023-12-26",
        "2024-01-05",
        "2024-01-09",
        "2024-01-12",
        "2024-01-16",
        "2024-01-19",
        "2024-01-23",
    ]
    # 水3: December's 3rd Wednesday is 12-20 (before the start); January's is 01-17.
    assert got["燃えないごみ"] == ["2024-01-17"]
    # 隔水20240103: the anchor 01-03 itself is closed; two weeks later 01-17; two weeks
    # before, 12-20, is before the start.
    assert got["資源"] == ["2024-01-17"]
    assert got["粗大ごみ"] == ["2024-01-17"]


def test_golden_week_closure_and_fifth_friday(knowledge: Path) -> None:
    # 桜町 (西センター, closed 05-03..05-05), May 2024: Fridays 3, 10, 17, 24, 31.
    # 金1 金3 金5: 05-03 is closed, 05-17 and 05-31 remain. 水2: Wednesdays 1, 8 ->
    # 05-08. The empty 粗大ごみ cell means no collection.
    got = dates(knowledge, "桜町", "2024-05-01", 31)
    assert got["資源"] == ["2024-05-17", "2024-05-31"]
    assert got["燃えないごみ"] == ["2024-05-08"]
    assert got["粗大ごみ"] == []


def test_holidays_collect_by_default_and_skip_when_set(knowledge: Path, tmp_path: Path) -> None:
    # 桜町 月 木 from Mon 2024-04-29 (Showa Day) for 14 days: Mondays 04-29 and 05-06
    # (substitute holiday for Children's Day on Sunday 05-05), Thursdays 05-02, 05-09.
    got = dates(knowledge, "桜町", "2024-04-29", 14)
    assert got["燃えるごみ"] == ["2024-04-29", "2024-05-02", "2024-05-06", "2024-05-09"]
    skip = with_settings(knowledge, tmp_path, "holidays: skip\n")
    got = dates(skip, "桜町", "2024-04-29", 14)
    assert got["燃えるごみ"] == ["2024-05-02", "2024-05-09"]
    # Explicit dates stay even on a holiday: 青葉町1〜3丁目 粗大ごみ 20240108.
    assert dates(skip, "青葉町1〜3丁目", "2024-01-08", 1)["粗大ごみ"] == ["2024-01-08"]


def test_holiday_rule_per_category(knowledge: Path, tmp_path: Path) -> None:
    per_cat = with_settings(
        knowledge, tmp_path, "holidays: skip\nholidays_by_category:\n  燃えるごみ: collect\n"
    )
    data = GarbageData.load(per_cat)
    got = {c.category: c.dates for c in data.next_dates("桜町", date(2024, 4, 29), 14)}
    assert got["燃えるごみ"][0] == date(2024, 4, 29)  # collected on Showa Day after all
    assert data.problems == []


def test_bad_settings_are_reported(knowledge: Path, tmp_path: Path) -> None:
    bad = with_settings(
        knowledge, tmp_path, "holidays: sometimes\nholidays_by_category:\n  x: skip\n"
    )
    messages = [str(p) for p in GarbageData.load(bad).problems]
    assert any("holidays: 'sometimes'" in m for m in messages)
    assert any("no category 'x'" in m for m in messages)


def test_remarks_are_attached(knowledge: Path) -> None:
    data = GarbageData.load(knowledge)
    by_cat = {c.category: c for c in data.next_dates("青葉町1〜3丁目", date(2024, 1, 1), 7)}
    assert by_cat["粗大ごみ"].remarks == ("前の日までに電話で申し込んでください。",)
    assert data.remarks("桜町") == {"燃えるごみ": ["年末年始は収集日が変わります。"]}
    result = resbot(knowledge, "next", "--area", "桜町", "--date", "2024-05-01")
    assert "* 年末年始は収集日が変わります。" in result.stdout


def test_one_category_only(knowledge: Path) -> None:
    # Same rule as above (金1 金3 金5, 05-03 closed), asked for one category only.
    args = ["next", "--area", "桜町", "--date", "2024-05-01", "--days", "31", "--json"]
    result = resbot(knowledge, *args, "--category", "資源")
    assert json.loads(result.stdout)["categories"] == [
        {"category": "資源", "dates": ["2024-05-17", "2024-05-31"]}
    ]
    result = resbot(knowledge, *args, "--category", "ペットボトル")
    assert result.exit_code == 1
    assert "no category 'ペットボトル'" in result.output
