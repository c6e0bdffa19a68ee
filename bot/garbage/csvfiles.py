"""Reading and writing the 5374 CSV files, keeping every line number.

Open data in the wild comes with BOMs, CRLF, Shift_JIS, stray spaces, full-width
digits and empty rows. Here each file becomes a header plus rows of trimmed,
folded cells with the line they came from, and every oddity that changes the data
becomes a `Problem` naming file and line, so nothing disappears unreported.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
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
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.level}: {self.message}"


Encoding = Literal["UTF-8", "UTF-8 with BOM", "Shift_JIS"]
DELIMITERS = ",;\t"
"""Field delimiters seen in 5374 data: `,`; `;` in some English data sets."""


@dataclass
class Table:
    """One CSV file: its header and data rows, each row with its line number,
    and how the file was written (for the import summary)."""

    path: Path
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: Encoding = "UTF-8"
    delimiter: str = ","
    crlf: bool = False
    quoted: bool = False
    trailing_empty_columns: int = 0
    overflow: dict[int, list[str]] = field(default_factory=dict)
    """Line -> all cells of rows with filled cells past every header column (even
    the unlabelled trailing ones): a comma inside a cell shifted the row."""


def fold_text(text: str) -> str:
    """Trim, single spaces, full-width digits and Latin letters to ASCII."""
    return " ".join(text.translate(_FULLWIDTH_ALNUM).split())


def _decode(path: Path, problems: list[Problem]) -> tuple[str, Encoding] | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        return text, "UTF-8 with BOM" if raw.startswith(b"\xef\xbb\xbf") else "UTF-8"
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
    return text, "Shift_JIS"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header row into the most fields (`,` on a tie).

    Only the header is looked at: a `;` inside a cell (`水1:4 5; 水2:6`) must not
    make a comma file look `;`-separated. csv.Sniffer guesses from character
    counts over many rows, which such cells and quoted commas mislead.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


def read_table(
    path: Path, problems: list[Problem], *, ragged: bool = False, shifted_rows: bool = False
) -> Table | None:
    """Read, decode and fold one file; None if it cannot be decoded or has no header.

    Rows shorter than the header are padded (warning); cells past the header are
    dropped. Cells under a trailing column without a header (Saga's district codes)
    are one error per column, not per row. Filled cells past even those are an
    error per row, or, with `shifted_rows`, left to the caller in `Table.overflow`.
    Empty rows are skipped with a warning. With `ragged`, rows keep exactly the
    cells they have (center.csv with one column per closed day).
    """
    decoded = _decode(path, problems)
    if decoded is None:
        return None
    text, encoding = decoded
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    table: Table | None = None
    trailing = 0
    unlabelled: dict[int, list[int]] = {}
    rows: list[tuple[int, list[str]]] = []
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
                trailing += 1
            table = Table(
                path,
                header,
                line,
                encoding=encoding,
                delimiter=delimiter,
                crlf="\r\n" in text,
                quoted='"' in text,
                trailing_empty_columns=trailing,
            )
            continue
        rows.append((line, folded))
    if table is None or header is None:
        return table
    n = len(header)
    width = _usual_width(rows, n + trailing)
    for line, folded in rows:
        if ragged:
            pass
        elif len(folded) < n:
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
            for i in range(n, min(len(folded), width)):
                if folded[i]:
                    unlabelled.setdefault(i + 1, []).append(line)
            extra = [c for c in folded[width:] if c]
            if extra and shifted_rows:
                table.overflow[line] = folded
            elif extra:
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
    for column, lines in unlabelled.items():
        shown = ", ".join(map(str, lines[:5])) + ("…" if len(lines) > 5 else "")
        problems.append(
            Problem(
                str(path),
                table.header_line if table else None,
                "error",
                f"column {column} has no header but cells on {len(lines)} line(s) ({shown}); "
                "ignored",
                column,
            )
        )
    return table


def _usual_width(rows: list[tuple[int, list[str]]], width: int) -> int:
    """The header's width, or the width most rows have past it: a last column whose
    name was left out of the header (Kasama: 7 names, 8 cells on every row) is a
    column without a name, not a stray comma on every row."""
    longer = Counter(len(r) for _, r in rows if len(r) > width)
    if longer:
        common, count = longer.most_common(1)[0]
        if count * 2 > len(rows):
            return common
    return width


def write_table(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """UTF-8 without BOM, LF, written atomically (a reader never sees half a file)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)
