"""Calendar months in the city's time zone, turned into UTC bounds for the log.

The log keeps UTC timestamps; a Japanese city counts by its own months, so a
question asked at 00:30 on 1 April in Tokyo belongs to April, not March.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Tokyo"
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        m = _MONTH.fullmatch(text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"not a month: {text!r} (expected YYYY-MM, e.g. 2026-04)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, when: datetime, tz: str = DEFAULT_TZ) -> Month:
        local = when.astimezone(ZoneInfo(tz))
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def start(self, tz: str = DEFAULT_TZ) -> str:
        """The first instant of the month in `tz`, as the log writes timestamps."""
        local = datetime(self.year, self.month, 1, tzinfo=ZoneInfo(tz))
        return local.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Period:
    """Months first..last (inclusive), with the UTC bounds [start, end) to query."""

    first: Month
    last: Month
    tz: str = DEFAULT_TZ

    @property
    def label(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}_{self.last}"

    @property
    def start(self) -> str:
        return self.first.start(self.tz)

    @property
    def end(self) -> str:
        return self.last.shift(1).start(self.tz)

    @property
    def months(self) -> list[Month]:
        return months_between(self.first, self.last)


def months_between(first: Month, last: Month) -> list[Month]:
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    out = [first]
    while out[-1] < last:
        out.append(out[-1].shift(1))
    return out
