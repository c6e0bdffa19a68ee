"""Editing the city profile (`city.yaml`) one value at a time, keeping its comments.

Saving a value marks it `example: false`: the person who typed it vouches that
it is the city's real value, so residents no longer see the "(example)" mark.
The optimistic lock is per value, so two people filling in different values do
not block each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core.langs import LANGS

from . import yamlrt
from .audit import Audit
from .entries import Invalid, one_line
from .files import WRITE_LOCK, atomic_write, conflict, digest
from .workspace import Workspace

CITY = "city.yaml"
# Names for the top-level groups of the shipped city.yaml, Japanese first (staff
# pages are Japanese / English). A group a city adds shows under its YAML key.
GROUPS: dict[str, tuple[str, str]] = {
    "city": ("市の基本", "The city"),
    "intl": ("国際交流", "International exchange"),
    "desk": ("外国人相談窓口", "Consultation desk"),
    "garbage": ("ごみ", "Garbage"),
    "japanese": ("日本語教室", "Japanese classes"),
    "prefecture": ("県の窓口", "Prefecture"),
    "childcare": ("子育て", "Childcare"),
    "elderly": ("高齢者", "Elderly care"),
    "women": ("女性の相談", "Women's consultation"),
    "work": ("仕事", "Work"),
    "disaster": ("防災", "Disasters"),
    "bus": ("バス", "Buses"),
    "moving_in": ("転入", "Moving in"),
    "jichikai": ("自治会", "Neighbourhood associations"),
    "events": ("行事", "Events"),
    "health": ("健康保険", "Health insurance"),
    "medical": ("医療", "Medical care"),
    "pension": ("年金", "Pension"),
    "tax": ("税金", "Tax"),
    "school": ("学校", "School"),
}


@dataclass(frozen=True)
class CityRow:
    key: str
    value: str | dict[str, str]
    example: bool
    base: str

    @property
    def group(self) -> str:
        return self.key.split(".")[0]

    @property
    def per_language(self) -> bool:
        return isinstance(self.value, dict)

    def text(self, lang: str) -> str:
        return self.value.get(lang, "") if isinstance(self.value, dict) else self.value


def _plain(node: Any) -> str | dict[str, str]:
    value = node.get("value")
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return "" if value is None else str(value)


def _hash(node: Any) -> str:
    return digest(json.dumps([_plain(node), bool(node.get("example"))], ensure_ascii=False))


def _walk(node: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(node, dict) and "value" in node:
        out[prefix] = node
    elif isinstance(node, dict):
        for key, child in node.items():
            _walk(child, f"{prefix}.{key}" if prefix else str(key), out)


def _nodes(data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _walk(data, "", out)
    return out


@dataclass(frozen=True)
class CityGroup:
    """One top-level group of city.yaml: a section of the page and a line of its
    table of contents (about 80 values made one page over 10,000 px tall)."""

    key: str
    rows: list[CityRow]

    @property
    def title(self) -> tuple[str, str]:
        return GROUPS.get(self.key, (self.key, self.key))

    @property
    def examples(self) -> int:
        return sum(r.example for r in self.rows)


def groups(found: list[CityRow]) -> list[CityGroup]:
    """Rows by group, in file order (a group split in two still shows once)."""
    out: dict[str, list[CityRow]] = {}
    for row in found:
        out.setdefault(row.group, []).append(row)
    return [CityGroup(key, members) for key, members in out.items()]


def rows(ws: Workspace) -> list[CityRow]:
    path = ws.root / CITY
    if not path.exists():
        return []
    data = yamlrt.load(path.read_text(encoding="utf-8"))
    return [
        CityRow(key, _plain(node), bool(node.get("example")), _hash(node))
        for key, node in _nodes(data).items()
    ]


def _audit_text(value: str | dict[str, str], example: bool) -> str:
    body = "\n".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else value
    return body + (" [example]" if example else "")


def save_value(
    ws: Workspace, audit: Audit, user: str, key: str, base: str, typed: dict[str, str]
) -> str:
    """Save one value: `typed` has "value" for a plain value or one item per language."""
    path = ws.root / CITY
    with WRITE_LOCK:
        data = yamlrt.load(path.read_text(encoding="utf-8"))
        node = _nodes(data).get(key)
        if node is None:
            raise KeyError(key)
        current = _hash(node)
        if current != base:
            raise conflict(audit, ws.root, CITY, current, field=key)
        before = _plain(node)
        was_example = bool(node.get("example"))
        if isinstance(before, dict):
            new: str | dict[str, str] = {
                lang: one_line(typed.get(lang, "")) for lang in LANGS if lang in typed
            }
            assert isinstance(new, dict)
            emptied = [lang for lang in before if lang in new and not new[lang]]
            if emptied or not any(new.values()):
                raise Invalid([f"Fill in every language that had a value ({', '.join(emptied)})."])
            for lang, text in new.items():
                if text and before.get(lang) != text:
                    node["value"][lang] = yamlrt.scalar(text)
            new = {**before, **{k: v for k, v in new.items() if v}}
        else:
            new = one_line(typed.get("value", ""))
            if not new:
                raise Invalid(["The value is empty."])
            if new != before:
                node["value"] = yamlrt.scalar(new)
        if new == before and not was_example:
            return "Nothing changed."
        node["example"] = False

        def check(read: Any) -> None:
            got = _nodes(read).get(key)
            if got is None or _plain(got) != new or got.get("example") is not False:
                raise yamlrt.ReadBackError(f"{CITY}: {key} would not read back as typed")

        text = yamlrt.dump(data, check)
        atomic_write(path, text)
        after_hash = _hash(_nodes(yamlrt.load(text))[key])
        audit.record(
            user,
            "edit",
            CITY,
            key,
            _audit_text(before, was_example),
            _audit_text(new, False),
            after_hash,
        )
        return f"Saved {key}" + (" (no longer an example value)." if was_example else ".")
