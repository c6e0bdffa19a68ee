"""The city profile: every city-specific value, in one file staff can edit.

Answers never contain a phone number, address, hour or fee typed into them; they
name a placeholder such as `{desk.phone}` and the value comes from here. A value
marked `example: true` is a stand-in shipped with resbot until the city fills in
its own; it is shown with an "example" mark so nobody acts on it as if real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PLACEHOLDER_RE = re.compile(r"\{([a-z0-9_]+(?:\.[a-z0-9_]+)+)\}")


@dataclass(frozen=True)
class CityValue:
    key: str
    value: str | dict[str, str]
    example: bool

    def text(self, lang: str) -> str:
        if isinstance(self.value, str):
            return self.value
        return self.value.get(lang) or self.value.get("en") or self.value.get("ja") or ""

    def all_texts(self) -> list[str]:
        return [self.value] if isinstance(self.value, str) else list(self.value.values())


@dataclass
class CityProfile:
    values: dict[str, CityValue] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def example_keys(self) -> list[str]:
        return sorted(k for k, v in self.values.items() if v.example)


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
        out[prefix] = CityValue(prefix, value, bool(node.get("example", False)))
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


def fill(text: str, city: CityProfile, lang: str, example_mark: str) -> str:
    """Replace placeholders with the city's values; unknown ones stay visible."""

    def sub(m: re.Match[str]) -> str:
        value = city.values.get(m.group(1))
        if value is None:
            return m.group(0)
        text = value.text(lang)
        return f"{text}{example_mark}" if value.example else text

    return PLACEHOLDER_RE.sub(sub, text)
