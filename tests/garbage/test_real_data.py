"""The two real 5374 data sets in ../shared, imported through the CLI.

Expected dates are worked out by hand from the CSV rows quoted in each test.
Calendar facts used: 2013-12-01 was a Sunday, 2014-01-01 a Wednesday,
2015-01-01 a Thursday, 2016-01-01 a Friday. Holidays: 2013-12-23 (Emperor's
Birthday until 2018), 2014-01-13 and 2015-01-12 (Coming of Age Day, 2nd Monday).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.normalize import normalize
from bot.garbage import GarbageData
from bot.garbage.lookup import AreaIndex

from .conftest import next_json, resbot, shared_city


@pytest.fixture(scope="module")
def hachioji(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    knowledge = tmp_path_factory.mktemp("hachioji") / "knowledge"
    result = resbot(knowledge, "import-5374", str(shared_city("hachioji")))
    assert result.exit_code == 0, result.output
    return knowledge, result.output


@pytest.fixture(scope="module")
def musashino(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    knowledge = tmp_path_factory.mktemp("musashino") / "knowledge"
    result = resbot(knowledge, "import-5374", str(shared_city("musashino")))
    assert result.exit_code == 0, result.output
    return knowledge, result.output


# ---------------------------------------------------------------- Hachioji


def test_hachioji_every_other_week_and_weekly(hachioji: tuple[Path, str]) -> None:
    # Line 3: 旭町,収集地区16,金,隔木20150108,隔月20150105,隔月20150112,隔火20150106,
    #         隔火20150106,隔火20150106,隔水20150114,隔月20150119,月 木,隔水20150114,隔水20150114
    # Period 2015-01-05 (Mon) .. 2015-01-18: Mon 5, 12; Tue 6, 13; Wed 7, 14; Thu 8, 15; Fri 9, 16.
    got = next_json(hachioji[0], "asahicho", "2015-01-05", 14)
    assert got == {
        "プラスチック": ["2015-01-09", "2015-01-16"],  # 金: both Fridays
        "ペットボトル": ["2015-01-08"],  # 隔木20150108: the anchor; next is 01-22
        "びん": ["2015-01-05"],  # 隔月20150105: the anchor; next is 01-19
        "かん": ["2015-01-12"],  # 隔月20150112: Coming of Age Day, collected by default
        "雑誌・雑紙": ["2015-01-06"],  # 隔火20150106 (01-13 is the off week)
        "紙パック": ["2015-01-06"],
        "段ボール": ["2015-01-06"],
        "新聞": ["2015-01-14"],  # 隔水20150114
        "古着・古布": ["2015-01-05"],  # 隔月20150119: 14 days before the anchor counts too
        "可燃ごみ": ["2015-01-05", "2015-01-08", "2015-01-12", "2015-01-15"],  # 月 木
        "不燃ごみ": ["2015-01-14"],  # 隔水20150114
        "有害ごみ": ["2015-01-14"],
    }


def test_hachioji_parity_a_year_later(hachioji: tuple[Path, str]) -> None:
    # 旭町 びん 隔月20150105: 2016-01-04 is 364 days = 52 weeks (even) after the
    # anchor, so a collection day; 2016-01-11 (53 weeks) is not.
    got = next_json(hachioji[0], "旭町", "2016-01-04", 14)
    assert got["びん"] == ["2016-01-04"]


def test_hachioji_closure(hachioji: tuple[Path, str]) -> None:
    # Line 112: 緑町,収集地区3,...,火 金 (可燃ごみ); center.csv: 収集地区3 closed
    # 2014/01/01-2014/01/03. From Mon 2013-12-30 for 7 days: Tue 12-31 collected,
    # Fri 01-03 inside the closure.
    assert next_json(hachioji[0], "緑町", "2013-12-30", 7)["可燃ごみ"] == ["2013-12-31"]


def test_hachioji_mismatched_weekday_is_warned_and_read_as_that_week(
    hachioji: tuple[Path, str],
) -> None:
    # Line 6: 泉町 かん = 隔火20150114, but 2015-01-14 is a Wednesday. Read as the
    # Tuesday of that week (01-13), which alternates with its びん = 隔火20150106.
    knowledge, output = hachioji
    assert "area_days.csv:6:6: warning: 泉町 / かん: '隔火20150114'" in output
    got = next_json(knowledge, "泉町", "2015-01-05", 14)
    assert got["かん"] == ["2015-01-13"]
    assert got["びん"] == ["2015-01-06"]


def test_hachioji_messy_rows_are_reported_with_lines(hachioji: tuple[Path, str]) -> None:
    knowledge, output = hachioji
    # An impossible date (month 01, day 98) in four rows; the cell then has no rule.
    for line in (37, 69, 70, 116):
        assert f"area_days.csv:{line}:8: error:" in output  # column 8: 紙パック
    assert "'隔金20150198': 20150198 is not a valid date" in output
    # The category typed into the name column; a typo in a category; a category that
    # is not on the calendar (bulky waste by appointment).
    assert (
        "target.csv:174: error: item '櫛(木製・竹製・プラスチック製) 可燃ごみ' has no category"
        in output
    )
    assert "target.csv:93: error: item '菓子袋（紙製）': unknown category '雑紙・雑紙'" in output
    assert "did you mean '雑誌・雑紙'?" in output
    assert "target.csv:214: warning: item 'こたつ'" in output
    assert "imported:" in output and "0 fatal" in output
    # 北野町（1653・1654番地を除く） (line 37): 紙パック has the bad date, 雑誌・雑紙 is
    # 隔金20150109 -> Fri 2015-01-09 in 01-05..01-18 (01-16 is the off week).
    got = next_json(knowledge, "北野町（1653・1654番地を除く）", "2015-01-05", 14)
    assert got["紙パック"] == []
    assert got["雑誌・雑紙"] == ["2015-01-09"]


def test_hachioji_is_normalized_on_disk(hachioji: tuple[Path, str]) -> None:
    area_days = (hachioji[0] / "garbage" / "area_days.csv").read_text(encoding="utf-8")
    assert "暁町1〜3丁目," in area_days and "暁町１〜３丁目" not in area_days
    data = GarbageData.load(hachioji[0])
    assert len(data.areas) == 135
    # The written files load with the same data problems (minus nothing silently).
    assert sum(p.level == "error" for p in data.problems) == 6


def test_hachioji_area_matching(hachioji: tuple[Path, str]) -> None:
    data = GarbageData.load(hachioji[0])
    assert data.match_area("Asahi-cho") == ["旭町"]
    assert data.match_area("あさひちょう") == ["旭町"]
    assert data.match_area("暁町２丁目") == ["暁町1〜3丁目"]
    assert data.match_area("南大沢5丁目") == ["南大沢4〜5丁目"]
    assert data.match_area("南大沢") == ["南大沢1〜3丁目", "南大沢4〜5丁目"]
    assert data.match_area("北野町") == [
        "北野町（1653・1654番地）",
        "北野町（1653・1654番地を除く）",
    ]
    assert data.match_area("zzzz") == []


def test_hachioji_ambiguous_area_exits_1_with_candidates(hachioji: tuple[Path, str]) -> None:
    result = resbot(hachioji[0], "next", "--area", "南大沢", "--json")
    assert result.exit_code == 1
    assert "ambiguous" in result.output
    assert "南大沢1〜3丁目" in result.output and "南大沢4〜5丁目" in result.output
    result = resbot(hachioji[0], "next", "--area", "Atlantis")
    assert result.exit_code == 1
    assert "no area matches 'Atlantis'" in result.output


# ---------------------------------------------------------------- Musashino


def test_musashino_year_end_closure(musashino: tuple[Path, str]) -> None:
    # Line 4: 御殿山,センター,月 木,水1 水3,金,火; center.csv: センター closed
    # 2013/12/29-2014/01/03. Period Mon 2013-12-23 .. Sun 2014-01-05.
    got = next_json(musashino[0], "御殿山", "2013-12-23", 14)
    # 月 木: Mon 12-23 (a holiday, collected by default), Thu 12-26; Mon 12-30 and
    # Thu 01-02 are closed.
    assert got["燃やすごみ"] == ["2013-12-23", "2013-12-26"]
    # 水1 水3: December's are 12-04 and 12-18 (before); 01-01 (1st Wed) is closed.
    assert got["燃やさないごみ"] == []
    assert got["有害ごみ"] == ["2013-12-27"]  # 金; 01-03 closed
    assert got["資源"] == ["2013-12-24"]  # 火; 12-31 closed


def test_musashino_nth_weekdays(musashino: tuple[Path, str]) -> None:
    # Line 10: 緑町,センター,火 金,月2 月4,木,水. Period Mon 2014-01-06 .. Sun 02-02.
    got = next_json(musashino[0], "緑町", "2014-01-06", 28)
    # January 2014 Mondays: 6, 13, 20, 27 -> 2nd = 13 (Coming of Age Day), 4th = 27.
    assert got["燃やさないごみ"] == ["2014-01-13", "2014-01-27"]
    assert got["有害ごみ"] == ["2014-01-09", "2014-01-16", "2014-01-23", "2014-01-30"]  # 木
    assert got["資源"] == ["2014-01-08", "2014-01-15", "2014-01-22", "2014-01-29"]  # 水
    assert got["燃やすごみ"] == [  # 火 金
        "2014-01-07",
        "2014-01-10",
        "2014-01-14",
        "2014-01-17",
        "2014-01-21",
        "2014-01-24",
        "2014-01-28",
        "2014-01-31",
    ]
    # Line 14: 境２・４・５丁目 ... 木2 木4: Thursdays 2, 9, 16, 23, 30 -> 9 and 23.
    got = next_json(musashino[0], "境4丁目", "2014-01-06", 28)
    assert got["燃やさないごみ"] == ["2014-01-09", "2014-01-23"]


def test_musashino_holiday_skip(musashino: tuple[Path, str]) -> None:
    # The same 緑町 月2 with `holidays: skip`: 2014-01-13 (Coming of Age Day) goes.
    (musashino[0] / "garbage" / "settings.yaml").write_text("holidays: skip\n", encoding="utf-8")
    try:
        got = next_json(musashino[0], "緑町", "2014-01-06", 28)
    finally:
        (musashino[0] / "garbage" / "settings.yaml").write_text("holidays: collect\n", "utf-8")
    assert got["燃やさないごみ"] == ["2014-01-27"]


def test_musashino_import_report_and_matching(musashino: tuple[Path, str]) -> None:
    knowledge, output = musashino
    assert "target.csv:39: warning: item '洋服ダンス': category '粗大'" in output
    assert "remark '1' is not used" in output
    # CRLF and trailing spaces are gone on disk.
    description = (knowledge / "garbage" / "description.csv").read_bytes()
    assert b"\r" not in description
    target = (knowledge / "garbage" / "target.csv").read_text(encoding="utf-8")
    assert "オイル（食用）," in target
    data = GarbageData.load(knowledge)
    assert data.match_area("gotenyama") == ["御殿山"]
    assert data.match_area("境2丁目") == ["境2・4・5丁目"]
    assert data.match_area("kichijoji") == [
        "吉祥寺東町",
        "吉祥寺南町",
        "吉祥寺本町1丁目",
        "吉祥寺本町2～4丁目",
        "吉祥寺北町",
    ]


def test_real_data_summary_and_example_flag(
    hachioji: tuple[Path, str], musashino: tuple[Path, str]
) -> None:
    # How the data was read, as staff see it after the problems.
    knowledge, output = hachioji
    assert "how the data was read:" in output
    assert "encoding: UTF-8: area_days.csv, remarks.csv, description.csv" in output
    # The four 隔金20150198 cells (lines 37, 69, 70, 116).
    assert "cells with errors (not rules, bad dates, unknown footnotes): 4 " in output
    # center.csv: 名称,休止開始日,休止終了日 with one period for each of 19 centres.
    assert "closure periods (start-end): 19 for 19 centre(s)" in output
    assert "month lists" not in output and "single closed days" not in output
    assert not GarbageData.load(knowledge).example  # the city's own data: no mark
    knowledge, output = musashino
    assert "CRLF line ends: description.csv" in output
    assert "closure periods (start-end): 1 for 1 centre(s)" in output
    assert not GarbageData.load(knowledge).example


def _named_by_find(index: AreaIndex, text: str) -> list[tuple[int, str, str]]:
    """What `named_in` collects, by a `str.find` for each key in turn (the plain
    way, as it was done before the one-pass scan)."""
    compact = normalize(text).replace(" ", "")
    found = []
    for key, area in index._sentence_keys:
        at = compact.find(key)
        if at >= 0:
            found.append((len(key), area, compact[at + len(key) : at + len(key) + 6]))
    return found


def test_hachioji_areas_named_in_sentences_are_found_in_one_pass(
    hachioji: tuple[Path, str],
) -> None:
    data = GarbageData.load(hachioji[0])
    index = data._area_index
    assert len(index._sentence_keys) > 400  # a real city's names, readings and romaji
    names = index.names
    texts = []
    for i, name in enumerate(names):
        other = names[(i * 7 + 3) % len(names)]
        texts += [
            f"{name}に住んでいます。燃えるごみはいつですか",
            f"我住{name}，资源垃圾什么时候收",
            f"{name}{other}のあいだ",  # two names: the longest wins, ties by order
            f"{name.replace('丁目', '')}2丁目の不燃ごみ",
        ]
    named = 0
    for text in texts:
        compact = normalize(text).replace(" ", "")
        assert index._keys_in(compact) == _named_by_find(index, text), text
        named += bool(index.named_in(text))
    assert named >= len(names)  # every name in its own sentence at least
