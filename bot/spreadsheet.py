"""Resident text in a spreadsheet stays text (CSV and XLSX injection).

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (or a
tab/CR before one) as a formula: `=HYPERLINK(...)` typed by anyone into the
chat would run on a staff computer. Japanese input methods type the full-width
forms (＝＋－＠), which some spreadsheet apps and any later NFKC step turn into
the ASCII ones, so those are guarded too. A guarded cell gets a leading
apostrophe, the spreadsheet convention for "this is text".
"""

from __future__ import annotations

import unicodedata
from typing import Any

LEADERS = frozenset("=+-@")
# Characters a spreadsheet may skip before it looks for a formula leader.
_SKIPPED = "\t\r\n \u3000"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take `text` for a formula, also after NFKC."""
    if text[:1] in ("\t", "\r", "\n"):
        return True
    head = unicodedata.normalize("NFKC", text[:8]).lstrip(_SKIPPED)
    return head[:1] in LEADERS


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet will keep it: formula-like text prefixed with
    an apostrophe; numbers and everything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value
