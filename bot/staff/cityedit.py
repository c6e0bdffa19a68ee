"""Editing the city profile (`city.yaml`) one value at a time, keeping its comments.

Saving a value vouches for it: the person who typed it says it is the city's real
value, so residents no longer see the "(example)" mark. A per-language value is
vouched for one language at a time: a language counts as saved when its text was
changed or when its "still right" box was ticked. The languages not saved keep
their mark, and when the text of an up-to-date language changed they are marked
stale (the class moved to 13:00 in Japanese and English; the Vietnamese still says
10:00): residents of those languages see the mark and the city-profile page and
`resbot kb check` list them until someone saves them.
The optimistic lock is per value, so two people filling in different values do
not block each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core.city import Mark, language_marks
from bot.core.langs import LANGS

from . import yamlrt
from .audit import Audit
from .entries import Invalid, one_line
from .files import WRITE_LOCK, atomic_write, conflict, digest
from .workspace import Workspace

CITY = "city.yaml"
NOTHING = "Nothing changed: change a text, or tick “still right” for each language you checked."
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
    example: bool  # the whole value is a stand-in
    base: str
    marks: dict[str, Mark]  # per-language value: language -> example / stale

    @property
    def group(self) -> str:
        return self.key.split(".")[0]

    @property
    def per_language(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def needs_work(self) -> bool:
        return self.example or bool(self.marks)

    def text(self, lang: str) -> str:
        return self.value.get(lang, "") if isinstance(self.value, dict) else self.value

    def mark(self, lang: str) -> Mark | None:
        return "example" if self.example else self.marks.get(lang)


def _plain(node: Any) -> str | dict[str, str]:
    value = node.get("value")
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return "" if value is None else str(value)


def _marks(node: Any) -> tuple[bool, dict[str, Mark]]:
    """(whole value example, language -> mark) as `bot.core.city` reads them."""
    value = _plain(node)
    whole, example, stale, _ = language_marks(value, node.get("example"), node.get("stale"))
    marks: dict[str, Mark] = {}
    if isinstance(value, dict) and not whole:
        marks = {x: "example" for x in value if x in example}
        marks |= {x: "stale" for x in value if x in stale and x not in example}
    return whole, marks


def _hash(node: Any) -> str:
    whole, marks = _marks(node)
    return digest(json.dumps([_plain(node), whole, sorted(marks.items())], ensure_ascii=False))


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
    out = []
    for key, node in _nodes(data).items():
        whole, marks = _marks(node)
        out.append(CityRow(key, _plain(node), whole, _hash(node), marks))
    return out


def _audit_text(value: str | dict[str, str], example: bool, marks: dict[str, Mark]) -> str:
    if isinstance(value, dict):
        body = "\n".join(
            f"{k}: {v}" + (f" [{marks[k]}]" if k in marks else "") for k, v in value.items()
        )
    else:
        body = value
    return body + (" [example]" if example else "")


def _write_marks(node: Any, langs: list[str], marks: dict[str, Mark]) -> None:
    """`example:` false / true / [languages] and `stale:` [languages] (or no key)."""
    example = [x for x in LANGS if marks.get(x) == "example"]
    stale = [x for x in LANGS if marks.get(x) == "stale"]
    if not example:
        node["example"] = False
    elif set(example) >= set(langs):
        node["example"] = True
    else:
        node["example"] = yamlrt.flow_seq(example)
    if stale:
        node["stale"] = yamlrt.flow_seq(stale)
    elif "stale" in node:
        del node["stale"]


def save_value(
    ws: Workspace,
    audit: Audit,
    user: str,
    key: str,
    base: str,
    typed: dict[str, str],
    confirmed: frozenset[str] = frozenset(),
) -> str:
    """Save one value: `typed` has "value" for a plain value or one item per language;
    `confirmed` lists languages vouched for although their text did not change."""
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
        was_example, was_marks = _marks(node)
        marks: dict[str, Mark] = {}
        if isinstance(before, dict):
            new: str | dict[str, str] = {
                lang: one_line(typed.get(lang, "")) for lang in LANGS if lang in typed
            }
            assert isinstance(new, dict)
            emptied = [lang for lang in before if lang in new and not new[lang]]
            if emptied or (new and not any(new.values())):
                raise Invalid([f"Fill in every language that had a value ({', '.join(emptied)})."])
            changed = {lang for lang, text in new.items() if text and before.get(lang) != text}
            saved = changed | {x for x in confirmed if new.get(x) or before.get(x)}
            if not saved:
                return NOTHING
            for lang in sorted(changed):
                node["value"][lang] = yamlrt.scalar(new[lang])
            new = {**before, **{k: v for k, v in new.items() if v}}
            # A language catching up (it was marked) brings no news; a change to a
            # language that was up to date does, and outdates the others.
            news = changed - set(was_marks) if not was_example else set()
            for lang in new:
                old = "example" if was_example else was_marks.get(lang)
                mark = old or ("stale" if news else None)
                if lang not in saved and mark:
                    marks[lang] = mark
            _write_marks(node, list(new), marks)
        else:
            new = one_line(typed.get("value", ""))
            if not new:
                raise Invalid(["The value is empty."])
            if new == before and not was_example:
                return NOTHING
            if new != before:
                node["value"] = yamlrt.scalar(new)
            node["example"] = False
        expected = (new, False, sorted(marks.items()))

        def check(read: Any) -> None:
            got = _nodes(read).get(key)
            if got is None:
                raise yamlrt.ReadBackError(f"{CITY}: {key} would not read back as typed")
            got_whole, got_marks = _marks(got)
            if (_plain(got), got_whole, sorted(got_marks.items())) != expected:
                raise yamlrt.ReadBackError(f"{CITY}: {key} would not read back as typed")

        text = yamlrt.dump(data, check)
        atomic_write(path, text)
        after_hash = _hash(_nodes(yamlrt.load(text))[key])
        audit.record(
            user,
            "edit",
            CITY,
            key,
            _audit_text(before, was_example, was_marks),
            _audit_text(new, False, marks),
            after_hash,
        )
        note = f"Saved {key}"
        if marks:
            names = ", ".join(f"{x} ({m})" for x, m in marks.items())
            return f"{note}; still to do: {names}."
        if was_example:
            return note + " (no longer an example value)."
        return note + (" (every language up to date)." if was_marks else ".")
