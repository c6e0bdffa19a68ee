"""Dialects found in real cities' published 5374 data, read as their authors mean them.

tests/fixtures/5374/wild/ (invented towns, one dialect each; see its SOURCE):
- 本町: the weekday written once, 水１　３ (Fukuchiyama);
- 栄町: every 4 weeks from a date, 4週火20260407, and -- for "not collected" (Hamamatsu);
- 旭町: 日6, a week no month has, for "none here" (Takamatsu);
- 緑町: a stray comma inside a cell (火1,火3) shifts every cell after it (Hiratsuka);
- a district code in a last column without a header (Saga);
- 本町 in two districts with different days (Saga's 福島 in 11 and 15);
- center.csv: 2026/12/29,2026/01/03 (the end's year not moved on), the header twice,
  a centre without dates.

Calendar facts: 2026-12-01 is a Tuesday (Wednesdays 2, 9, 16, 23, 30; Fridays 4,
11, 18, 25); 2026-04-07 is a Tuesday, and 28-day steps from it reach 2026-11-17
and 2026-12-15 (252 days = 9 x 28).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core.dialogue import Bot
from bot.core.garbage_flow import category_words, kinds_of
from bot.core.knowledge import load_knowledge
from bot.core.normalize import normalize
from bot.core.types import Incoming
from bot.garbage import GarbageData, import_5374
from bot.service import Service
from bot.storage import Store
from tests.kbfactory import copy_city

from .conftest import FIXTURES, resbot

WILD = FIXTURES / "wild"
DECEMBER = date(2026, 12, 1)


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wild") / "knowledge"
    copy_city(folder)
    return folder


@pytest.fixture(scope="module")
def output(knowledge: Path) -> str:
    result = resbot(knowledge, "import-5374", str(WILD))
    assert result.exit_code == 0, result.output
    return result.output


def _dates(knowledge: Path, area: str) -> dict[str, list[date]]:
    data = GarbageData.load(knowledge)
    return {c.category: c.dates for c in data.next_dates(area, DECEMBER, 31)}


def test_the_weekday_written_once(knowledge: Path, output: str) -> None:
    dates = _dates(knowledge, "本町（1）")
    assert dates["資源"] == [date(2026, 12, 2), date(2026, 12, 16)]
    assert dates["びん"] == [date(2026, 12, 11), date(2026, 12, 25)]
    assert "weekday written once (水1 3 = 水1 水3): 2 cell(s)" in output


def test_every_four_weeks_and_not_collected(knowledge: Path, output: str) -> None:
    data = GarbageData.load(knowledge)
    resource, bottles = data.next_dates("栄町", date(2026, 11, 1), 61, None)[1:]
    assert resource.dates == [date(2026, 11, 17), date(2026, 12, 15)]
    assert bottles.dates == [] and bottles.not_collected and not bottles.unread
    assert "every N weeks from a date (4週火20170411, e2w20180404): 1 cell(s)" in output
    assert "not collected in the area (--, なし): 1 cell(s)" in output


def test_a_week_no_month_has_is_none_with_a_warning(knowledge: Path, output: str) -> None:
    data = GarbageData.load(knowledge)
    resource = data.next_dates("旭町", DECEMBER, 366, "資源")[0]
    assert resource.dates == [] and resource.not_collected
    assert "warning: 旭町 / 資源: '日6': no month has a 6th 日曜日" in output


def test_a_shifted_row_gives_no_day_and_says_why(knowledge: Path, output: str) -> None:
    # 火1,火3 leaves 火3 under びん and 水 past the last category: any cell after the
    # comma is wrong, and which cell held it cannot be told.
    data = GarbageData.load(knowledge)
    cats = data.next_dates("緑町", DECEMBER, 31)
    assert all(c.dates == [] and c.unread for c in cats)
    assert (
        "area_days.csv:5: error: area '緑町': 8 cells where the header has 7: a comma "
        "inside a cell shifts the cells after it; no day of this area is imported"
    ) in output
    # Written as published, so `garbage check` finds it again in the knowledge folder.
    assert "緑町,南,月 木,火1,火3,水,B2" in (knowledge / "garbage" / "area_days.csv").read_text()
    assert "area '緑町': 8 cells" in resbot(knowledge, "check").output


def test_one_name_in_two_districts_is_two_areas(knowledge: Path, output: str) -> None:
    assert (
        "area_days.csv:6: warning: area '本町' on lines 2, 6 with different days: kept apart "
        "as '本町（1）', '本町（2）'; a resident who names 本町 is asked which"
    ) in output
    data = GarbageData.load(knowledge)
    assert data.match_area("本町") == ["本町（1）", "本町（2）"]
    assert _dates(knowledge, "本町（2）")["資源"] == [date(2026, 12, 9)]  # 水2


def test_closures_as_the_city_meant_them(knowledge: Path, output: str) -> None:
    # 北 pauses from 29 Dec to 3 Jan (the end read a year on).
    assert (
        "center.csv:2: warning: 北: closure ends before it starts; read as 2026-12-29 to "
        "2027-01-03 (the year-end pause)"
    ) in output
    assert "center.csv:3: warning: the header again; skipped" in output
    assert "center.csv:4: warning: 南: no closure dates; none applied" in output
    data = GarbageData.load(knowledge)
    burnable = data.next_dates("本町（1）", date(2026, 12, 28), 14, "燃やすごみ")[0]
    # 月 木 over 28 Dec - 10 Jan: Mon 28 Dec; Thu 31 Dec is in the pause; Mon 4 Jan
    # and Thu 7 Jan (2027-01-04 is a Monday).
    assert burnable.dates == [date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 7)]


def test_a_last_column_without_header_is_one_error(output: str) -> None:
    assert "column 7 has no header but cells on 5 line(s) (2, 3, 4, 5, 6); ignored" in output
    assert output.count("cells where the header has") == 1  # only 緑町's


def test_residents_are_told_not_collected_or_unreadable(knowledge: Path, output: str) -> None:
    bot = Bot(load_knowledge(knowledge))
    assert bot.garbage is not None
    bot.garbage.clock = lambda: DECEMBER
    service = Service(bot, Store(knowledge.parent / "s.sqlite3"), b"k")

    def days(user: str, area: str, lang: str) -> str:
        service.handle("line", user, Incoming(kind="postback", text=f"lang:{lang}"))
        result = service.handle("line", user, Incoming(kind="postback", text=f"area:{area}"))
        assert result is not None
        return result.replies[-1].text

    sakae = days("u1", "栄町", "vi")
    assert "khu vực này không thu gom" in sakae  # びん: --
    # The city's labels are not translated yet: each is shown with what its kind
    # is called; 資源 says nothing of what, so it stays as written.
    assert "・燃やすごみ (rác cháy được):" in sakae
    assert "・びん (chai thủy tinh):" in sakae and "・資源:" in sakae
    midori = days("u2", "緑町", "en")
    assert midori.count("the city's data could not be read; please ask the city") == 3
    assert "none in the next 2 weeks" not in midori
    tomorrow = service.handle("line", "u2", Incoming(text="what garbage is tomorrow"))
    assert tomorrow is not None
    assert "the city's data could not be read" in tomorrow.replies[0].text
    # Nothing is lost on import: the report says what could not be read.
    assert import_5374(WILD, knowledge.parent / "again").ok


def test_a_column_left_out_of_the_header_is_not_a_shift(tmp_path: Path) -> None:
    # Kasama: 7 names in the header, 8 cells on every row; its app ignores the 8th.
    # When most rows are that wide, it is a column without a name, not a stray comma.
    src = tmp_path / "src"
    src.mkdir()
    (src / "area_days.csv").write_text(
        "地名,センター,燃やすごみ,資源\n"
        "本町,,月 木,水2,水\n栄町,,火 金,木1,木\n旭町,,水 土,金3,金\n",
        encoding="utf-8",
    )
    result = resbot(tmp_path / "knowledge", "import-5374", str(src))
    assert result.exit_code == 0, result.output
    assert "column 5 has no header but cells on 3 line(s) (2, 3, 4); ignored" in result.output
    assert "a comma inside a cell" not in result.output
    data = GarbageData.load(tmp_path / "knowledge")
    assert _dates(tmp_path / "knowledge", "栄町")["資源"] == [date(2026, 12, 3)]  # 木1
    assert data.dataset.area_columns == ["燃やすごみ", "資源"]


def test_a_dictionary_without_header_keeps_its_first_item(tmp_path: Path) -> None:
    # Ichikawa's target.csv starts with an item: it is not taken for a header.
    src = tmp_path / "src"
    src.mkdir()
    (src / "area_days.csv").write_text("地名,センター,燃やすごみ\n本町,,月 木\n", encoding="utf-8")
    (src / "target.csv").write_text("燃やすごみ,アイロン台,,あ\n燃やすごみ,生ごみ,,な\n", "utf-8")
    result = resbot(tmp_path / "knowledge", "import-5374", str(src))
    assert "target.csv:1: warning: no header row: the first line is an item" in result.output
    data = GarbageData.load(tmp_path / "knowledge")
    assert [i.name for i in data.dataset.items] == ["アイロン台", "生ごみ"]


@pytest.mark.parametrize(
    ("label", "kinds"),
    [
        ("燃やせるごみ", ["燃えるごみ"]),  # 13 of ~100 cities write it so
        ("もやせるごみ", ["燃えるごみ"]),
        ("燃やせないごみ", ["燃えないごみ"]),  # holds 燃やせ, but is not burnable
        ("大型可燃ごみ", ["粗大ごみ"]),
        ("不燃・粗大", ["燃えないごみ", "粗大ごみ"]),
        ("ペットボトル", ["ペットボトル"]),  # never "cans"
        ("びん・缶", ["缶", "びん"]),
        ("紙・布", ["古紙", "古布"]),
        ("ペットボトルプラクル", ["プラスチック", "ペットボトル"]),
        ("資源", []),  # says nothing of what: no words, the resident sees every kind
    ],
)
def test_a_citys_own_labels_get_residents_words(label: str, kinds: list[str]) -> None:
    groups = category_words()
    assert [normalize((groups[i][0] or groups[i][1])[0]) for i in kinds_of(label)] == [
        normalize(k) for k in kinds
    ]


def test_residents_words_find_the_citys_own_label(knowledge: Path, output: str) -> None:
    bot = Bot(load_knowledge(knowledge))
    assert bot.garbage is not None
    bot.garbage.clock = lambda: DECEMBER
    service = Service(bot, Store(knowledge.parent / "w.sqlite3"), b"k")
    service.handle("line", "u9", Incoming(kind="postback", text="lang:vi"))
    service.handle("line", "u9", Incoming(kind="postback", text="area:本町（1）"))
    result = service.handle("line", "u9", Incoming(text="khi nao do chai thuy tinh"))
    assert result is not None
    text = result.replies[0].text
    assert "びん" in text and "燃やすごみ" not in text and "資源" not in text


def test_a_calendar_label_wins_its_words_and_an_empty_cell_says_so(tmp_path: Path) -> None:
    # Satte: もやせるごみ on the calendar, 燃えるごみ only in target.csv; both are
    # "rác cháy". Before, the winner followed Python's set order, which changes per
    # process: one run in two answered from the static entry, not the calendar.
    knowledge = tmp_path / "knowledge"
    copy_city(knowledge)
    src = tmp_path / "src"
    src.mkdir()
    (src / "area_days.csv").write_text(
        "地名,センター,もやせるごみ,資源\n内国府間,,月 木,水2\n円藤内,,月 木,\n", encoding="utf-8"
    )
    (src / "target.csv").write_text("label,name,notice,furigana\n燃えるごみ,生ごみ,,な\n", "utf-8")
    assert resbot(knowledge, "import-5374", str(src)).exit_code == 0
    bot = Bot(load_knowledge(knowledge))
    flow = bot.garbage
    assert flow is not None
    assert flow.names_category("ngay nao do rac chay") == "もやせるごみ"
    ties: dict[str, list[str]] = {}
    for name, label in flow._category_names:
        ties.setdefault(name, []).append(label)
    assert all(labels[0] == "もやせるごみ" for labels in ties.values() if len(labels) > 1)
    flow.clock = lambda: DECEMBER
    service = Service(bot, Store(tmp_path / "s.sqlite3"), b"k")
    service.handle("line", "u", Incoming(kind="postback", text="lang:vi"))
    result = service.handle("line", "u", Incoming(kind="postback", text="area:円藤内"))
    assert result is not None
    # 資源 is empty for 円藤内: the city gave no day, which is not "none in 2 weeks".
    assert "・資源: dữ liệu của thành phố không có ngày thu gom" in result.replies[-1].text


def _checkout(tmp_path: Path, setting_js: str) -> Path:
    """A city's 5374 checkout: data/ and the app's js/setting.js."""
    root = tmp_path / "checkout"
    (root / "data").mkdir(parents=True)
    (root / "js").mkdir()
    (root / "js" / "setting.js").write_text(setting_js, encoding="utf-8")
    (root / "data" / "area_days.csv").write_text(
        "地名,センター,燃やすごみ,不燃ごみ\n本町,北,金,金1 金3\n", encoding="utf-8"
    )
    (root / "data" / "center.csv").write_text(
        "名称,休止開始日,休止終了日\n北,2026/12/29,2027/01/03\n", encoding="utf-8"
    )
    return root


def test_the_apps_week_shift_moves_an_nth_weekday_a_week_on(tmp_path: Path) -> None:
    # The original app's setting.js says WeekShift = true: a collection in a closure
    # moves a week on, and so do the later ones of that rule in the month. Fridays of
    # January 2027: 1 (closed), 8, 15, 22, 29. 金1 -> 8 Jan, 金3 (15) -> 22 Jan; the
    # weekly 金 loses 1 Jan only.
    root = _checkout(tmp_path, "var MaxMonth = 3;\nvar WeekShift = true;\n")
    knowledge = tmp_path / "knowledge"
    result = resbot(knowledge, "import-5374", str(root))
    assert result.exit_code == 0, result.output
    assert "closures as the city's app reads them (js/setting.js: WeekShift = true)" in (
        result.output
    )
    settings = (knowledge / "garbage" / "settings.yaml").read_text(encoding="utf-8")
    assert "closures: shift  # js/setting.js: WeekShift = true" in settings
    dates = _dates_from(knowledge, "本町", date(2027, 1, 1), 31)
    assert dates["不燃ごみ"] == [date(2027, 1, 8), date(2027, 1, 22)]
    assert dates["燃やすごみ"] == [date(2027, 1, d) for d in (8, 15, 22, 29)]


@pytest.mark.parametrize(
    "setting_js", ["var WeekShift = false;\n", "WeekShift = true;\nSkipSuspend = true;\n"]
)
def test_an_app_that_skips_closed_days_keeps_skip(tmp_path: Path, setting_js: str) -> None:
    # Hachioji: WeekShift = false; SkipSuspend = true (which wins in the app).
    knowledge = tmp_path / "knowledge"
    assert resbot(knowledge, "import-5374", str(_checkout(tmp_path, setting_js))).exit_code == 0
    assert "closures: skip" in (knowledge / "garbage" / "settings.yaml").read_text("utf-8")
    assert _dates_from(knowledge, "本町", date(2027, 1, 1), 31)["不燃ごみ"] == [date(2027, 1, 15)]


def _dates_from(knowledge: Path, area: str, start: date, days: int) -> dict[str, list[date]]:
    data = GarbageData.load(knowledge)
    return {c.category: c.dates for c in data.next_dates(area, start, days)}


def test_an_area_name_alone_after_a_garbage_answer(knowledge: Path, output: str) -> None:
    # Aomori: "相野第一" typed after "ngay nao do rac chay" was read as Chinese and
    # fell back. A place name of the calendar says nothing of the language, and
    # after a garbage answer it asks for that area's days.
    bot = Bot(load_knowledge(knowledge))
    assert bot.garbage is not None
    bot.garbage.clock = lambda: DECEMBER
    service = Service(bot, Store(knowledge.parent / "p.sqlite3"), b"k")
    first = service.handle("line", "u7", Incoming(text="how do I sort my garbage?"))
    assert first is not None and first.lang == "en"
    assert first.topic == "garbage.sorting"  # a static answer: no area asked
    result = service.handle("line", "u7", Incoming(text="旭町"))
    assert result is not None
    assert result.lang == "en" and result.topic == "garbage.collection_days"
    assert "旭町" in result.replies[-1].text
    assert not bot.garbage.only_a_place("旭町はどこ")
