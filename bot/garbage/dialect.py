"""How a city's 5374 data was read: one line per dialect feature met.

Cities write the format in different ways (Shift_JIS, `;` as delimiter, an
English `Master` column, month groups, single closure days...). The importer
prints this summary so staff can see at a glance that their data was read the
way they meant it, not only which cells could not be read.
"""

from __future__ import annotations

from collections import Counter

from .data import AREA_DAYS, CENTER, Dataset


def _encodings(ds: Dataset) -> list[str]:
    by_encoding: dict[str, list[str]] = {}
    for name, table in ds.tables.items():
        by_encoding.setdefault(table.encoding, []).append(name)
    return [
        "encoding: " + "; ".join(f"{enc}: {', '.join(names)}" for enc, names in by_encoding.items())
    ]


def _layout(ds: Dataset) -> list[str]:
    out: list[str] = []
    tables = ds.tables.items()
    delimited = [f"{n} ({t.delimiter!r})" for n, t in tables if t.delimiter != ","]
    if delimited:
        out.append("field delimiter other than ',': " + ", ".join(delimited))
    crlf = [n for n, t in tables if t.crlf]
    if crlf:
        out.append("CRLF line ends: " + ", ".join(crlf))
    quoted = [n for n, t in tables if t.quoted]
    if quoted:
        out.append('quoted cells ("..."): ' + ", ".join(quoted))
    trailing = [f"{n} ({t.trailing_empty_columns})" for n, t in tables if t.trailing_empty_columns]
    if trailing:
        out.append("trailing empty columns dropped: " + ", ".join(trailing))
    return out


def _area_days(ds: Dataset) -> list[str]:
    out: list[str] = []
    if ds.master:
        groups = len({a.group for a in ds.areas.values()})
        out.append(f"{ds.master_label!r} column: {groups} district(s) grouping the areas")
    if ds.no_centre:
        out.append(f"{AREA_DAYS}: no centre column (the categories follow the area name)")
    if ds.towns:
        groups = len({a.group for a in ds.areas.values()})
        out.append(f"area.csv: {ds.towns} town(s) named by residents, in {groups} 収集地区")
    if ds.unlabelled_columns:
        cols = ", ".join(map(str, ds.unlabelled_columns))
        out.append(f"{AREA_DAYS}: column(s) {cols} have no header: not categories")
    seen: Counter[str] = Counter()
    for area in ds.areas.values():
        for cell in area.cells.values():
            seen.update(cell.features)
    if seen["month list"]:
        out.append(
            f"month lists (rules:months): {seen['month list']} cell(s); "
            f"several groups in one cell: {seen['month groups']}; "
            f"groups separated by ';': {seen['semicolon']}"
        )
    if seen["english"]:
        out.append(f"English weekdays (Mon..Sun, Wed2): {seen['english']} cell(s)")
    if seen["run together"]:
        out.append(f"weekdays run together (火金 = 火 金): {seen['run together']} cell(s)")
    if seen["nth shorthand"]:
        out.append(f"weekday written once (水1 3 = 水1 水3): {seen['nth shorthand']} cell(s)")
    if seen["every n weeks"]:
        n = seen["every n weeks"]
        out.append(f"every N weeks from a date (4週火20170411, e2w20180404): {n} cell(s)")
    if seen["not collected"]:
        out.append(f"not collected in the area (--, なし): {seen['not collected']} cell(s)")
    if seen["never"]:
        out.append(f"a week no month has (日6), read as no collection: {seen['never']} cell(s)")
    if seen["footnote"]:
        out.append(f"footnotes (*1 -> remarks.csv): {seen['footnote']} cell(s)")
    if ds.duplicate_areas:
        out.append(
            f"repeated area rows: {ds.duplicate_areas} (the same days once; other days "
            "kept apart under names that say how they differ)"
        )
    not_rules = sum(
        1 for p in ds.problems if p.file.endswith(AREA_DAYS) and p.column and p.level == "error"
    )
    if not_rules:
        out.append(
            f"cells with errors (not rules, bad dates, unknown footnotes): {not_rules} "
            "(listed above with line:column)"
        )
    return out


def _closures(ds: Dataset) -> list[str]:
    if not ds.closures:
        return []
    rows = Counter(c.centre for c in ds.closures)
    several = [f"{name} ({n})" for name, n in rows.items() if n > 1]
    kind = (
        f"single closed days ({CENTER} header 名称,休止日,...)"
        if ds.single_day_closures
        else "closure periods (start-end)"
    )
    line = f"{kind}: {len(ds.closures)} for {len(rows)} centre(s)"
    if several and not ds.single_day_closures:
        line += "; several periods for " + ", ".join(several)
    return [line]


def describe(ds: Dataset) -> list[str]:
    """Lines such as "month lists (rules:months): 12 cell(s); ..." for the import output."""
    if not ds.tables:
        return []
    return [
        *_encodings(ds),
        *_layout(ds),
        *_area_days(ds),
        *_closures(ds),
    ]
