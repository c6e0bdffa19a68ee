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
    # Marked for floods, but its note says not in a flood: offered for earthquakes only.
    assert result.sites[0].disasters == {Disaster.EARTHQUAKE}
    assert result.sites[0].remarks == "洪水時使用不可"
    assert [line for line, _ in result.errors] == [3]
    assert [line for line, _ in result.warnings] == [2]


def test_real_hachioji_emergency_sites() -> None:
    result = parse_file(shared_path("fixtures", "shelters", "hachioji", "emergency-sites.csv"))
    first = result.sites[0]
    assert (first.kind, first.name) == ("emergency", "明星大学")
    assert first.disasters == {Disaster.EARTHQUAKE}
    assert len(result.sites) > 100


def test_musashino_has_shelters_only() -> None:
    result = parse_file(shared_path("fixtures", "shelters", "musashino", "shelters.csv"))
    assert result.sites and all(s.kind == "shelter" and not s.disasters for s in result.sites)


def test_half_width_header_after_excel_still_reads_every_column() -> None:
    # Excel re-saves often turn ・ and 、 into half-width ･ and ､, and pad cells.
    header = HEADER.replace("施設・場所名", " 施設･場所名").replace("崖崩れ、", "崖崩れ､")
    result = parse(header + "1,X1,高尾山口広場,八王子市,,1,,1,,,,,,35.63,139.27,\n")
    site = result.sites[0]
    assert (site.kind, site.name) == ("emergency", "高尾山口広場")
    assert site.disasters == {Disaster.LANDSLIDE, Disaster.EARTHQUAKE}
    assert not result.errors and not result.warnings


def test_standard_dataset_layout_of_a_municipality() -> None:
    # The national standard dataset (自治体標準オープンデータセット) names the columns
    # 名称, ID and 災害種別_洪水...; before, such a list became nameless "shelters".
    text = (
        "全国地方公共団体コード,ID,名称,名称_カナ,住所,緯度,経度,災害種別_洪水,"
        "災害種別_崖崩れ、土石流及び地滑り,災害種別_高潮,災害種別_地震,災害種別_津波,"
        "災害種別_大規模な火事,災害種別_内水氾濫,災害種別_火山現象,備考\n"
        "132012,0001,第一小学校,ダイイチショウガッコウ,八王子市1,35.66,139.33,"
        "1,,,1,,,,,\n"
    )
    site = parse(text).sites[0]
    assert (site.kind, site.common_id, site.name, site.address) == (
        "emergency", "0001", "第一小学校", "八王子市1"
    )
    assert site.disasters == {Disaster.FLOOD, Disaster.EARTHQUAKE}


def test_marks_other_than_1_are_reported_and_never_a_designation() -> None:
    text = HEADER + (
        "1,X1,第三公園,八王子市,○,,,１,,,,,,35.66,139.33,\n"
        "2,X2,第四公園,八王子市,1,,,△,,,,,,35.67,139.33,\n"
    )
    result = parse(text)
    assert [s.disasters for s in result.sites] == [
        {Disaster.FLOOD, Disaster.EARTHQUAKE}, {Disaster.FLOOD}
    ]
    assert result.warnings == [(3, "地震: '△' is not 1 or empty; not taken as designated")]


def test_a_note_that_forbids_a_disaster_wins_over_its_column() -> None:
    # The remark spans two lines (quoted): the row is named by its first line, 3.
    text = HEADER + (
        "1,X1,川原,八王子市,1,,,1,,,,,,35.66,139.33,想定収容人数：地震（屋外）500人\n"
        '2,X2,第五小学校,八王子市,1,1,,1,,,,,,35.67,139.33,"（洪水・土砂災害時は利用不可）\n'
        '体育館のみ"\n'
        "3,X3,第六小学校,八王子市,1,,,1,,,,,,35.68,139.33,洪水時は2階以上に避難\n"
    )
    result = parse(text)
    assert [s.disasters for s in result.sites] == [
        {Disaster.FLOOD, Disaster.EARTHQUAKE},
        {Disaster.EARTHQUAKE},
        {Disaster.FLOOD, Disaster.EARTHQUAKE},
    ]
    assert [(line, why.split(" but ")[0]) for line, why in result.warnings] == [
        (3, "marked for 洪水, 崖崩れ、土石流及び地滑り")
    ]


def test_a_file_that_is_not_a_site_list_reads_nothing() -> None:
    result = parse("名前,場所,緯度\n第一,八王子,35.6\n")
    assert result.sites == []
    assert result.errors == [
        (1, "header has no column 施設・場所名, 経度: not a GSI site list; nothing read")
    ]


def test_a_missing_disaster_column_is_said() -> None:
    header = HEADER.replace(",火山現象", "")
    result = parse(header + "1,X1,第一,八王子市,1,,,1,,,,,35.66,139.33,\n")
    assert result.sites[0].disasters == {Disaster.FLOOD, Disaster.EARTHQUAKE}
    assert result.warnings == [(1, "no column 火山現象: no site is offered for that disaster")]


def test_who_a_welfare_shelter_takes_is_kept_in_its_remarks() -> None:
    header = (
        "NO,共通ID,施設・場所名,住所,指定緊急避難場所との住所同一,"
        "その他市町村長が必要と認める事項,受入対象者,緯度,経度,備考\n"
    )
    text = header + (
        "1,E1,第一小学校,八王子市,1,,,35.66,139.33,\n"
        "2,E2,さくら福祉センター,八王子市,,,要配慮者及びその家族,35.67,139.33,2階\n"
    )
    sites = parse(text).sites
    assert [s.kind for s in sites] == ["shelter", "shelter"]
    assert [s.remarks for s in sites] == ["", "受入対象者：要配慮者及びその家族\n2階"]
