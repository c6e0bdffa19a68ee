"""Read the GSI emergency-site and shelter CSVs exactly as published (design.md §5a).

UTF-8 (with or without BOM) or Shift_JIS; with or without the municipality column. Rows
with unusable coordinates are reported with their line number and skipped, never guessed.

Headers are matched after NFKC and without spaces or punctuation, so a list re-saved
with half-width ･ and ､ (common after Excel) still reads; municipalities' own lists in
the national standard dataset layout (名称, 災害種別_洪水...) read too. A disaster mark
other than 1 (or ○) is reported and not taken as a designation: a site is never
offered for a disaster its list does not clearly name.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
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
    """Sites read from one file, the rows refused and why, and what was read with doubt
    (1-based line numbers; line 1 is the header)."""

    sites: list[Site] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


_PUNCT_RE = re.compile(r"[\s、,・_()（）]")
_DISASTER_PREFIX = "災害種別"

# Field -> header keys (see _key) it may be published under.
_FIELDS: dict[str, tuple[str, ...]] = {
    "common_id": ("共通ID", "ID"),
    "name": ("施設場所名", "名称", "施設名", "施設場所名称"),
    "address": ("住所", "所在地"),
    "lat": ("緯度",),
    "lon": ("経度",),
    "remarks": ("備考",),
    "for_whom": ("受入対象者",),
}
# 備考 such as 洪水時使用不可 or （洪水・土砂災害時は利用不可）: the site is not offered for
# those disasters even where the column says 1, and the import names the contradiction.
_HAZARD_WORDS: dict[str, Disaster] = {
    "洪水": Disaster.FLOOD, "土砂災害": Disaster.LANDSLIDE, "崖崩れ": Disaster.LANDSLIDE,
    "土石流": Disaster.LANDSLIDE, "地滑り": Disaster.LANDSLIDE, "がけ崩れ": Disaster.LANDSLIDE,
    "高潮": Disaster.STORM_SURGE, "地震": Disaster.EARTHQUAKE, "津波": Disaster.TSUNAMI,
    "大規模な火事": Disaster.FIRE, "大規模火災": Disaster.FIRE, "火災": Disaster.FIRE,
    "内水氾濫": Disaster.INLAND_FLOOD, "火山現象": Disaster.VOLCANO, "噴火": Disaster.VOLCANO,
}
_HAZARD = "|".join(sorted(_HAZARD_WORDS, key=len, reverse=True))
_NOT_USABLE_RE = re.compile(
    rf"((?:{_HAZARD})(?:\s*[・、,/]\s*(?:{_HAZARD}))*)\s*(?:時|の際|のとき)(?:は|には)?\s*"
    r"(?:使用|利用|避難)?\s*(?:不可|できません)"
)


def not_usable_for(remarks: str) -> frozenset[Disaster]:
    """Disasters a note says the site cannot be used in: 洪水・土砂災害時は使用不可."""
    found: set[Disaster] = set()
    for m in _NOT_USABLE_RE.finditer(unicodedata.normalize("NFKC", remarks)):
        found.update(_HAZARD_WORDS[w] for w in re.findall(_HAZARD, m.group(1)))
    return frozenset(found)


_YES = frozenset({"1", "○", "◯", "〇", "●"})
_NO = frozenset({"", "0", "-", "×"})


def _key(header_cell: str) -> str:
    """`施設･場所名 ` -> `施設場所名`; `災害種別_洪水` -> `洪水`."""
    key = _PUNCT_RE.sub("", unicodedata.normalize("NFKC", header_cell))
    return key.removeprefix(_DISASTER_PREFIX)


_DISASTER_KEYS = {_key(col): d for col, d in GSI_COLUMNS.items()}


def _columns(header: list[str]) -> tuple[dict[str, str], dict[str, Disaster]]:
    """Which published column holds each field and each disaster's mark (first one wins)."""
    by_key: dict[str, str] = {}
    for cell in header:
        by_key.setdefault(_key(cell), cell)
    fields = {
        name: by_key[k] for name, keys in _FIELDS.items() for k in keys[::-1] if k in by_key
    }
    disasters = {by_key[k]: d for k, d in _DISASTER_KEYS.items() if k in by_key}
    return fields, disasters


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
    fields, disaster_cols = _columns(list(rows.fieldnames or []))
    kind = "emergency" if disaster_cols else "shelter"
    result = ParseResult()
    missing = [f for f in ("name", "lat", "lon") if f not in fields]
    if missing:
        names = {"name": "施設・場所名", "lat": "緯度", "lon": "経度"}
        result.errors.append((1, "header has no column " + ", ".join(names[f] for f in missing)
                              + ": not a GSI site list; nothing read"))
        return result
    if 0 < len(disaster_cols) < len(GSI_COLUMNS):
        absent = [c for c, d in GSI_COLUMNS.items() if d not in disaster_cols.values()]
        result.warnings.append((1, "no column " + ", ".join(absent)
                                + ": no site is offered for that disaster"))

    def cell(row: dict[str, str | None], field_name: str) -> str:
        column = fields.get(field_name)
        return (row.get(column) or "").strip() if column else ""

    end = 1  # a quoted remark may span lines: a row is named by its first line
    for row in rows:
        line, end = end + 1, rows.line_num
        lat = _coord(cell(row, "lat"), 20.0, 46.0)
        lon = _coord(cell(row, "lon"), 122.0, 154.0)
        if lat is None or lon is None:
            result.errors.append(
                (line, f"bad coordinates {cell(row, 'lat')!r},{cell(row, 'lon')!r}")
            )
            continue
        disasters = set()
        for column, disaster in disaster_cols.items():
            mark = unicodedata.normalize("NFKC", row.get(column) or "").strip()
            if mark in _YES:
                disasters.add(disaster)
            elif mark not in _NO:
                result.warnings.append((line, f"{column}: {mark!r} is not 1 or empty; "
                                        "not taken as designated"))
        remarks = cell(row, "remarks")
        if for_whom := cell(row, "for_whom"):
            # A welfare shelter (福祉避難所) takes only these people: residents see it.
            remarks = f"受入対象者：{for_whom}" + (f"\n{remarks}" if remarks else "")
        if excluded := disasters & not_usable_for(remarks):
            disasters -= excluded
            named = ", ".join(c for c, d in GSI_COLUMNS.items() if d in excluded)
            result.warnings.append((line, f"marked for {named} but 備考 says {remarks!r}: "
                                    "not offered for it"))
        result.sites.append(Site(
            kind=kind,
            common_id=cell(row, "common_id"),
            name=cell(row, "name"),
            address=cell(row, "address"),
            lat=lat, lon=lon, disasters=frozenset(disasters),
            remarks=remarks,
        ))
    return result


def parse_file(path: Path) -> ParseResult:
    """Parse a CSV file in either published encoding."""
    return parse(decode(path.read_bytes()))
