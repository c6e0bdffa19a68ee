"""resbot ships its own topic catalogue and national facts; they must match the spec."""

from __future__ import annotations

import re

import yaml

from bot.core.topics import load_topics, national_numbers
from tests.conftest import shared_path


def test_topic_ids_and_categories_match_the_spec() -> None:
    spec = yaml.safe_load(shared_path("spec", "topics.yaml").read_text(encoding="utf-8"))
    spec_topics = {t["id"]: t["category"] for t in spec["topics"]}
    assert load_topics().topics == spec_topics
    assert set(load_topics().categories) == set(spec["categories"])


def test_every_national_number_we_ship_is_in_the_reviewed_facts() -> None:
    text = shared_path("spec", "national-facts.yaml").read_text(encoding="utf-8")
    spec_numbers = set(re.findall(r'number: "([^"]+)"', text))
    assert set(national_numbers()) <= spec_numbers
