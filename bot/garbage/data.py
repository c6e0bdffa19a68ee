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
from datetime import date
from pathlib import Path
from typing import get_args

import yaml
from rapidfuzz import fuzz, process

from .csvfiles import Level, Problem, Table, read_table, write_table
from .rules import Cell, Closure, HolidayRule, fold_cell, parse_cell

AREA_DAYS, CENTER, DESCRIPTION, REMARKS, TARGET = (
    "area_days.csv",
    "center.csv",
    "description.csv",
    "remarks.csv",
    "target.csv",
)
SETTINGS = "settings.yaml"
MASTER = "マスター"
"""Optional first column of area_days.csv: a larger district grouping the areas."""

_HEADERS = {
    CENTER: ["名称", "休止開始日", "休止終了日"],
    DESCRIPTION: ["label", "sublabel", "description", "styles", "bgcolor"],
    REMARKS: ["ID", "注意事項"],
    TARGET: ["type", "name", "notice", "furigana"],
}
_DATE_RE = re.compile(r"^(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")
_SETTINGS_TEMPLATE = """\
# Garbage settings the 5374 CSV format cannot express.
# holidays: what happens on national holidays of Japan: collect (default) or skip.
holidays: collect
# Per-category exceptions, e.g. burnable garbage is collected even on holidays:
# holidays_by_category:
#   可燃ごみ: collect
"""


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


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


class _Reader:
    """Builds a Dataset file by file; each step adds its problems."""

    def __init__(self, folder: Path) -> None:
        self.ds = Dataset(folder)

    def problem(self, file: str, line: int | None, level: Level, message: str) -> None:
        self.ds.problems.append(Problem(str(self.ds.folder / file), line, level, message))

    def error(self, file: str, line: int | None, message: str) -> None:
        self.problem(file, line, "error", message)

    def warn(self, file: str, line: int | None, message: str) -> None:
        self.problem(file, line, "warning", message)

    def table(self, name: str, *, required: bool) -> Table | None:
        """The file's table; None when absent or empty (fatal only if required)."""
        path = self.ds.folder / name
        if not path.is_file():
            if required:
                self.problem(name, None, "fatal", "file missing")
            return None
        fatal_before = self.ds.fatal
        table = read_table(path, self.ds.problems)
        if table is None:
            if required and self.ds.fatal == fatal_before:
                self.problem(name, None, "fatal", "file is empty (no header row)")
            return None
        self.ds.tables[name] = table
        return table

    def read(self) -> Dataset:
        area_days = self.table(AREA_DAYS, required=True)
        remarks = self.table(REMARKS, required=False)
        if remarks is not None:
            self._remarks(remarks)
        if area_days is not None:
            self._area_days(area_days)
        description = self.table(DESCRIPTION, required=False)
        self._description(description)
        center = self.table(CENTER, required=False)
        if center is not None:
            self._center(center)
        target = self.table(TARGET, required=False)
        if target is None:
            self.warn(TARGET, None, "no item dictionary (target.csv)")
        else:
            self._target(target)
        self._settings()
        self._cross_check()
        self.ds.problems.sort(key=lambda p: (p.file, p.line or 0))
        return self.ds

    def _remarks(self, table: Table) -> None:
        id_col, text_col = _columns(table, _HEADERS[REMARKS])
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
        ds.master = bool(table.header) and table.header[0] == MASTER
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
        columns: list[tuple[int, str]] = []
        for i, label in enumerate(table.header[first + 2 :], start=first + 2):
            if not label:
                self.error(AREA_DAYS, head, f"column {i + 1} has no category name; ignored")
            elif label in ds.categories:
                self.error(AREA_DAYS, head, f"category {label!r} twice; column {i + 1} ignored")
            else:
                columns.append((i, label))
                ds.categories[label] = Category(label)
        ds.area_columns = [label for _, label in columns]
        for line, row in table.rows:
            name, centre = row[first], row[first + 1]
            if not name:
                self.error(AREA_DAYS, line, "row without area name; ignored")
                continue
            if name in ds.areas:
                other = ds.areas[name].line
                self.error(AREA_DAYS, line, f"area {name!r} also on line {other}; ignored")
                continue
            cells: dict[str, Cell] = {}
            for i, label in columns:
                cell, problems = parse_cell(_cell(row, i))
                cells[label] = cell
                for msg in problems:
                    if msg.startswith("warning: "):
                        self.warn(AREA_DAYS, line, f"{name} / {label}: {msg[9:]}")
                    else:
                        self.error(AREA_DAYS, line, f"{name} / {label}: {msg}")
                for rid in cell.remarks:
                    if rid not in ds.remarks:
                        self.error(
                            AREA_DAYS,
                            line,
                            f"{name} / {label}: no remark *{rid} in remarks.csv",
                        )
            if not any(c.rules for c in cells.values()):
                self.warn(AREA_DAYS, line, f"area {name!r} has no collection day at all")
            group = row[0] if ds.master else ""
            ds.areas[name] = Area(name, centre, group, cells, line)

    def _description(self, table: Table | None) -> None:
        ds = self.ds
        described: set[str] = set()
        if table is None:
            self.warn(DESCRIPTION, None, "missing or empty: categories have no style")
            return
        cols = _columns(table, _HEADERS[DESCRIPTION])
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
        cols = _columns(table, _HEADERS[CENTER])
        for line, row in table.rows:
            name, start_text, end_text = (_cell(row, c) for c in cols)
            start, end = parse_date(start_text), parse_date(end_text)
            if start is None or end is None:
                bad = start_text if start is None else end_text
                self.error(CENTER, line, f"{name}: {bad!r} is not a date (YYYY/MM/DD)")
            elif end < start:
                self.error(CENTER, line, f"{name}: closure ends before it starts")
            else:
                self.ds.closures.append(Closure(name, start, end))

    def _target(self, table: Table) -> None:
        ds = self.ds
        cols = _columns(table, _HEADERS[TARGET], {"label": "type"})
        seen: dict[str, Item] = {}
        known = list(ds.categories)
        for line, row in table.rows:
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
        self.ds.settings = Settings(default, by_cat)

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


