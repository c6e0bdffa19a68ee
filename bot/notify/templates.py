"""Pre-translated broadcast templates (`knowledge/broadcast_templates.yaml`).

Why YAML with all seven languages side by side, not PO: a disaster template is
reviewed as one unit (the level name, what to do, the Japanese term kept in
brackets) and must never be served half-translated, so every language is
required and checked together; the file is small and staff diff it like any
other knowledge file. The Japanese text is easy Japanese; furigana is added
when it is rendered, as for answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from bot.core.city import PLACEHOLDER_RE as CITY_PLACEHOLDER
from bot.core.furigana import add_furigana, load_readings
from bot.core.langs import LANGS, SOURCE_LANG
from bot.shelters.geo import Disaster

FILE = "broadcast_templates.yaml"
KINDS = ("disaster", "events", "garbage")
PARAM_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
CHOOSE = "choose"  # `disaster: choose`: staff pick the disaster type when composing
OVER = "over"  # `disaster: over`: sending it ends the active disaster
DISASTERS = tuple(d.value for d in Disaster)


class TemplateError(ValueError):
    """A template is unknown, broken, or given the wrong parameters."""


@dataclass(frozen=True)
class Template:
    id: str
    kind: str
    title: str
    params: dict[str, str]  # name -> hint for staff
    text: dict[str, str]  # lang -> text with {params} and {city.x}
    readings: tuple[tuple[str, str], ...] = ()
    # The disaster it is about: a `Disaster` value, CHOOSE, OVER, or None (says nothing).
    disaster: str | None = None
    # The parameter staff may fill by picking evacuation sites from the imported list.
    sites: str | None = None

    @cached_property
    def ruby(self) -> str:
        """The Japanese text with furigana (placeholders left alone)."""
        return add_furigana(self.text[SOURCE_LANG].strip(), dict(self.readings))

    def fill(self, params: Mapping[str, str], lang: str) -> str:
        """The text in `lang` with the staff's values in ({city.x} is filled later)."""
        given = {k for k, v in params.items() if str(v).strip()}
        missing = sorted(set(self.params) - given)
        unknown = sorted(set(params) - set(self.params))
        if missing or unknown:
            raise TemplateError(
                f"template {self.id!r}: "
                + "; ".join(
                    part
                    for part in (
                        f"missing parameter(s) {', '.join(missing)}" if missing else "",
                        f"unknown parameter(s) {', '.join(unknown)}" if unknown else "",
                    )
                    if part
                )
                + f" (it takes: {', '.join(self.params) or 'none'})"
            )
        if lang not in self.text:
            raise TemplateError(f"template {self.id!r} has no {lang!r} text")
        text = self.ruby if lang == SOURCE_LANG else self.text[lang].strip()
        return PARAM_RE.sub(lambda m: str(params.get(m.group(1), m.group(0))), text)


def load_templates(knowledge_dir: Path) -> dict[str, Template]:
    """The templates of a knowledge folder (none if it has no template file)."""
    path = knowledge_dir / FILE
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    readings = tuple(sorted(load_readings(knowledge_dir / "readings.yaml").items()))
    out: dict[str, Template] = {}
    for tid, raw in (data.get("templates") or {}).items():
        if not isinstance(raw, dict):
            raise TemplateError(f"{path}: {tid}: expected a mapping")
        out[str(tid)] = Template(
            id=str(tid),
            kind=str(raw.get("kind", "disaster")),
            title=str(raw.get("title", tid)),
            params={str(k): str(v) for k, v in (raw.get("params") or {}).items()},
            text={str(k): str(v) for k, v in (raw.get("text") or {}).items()},
            readings=readings,
            disaster=str(raw["disaster"]) if raw.get("disaster") else None,
            sites=str(raw["sites"]) if raw.get("sites") else None,
        )
    return out


def check_templates(templates: Mapping[str, Template], city_keys: set[str]) -> list[str]:
    """Problems: a missing language, placeholders that differ between languages or
    from `params`, unknown city values, an unknown kind."""
    problems: list[str] = []
    for t in templates.values():
        where = f"{FILE}: {t.id}"
        if t.kind not in KINDS:
            problems.append(f"{where}: kind {t.kind!r} is not one of {', '.join(KINDS)}")
        if t.disaster is not None and t.disaster not in (*DISASTERS, CHOOSE, OVER):
            problems.append(
                f"{where}: disaster {t.disaster!r} is not one of"
                f" {', '.join((*DISASTERS, CHOOSE, OVER))}"
            )
        if t.sites is not None and t.sites not in t.params:
            problems.append(f"{where}: sites {t.sites!r} is not one of its params")
        for lang in LANGS:
            text = t.text.get(lang, "").strip()
            if not text:
                problems.append(f"{where}: no {lang} text")
                continue
            found = set(PARAM_RE.findall(text))
            if found != set(t.params):
                problems.append(
                    f"{where}: {lang}: placeholders {sorted(found)} differ from params"
                    f" {sorted(t.params)}"
                )
            cities = set(CITY_PLACEHOLDER.findall(text))
            if lang != SOURCE_LANG:
                source = set(CITY_PLACEHOLDER.findall(t.text.get(SOURCE_LANG, "")))
                if cities != source:
                    problems.append(f"{where}: {lang}: city values {sorted(cities)} differ from ja")
            for key in sorted(cities - city_keys):
                problems.append(f"{where}: {lang}: {{{key}}} is not in city.yaml")
        extra = set(t.text) - set(LANGS)
        if extra:
            problems.append(f"{where}: unknown language(s) {', '.join(sorted(extra))}")
    return problems
