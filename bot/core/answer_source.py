"""Entries whose text is not the reply to a typed question, because the dialogue
builds the reply from data instead: the staff editor says so, so nobody fixes
text residents do not read (issue 16).

The rule follows the dialogue's own code paths and constants:
- topic `CALENDAR_TOPIC` while garbage data with areas is loaded: `GarbageFlow.route`
  answers from the calendar (the text is the reply only when no area data exists);
- action `LANGUAGE_ACTION`: `Bot._answer_text` switches the language or shows the
  language menu.
The text is still sent when a resident taps a button that opens the entry (an
`e:<id>` postback): another entry's `related` button, or its category's menu
(every category but `HIDDEN_CATEGORY`). `tapped_from` lists those, so the
editor's note is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .garbage_flow import CALENDAR_TOPIC

if TYPE_CHECKING:
    from .dialogue import Bot
    from .knowledge import Entry

CALENDAR_FILES = ("area_days.csv", "center.csv", "remarks.csv")


@dataclass(frozen=True)
class AnswerSource:
    kind: str  # "garbage_calendar" or "language_menu"
    files: list[str]  # where the real data lives: knowledge-folder or repository paths
    tapped_from: list[str]  # entry ids whose `related` buttons open it
    in_menu: bool  # its category's menu lists it


def answer_source(bot: Bot, entry: Entry) -> AnswerSource | None:
    """What answers a typed question matched to `entry` instead of its text, or None."""
    from .dialogue import HIDDEN_CATEGORY, LANGUAGE_ACTION

    kb = bot.kb
    tapped = sorted(
        other.id
        for other in kb.entries.values()
        if other.id != entry.id
        and any(
            (found := kb.entry_for(ref)) is not None and found.id == entry.id
            for ref in other.related
        )
    )
    in_menu = entry.category != HIDDEN_CATEGORY
    if entry.topic == CALENDAR_TOPIC and bot.garbage is not None and bot.garbage.data.areas:
        folder = bot.garbage.data.dataset.folder
        try:
            where = folder.resolve().relative_to(kb.root.resolve()).as_posix() + "/"
        except ValueError:
            where = str(folder) + "/"
        files = [where + name for name in CALENDAR_FILES if (folder / name).exists()]
        return AnswerSource("garbage_calendar", files, tapped, in_menu)
    if entry.action == LANGUAGE_ACTION:
        return AnswerSource(
            "language_menu",
            ["translations/*/LC_MESSAGES/interface.po (choose_language)"],
            tapped,
            in_menu,
        )
    return None
