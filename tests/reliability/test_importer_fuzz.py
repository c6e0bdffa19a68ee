"""The 5374 importer over arbitrary Unicode cells: it never crashes, it reports.

Open data is typed by hand in spreadsheets. Starting from the well-formed
fixture city, random cells are replaced with arbitrary text (control characters,
quotes, commas, newlines, emoji, full-width digits, right-to-left marks...) and
random rows are added, cut or widened. The importer must always return a report,
refuse only with a `fatal` problem (and then write nothing), and name file and
line for what it did not take.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.garbage import import_5374
from bot.garbage.csvfiles import Problem

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "5374" / "rules"
FILES = sorted(p.name for p in RULES.glob("*.csv"))

CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # encodable: CSV files are UTF-8
    max_size=30,
) | st.sampled_from(
    [
        "",
        " ",
        "月 木",
        "水1:6 7",
        "隔水20240103",
        "20240230",
        "*1",
        "*99",
        "１２",
        "\u202e",
        '"',
        ",",
    ]
)


def table(name: str) -> list[list[str]]:
    text = (RULES / name).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name in FILES:
        rows = table(name)
        for _ in range(draw(st.integers(0, 6))):
            r = draw(st.integers(0, len(rows) - 1))
            c = draw(st.integers(0, max(0, len(rows[r]) - 1)))
            if rows[r]:
                rows[r][c] = draw(CELL)
        for _ in range(draw(st.integers(0, 2))):  # a row added, of any width
            rows.append(draw(st.lists(CELL, max_size=9)))
        if draw(st.booleans()) and len(rows) > 1:  # a row cut short or widened
            r = draw(st.integers(0, len(rows) - 1))
            rows[r] = rows[r][: draw(st.integers(0, 3))] + draw(st.lists(CELL, max_size=3))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(rows)
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
        files[name] = buffer.getvalue().encode(encoding, errors="replace")
    if draw(st.booleans()):  # now and then, one file that is not text at all
        files[draw(st.sampled_from(FILES))] = draw(st.binary(max_size=200))
    return files


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_arbitrary_cells_are_reported_never_crash(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src, knowledge = Path(tmp) / "data", Path(tmp) / "knowledge"
        src.mkdir()
        for name, raw in files.items():
            (src / name).write_bytes(raw)
        report = import_5374(src, knowledge)
        assert all(isinstance(p, Problem) and p.message for p in report.problems)
        assert all(p.file and (p.line is None or p.line >= 1) for p in report.problems)
        if report.ok:
            assert (knowledge / "garbage" / "area_days.csv").is_file()
        else:
            assert any(p.level == "fatal" for p in report.problems)
            assert not (knowledge / "garbage").exists()
        assert report.summary()
