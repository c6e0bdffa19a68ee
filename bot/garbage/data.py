"""A city's garbage data in the 5374.jp CSV format: read, validate, import.

`knowledge/garbage/` holds the same five files cities publish (area_days.csv,
center.csv, description.csv, remarks.csv, target.csv), normalized on import to
UTF-8, trimmed cells and ASCII digits, plus `settings.yaml` for what the format
cannot say (collection on national holidays). Keeping the open format means a
city's new data is one `resbot garbage import-5374` away, and staff can edit the
files in a spreadsheet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import yaml
from rapidfuzz import fuzz, process

from .csvfiles import Level, Problem, Table, read_table
from .rules import Cell, Closure, ClosureRule, HolidayRule, parse_cell

AREA = "area.csv"
"""Tokushima's town list (地名,センター,収集地区): each town gets the days of the
area_days.csv row named by its 収集地区, and its own centre."""
AREA_DAYS, CENTER, DESCRIPTION, REMARKS, TARGET = (
    "area_days.csv",
    "center.csv",
    "description.csv",
    "remarks.csv",
    "target.csv",
)
SETTINGS = "settings.yaml"
MASTER = ("マスター", "master")
"""Optional first column of area_days.csv (Japanese or English data): a larger
district grouping the areas."""
SINGLE_DAY = "休止日"
"""center.csv header `名称,休止日,休止日,...`: every date on a row is one closed day."""

HEADERS = {
    CENTER: ["名称", "休止開始日", "休止終了日"],
    DESCRIPTION: ["label", "sublabel", "description", "styles", "bgcolor"],
    REMARKS: ["ID", "注意事項"],
    AREA: ["地名", "センター", "収集地区"],
    TARGET: ["type", "name", "notice", "furigana"],
}
_CENTRE_WORDS = ("センター", "center", "処理", "清掃", "事業所", "業務課", "自治会", "管理")
_DATE_RE = re.compile(r"^(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True)
class Category:
    label: str
    sublabel: str = ""
    description: str = ""
    styles: str = ""
    bgcolor: str = ""


@dataclass(frozen=True)
class Area:
    name: str
    centre: str
    group: str
    cells: Mapping[str, Cell]
    line: int


@dataclass(frozen=True)
class Item:
    name: str
    category: str
    notice: str
    furigana: str
    line: int


@dataclass(frozen=True)
class Settings:
    holidays: HolidayRule = "collect"
    holidays_by_category: Mapping[str, HolidayRule] = field(default_factory=dict)
    example: bool = False
    """True while the folder holds the shipped, invented city (settings.yaml `example:`)."""
    closures: ClosureRule = "skip"
    """A collection day in a centre closure: skipped, or an n-th weekday moved a week
    on (settings.yaml `closures: shift`, 5374's WeekShift)."""

    def holiday_rule(self, category: str) -> HolidayRule:
        return self.holidays_by_category.get(category, self.holidays)


@dataclass
class Dataset:
    """Everything in one garbage folder, and what is wrong with it."""

    folder: Path
    master: bool = False
    area_columns: list[str] = field(default_factory=list)
    categories: dict[str, Category] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    remarks: dict[str, str] = field(default_factory=dict)
    closures: list[Closure] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    master_label: str = ""
    unlabelled_columns: list[int] = field(default_factory=list)
    """1-based area_days.csv columns with an empty header (not categories)."""
    single_day_closures: bool = False
    duplicate_areas: int = 0
    no_centre: bool = False
    """area_days.csv has no centre column: the categories follow the area name."""
    first_category: int = 2
    """0-based area_days.csv column of the first category."""
    towns: int = 0
    """Areas made from area.csv's towns (0: no area.csv)."""

    @property
    def fatal(self) -> bool:
        return any(p.level == "fatal" for p in self.problems)

    def closures_for(self, area: Area) -> tuple[Closure, ...]:
        return tuple(c for c in self.closures if c.centre == area.centre)


def parse_date(text: str) -> date | None:
    """2014/01/01, 2014-1-1, 2014年1月1日 or 20140101 (any width)."""
    m = _DATE_RE.match(unicodedata.normalize("NFKC", text).strip())
    if not m:
        return None
    y, mo, d = (g for g in m.groups() if g is not None)
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        return None


def _columns(table: Table, names: list[str], aliases: Mapping[str, str] | None = None) -> list[int]:
    """Index of each wanted column by header name; by position when the header lacks it."""
    found = {(aliases or {}).get(h, h): i for i, h in enumerate(table.header)}
    return [found.get(name, pos) for pos, name in enumerate(names)]


def _year_end(start: date, end: date) -> date | None:
    """The end a year on when that makes a pause of at most a month, else None."""
    try:
        later = end.replace(year=end.year + 1)
    except ValueError:  # 29 February
        return None
    return later if timedelta(0) <= later - start <= timedelta(days=31) else None


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


class _Reader:
    """Builds a Dataset file by file; each step adds its problems."""

    def __init__(self, folder: Path) -> None:
        self.ds = Dataset(folder)

    def problem(
        self, file: str, line: int | None, level: Level, message: str, column: int | None = None
    ) -> None:
        self.ds.problems.append(Problem(str(self.ds.folder / file), line, level, message, column))

    def error(self, file: str, line: int | None, message: str, column: int | None = None) -> None:
        self.problem(file, line, "error", message, column)

    def warn(self, file: str, line: int | None, message: str, column: int | None = None) -> None:
        self.problem(file, line, "warning", message, column)

    def table(
        self, name: str, *, required: bool, ragged: bool = False, shifted_rows: bool = False
    ) -> Table | None:
        """The file's table; None when absent or empty (fatal only if required)."""
        path = self.ds.folder / name
        if not path.is_file():
            if required:
                self.problem(name, None, "fatal", "file missing")
            return None
        fatal_before = self.ds.fatal
        table = read_table(path, self.ds.problems, ragged=ragged, shifted_rows=shifted_rows)
        if table is None:
            if required and self.ds.fatal == fatal_before:
                self.problem(name, None, "fatal", "file is empty (no header row)")
            return None
        self.ds.tables[name] = table
        return table

    def read(self) -> Dataset:
        area_days = self.table(AREA_DAYS, required=True, shifted_rows=True)
        remarks = self.table(REMARKS, required=False)
        if remarks is not None:
            self._remarks(remarks)
        if area_days is not None:
            self._area_days(area_days)
            towns = self.table(AREA, required=False)
            if towns is not None and self.ds.areas:
                self._towns(towns)
        description = self.table(DESCRIPTION, required=False)
        self._description(description)
        center = self.table(CENTER, required=False, ragged=True)
        if center is not None:
            self._center(center)
        target = self.table(TARGET, required=False)
        if target is None:
            self.warn(TARGET, None, "no item dictionary (target.csv)")
        else:
            self._target(target)
        self._settings()
        self._cross_check()
        self.ds.problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0))
        return self.ds

    def _remarks(self, table: Table) -> None:
        id_col, text_col = _columns(table, HEADERS[REMARKS])
        for line, row in table.rows:
            rid, text = _cell(row, id_col), _cell(row, text_col)
            if rid in self.ds.remarks:
                self.error(REMARKS, line, f"ID {rid!r} used twice; this row ignored")
            elif not rid:
                self.error(REMARKS, line, "remark without ID; ignored")
            else:
                if not text:
                    self.warn(REMARKS, line, f"remark {rid!r} has no text")
                self.ds.remarks[rid] = text

    def _area_days(self, table: Table) -> None:
        ds = self.ds
        ds.master = bool(table.header) and table.header[0].lower() in MASTER
        ds.master_label = table.header[0] if ds.master else ""
        first = 1 if ds.master else 0
        head = table.header_line
        if len(table.header) < first + 3:
            self.problem(
                AREA_DAYS,
                head,
                "fatal",
                "header needs the area name, the centre and at least one category column",
            )
            return
        ds.no_centre = self._no_centre(table, first)
        ds.first_category = first + (1 if ds.no_centre else 2)
        cat0 = ds.first_category
        columns = self._category_columns(table, cat0)
        ds.area_columns = [label for _, label in columns]
        rows_of: dict[str, list[tuple[int, list[str]]]] = {}
        for line, row in table.rows:
            name = row[first]
            if not name:
                self.error(AREA_DAYS, line, "row without area name; ignored")
                continue
            rows_of.setdefault(name, []).append((line, row))
        named: list[tuple[str, int, list[str]]] = []
        for name, rows in rows_of.items():
            if len(rows) > 1:
                named += self._duplicate(name, rows, first, columns)
            else:
                named.append((name, *rows[0]))
        for name, line, row in named:
            if line in table.overflow:
                # 火1,火3 for 火1 火3: every cell after the stray comma sits under the
                # next category, and which cell it was cannot be told. A wrong day is
                # worse than none, so this area gets no days until the row is fixed.
                self.error(
                    AREA_DAYS,
                    line,
                    f"area {name!r}: {len(table.overflow[line])} cells where the header has "
                    f"{len(table.header) + table.trailing_empty_columns}: a comma inside a "
                    "cell shifts the cells after it; no day of this area is imported "
                    "(write the rules of one cell with spaces: 火1 火3)",
                )
                row = row[:cat0]
            cells: dict[str, Cell] = {}
            for i, label in columns:
                cell, problems = parse_cell(_cell(row, i))
                if line in table.overflow:
                    cell = Cell(unread=True)
                cells[label] = cell
                for msg in problems:
                    if msg.startswith("warning: "):
                        self.warn(AREA_DAYS, line, f"{name} / {label}: {msg[9:]}", i + 1)
                    else:
                        self.error(AREA_DAYS, line, f"{name} / {label}: {msg}", i + 1)
                for rid in cell.remarks:
                    if rid not in ds.remarks:
                        self.error(
                            AREA_DAYS,
                            line,
                            f"{name} / {label}: no remark *{rid} in remarks.csv",
                            i + 1,
                        )
            if not any(c.rules for c in cells.values()) and line not in table.overflow:
                self.warn(AREA_DAYS, line, f"area {name!r} has no collection day at all")
            group = row[0] if ds.master else ""
            centre = "" if ds.no_centre else row[first + 1]
            ds.areas[name] = Area(name, centre, group, cells, line)

    def _towns(self, table: Table) -> None:
        """area.csv (地名,センター,収集地区): the towns residents name, each with the
        days of its 収集地区's row and its own centre; the district rows give way."""
        ds = self.ds
        name_col, centre_col, district_col = _columns(table, HEADERS[AREA])
        districts = dict(ds.areas)
        towns: dict[str, Area] = {}
        for line, row in table.rows:
            town, centre = _cell(row, name_col), _cell(row, centre_col)
            district = _cell(row, district_col)
            if not town:
                self.error(AREA, line, "row without 地名; ignored")
            elif district not in districts:
                self.error(AREA, line, f"{town}: 収集地区 {district!r} is not in {AREA_DAYS}")
            elif town in towns:
                self.error(AREA, line, f"{town!r} twice; line {towns[town].line} used")
            else:
                cells = districts[district].cells
                towns[town] = Area(town, centre, district, cells, line)
        if not towns:
            return
        unused = [d for d in districts if d not in {a.group for a in towns.values()}]
        if unused:
            names = ", ".join(unused)
            self.warn(AREA, None, f"{AREA_DAYS} rows that no town of {AREA} names: {names}")
        ds.areas = towns
        ds.towns = len(towns)

    def _no_centre(self, table: Table, first: int) -> bool:
        """Tokushima's area_days.csv has no centre column: its second column is a
        category. Told by the header (no センター/center word) and by the cells (four
        in five are collection rules)."""
        header = unicodedata.normalize("NFKC", table.header[first + 1]).lower()
        if not header or any(w in header for w in _CENTRE_WORDS):
            return False
        cells = [_cell(row, first + 1) for _, row in table.rows]
        filled = [c for c in cells if c]
        if not filled:
            return False
        rules = 0
        for text in filled:
            cell, problems = parse_cell(text)
            rules += bool(cell.groups) and not problems
        return rules >= 0.8 * len(filled)

    def _category_columns(self, table: Table, first: int) -> list[tuple[int, str]]:
        """(index, label) of each category column. A column with an empty header is
        not a category; it is an error only when it holds something."""
        ds = self.ds
        head = table.header_line
        columns: list[tuple[int, str]] = []
        for i, label in enumerate(table.header[first:], start=first):
            if not label:
                ds.unlabelled_columns.append(i + 1)
                filled = [line for line, row in table.rows if _cell(row, i)]
                if filled:
                    self.error(
                        AREA_DAYS,
                        head,
                        f"column {i + 1} has no category name but cells on line(s) "
                        f"{', '.join(map(str, filled[:5]))}{'…' if len(filled) > 5 else ''}; "
                        "ignored",
                    )
            elif label in ds.categories:
                self.error(AREA_DAYS, head, f"category {label!r} twice; column {i + 1} ignored")
            else:
                columns.append((i, label))
                ds.categories[label] = Category(label)
        return columns

    def _duplicate(
        self, name: str, rows: list[tuple[int, list[str]]], first: int,
        columns: list[tuple[int, str]],
    ) -> list[tuple[str, int, list[str]]]:
        """Rows of one area name: the same days once (a warning); different days kept
        apart under names that say how they differ (a resident who names the area is
        asked which), never one of them dropped for the others."""
        self.ds.duplicate_areas += len(rows) - 1
        distinct: dict[tuple[str, ...], tuple[int, list[str]]] = {}
        for line, row in rows:
            distinct.setdefault(tuple(row[first + 1 :]), (line, row))
        line, row = rows[0]
        if len(distinct) == 1:
            lines = ", ".join(str(n) for n, _ in rows[1:])
            self.warn(
                AREA_DAYS, rows[1][0], f"area {name!r} also on line {line}; same days on {lines}"
            )
            return [(name, line, row)]
        kept = list(distinct.values())
        names = self._apart(name, [r for _, r in kept], first, columns)
        shown = ", ".join(repr(n) for n in names)
        at = ", ".join(str(n) for n, _ in kept)
        message = (
            f"area {name!r} on lines {at} with different days: kept apart as {shown}; "
            f"a resident who names {name} is asked which"
        )
        if self.ds.master and len({r[0] for _, r in kept}) == len(kept):
            self.warn(AREA_DAYS, kept[1][0], message)  # one name in several districts
        else:
            self.error(AREA_DAYS, kept[1][0], message)
        return [(n, ln, r) for n, (ln, r) in zip(names, kept, strict=True)]

    def _apart(
        self, name: str, rows: list[list[str]], first: int, columns: list[tuple[int, str]]
    ) -> list[str]:
        """`福島（11）` (the district), `市街地（東部管理センター）` (the centre) or
        `葵町（可燃ごみ 火 金）` (the first category whose days all differ): the first of
        these that tells every row apart, else the row's place among them."""
        options: list[list[str]] = []
        if self.ds.master:
            options.append([r[0] for r in rows])
        centres = [_cell(r, first + 1) for r in rows]
        if not self.ds.no_centre and all(0 < len(c) <= 15 for c in centres):
            options.append(centres)
        for i, label in columns:
            cells = [_cell(r, i) for r in rows]
            if len(set(cells)) > 1:
                options.append([f"{label} {c or '-'}" for c in cells])
        for parts in options:
            if len(set(parts)) == len(parts) and all(parts):
                return [f"{name}（{p}）" for p in parts]
        return [f"{name}（{n}）" for n in range(1, len(rows) + 1)]

    def _description(self, table: Table | None) -> None:
        ds = self.ds
        described: set[str] = set()
        if table is None:
            self.warn(DESCRIPTION, None, "missing or empty: categories have no style")
            return
        cols = _columns(table, HEADERS[DESCRIPTION])
        for line, row in table.rows:
            label, sub, desc, styles, bg = (_cell(row, c) for c in cols)
            if not label:
                self.error(DESCRIPTION, line, "row without label; ignored")
                continue
            if label in described:
                self.warn(DESCRIPTION, line, f"{label!r} described twice; first kept")
                continue
            described.add(label)
            ds.categories[label] = Category(label, sub, desc, styles, bg)
        for label in ds.area_columns:
            if label not in described:
                self.warn(DESCRIPTION, None, f"category {label!r} has no row here")

    def _center(self, table: Table) -> None:
        """`名称,休止開始日,休止終了日` (one range per row) or `名称,休止日,休止日,...`
        (every date on the row one closed day). Several rows may name one centre."""
        if table.header[1:] and all(h == SINGLE_DAY for h in table.header[1:]):
            self.ds.single_day_closures = True
            for line, row in table.rows:
                name = _cell(row, 0)
                for col, text in enumerate(row[1:], start=2):
                    if not text:
                        continue
                    day = parse_date(text)
                    if day is None:
                        self.error(CENTER, line, f"{name}: {text!r} is not a date", col)
                    else:
                        self.ds.closures.append(Closure(name, day, day))
            return
        cols = _columns(table, HEADERS[CENTER])
        for line, row in table.rows:
            if row[: len(table.header)] == table.header:
                self.warn(CENTER, line, "the header again; skipped")
                continue
            extra = [c for c in row[3:] if c]
            if extra:
                self.error(CENTER, line, f"cells past the end date ignored: {extra}")
            name, start_text, end_text = (_cell(row, c) for c in cols)
            start, end = parse_date(start_text), parse_date(end_text)
            if not start_text and not end_text:
                self.warn(CENTER, line, f"{name}: no closure dates; none applied")
            elif start is None or end is None:
                bad = start_text if start is None else end_text
                self.error(CENTER, line, f"{name}: {bad!r} is not a date (YYYY/MM/DD)")
            elif end < start and _year_end(start, end) is not None:
                # 2015/12/29 - 2015/01/03: the year of the end was not moved on.
                after = _year_end(start, end)
                assert after is not None
                self.warn(
                    CENTER,
                    line,
                    f"{name}: closure ends before it starts; read as {start.isoformat()} to "
                    f"{after.isoformat()} (the year-end pause)",
                )
                self.ds.closures.append(Closure(name, start, after))
            elif end < start:
                self.error(CENTER, line, f"{name}: closure ends before it starts")
            else:
                self.ds.closures.append(Closure(name, start, end))

    def _target(self, table: Table) -> None:
        ds = self.ds
        cols = _columns(table, HEADERS[TARGET], {"label": "type"})
        seen: dict[str, Item] = {}
        known = list(ds.categories)
        rows = table.rows
        named = {h.lower() for h in table.header} & {"type", "label", "name", "notice"}
        if not named and table.header[:1] and table.header[0] in ds.categories:
            # Ichikawa's target.csv starts with an item, not a header.
            self.warn(TARGET, table.header_line, "no header row: the first line is an item")
            rows = [(table.header_line, table.header), *rows]
        for line, row in rows:
            category, name, notice, furigana = (_cell(row, c) for c in cols)
            if not name:
                self.error(TARGET, line, "row without item name; ignored")
                continue
            if not category:
                hint = next((c for c in known if name.endswith(c)), None)
                why = (
                    f"; the name ends with {hint!r}, a category in the wrong column?"
                    if hint
                    else ""
                )
                self.error(TARGET, line, f"item {name!r} has no category{why}; ignored")
                continue
            if category not in ds.categories:
                near = process.extractOne(category, known, scorer=fuzz.ratio, score_cutoff=75)
                if near:
                    # A typo: reported, and not made a category of its own.
                    self.error(
                        TARGET,
                        line,
                        f"item {name!r}: unknown category {category!r}; did you mean {near[0]!r}?",
                    )
                else:
                    # A category outside the calendar, e.g. bulky waste by appointment.
                    self.warn(
                        TARGET,
                        line,
                        f"item {name!r}: category {category!r} is not in area_days.csv "
                        "or description.csv (no collection days)",
                    )
                    ds.categories[category] = Category(category)
                    known.append(category)
            item = Item(name, category, notice, furigana, line)
            if name in seen:
                self.warn(
                    TARGET,
                    line,
                    f"item {name!r} also on line {seen[name].line} "
                    f"({seen[name].category} / {category}): translations are shared",
                )
            seen.setdefault(name, item)
            ds.items.append(item)

    def _settings(self) -> None:
        path = self.ds.folder / SETTINGS
        if not path.is_file():
            return
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            self.error(SETTINGS, None, f"not valid YAML: {exc}")
            return
        if not isinstance(data, dict):
            self.error(SETTINGS, None, "expected a mapping")
            return
        allowed = get_args(HolidayRule)
        default = data.get("holidays", "collect")
        if default not in allowed:
            self.error(SETTINGS, None, f"holidays: {default!r} is not one of {allowed}")
            default = "collect"
        by_cat: dict[str, HolidayRule] = {}
        for label, rule in (data.get("holidays_by_category") or {}).items():
            if rule not in allowed:
                self.error(SETTINGS, None, f"holidays_by_category: {label}: {rule!r}?")
            elif str(label) not in self.ds.categories:
                self.warn(SETTINGS, None, f"holidays_by_category: no category {label!r}")
            else:
                by_cat[str(label)] = rule
        example = data.get("example", False)
        if not isinstance(example, bool):
            self.error(SETTINGS, None, f"example: {example!r} is not true or false")
            example = True  # unsure: keep marking the answers
        closures = data.get("closures", "skip")
        if closures not in get_args(ClosureRule):
            self.error(SETTINGS, None, f"closures: {closures!r} is not skip or shift")
            closures = "skip"
        self.ds.settings = Settings(default, by_cat, example, closures)

    def _cross_check(self) -> None:
        ds = self.ds
        used = {rid for a in ds.areas.values() for c in a.cells.values() for rid in c.remarks}
        for rid in ds.remarks:
            if rid not in used:
                self.warn(REMARKS, None, f"remark {rid!r} is not used in area_days.csv")
        centres = {a.centre for a in ds.areas.values()}
        for closure in ds.closures:
            if closure.centre not in centres:
                self.warn(CENTER, None, f"centre {closure.centre!r} is not used by any area")


def read_dataset(folder: Path) -> Dataset:
    """Read and validate one folder of 5374 files; problems are collected, not raised."""
    return _Reader(folder).read()
