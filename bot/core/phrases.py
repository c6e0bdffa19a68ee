"""The bot's fixed phrases (welcome, menus, buttons, fallback) in every language.

The Japanese source is `translations/interface.pot`; each language has
`translations/<lang>/LC_MESSAGES/interface.po` (see `layout`). Nothing a resident
reads is hard-coded in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polib

from .catalog import Catalog, load_catalog
from .city import CityProfile, fill
from .knowledge import Entry, KnowledgeBase
from .langs import SOURCE_LANG, TARGET_LANGS
from .layout import interface_dir, interface_po, interface_pot

LOCALE = interface_dir()


@dataclass
class Phrases:
    sources: dict[str, str]  # key -> Japanese source
    catalogs: dict[str, Catalog]

    def raw(self, key: str, lang: str) -> str:
        source = self.sources[key]
        if lang == SOURCE_LANG:
            return source
        cat = self.catalogs.get(lang)
        text = cat.get(key, source) if cat else None
        if text is None and lang != "en":
            text = self.catalogs["en"].get(key, source)
        return text if text is not None else source

    def t(self, key: str, lang: str, city: CityProfile | None = None, **fmt: str) -> str:
        text = self.raw(key, lang)
        for name, value in fmt.items():
            text = text.replace("{" + name + "}", value)
        if city is not None:
            text = self.fill(text, city, lang)
        return text

    def fill(self, text: str, city: CityProfile, lang: str) -> str:
        """City placeholders filled in, with the example and stale marks in `lang`."""
        return fill(text, city, lang, self.raw("example_mark", lang), self.raw("stale_mark", lang))

    def answer(self, kb: KnowledgeBase, entry: Entry, lang: str) -> str:
        """An entry's answer as a resident of `lang` gets it, marks and notes included."""
        return kb.answer(
            entry,
            lang,
            self.raw("example_mark", lang),
            stale_mark=self.raw("stale_mark", lang),
            pending_note=self.raw("translation_pending", lang),
        )

    def missing(self) -> dict[str, list[str]]:
        """Per language, the keys whose translation is missing, fuzzy or stale."""
        out: dict[str, list[str]] = {}
        for lang, cat in self.catalogs.items():
            bad = [k for k, src in self.sources.items() if cat.status(k, src) != "ok"]
            if bad:
                out[lang] = bad
        return out


def load_phrases(locale: Path = LOCALE) -> Phrases:
    pot = polib.pofile(str(interface_pot(locale)), wrapwidth=0)
    sources = {e.msgctxt: e.msgid for e in pot if e.msgctxt and not e.obsolete}
    catalogs = {lang: load_catalog(lang, [interface_po(locale, lang)]) for lang in TARGET_LANGS}
    return Phrases(sources=sources, catalogs=catalogs)
