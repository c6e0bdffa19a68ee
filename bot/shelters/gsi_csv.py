"""Read the GSI emergency-site and shelter CSVs exactly as published (design.md §5a).

UTF-8 (with or without BOM) or Shift_JIS; with or without the municipality column. Rows
with unusable coordinates are reported with their line number and skipped, never guessed.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from bot.shelters.geo import GSI_COLUMNS, Disaster


@dataclass(frozen=True)
class Site:
    """One published row: an emergency site (has disasters) or a shelter (kind 'shelter')."""

    kind: str  # "emergency" | "shelter"
    common_id: str
    name: str
    address: str
    lat: float
    lon: float
    disasters: frozenset[Disaster]
    remarks: str


@dataclass
class ParseResult:
    """Sites read from one file, plus the rows refused and why (1-based line numbers)."""

    sites: list[Site] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def decode(raw: bytes) -> str:
    """UTF-8 first (strict), then Shift_JIS as cp932, the superset municipalities use."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def _coord(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def parse(text: str) -> ParseResult:
    """Parse one CSV; the header tells emergency sites (disaster columns) from shelters."""
    rows = csv.DictReader(io.StringIO(text))
    header = rows.fieldnames or []
    kind = "emergency" if "洪水" in header else "shelter"
    result = ParseResult()
    for row in rows:
        line = rows.line_num
        lat = _coord((row.get("緯度") or "").strip(), 20.0, 46.0)
        lon = _coord((row.get("経度") or "").strip(), 122.0, 154.0)
        if lat is None or lon is None:
            result.errors.append((line, f"bad coordinates {row.get('緯度')!r},{row.get('経度')!r}"))
            continue
        disasters = frozenset(
            d for col, d in GSI_COLUMNS.items() if (row.get(col) or "").strip() == "1"
        )
        result.sites.append(Site(
            kind=kind,
            common_id=(row.get("共通ID") or "").strip(),
            name=(row.get("施設・場所名") or "").strip(),
            address=(row.get("住所") or "").strip(),
            lat=lat, lon=lon, disasters=disasters,
            remarks=(row.get("備考") or "").strip(),
        ))
    return result


def parse_file(path: Path) -> ParseResult:
    """Parse a CSV file in either published encoding."""
    return parse(decode(path.read_bytes()))
