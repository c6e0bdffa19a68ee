"""Garbage: collection calendars (5374.jp format) and the item dictionary.

What the dialogue calls:

    data = GarbageData.load(knowledge_dir)        # never fails; empty without data
    data.match_area("asahicho")                   # ["旭町"]: one = sure, several = ask
    data.next_dates("旭町", date(2015, 1, 5), 14)  # [CategoryDates(...), ...]
    data.find_item("pin cũ vứt thế nào", lang="vi")   # ItemMatch | None
    data.category_names("可燃ごみ")                # {"ja": "可燃ごみ", "en": ...}
    check(knowledge_dir)                          # problems, for `resbot kb check`

Channel-agnostic and pure apart from reading the knowledge folder once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path

from bot.core import memo
from bot.core.langs import SOURCE_LANG, TARGET_LANGS

from .csvfiles import Problem
from .data import Area, Category, Dataset, Item, read_dataset
from .importer import ImportReport, import_5374
from .lookup import AreaIndex, ItemIndex, ItemMatch
from .rules import WEEKDAYS, collection_dates
from .translations import CATEGORY, DESCRIPTION, ITEM, NOTICE, Translations, load_translations
from .translations import missing as missing_translations

__all__ = [
    "WEEKDAYS",
    "Area",
    "Category",
    "CategoryDates",
    "GarbageData",
    "ImportReport",
    "Item",
    "ItemMatch",
    "Problem",
    "check",
    "import_5374",
    "today",
]

JST = timezone(timedelta(hours=9), "JST")  # no DST in Japan; needs no tz database


def today() -> date:
    """Today in Japan: a server on UTC must not answer with yesterday before 9:00."""
    return datetime.now(JST).date()


@dataclass(frozen=True)
class CategoryDates:
    """Collection days of one category in the asked period (may be empty)."""

    category: str
    dates: list[date]
    remarks: tuple[str, ...] = ()
    unread: bool = False
    """The city's cell could not be read (in full): no date is not "no collection"."""
    not_collected: bool = False
    """The city wrote that this category is not collected in the area."""
    no_days: bool = False
    """The city's cell is empty: its data gives no day here (not "none soon")."""


