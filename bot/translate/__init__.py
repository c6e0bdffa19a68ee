"""Machine-drafted translations with Argos Translate (the optional extra `mt`).

Drafts only ever help a translator: they are written flagged fuzzy, so resbot
never serves them until a person approves them. Importing this package does not
import argostranslate; that happens when a draft is actually made.
"""

from __future__ import annotations

from .drafts import MARKER, Draft, DraftReport, Failure, draft_missing
from .engine import (
    ArgosEngine,
    MissingModel,
    MTUnavailable,
    Route,
    TranslateError,
    package_name,
    plan_routes,
)

__all__ = [
    "MARKER",
    "ArgosEngine",
    "Draft",
    "DraftReport",
    "Failure",
    "MTUnavailable",
    "MissingModel",
    "Route",
    "TranslateError",
    "draft_missing",
    "package_name",
    "plan_routes",
]
