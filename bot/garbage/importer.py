"""`resbot garbage import-5374`: a city's 5374 `data/` folder into the knowledge folder.

The files are validated (data.py), written back normalized (UTF-8, comma, LF,
trimmed cells, ASCII digits, ISO-like closure dates) and `settings.yaml` is marked
as the city's own data, so answers stop carrying the example mark. What the data
looked like (encodings, delimiters, month groups...) is summarized (dialect.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .csvfiles import Problem, write_table
from .data import (
    AREA,
    AREA_DAYS,
    CENTER,
    DESCRIPTION,
    HEADERS,
    REMARKS,
    SETTINGS,
    TARGET,
    Dataset,
    parse_date,
    read_dataset,
)
from .dialect import describe
from .rules import fold_cell

_EXAMPLE_RE = re.compile(r"^example\s*:.*$", re.MULTILINE)
_EXAMPLE_FALSE = (
    "# example: false = this folder holds the city's own data (written by import-5374);\n"
    "# true = invented example data, and every garbage answer says so.\n"
    "example: false\n"
)
_CLOSURES_RE = re.compile(r"^closures\s*:.*$", re.MULTILINE)
_CLOSURES_NOTE = (
    "# closures: a collection day in a centre closure (center.csv) is skipped (skip),\n"
    "# or an n-th weekday moves a week on in its month (shift: 5374's WeekShift).\n"
)
_SETTINGS_TEMPLATE = f"""\
# Garbage settings the 5374 CSV format cannot express.
{_EXAMPLE_FALSE}# holidays: what happens on national holidays of Japan: collect (default) or skip.
holidays: collect
# Per-category exceptions, e.g. burnable garbage is collected even on holidays:
# holidays_by_category:
#   可燃ごみ: collect
"""


@dataclass
class ImportReport:
    source: Path
    target: Path
    problems: list[Problem]
    counts: dict[str, int]
    written: list[Path]
    dialect: list[str] = field(default_factory=list)
    """How the data was read, one line per dialect feature met (see dialect.py)."""

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
        return list(HEADERS[name]), []
    # A shifted row is written whole, as published: `garbage check` finds it again.
    rows = [table.overflow.get(line, row) for line, row in table.rows]
    if name == AREA_DAYS:
        first = ds.first_category
        rows = [row[:first] + [fold_cell(c) for c in row[first:]] for row in rows]
    elif name == CENTER:
        rows = [row[:1] + [_iso_slash(c) for c in row[1:]] for row in rows]
    return table.header, rows


def _iso_slash(text: str) -> str:
    day = parse_date(text)
    return day.strftime("%Y/%m/%d") if day else text


def _app_setting(src: Path, name: str) -> bool | None:
    """`WeekShift = true;` in the city's own 5374 app (js/setting.js of the checkout
    the data folder belongs to), or None when the app or the setting is not there."""
    for folder in (src, src.parent):
        path = folder / "js" / "setting.js"
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            # Hand-written: one assignment in a settings file, no JS parser needed.
            m = re.search(rf"^\s*(?:var|let|const)?\s*{name}\s*=\s*(true|false)", text, re.M)
            return None if m is None else m.group(1) == "true"
    return None


def closure_rule_of(src: Path) -> tuple[str, str] | None:
    """("shift" or "skip", why) from the app's WeekShift and SkipSuspend, if found."""
    week_shift, skip_suspend = _app_setting(src, "WeekShift"), _app_setting(src, "SkipSuspend")
    if week_shift is None:
        return None
    if week_shift and not skip_suspend:
        return "shift", "js/setting.js: WeekShift = true"
    why = "SkipSuspend = true" if skip_suspend else "WeekShift = false"
    return "skip", f"js/setting.js: {why}"


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
    report = ImportReport(src, dest, ds.problems, counts, [], describe(ds))
    app_rule = closure_rule_of(src)
    if app_rule is not None:
        report.dialect.append(
            f"closures as the city's app reads them ({app_rule[1]}): "
            + (
                "an n-th weekday in a closure moves a week on (settings.yaml closures: shift)"
                if app_rule[0] == "shift"
                else "a collection day in a closure is skipped (closures: skip)"
            )
        )
    if ds.fatal:
        return report
    dest.mkdir(parents=True, exist_ok=True)
    for name in (AREA_DAYS, CENTER, DESCRIPTION, REMARKS, TARGET):
        header, rows = _normalized_rows(ds, name)
        write_table(dest / name, header, rows)
        report.written.append(dest / name)
    if AREA in ds.tables:
        header, rows = _normalized_rows(ds, AREA)
        write_table(dest / AREA, header, rows)
        report.written.append(dest / AREA)
    elif (dest / AREA).exists():
        (dest / AREA).unlink()  # the last city's towns are not this city's
    settings = dest / SETTINGS
    report.written.append(settings)
    # The city's own data now: answers stop carrying the example mark. Other
    # settings (holidays, topics, reminders) and comments are kept as they are.
    text = settings.read_text(encoding="utf-8") if settings.exists() else _SETTINGS_TEMPLATE
    if _EXAMPLE_RE.search(text):
        text = _EXAMPLE_RE.sub("example: false", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + _EXAMPLE_FALSE
    if app_rule is not None:
        line = f"closures: {app_rule[0]}  # {app_rule[1]}"
        if _CLOSURES_RE.search(text):
            text = _CLOSURES_RE.sub(line, text, count=1)
        else:
            text = text.rstrip("\n") + "\n\n" + _CLOSURES_NOTE + line + "\n"
    tmp = settings.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(settings)
    return report
