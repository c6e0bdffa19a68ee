"""Argos Translate behind a small interface: which pairs exist, how to reach a language.

argostranslate (and PyTorch under it) is the optional extra `mt`: it is imported
only when a draft is actually made, so resbot itself never needs it.
Argos can pivot on its own, but through any language; we pivot only via English,
the one hop the Argos packages reliably offer, and say so in the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from bot.core.langs import SOURCE_LANG

PIVOT = "en"
# Argos codes to try for a resbot language, best first (`pb` is Brazilian Portuguese).
ARGOS_CODES: dict[str, tuple[str, ...]] = {"pt": ("pb", "pt")}

Pair = tuple[str, str]


class TranslateError(Exception):
    """A problem the user can fix; the CLI prints the message without a traceback."""


class MissingModel(TranslateError):
    """No installed Argos package (or chain via English) reaches some languages."""

    missing: dict[str, list[Pair]]  # language -> the pairs it lacks

    def __init__(self, missing: dict[str, list[Pair]], installed: Iterable[Pair]) -> None:
        self.missing = missing
        needed = sorted({pair for pairs in missing.values() for pair in pairs})
        have = ", ".join(_arrow(p) for p in sorted(installed)) or "none"
        wanted = "; ".join(
            f"{lang}: {' and '.join(_arrow(p) for p in pairs)}"
            for lang, pairs in sorted(missing.items())
        )
        first = package_name(needed[0]) if needed else "translate-ja_en"
        super().__init__(
            f"No Argos Translate model for {', '.join(sorted(missing))} "
            f"(ja→LANG directly, or ja→en then en→LANG).\n"
            f"Missing pairs: {wanted}.\n"
            f"Installed pairs: {have}.\n"
            "On a machine with internet, install the language packs:\n"
            "  argospm update\n"
            + "".join(f"  argospm install {package_name(p)}\n" for p in needed)
            + "Offline: copy the .argosmodel files over and install each one with\n"
            f'  python -c "import argostranslate.package as p; '
            f"p.install_from_path('{first}.argosmodel')\"\n"
            "Or draft only the languages you have: resbot translate draft --lang LANG"
        )


class MTUnavailable(MissingModel):
    """No Argos Translate at all: a MissingModel too, so whoever catches that shows this."""

    def __init__(self, cause: ImportError) -> None:
        self.missing = {}
        TranslateError.__init__(
            self,
            f"Machine drafts need Argos Translate, which is not installed ({cause}).\n"
            "Install the optional extra: pip install -e '.[mt]'",
        )


def _arrow(pair: Pair) -> str:
    return f"{pair[0]}→{pair[1]}"


def package_name(pair: Pair) -> str:
    """The argospm name of a pair's package."""
    return f"translate-{pair[0]}_{pair[1]}"


@dataclass(frozen=True)
class Route:
    """How one resbot language is reached: Argos language codes, source first."""

    lang: str
    codes: tuple[str, ...]

    @property
    def hops(self) -> list[Pair]:
        return list(zip(self.codes, self.codes[1:], strict=False))

    @property
    def label(self) -> str:
        return "→".join(self.codes)


def plan_routes(langs: Iterable[str], pairs: set[Pair]) -> dict[str, Route]:
    """A route per language, direct when possible, else via English; MissingModel if none."""
    routes: dict[str, Route] = {}
    missing: dict[str, list[Pair]] = {}
    for lang in langs:
        codes = ARGOS_CODES.get(lang, (lang,))
        direct = [c for c in codes if (SOURCE_LANG, c) in pairs]
        pivot = [c for c in codes if (SOURCE_LANG, PIVOT) in pairs and (PIVOT, c) in pairs]
        if direct:
            routes[lang] = Route(lang, (SOURCE_LANG, direct[0]))
        elif pivot:
            routes[lang] = Route(lang, (SOURCE_LANG, PIVOT, pivot[0]))
        else:
            want = [(SOURCE_LANG, PIVOT)]
            if lang != PIVOT:
                want.append((PIVOT, codes[-1]))
            missing[lang] = [p for p in want if p not in pairs]
    if missing:
        raise MissingModel(missing, pairs)
    return routes


def _import_argos() -> tuple[ModuleType, ModuleType]:
    try:
        import argostranslate.package as package
        import argostranslate.translate as translate
    except ImportError as exc:
        raise MTUnavailable(exc) from exc
    return package, translate


class ArgosEngine:
    """Translate with the installed Argos packages, one line at a time, remembering results.

    Line by line keeps an answer's layout, and the memo means a pivot's ja→en
    step is done once for all target languages.
    """

    def __init__(self) -> None:
        self._package, self._translate = _import_argos()
        self._memo: dict[tuple[str, str, str], str] = {}

    def pairs(self) -> set[Pair]:
        return {
            (str(p.from_code), str(p.to_code))
            for p in self._package.get_installed_packages()
            if p.type == "translate"
        }

    def translate(self, text: str, route: Route) -> str:
        for src, dst in route.hops:
            text = "\n".join(self._line(line, src, dst) for line in text.split("\n"))
        return text

    def _line(self, line: str, src: str, dst: str) -> str:
        if not line.strip():
            return line
        key = (src, dst, line)
        if key not in self._memo:
            translation = self._translate.get_translation_from_codes(src, dst)
            try:
                self._memo[key] = str(translation.translate(line)).strip()
            except OSError as exc:  # Argos fetches its sentence splitter's model on first use
                raise TranslateError(
                    f"Argos Translate could not translate {src}→{dst}: {exc}\n"
                    "It downloads its sentence-splitting model on first use: run one draft"
                    " on a machine with internet, or copy its data folder over"
                    " (~/.local/share/argos-translate by default)."
                ) from exc
        return self._memo[key]
