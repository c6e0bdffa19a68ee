"""Masking of personal data in logged message text (kept for staff review only)."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers (+81 90-1234-5678, 090 1234 5678, (03) 1234-5678), postal codes
# (〒123-4567) and any other run of 4+ digits with optional separators.
_DIGITS = re.compile(r"(?:〒\s*)?\+?\(?\d[\d\-‐－ ()]{2,}\d")


def mask(text: str) -> str:
    text = _EMAIL.sub("[email]", text)

    def digits(m: re.Match[str]) -> str:
        run = m.group(0)
        return "[number]" if sum(c.isdigit() for c in run) >= 4 else run

    return _DIGITS.sub(digits, text)
