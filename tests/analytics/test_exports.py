"""`resbot report monthly` in every format, as staff run it (numbers: see test_report)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from bot.analytics import charts
from bot.cli import app
from tests.analytics.conftest import Played

runner = CliRunner()
SHEETS = [
    "指標 KPI",
    "概要 Summary",
    "推移 Trend",
    "前年比 Year over year",
    "分類 Categories",
    "トピック Topics",
    "言語 Languages",
    "チャネル Channels",
    "評価 Feedback",
    "未回答 Unanswered",
]
TABLES = [
    "kpi",
    "summary",
    "trend",
    "yoy",
    "categories",
    "topics",
    "languages",
    "channels",
    "feedback",
    "unanswered",
]


def report(played: Played, *args: str) -> list[str]:
    res = runner.invoke(app, ["--db", str(played.db_path), "report", "monthly", *args])
    assert res.exit_code == 0, res.output
    return res.stdout.splitlines()


def test_json_is_one_document(played: Played) -> None:
    res = runner.invoke(
        app, ["--db", str(played.db_path), "report", "monthly", "--month", "2026-04"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["months"] == ["2026-04"]
    assert doc["timezone"] == "Asia/Tokyo"
    april = doc["per_month"]["2026-04"]
    assert (april["questions"], april["unique_users"], april["fallback_rate"]) == (17, 6, 0.3529)
    assert april["channels"] == {"line": 6, "telegram": 5, "web": 3, "cli": 3}
    assert april["unanswered"][0] == {
        "text": "recommend a good hotel in Kyoto",
        "count": 2,
        "lang": "en",
    }
    assert {"entry": "japanese.class", "helpful": 1, "not_helpful": 1} in april["feedback"]
    assert doc["previous_year"]["2026-04"]["month"] == "2025-04"
    assert doc["previous_year"]["2026-04"]["questions"] == 2
    assert [t["month"] for t in doc["trend"]][-2:] == ["2026-03", "2026-04"]
    kpi = {k["id"]: k for k in doc["kpi"]}
    assert kpi["japanese_class_inquiries"]["values"] == {"2026-04": 3}
    assert kpi["japanese_class_inquiries"]["name"]["ja"] == "日本語教室についての問い合わせ"
    assert kpi["chat_consultations"]["values"] == {"2026-04": 3}
    assert kpi["translated_answers.vi"]["snapshot"] is True


def test_json_with_out_writes_a_file(played: Played, tmp_path: Path) -> None:
    [path] = report(played, "--month", "2026-04", "--format", "json", "--out", str(tmp_path))
    assert Path(path) == tmp_path / "resbot-2026-04.json"
    assert json.loads(Path(path).read_text(encoding="utf-8"))["total"]["questions"] == 17


def test_xlsx_has_a_formatted_sheet_per_table(played: Played, tmp_path: Path) -> None:
    [path] = report(played, "--month", "2026-04", "--format", "xlsx", "--out", str(tmp_path))
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    ws = wb["トピック Topics"]
    header = [c.value for c in ws[1]]
    assert header == ["トピック / Topic", "名称 / Name", "2026-04", "割合 / Share"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["B"].width > 20
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows[0][:3] == ["garbage.collection_days", "ごみを 出す 日 / Collection days", 2]
    assert rows[1][:3] == ["japanese.class", "おとなの 日本語きょうしつ / Adult Japanese class", 2]
    assert rows[-2][0] == "(none)"  # questions without a topic come last
    total = rows[-1]
    assert total[0] == "合計 / Total" and total[2] == 17 and total[3] == 1
    assert all(c.font.b for c in ws[ws.max_row])
    assert isinstance(ws["C2"].value, int) and ws["C2"].number_format == "#,##0"
    assert ws["D2"].number_format == "0.0%"

    langs = {r[0]: r[2] for r in wb["言語 Languages"].iter_rows(min_row=2, values_only=True)}
    assert langs == {
        "ja": 3,
        "vi": 2,
        "pt": 1,
        "es": 2,
        "tl": 2,
        "en": 5,
        "zh": 2,
        "合計 / Total": 17,
    }
    cats = {r[0]: r[2] for r in wb["分類 Categories"].iter_rows(min_row=2, values_only=True)}
    assert cats["japanese"] == 3 and cats["(none)"] == 7 and cats["合計 / Total"] == 17

    summary = {r[0]: r[2] for r in wb["概要 Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["questions"] == 17
    assert summary["fallback_rate"] == pytest.approx(0.3529)
    assert wb["概要 Summary"]["C11"].number_format == "0.0%"  # fallback_rate is row 11

    kpi = wb["指標 KPI"]
    assert [c.value for c in kpi[1]][:3] == [
        "ID",
        "指標 / Indicator (Japanese)",
        "指標（英語） / Indicator (English)",
    ]
    by_id = {r[0]: r for r in kpi.iter_rows(min_row=2, values_only=True) if r[0]}
    assert by_id["disaster_volunteer_inquiries"][5] == 1
    assert by_id["translated_answers.zh"][3] == "中国語 / Chinese"

    feedback = list(wb["評価 Feedback"].iter_rows(min_row=2, values_only=True))
    assert feedback[-1] == ("合計 / Total", None, 3, 1, 4, 0.75)

    unanswered = list(wb["未回答 Unanswered"].iter_rows(min_row=2, values_only=True))
    assert unanswered[0] == (1, "recommend a good hotel in Kyoto", 2, "英語 / English")
    assert len(unanswered) == 5

    trend = list(wb["推移 Trend"].iter_rows(min_row=2, values_only=True))
    assert trend[-1][:3] == ("合計 / Total", 20, 6)


def test_xlsx_range_has_a_total_column(played: Played, tmp_path: Path) -> None:
    args = ["--from", "2026-03", "--to", "2026-05", "--format", "xlsx", "--out", str(tmp_path)]
    [path] = report(played, *args)
    assert Path(path).name == "resbot-2026-03_2026-05.xlsx"
    ws = load_workbook(path)["チャネル Channels"]
    assert [c.value for c in ws[1]][2:] == [
        "2026-03",
        "2026-04",
        "2026-05",
        "合計 / Total",
        "割合 / Share",
    ]
    rows = {r[0]: r[2:6] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["line"] == (0, 6, 0, 6)
    assert rows["telegram"] == (1, 5, 1, 7)
    assert rows["web"] == (1, 3, 0, 4)
    assert rows["cli"] == (1, 3, 0, 4)
    assert rows["合計 / Total"] == (3, 17, 1, 21)


def test_csv_is_one_parsable_file_per_table(played: Played, tmp_path: Path) -> None:
    paths = report(played, "--month", "2026-04", "--format", "csv", "--out", str(tmp_path))
    assert [Path(p).name for p in paths] == [f"resbot-2026-04-{t}.csv" for t in TABLES]
    tables = {}
    for p in paths:
        with open(p, encoding="utf-8-sig", newline="") as f:
            tables[Path(p).stem.removeprefix("resbot-2026-04-")] = list(csv.DictReader(f))
    channels = {r["key"]: int(r["2026-04"]) for r in tables["channels"]}
    assert channels == {"line": 6, "telegram": 5, "web": 3, "cli": 3}
    topics = [(r["key"], int(r["2026-04"])) for r in tables["topics"]]
    assert topics[:2] == [("garbage.collection_days", 2), ("japanese.class", 2)]
    assert topics[-1] == ("(none)", 7)
    assert sum(n for _, n in topics) == 17
    assert tables["unanswered"][1]["text"] == (
        "My phone is [phone], please call me about my tax refund"
    )
    kpi = {r["id"]: r["2026-04"] for r in tables["kpi"]}
    assert kpi["unanswered_rate"] == "0.3529"
    assert kpi["desk_referrals"] == "3"


def test_png_charts_are_valid_images(played: Played, tmp_path: Path) -> None:
    paths = report(played, "--month", "2026-04", "--format", "png", "--out", str(tmp_path))
    names = [Path(p).name for p in paths]
    assert names == [f"resbot-2026-04-{c}.png" for c in ("trend", "languages", "topics")]
    for p in paths:
        with Image.open(p) as img:
            img.verify()
        with Image.open(p) as img:
            assert img.format == "PNG"
            assert img.width >= 1200 and img.height >= 600
            # Not a blank canvas: a chart has many colours.
            assert len(img.convert("RGB").getcolors(maxcolors=100_000) or []) > 50


def test_png_without_a_japanese_font_uses_english_labels(
    played: Played, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    paths = report(played, "--month", "2026-04", "--format", "png", "--out", str(tmp_path))
    assert all(Path(p).stat().st_size > 10_000 for p in paths)


def test_bad_arguments_are_explained(played: Played, tmp_path: Path) -> None:
    db = ["--db", str(played.db_path)]
    cases = [
        (["--month", "2026-13"], 2, "not a month"),
        (["--month", "2026-04", "--from", "2026-01"], 2, "either --month or --from/--to"),
        (["--from", "2026-01"], 2, "both --from and --to"),
        (["--from", "2026-04", "--to", "2026-01"], 2, "before"),
        (["--tz", "Mars/Olympus"], 2, "unknown time zone"),
    ]
    for args, code, message in cases:
        res = runner.invoke(app, [*db, "report", "monthly", *args])
        assert res.exit_code == code, (args, res.output)
        assert message in res.stderr
    missing = runner.invoke(app, ["--db", str(tmp_path / "none.sqlite3"), "report", "monthly"])
    assert missing.exit_code == 1 and "no database" in missing.stderr
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_broken_kpi_file_names_the_field(played: Played, tmp_path: Path) -> None:
    (tmp_path / "kpi.yaml").write_text(
        "indicators:\n  - id: x\n    name: {ja: え, en: x}\n    measure: questions\n"
        "    topics: [japanese.nope]\n",
        encoding="utf-8",
    )
    args = ["--knowledge", str(tmp_path), "--db", str(played.db_path), "report", "monthly"]
    res = runner.invoke(app, args)
    assert res.exit_code == 1
    assert "indicators[0].topics: unknown topic 'japanese.nope'" in res.stderr


@pytest.mark.parametrize("command", [["report"], ["report", "monthly"], ["log"], ["log", "purge"]])
def test_every_command_help_has_an_example(command: list[str]) -> None:
    res = runner.invoke(app, [*command, "--help"])
    assert res.exit_code == 0
    assert "Example: resbot " in res.stdout
