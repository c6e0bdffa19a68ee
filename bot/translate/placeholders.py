"""Keep `{placeholders}` intact through machine translation.

An MT model would translate `{desk.phone}` ("escritorio.teléfono") or break its
braces, so each placeholder is swapped for an opaque Latin token that models copy
verbatim, and swapped back afterwards. Models may add spaces or change case inside
a token, so restoring is lenient; what comes out is then checked strictly.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.core.city import PLACEHOLDER_RE

# No underscore: argostranslate turns "_" into a space when it detokenizes.
TOKEN = "ZX{}Q"
TOKEN_RE = re.compile(r"Z\s*X\s*(\d+)\s*Q", re.IGNORECASE)


def protect(text: str) -> tuple[str, list[str]]:
    """Replace each placeholder with a numbered token; return the text and the originals."""
    found: list[str] = []

    def sub(m: re.Match[str]) -> str:
        found.append(m.group(0))
        return TOKEN.format(len(found) - 1)

    return PLACEHOLDER_RE.sub(sub, text), found


def restore(text: str, originals: list[str]) -> str:
    """Put the placeholders back; a token with an unknown number is left as it is."""

    def sub(m: re.Match[str]) -> str:
        index = int(m.group(1))
        return originals[index] if index < len(originals) else m.group(0)

    return TOKEN_RE.sub(sub, text)


def lost(source: str, translated: str) -> list[str]:
    """Placeholders of `source` missing from (or duplicated in) `translated`, plus stray tokens.

    Empty when the translation may be kept: every placeholder exactly as often as
    in the source, and nothing invented.
    """
    want = Counter(PLACEHOLDER_RE.findall(source))
    got = Counter(PLACEHOLDER_RE.findall(translated))
    problems = [f"{{{name}}}" for name in sorted(set(want) | set(got)) if want[name] != got[name]]
    problems += [m.group(0) for m in TOKEN_RE.finditer(translated)]
    return problems
