"""Reading and writing the 5374 CSV files, keeping every line number.

Open data in the wild comes with BOMs, CRLF, Shift_JIS, stray spaces, full-width
digits and empty rows. Here each file becomes a header plus rows of trimmed,
folded cells with the line they came from, and every oddity that changes the data
becomes a `Problem` naming file and line, so nothing disappears unreported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["fatal", "error", "warning"]

_FULLWIDTH_ALNUM = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF5B) if chr(c - 0xFEE0).isalnum()}
)


@dataclass(frozen=True)
class Problem:
    """One finding about the data: `fatal` stops an import, `error` loses information."""

    file: str
    line: int | None
    level: Level
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.level}: {self.message}"


@dataclass
class Table:
    """One CSV file: its header and data rows, each row with its line number."""

    path: Path
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def fold_text(text: str) -> str:
    """Trim, single spaces, full-width digits and Latin letters to ASCII."""
    return " ".join(text.translate(_FULLWIDTH_ALNUM).split())


def _decode(path: Path, problems: list[Problem]) -> str | None:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(str(path), None, "fatal", f"neither UTF-8 nor Shift_JIS ({exc.reason})")
        )
        return None
    problems.append(Problem(str(path), None, "warning", "read as Shift_JIS; written as UTF-8"))
    return text


def read_table(path: Path, problems: list[Problem]) -> Table | None:
    """Read, decode and fold one file; None if it cannot be decoded or has no header.

    Rows shorter than the header are padded (warning); cells past the header are
    dropped (error when not empty). Empty rows are skipped with a warning.
    """
    text = _decode(path, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    table: Table | None = None
    for cells in reader:
        line = reader.line_num
        folded = [fold_text(c) for c in cells]
        if not any(folded):
            problems.append(Problem(str(path), line, "warning", "empty row skipped"))
            continue
        if header is None:
            header = folded
            while header and not header[-1]:
                header.pop()
            table = Table(path, header, line)
            continue
        assert table is not None
        n = len(header)
        if len(folded) < n:
            problems.append(
                Problem(
                    str(path),
                    line,
                    "warning",
                    f"{len(folded)} cell(s) where the header has {n}; the rest taken as empty",
                )
            )
            folded += [""] * (n - len(folded))
        elif len(folded) > n:
            extra = [c for c in folded[n:] if c]
            if extra:
                problems.append(
                    Problem(
                        str(path),
                        line,
                        "error",
                        f"{len(folded)} cells where the header has {n}; ignored: {extra}",
                    )
                )
            folded = folded[:n]
        table.rows.append((line, folded))
    return table


def write_table(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """UTF-8 without BOM, LF, written atomically (a reader never sees half a file)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)
