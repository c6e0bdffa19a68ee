"""Percentages round half up on the dashboard, in the charts and in the xlsx export."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from bot.analytics.export import RATE_FORMAT
from bot.analytics.percent import percent, round_half_up
from bot.analytics.stats import rate
from bot.staff.dashboard import cell


def _excel_shows(value: float) -> str:
    """What Excel displays for a `0.0%` cell: 15 significant digits, halves up."""
    shown = (Decimal(f"{value:.15g}") * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{shown}%"


def test_halves_go_up_not_to_even() -> None:
    assert percent(0.125, 0) == "13%"  # f"{0.125:.0%}" gives 12% (half to even)
    assert percent(0.0125) == "1.3%"
    assert round_half_up(0.12545, 4) == 0.1255
    assert percent(0.1255) == "12.6%"


def test_dashboard_matches_the_xlsx_cell(tmp_path: Path) -> None:
    share = rate(2509, 20000)  # 12.545%: the stored share is 0.1255, shown 12.6%
    wb = Workbook()
    wb.active["A1"] = share
    wb.active["A1"].number_format = RATE_FORMAT
    wb.save(tmp_path / "r.xlsx")
    stored = load_workbook(tmp_path / "r.xlsx").active["A1"].value
    assert cell(share) == _excel_shows(stored) == "12.6%"
    assert cell(rate(1, 8)) == _excel_shows(rate(1, 8) or 0) == "12.5%"