@dataclass
class GarbageData:
    """One city's garbage data with its translations; indexes are built on first use."""

    dataset: Dataset
    translations: Translations = field(default_factory=lambda: Translations({}))

    def __post_init__(self) -> None:
        # Name scans of a text depend on the text and this data only (bot.core.memo):
        # a reload builds a new GarbageData, with empty caches.
        self._named_in = memo.bound(self._area_named_in)
        self._items_in = memo.bound(self._find_items)
        self._guess = memo.bound(self._area_guess)

    @classmethod
    def load(cls, knowledge_dir: Path) -> GarbageData:
        """Read `<knowledge>/garbage/`; a city without garbage data gets an empty one."""
        folder = Path(knowledge_dir) / "garbage"
        if not (folder / "area_days.csv").is_file() and not (folder / "target.csv").is_file():
            return cls(Dataset(folder))
        return cls(read_dataset(folder), load_translations(knowledge_dir))

    def warm(self) -> GarbageData:
        """Build the search indexes now (about a second for 2,000 items in seven
        languages) instead of on the first resident's question."""
        if self.dataset.areas:
            _ = self._area_index
        if self.dataset.items:
            _ = self._item_index
        return self

    @property
    def available(self) -> bool:
        return bool(self.dataset.areas or self.dataset.items)

    @property
    def example(self) -> bool:
        """The shipped invented city (settings.yaml `example: true`): every answer
        built from it must say so, as example values of city.yaml do."""
        return self.dataset.settings.example

    @property
    def areas(self) -> list[str]:
        return list(self.dataset.areas)

    @property
    def categories(self) -> list[str]:
        return list(self.dataset.categories)

    @property
    def problems(self) -> list[Problem]:
        return self.dataset.problems

    # -- areas and dates

    @cached_property
    def _area_index(self) -> AreaIndex:
        return AreaIndex(self.dataset.areas)

    def match_area(self, text: str) -> list[str]:
        """Area names the text may mean, best first: one = sure, several = ask, none = unknown."""
        if not self.dataset.areas:
            return []
        return self._area_index.match(text)

    def match_area_guess(self, text: str) -> tuple[list[str], bool]:
        """`match_area`, and whether it is only a typo-tolerant guess (confirm it)."""
        areas, guess = self._guess(text)
        return list(areas), guess

    def _area_guess(self, text: str) -> tuple[tuple[str, ...], bool]:
        if not self.dataset.areas:
            return (), False
        areas, guess = self._area_index.match_guess(text)
        return tuple(areas), guess

    def area_named_in(self, text: str) -> list[str]:
        """Areas named as written inside a sentence ("i live in nishimachi, ...")."""
        return list(self._named_in(text))

    def _area_named_in(self, text: str) -> tuple[str, ...]:
        if not self.dataset.areas:
            return ()
        return tuple(self._area_index.named_in(text))

    def next_dates(
        self, area: str, from_date: date, days: int = 14, category: str | None = None
    ) -> list[CategoryDates]:
        """Collection dates of each category (or one) from `from_date` inclusive, in data order.

        Raises KeyError for an unknown area or category: call `match_area` first.
        """
        ds = self.dataset
        found = ds.areas[area]
        labels = ds.area_columns if category is None else [category]
        closures = ds.closures_for(found)
        out: list[CategoryDates] = []
        for label in labels:
            cell = found.cells[label]
            dates = collection_dates(
                cell,
                from_date,
                days,
                closures=closures,
                holiday_rule=ds.settings.holiday_rule(label),
                closure_rule=ds.settings.closures,
            )
            remarks = tuple(ds.remarks[r] for r in cell.remarks if r in ds.remarks)
            out.append(
                CategoryDates(
                    label, dates, remarks, cell.unread, cell.not_collected, cell.no_days
                )
            )
        return out

    # -- items and names

    @cached_property
    def _item_index(self) -> ItemIndex:
        names: dict[int, dict[str, list[str]]] = {}
        for i, item in enumerate(self.dataset.items):
            by_lang = {SOURCE_LANG: [item.name]}
            if len(item.furigana) > 1:  # 5374 often puts the index letter (あ) here
                by_lang[SOURCE_LANG].append(item.furigana)
            for lang in TARGET_LANGS:
                translated = self.translations.names(lang, ITEM, item.name, item.name)
                if translated:
                    by_lang[lang] = translated
            names[i] = by_lang
        return ItemIndex(self.dataset.items, names)

    def find_items(self, text: str, lang: str | None = None, limit: int = 5) -> list[ItemMatch]:
        """Items a question may be about, best first (`lang` breaks ties)."""
        return list(self._items_in(text, lang, limit))

    def _find_items(self, text: str, lang: str | None, limit: int) -> tuple[ItemMatch, ...]:
        if not self.dataset.items:
            return ()
        return tuple(self._item_index.find(text, lang, limit))

    def find_item(self, text: str, lang: str | None = None) -> ItemMatch | None:
        """The item a question is about (check `score`, `kind`, `alternatives`), or None."""
        found = self.find_items(text, lang, limit=5)
        return found[0] if found else None

    def item_names(self, item: Item) -> dict[str, str]:
        """Display name per language that has an approved one (Japanese always)."""
        out = {SOURCE_LANG: item.name}
        for lang in TARGET_LANGS:
            names = self.translations.names(lang, ITEM, item.name, item.name)
            if names:
                out[lang] = names[0]
        return out

    def notice(self, item: Item, lang: str) -> str | None:
        """The item's notice in `lang`; None when it has none or it is not translated."""
        if not item.notice:
            return None
        if lang == SOURCE_LANG:
            return item.notice
        return self.translations.text(lang, NOTICE, item.name, item.notice)

    def category_names(self, label: str) -> dict[str, str]:
        """Name per language that has an approved one; the Japanese label always."""
        out = {SOURCE_LANG: label}
        for lang in TARGET_LANGS:
            names = self.translations.names(lang, CATEGORY, label, label)
            if names:
                out[lang] = names[0]
        return out

    def category_description(self, label: str, lang: str) -> str | None:
        cat = self.dataset.categories.get(label)
        if cat is None or not cat.description:
            return None
        if lang == SOURCE_LANG:
            return cat.description
        return self.translations.text(lang, DESCRIPTION, label, cat.description)

    def remarks(self, area: str) -> dict[str, list[str]]:
        """Footnotes per category of one area (remarks.csv texts)."""
        ds = self.dataset
        out: dict[str, list[str]] = {}
        for label, cell in ds.areas[area].cells.items():
            texts = [ds.remarks[r] for r in cell.remarks if r in ds.remarks]
            if texts:
                out[label] = texts
        return out


def check(knowledge_dir: Path) -> list[str]:
    """Everything wrong with the garbage data and its translations, one line each.

    Data problems name file and line; translation gaps are summarized per language.
    A city without garbage data has nothing to check.
    """
    data = GarbageData.load(knowledge_dir)
    if not data.available and not data.problems:
        return []
    out = [str(p) for p in data.problems]
    out += missing_translations(data.dataset, data.translations)
    if data.example:
        out.append(
            f"{data.dataset.folder / 'settings.yaml'}: warning: example garbage data in use "
            "(an invented city): every garbage answer carries the example mark until the "
            "city imports its own data (resbot garbage import-5374) or sets `example: false`"
        )
    return out
