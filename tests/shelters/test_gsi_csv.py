"""The GSI CSV reader on real Hachioji/Musashino rows and on hand-written edge rows."""

from __future__ import annotations

from bot.shelters.geo import Disaster
from bot.shelters.gsi_csv import decode, parse, parse_file
from tests.conftest import shared_path

HEADER = (
    "NO,共通ID,施設・場所名,住所,洪水,崖崩れ、土石流及び地滑り,高潮,地震,津波,大規模な火事,"
    "内水氾濫,火山現象,指定避難所との住所同一,緯度,経度,備考\n"
)


def test_without_municipality_column_in_shift_jis_bad_rows_reported() -> None:
    text = HEADER + (
        "1,X1,第一小学校,八王子市元本郷町1,1,,,1,,,,,,35.66,139.32,洪水時使用不可\n"
        "2,X2,河原,八王子市,1,,,,,,,,,,abc,\n"
    )
    result = parse(decode(text.encode("cp932")))
    assert [s.name for s in result.sites] == ["第一小学校"]
    assert result.sites[0].disasters == {Disaster.FLOOD, Disaster.EARTHQUAKE}
    assert result.sites[0].remarks == "洪水時使用不可"
    assert [line for line, _ in result.errors] == [3]


def test_real_hachioji_emergency_sites() -> None:
    result = parse_file(shared_path("fixtures", "shelters", "hachioji", "emergency-sites.csv"))
    first = result.sites[0]
    assert (first.kind, first.name) == ("emergency", "明星大学")
    assert first.disasters == {Disaster.EARTHQUAKE}
    assert len(result.sites) > 100


def test_musashino_has_shelters_only() -> None:
    result = parse_file(shared_path("fixtures", "shelters", "musashino", "shelters.csv"))
    assert result.sites and all(s.kind == "shelter" and not s.disasters for s in result.sites)
