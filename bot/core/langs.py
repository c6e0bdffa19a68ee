"""The seven reply languages. `ja` means easy Japanese (やさしい日本語) with furigana."""

from __future__ import annotations

LANGS: tuple[str, ...] = ("ja", "vi", "pt", "es", "tl", "en", "zh")
SOURCE_LANG = "ja"
TARGET_LANGS: tuple[str, ...] = LANGS[1:]

# Each language's own name, for the language menu and for "English please".
NATIVE_NAMES: dict[str, str] = {
    "ja": "やさしい日本語",
    "vi": "Tiếng Việt",
    "pt": "Português",
    "es": "Español",
    "tl": "Tagalog",
    "en": "English",
    "zh": "中文",
}


def platform_lang(code: str | None) -> str | None:
    """Map a platform language tag (LINE `language`, Telegram `language_code`) to ours."""
    if not code:
        return None
    base = code.replace("_", "-").lower().split("-")[0]
    if base == "fil":
        base = "tl"
    return base if base in LANGS else None
