"""Input that is valid JSON but breaks what comes after: deep nesting, lone surrogates.

JSON allows `"\\ud800"` (half of a UTF-16 pair); Python decodes it to a string
that cannot be encoded as UTF-8, so SQLite, HMAC and every reply would raise.
Such characters become U+FFFD at the boundary. Nesting deeper than the
interpreter's recursion limit raises RecursionError, which is refused as bad JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """The text with every lone surrogate replaced by U+FFFD (valid pairs are
    already single characters after JSON decoding)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def loads(raw: bytes | str) -> Any:
    """json.loads that raises ValueError, never RecursionError, on hostile nesting."""
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
