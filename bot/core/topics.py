"""The topic catalogue shipped with resbot (its ids are a public contract)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class TopicCatalogue:
    categories: dict[str, dict[str, str]]  # category -> lang -> label
    topics: dict[str, str]  # topic id -> category

    def category_label(self, category: str, lang: str) -> str:
        labels = self.categories.get(category, {})
        return labels.get(lang) or labels.get("en") or category


@lru_cache(maxsize=1)
def load_topics() -> TopicCatalogue:
    data = yaml.safe_load((DATA / "topics.yaml").read_text(encoding="utf-8"))
    return TopicCatalogue(
        categories={str(k): dict(v) for k, v in data["categories"].items()},
        topics={str(k): str(v) for k, v in data["topics"].items()},
    )


@lru_cache(maxsize=1)
def national_numbers() -> dict[str, str]:
    data = yaml.safe_load((DATA / "national_facts.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data["numbers"].items()}