@dataclass
class ImportReport:
    source: Path
    target: Path
    problems: list[Problem]
    counts: dict[str, int]
    written: list[Path]

    @property
    def ok(self) -> bool:
        return not any(p.level == "fatal" for p in self.problems)

    def summary(self) -> str:
        levels = [p.level for p in self.problems]
        counts = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        state = "imported" if self.ok else "NOT imported"
        return (
            f"{state}: {self.source} -> {self.target}: {counts}; "
            f"{levels.count('fatal')} fatal, {levels.count('error')} error(s), "
            f"{levels.count('warning')} warning(s)"
        )


def _normalized_rows(ds: Dataset, name: str) -> tuple[list[str], list[list[str]]]:
    table = ds.tables.get(name)
    if table is None:
        return list(_HEADERS[name]), []
    rows = [row for _, row in table.rows]
    if name == AREA_DAYS:
        first = (1 if ds.master else 0) + 2
        rows = [row[:first] + [fold_cell(c) for c in row[first:]] for row in rows]
    elif name == CENTER:
        rows = [row[:1] + [_iso_slash(c) for c in row[1:]] for row in rows]
    return table.header, rows


def _iso_slash(text: str) -> str:
    day = parse_date(text)
    return day.strftime("%Y/%m/%d") if day else text


def import_5374(src_dir: Path, knowledge_dir: Path) -> ImportReport:
    """Validate a 5374 `data/` folder and write it, normalized, to `<knowledge>/garbage/`.

    Nothing is written when a problem is fatal. Other problems are reported and the
    data is written as it is, so they stay visible (and fixable) in the knowledge
    folder; `resbot garbage check` reports them again.
    """
    src = Path(src_dir)
    if not (src / AREA_DAYS).is_file() and (src / "data" / AREA_DAYS).is_file():
        src = src / "data"
    dest = Path(knowledge_dir) / "garbage"
    ds = read_dataset(src)
    counts = {
        "areas": len(ds.areas),
        "categories": len(ds.categories),
        "items": len(ds.items),
        "remarks": len(ds.remarks),
        "closures": len(ds.closures),
    }
    report = ImportReport(src, dest, ds.problems, counts, [])
    if ds.fatal:
        return report
    dest.mkdir(parents=True, exist_ok=True)
    for name in (AREA_DAYS, CENTER, DESCRIPTION, REMARKS, TARGET):
        header, rows = _normalized_rows(ds, name)
        write_table(dest / name, header, rows)
        report.written.append(dest / name)
    settings = dest / SETTINGS
    if not settings.exists():
        settings.write_text(_SETTINGS_TEMPLATE, encoding="utf-8")
        report.written.append(settings)
    return report
