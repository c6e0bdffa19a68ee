"""When garbage reminders go out: `reminders:` in `knowledge/garbage/settings.yaml`.

    reminders:
      evening: "19:00"     # the evening before a collection day
      morning: "07:00"     # the morning of the collection day
      put_out_by: "08:30"  # after this a missed reminder is useless: skipped
                           # (default: garbage.put_out_by in city.yaml, else 8:30)
      quiet: "21:00-06:00" # a late reminder waits until the quiet hours end

Read by the subscription menu (to say the times) and by the scheduler (to keep them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path

import yaml


@dataclass(frozen=True)
class ReminderTimes:
    evening: time = time(19, 0)
    morning: time = time(7, 0)
    put_out_by: time = time(8, 30)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(6, 0)

    def at(self, option: str) -> time:
        return self.evening if option == "evening" else self.morning

    def quiet(self, moment: time) -> bool:
        """True in the quiet hours (they may run over midnight)."""
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        return start <= moment or moment < end if start > end else start <= moment < end


def _time(value: object, default: time) -> time:
    """ "19:00" -> time(19, 0); the default when missing or not a time of day."""
    if value is None:
        return default
    try:
        hours, minutes = str(value).strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return default


def load_reminder_times(garbage_folder: Path, put_out_by: str | None = None) -> ReminderTimes:
    """The city's reminder times; defaults where the file or a key is missing.
    `put_out_by` is the city profile's value ("8:30"), used unless settings say."""
    path = garbage_folder / "settings.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    conf = (raw or {}).get("reminders") or {}
    base = ReminderTimes()
    quiet = str(conf.get("quiet") or "").split("-")
    return ReminderTimes(
        evening=_time(conf.get("evening"), base.evening),
        morning=_time(conf.get("morning"), base.morning),
        put_out_by=_time(conf.get("put_out_by") or put_out_by, base.put_out_by),
        quiet_start=_time(quiet[0], base.quiet_start) if len(quiet) == 2 else base.quiet_start,
        quiet_end=_time(quiet[1], base.quiet_end) if len(quiet) == 2 else base.quiet_end,
    )
