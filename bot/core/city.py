"""The city profile: every city-specific value, in one file staff can edit.

Answers never contain a phone number, address, hour or fee typed into them; they
name a placeholder such as `{desk.phone}` and the value comes from here. A value
marked `example: true` is a stand-in shipped with resbot until the city fills in
its own; it is shown with an "example" mark so nobody acts on it as if real.

A per-language value is filled in one language at a time (the Japanese and English
first, the other languages when a translator has them), so its marks are per
language too: `example: [vi, pt]` lists the languages still holding a stand-in, and
`stale: [vi]` the languages whose text predates a change made in another language
(the old class time). Residents of those languages keep the mark; staff see them
listed as work to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .langs import LANGS, SOURCE_LANG

PLACEHOLDER_RE = re.compile(r"\{([a-z0-9_]+(?:\.[a-z0-9_]+)+)\}")


Mark = Literal["example", "stale"]


@dataclass(frozen=True)
class CityValue:
    key: str
    value: str | dict[str, str]
    example: bool  # the whole value (every language) is a stand-in
    example_langs: frozenset[str] = frozenset()  # only these languages still are
    stale_langs: frozenset[str] = frozenset()  # these predate another language's change

    def served_lang(self, lang: str) -> str:
        """The language whose text a resident of `lang` gets."""
        if isinstance(self.value, str):
            return lang
        for candidate in (lang, "en", SOURCE_LANG):
            if self.value.get(candidate):
                return candidate
        return lang

    def text(self, lang: str) -> str:
        if isinstance(self.value, str):
            return self.value
        return self.value.get(self.served_lang(lang), "")

    def all_texts(self) -> list[str]:
        return [self.value] if isinstance(self.value, str) else list(self.value.values())

    def mark(self, lang: str) -> Mark | None:
        """What a resident of `lang` must be told about this value, if anything."""
        if self.example:
            return "example"
        served = self.served_lang(lang)
        if served in self.example_langs:
            return "example"
        if served in self.stale_langs:
            return "stale"
        return None

    @property
    def pending(self) -> dict[str, Mark]:
        """Language -> mark for the languages of a partly filled-in value."""
        if self.example or isinstance(self.value, str):
            return {}
        out: dict[str, Mark] = {}
        for lang in self.value:
            if lang in self.example_langs:
                out[lang] = "example"
            elif lang in self.stale_langs:
                out[lang] = "stale"
        return out


@dataclass
class CityProfile:
    values: dict[str, CityValue] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def example_keys(self) -> list[str]:
        """Values that are stand-ins in every language."""
        return sorted(k for k, v in self.values.items() if v.example)

    @property
    def pending(self) -> dict[str, dict[str, Mark]]:
        """Partly filled-in values: key -> language -> 'example' or 'stale'."""
        return {k: v.pending for k, v in sorted(self.values.items()) if v.pending}


def language_marks(
    value: str | dict[str, str], example: Any, stale: Any
) -> tuple[bool, frozenset[str], frozenset[str], list[str]]:
    """Read `example:` (true/false or a list of languages) and `stale:` (a list of
    languages) of one value: (whole value example, example languages, stale
    languages, problems)."""
    problems: list[str] = []

    def langs(node: Any, name: str) -> frozenset[str]:
        if node is None or node is False:
            return frozenset()
        if isinstance(value, str) or not isinstance(node, list):
            problems.append(
                f"`{name}:` must be true/false"
                + ("" if isinstance(value, str) else " or a list of languages")
            )
            return frozenset()
        bad = [str(x) for x in node if x not in LANGS]
        if bad:
            problems.append(f"`{name}:` unknown language(s) {', '.join(bad)}")
        return frozenset(str(x) for x in node if x in LANGS)

    whole = example is True
    example_langs = frozenset() if whole else langs(example, "example")
    stale_langs = langs(stale, "stale") - example_langs
    if isinstance(value, dict) and example_langs and example_langs >= set(value):
        whole, example_langs = True, frozenset()
    return whole, example_langs, stale_langs, problems


def _flatten(
    node: Any, prefix: str, out: dict[str, CityValue], errors: list[str], path: Path
) -> None:
    if isinstance(node, dict) and "value" in node:
        value = node["value"]
        if isinstance(value, (int, float)):
            value = str(value)
        if isinstance(value, dict):
            value = {str(k): str(v) for k, v in value.items()}
        if not isinstance(value, (str, dict)):
            errors.append(f"{path}: {prefix}: value must be text or a per-language mapping")
            return
        whole, example_langs, stale_langs, problems = language_marks(
            value, node.get("example", False), node.get("stale")
        )
        errors.extend(f"{path}: {prefix}: {p}" for p in problems)
        out[prefix] = CityValue(prefix, value, whole, example_langs, stale_langs)
        return
    if isinstance(node, dict):
        for key, child in node.items():
            _flatten(child, f"{prefix}.{key}" if prefix else str(key), out, errors, path)
        return
    errors.append(f"{path}: {prefix}: expected `value:` (and `example:`) under this key")


def load_city(path: Path) -> CityProfile:
    profile = CityProfile()
    if not path.exists():
        profile.errors.append(f"{path}: the city profile is missing")
        return profile
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        profile.errors.append(f"{path}: expected a mapping at the top")
        return profile
    _flatten(data, "", profile.values, profile.errors, path)
    return profile


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER_RE.findall(text)


def fill(
    text: str, city: CityProfile, lang: str, example_mark: str, stale_mark: str | None = None
) -> str:
    """Replace placeholders with the city's values; unknown ones stay visible.
    A stand-in gets `example_mark`, a text older than the value's last change in
    another language gets `stale_mark` (the example mark when none is given)."""

    def sub(m: re.Match[str]) -> str:
        value = city.values.get(m.group(1))
        if value is None:
            return m.group(0)
        text = value.text(lang)
        mark = value.mark(lang)
        if mark == "example":
            return f"{text}{example_mark}"
        if mark == "stale":
            return f"{text}{example_mark if stale_mark is None else stale_mark}"
        return text

    return PLACEHOLDER_RE.sub(sub, text)
