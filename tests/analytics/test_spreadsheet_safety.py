"""Resident text never becomes a live formula in the KPI report (CSV and XLSX).

Questions typed by anyone land in the unanswered-questions sheet; staff open it
in Excel. ASCII and full-width formula leaders must both stay text.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.cli import app
from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.spreadsheet import is_formula_like, safe_cell
from bot.web.app import create_app

HOSTILE = [
    '=HYPERLINK("http://evil.example/x","click for tax refund")',
    '＝HYPERLINK("http://evil.example/y","ｸﾘｯｸ")',  # full-width, as an IME types it
    "＋cmd|' /C calc'!A0 recommend a hotel",
    "－2+3 best ramen shop",
    "＠SUM(1+1) best ramen shop",
    "\u3000=1+1 best ramen shop in Kyoto",
    # ASCII leaders, and tab / carriage return in front (spreadsheets skip them).
    "+cmd|' /C calc'!A0 best ramen shop in Osaka",
    "-1+1 best ramen shop in Nagoya",
    "@SUM(9) best ramen shop in Sapporo",
    "\t=2+2 best ramen shop in Fukuoka",
    "\r=3+3 best ramen shop in Sendai",
]


@pytest.fixture(scope="module")
def db(answering_bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The texts typed into the web chat, over HTTP, as a stranger would."""
    path = tmp_path_factory.mktemp("hostile") / "resbot.sqlite3"
    app = create_app(load_settings(env_file=None, db_path=path), answering_bot)
    with TestClient(app) as client:
        for text in HOSTILE:
            client.cookies.clear()  # a new resident each time
            res = client.post("/api/chat", json={"text": text})
            assert res.status_code == 200 and res.json()["outcome"] == "fallback", text
    return path


def month() -> str:
    return datetime.now(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m")


def export(db: Path, fmt: str, out: Path) -> list[str]:
    args = ["--db", str(db), "report", "monthly", "--month", month(), "--format", fmt]
    res = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    return res.stdout.splitlines()


def test_xlsx_unanswered_sheet_holds_text_not_formulas(db: Path, tmp_path: Path) -> None:
    [path] = export(db, "xlsx", tmp_path)
    wb = load_workbook(path)
    formulas = [
        c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []
    texts = [c.value for c in wb["未回答 Unanswered"]["B"][1:] if c.value]
    assert len(texts) == len(HOSTILE)
    assert all(t.startswith("'") and not is_formula_like(t) for t in texts)
    # The text itself is kept (behind the apostrophe), e.g. the Osaka question.
    assert any(t.startswith("'+cmd|") for t in texts), texts


def test_csv_unanswered_cells_are_guarded(db: Path, tmp_path: Path) -> None:
    paths = export(db, "csv", tmp_path)
    [unanswered] = [p for p in paths if p.endswith("-unanswered.csv")]
    with open(unanswered, encoding="utf-8-sig", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f)]
    assert len(texts) == len(HOSTILE)
    assert all(t.startswith("'") for t in texts)
    for path in paths:  # no cell of any table starts like a formula
        with open(path, encoding="utf-8-sig", newline="") as f:
            assert not [c for row in csv.reader(f) for c in row if is_formula_like(c)]


@pytest.mark.parametrize(
    ("value", "guarded"),
    [
        ("=1+1", True),
        ("＝1+1", True),
        ("＋81 90", True),
        ("﹦1", True),  # small equals sign: NFKC makes it "="
        ("\t=1", True),
        (" =1", True),
        ("-", True),
        ("ゴミの日は？", False),
        ("1,000円", False),
        ("a=b", False),
        ("", False),
    ],
)
def test_safe_cell(value: str, guarded: bool) -> None:
    assert (safe_cell(value) == "'" + value) is guarded
    assert safe_cell(3) == 3 and safe_cell(None) is None
