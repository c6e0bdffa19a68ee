"""Round-trip YAML (ruamel.yaml): staff edits change the values and keep the
comments, key order and layout of the file, so `git diff` shows only the change.

resbot itself reads these files with PyYAML (YAML 1.1), which reads `8:30` as a
number and `no` as false; every new scalar is quoted when PyYAML would misread
it plain, and `dump` refuses to write a file PyYAML would read differently.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString


def _yaml() -> YAML:
    rt = YAML()
    rt.width = 4096  # never fold a long line: one value per line in diffs
    rt.preserve_quotes = True
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def load(text: str) -> Any:
    return _yaml().load(text)


def dump(data: Any, check: Callable[[Any], None] | None = None) -> str:
    """The document as text; `check` gets what PyYAML reads back and may raise."""
    buf = io.StringIO()
    _yaml().dump(data, buf)
    text = buf.getvalue()
    if check is not None:
        check(yaml.safe_load(text))
    return text


def scalar(text: str) -> str:
    """`text` as a YAML scalar that PyYAML reads back as exactly this string."""
    try:
        plain_ok = yaml.safe_load(text) == text and "\n" not in text and text == text.strip()
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok and not text.startswith(("'", '"')) else DoubleQuotedScalarString(text)


def block(text: str) -> LiteralScalarString:
    """A multi-line answer as a `|` block, the way the shipped entries are written."""
    out: LiteralScalarString = LiteralScalarString(text.rstrip("\n") + "\n")
    return out


def flow_map(values: dict[str, Any]) -> CommentedMap:
    """A mapping written on one line: `{lang: vi, text: ...}`."""
    out = CommentedMap(values)
    out.fa.set_flow_style()
    return out


def flow_list() -> CommentedSeq:
    return CommentedSeq()


def flow_seq(items: list[str]) -> CommentedSeq:
    """A list written on one line: `[vi, pt, es]`."""
    out = CommentedSeq(items)
    out.fa.set_flow_style()
    return out


class ReadBackError(ValueError):
    """The YAML would not read back as what was typed: nothing was written."""
