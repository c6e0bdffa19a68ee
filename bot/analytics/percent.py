"""Shares rounded half up, as Excel rounds them: the dashboard, the charts and the
xlsx export must show the same figure (Python's own rounding goes half to even on
the binary float, so 12.5% would read 12% on the page and 13% in Excel)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, places: int) -> float:
    """`value` to `places` decimals, halves away from zero, from its shortest repr."""
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def percent(share: float, places: int = 1) -> str:
    """0.1255 -> "12.6%" (places=1); 0.125 -> "13%" (places=0)."""
    step = Decimal(1).scaleb(-places)
    shown = (Decimal(repr(share)) * 100).quantize(step, rounding=ROUND_HALF_UP)
    return f"{shown}%"
