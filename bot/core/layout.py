"""Where the gettext catalogues live: `translations/<lang>/LC_MESSAGES/<domain>.po`.

That is the standard gettext locale layout (Poedit, Weblate, `pybabel compile -d`),
one domain per file:

    translations/interface.pot                      Japanese source of the interface phrases
    translations/<lang>/LC_MESSAGES/interface.po    the product's interface phrases
    translations/<lang>/LC_MESSAGES/<category>.po   the city's content (entries, garbage items)

A city is a folder with `knowledge/` and `translations/` side by side (this
checkout's top level is one): the content catalogues of a knowledge folder are in
its sibling `translations/`, so `--knowledge /srv/city2/knowledge` reads
`/srv/city2/translations/`. The interface phrases ship with the product: they are
read from this checkout's `translations/`, or from `bot/translations/` inside an
installed package (pyproject maps the folder there), never from a city folder.
"""

from __future__ import annotations

from pathlib import Path

DIR_NAME = "translations"
MESSAGES = "LC_MESSAGES"
INTERFACE = "interface"  # the interface domain; no content category may use this name


def translations_dir(knowledge: Path) -> Path:
    """The content catalogues of a knowledge folder: its sibling `translations/`."""
    return Path(knowledge).absolute().parent / DIR_NAME


def messages_dir(translations: Path, lang: str) -> Path:
    return translations / lang / MESSAGES


def content_po(translations: Path, lang: str, category: str) -> Path:
    """The catalogue of one content category in one language."""
    if category == INTERFACE:
        raise ValueError(f"{INTERFACE!r} is the interface domain, not a content category")
    return messages_dir(translations, lang) / f"{category}.po"


def content_files(translations: Path, lang: str) -> list[Path]:
    """Every content catalogue of one language (the interface domain left out)."""
    folder = messages_dir(translations, lang)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.po") if p.stem != INTERFACE)


def legacy_dir(knowledge: Path) -> Path | None:
    """`<knowledge>/translations/`, the layout before catalogues moved out of the
    knowledge folder; it is no longer read, so `kb check` points at it."""
    old = Path(knowledge) / DIR_NAME
    return old if old.is_dir() else None


def interface_dir() -> Path:
    """The interface catalogues: inside the installed package (`bot/translations/`,
    mapped from the top-level folder at build time), else this checkout's
    `translations/` (a source checkout or an editable install)."""
    package = Path(__file__).resolve().parents[1] / DIR_NAME
    if (package / f"{INTERFACE}.pot").is_file():
        return package
    return Path(__file__).resolve().parents[2] / DIR_NAME


def interface_pot(folder: Path) -> Path:
    return folder / f"{INTERFACE}.pot"


def interface_po(folder: Path, lang: str) -> Path:
    return messages_dir(folder, lang) / f"{INTERFACE}.po"
