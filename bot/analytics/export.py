"""Writing a report: JSON (one document), CSV (one file per table), Excel (one
sheet per table, formatted to paste into a KPI sheet)."""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.spreadsheet import safe_cell

from .percent import percent
from .report import Report
from .tables import Table

COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
MAX_WIDTH = 60
HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
TOTAL_BORDER = Border(top=Side(style="thin"))


def stem(report: Report) -> str:
    return f"resbot-{report.label}"


def json_text(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)


def write_json(report: Report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem(report)}.json"
    path.write_text(json_text(report) + "\n", encoding="utf-8")
    return [path]


def write_csv(report: Report, tables: list[Table], out: Path) -> list[Path]:
    return write_tables_csv(stem(report), tables, out)


def write_tables_csv(name: str, tables: list[Table], out: Path) -> list[Path]:
    """One file per table; UTF-8 with a BOM so Excel shows the Japanese right.
    Rows are records (no totals row): the sums are in the JSON and Excel exports."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in tables:
        path = out / f"{name}-{table.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([c.key for c in table.columns])
            writer.writerows(
                [("" if v is None else safe_cell(v)) for v in row] for row in table.rows
            )
        paths.append(path)
    return paths


def write_xlsx(report: Report, tables: list[Table], out: Path) -> list[Path]:
    return write_tables_xlsx(stem(report), tables, out)


def write_tables_xlsx(name: str, tables: list[Table], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for table in tables:
        _sheet(wb.create_sheet(table.sheet), table)
    path = out / f"{name}.xlsx"
    wb.save(path)
    return [path]


def _sheet(ws: Worksheet, table: Table) -> None:
    ws.append([c.header for c in table.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in table.rows:
        _append(ws, row)
    if table.totals is not None:
        _append(ws, table.totals)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.border = TOTAL_BORDER
    if table.notes:
        ws.append([])
        for note in table.notes:
            ws.append([note])
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 32  # room for "日本語 / English" on two lines
    _widths(ws, table)


def _append(ws: Worksheet, values: list[Any]) -> None:
    ws.append([safe_cell(v) for v in values])  # resident text never becomes a formula
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, bool):
            continue
        if isinstance(cell.value, int):
            cell.number_format = COUNT_FORMAT
        elif isinstance(cell.value, float):
            cell.number_format = RATE_FORMAT


def display_width(text: str) -> int:
    """Columns a text takes: Japanese characters are twice as wide as Latin ones."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _widths(ws: Worksheet, table: Table) -> None:
    last_data_row = 1 + len(table.rows) + (table.totals is not None)
    for i, column in enumerate(table.columns, 1):
        cells = [
            "" if v is None else percent(v) if isinstance(v, float) else f"{v:,}"
            if isinstance(v, int) else str(v)
            for (v,) in ws.iter_rows(
                min_row=2, max_row=last_data_row, min_col=i, max_col=i, values_only=True
            )
        ]  # fmt: skip
        # A long header wraps onto two lines: its longer half decides.
        header = max(display_width(p) for p in column.header.split(" / "))
        widest = max([header, *(display_width(c) for c in cells)])
        ws.column_dimensions[get_column_letter(i)].width = min(widest + 3, MAX_WIDTH)
        if widest + 3 > MAX_WIDTH:
            for (cell,) in ws.iter_rows(min_row=2, max_row=last_data_row, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
