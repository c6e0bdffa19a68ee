"""Every number of the April 2026 report, counted by hand from the story in conftest.

April's 17 questions (channel, language, outcome, topic; * = desk referral):

     1 line     pt answer   japanese.class             Ana
     2 line     vi answer   garbage.collection_days    Minh (delivered twice)
     3 line     vi fallback -                          Minh (tax, phone number)
     4 telegram es answer   life.intl_volunteer        Jose
     5 telegram es answer   disaster.volunteer *       Jose (button)
     6 telegram zh answer   garbage.collection_days    Li
     7 telegram zh fallback -                          Li (ramen shop)
     8 web      tl answer   japanese.class             Maria
     9 web      tl answer   meta.human *               Maria (desk button)
    10 web      en fallback -                          Maria (hotel)
    11 cli      ja answer   consult.desk *             tanaka
    12 cli      ja clarify  japanese.apply             tanaka
    13 cli      ja menu     -                          tanaka (category button)
    14 line     en fallback -                          Ana (Hotel, other spacing)
    15 line     en fallback -                          Minh (phone number)
    16 line     en language meta.language              Minh (button)
    17 telegram en fallback -                          Jose (e-mail), 23:30 on 30 April

Not questions: follows, the sticker (ignored), the beacon, the chat-member update,
the unfollow, the crashed (pending) event and the redelivery.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.analytics import Month, Report, build_report, load_indicators
from bot.analytics.periods import Period
from bot.analytics.stats import NONE, Unanswered, period_stats
from bot.core.dialogue import Bot
from tests.analytics.conftest import Clock, Played, replay

KPI = Path(__file__).resolve().parents[2] / "knowledge" / "kpi.yaml"
TRANSLATIONS = {"vi": 50, "pt": 49, "es": 48, "tl": 47, "en": 60, "zh": 46}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def played(
    request: pytest.FixtureRequest,
    answering_bot: Bot,
    clock: Clock,
    tmp_path_factory: pytest.TempPathFactory,
) -> Played:
    """The story, logged on SQLite and on PostgreSQL: every number must be the same."""
    if request.param == "sqlite":
        return replay(answering_bot, clock, tmp_path_factory.mktemp("log") / "resbot.sqlite3")
    return replay(answering_bot, clock, request.getfixturevalue("pg_cluster").new_database())


@pytest.fixture(scope="module")
def april(played: Played) -> Report:
    return build_report(
        played.store.db,
        Month(2026, 4),
        indicators=load_indicators(KPI),
        translations=TRANSLATIONS,
    )


def test_april_summary(april: Report) -> None:
    s = april.months["2026-04"]
    assert list(april.months) == ["2026-04"]
    assert s.questions == 17
    assert s.unique_users == 6  # Ana, Minh, Jose, Li, Maria, tanaka
    assert s.new_followers == 4  # Ana (00:10 on 1 April), Minh (again), Jose, Dan
    assert s.lost_followers == 1  # Dan
    assert (s.answered, s.clarified, s.fallback) == (8, 1, 6)
    assert (s.answered_rate, s.clarified_rate, s.fallback_rate) == (0.4706, 0.0588, 0.3529)
    assert s.desk_referrals == 3  # questions 5, 9, 11
    # consult.desk (11) is both an answered consult question and a referral: once.
    assert s.consultations == 3
    assert (s.helpful, s.not_helpful) == (3, 1)  # the redelivered tap counts once
    assert april.total.summary() == s.summary()  # one month: the total is that month


def test_april_breakdowns(april: Report) -> None:
    s = april.months["2026-04"]
    assert s.by_category == {
        "japanese": 3,
        "garbage": 2,
        "life": 1,
        "disaster": 1,
        "meta": 2,
        "consult": 1,
        NONE: 7,
    }
    assert s.by_topic == {
        "japanese.class": 2,
        "garbage.collection_days": 2,
        "japanese.apply": 1,
        "life.intl_volunteer": 1,
        "disaster.volunteer": 1,
        "meta.human": 1,
        "meta.language": 1,
        "consult.desk": 1,
        NONE: 7,
    }
    assert s.by_lang == {"pt": 1, "vi": 2, "es": 2, "zh": 2, "tl": 2, "en": 5, "ja": 3}
    assert s.by_channel == {"line": 6, "telegram": 5, "web": 3, "cli": 3}
    assert s.feedback == {
        "japanese.class": (1, 1),
        "garbage.collection_days": (1, 0),
        "disaster.volunteer.register": (1, 0),
    }


def test_top_unanswered_are_masked_grouped_and_counted(april: Report) -> None:
    assert april.months["2026-04"].unanswered == [
        # Questions 10 and 14 differ only in case and spacing: the first wording shows.
        Unanswered("recommend a good hotel in Kyoto", 2, "en"),
        Unanswered("My phone is [phone], please call me about my tax refund", 1, "en"),
        Unanswered("Tôi muốn hỏi về thuế, số điện thoại [phone]", 1, "vi"),
        Unanswered("email me at [email] about cheap flights", 1, "en"),
        Unanswered("最好吃的拉面店在哪里？", 1, "zh"),
    ]


def test_year_over_year_counts_the_same_month_a_year_earlier(april: Report) -> None:
    before = april.previous_year["2026-04"]
    assert before.label == "2025-04"
    assert before.questions == 2
    assert before.unique_users == 2  # Minh, Maria
    # Minh's follow: users.followed now says April 2026, the event still says 2025.
    assert before.new_followers == 1
    assert (before.answered, before.fallback, before.fallback_rate) == (1, 1, 0.5)
    assert before.desk_referrals == 0
    assert before.by_lang == {"en": 2}


def test_trend_for_one_month_is_the_year_up_to_it_from_the_first_active_month(
    april: Report,
) -> None:
    # 2025-05 .. 2025-09 had nothing: the trend starts with Minh's block in October.
    months = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    assert [s.label for s in april.trend] == months
    assert [s.questions for s in april.trend] == [0, 0, 0, 0, 0, 3, 17]
    assert [s.lost_followers for s in april.trend] == [1, 0, 0, 0, 0, 0, 1]
    march = april.trend[5]
    assert (march.questions, march.unique_users, march.new_followers) == (3, 3, 1)
    assert (march.answered, march.fallback, march.desk_referrals) == (3, 0, 0)
    assert march.feedback == {"garbage.collection_days": (0, 1)}
    t = april.trend_total
    assert t.label == "2025-10_2026-04"
    assert t.questions == 20
    assert t.unique_users == 6  # March's three also asked in April
    assert (t.new_followers, t.lost_followers) == (5, 2)  # Li, Ana, Minh, Jose, Dan; Minh, Dan
    assert (t.fallback, t.fallback_rate) == (6, 0.3)


def test_months_are_japan_time(played: Played) -> None:
    # Maria at 23:50 on 31 March (14:50 UTC) is March; Ana at 00:10 on 1 April
    # (15:10 UTC on 31 March) is April; Jose at 00:05 on 1 May is May.
    march = period_stats(played.store.db, Period(Month(2026, 3), Month(2026, 3)))
    assert march.by_topic["disaster.shelter"] == 1
    assert march.new_followers == 1
    may = period_stats(played.store.db, Period(Month(2026, 5), Month(2026, 5)))
    assert (may.questions, may.by_topic["garbage.sorting"], may.helpful) == (1, 1, 1)
    utc = period_stats(played.store.db, Period(Month(2026, 3), Month(2026, 3), "UTC"))
    assert utc.new_followers == 2  # Li and, in UTC, Ana


def test_kpi_indicators(april: Report) -> None:
    got = {row.id: (row.values, row.total) for row in april.kpi}
    assert got == {
        "japanese_class_inquiries": ({"2026-04": 3}, 3),
        "disaster_volunteer_inquiries": ({"2026-04": 1}, 1),
        "desk_referrals": ({"2026-04": 3}, 3),
        "chat_consultations": ({"2026-04": 3}, 3),
        "translated_answers.vi": ({"2026-04": 50}, 50),
        "translated_answers.pt": ({"2026-04": 49}, 49),
        "translated_answers.es": ({"2026-04": 48}, 48),
        "translated_answers.tl": ({"2026-04": 47}, 47),
        "translated_answers.en": ({"2026-04": 60}, 60),
        "translated_answers.zh": ({"2026-04": 46}, 46),
        "unique_users": ({"2026-04": 6}, 6),
        "unanswered_rate": ({"2026-04": 0.3529}, 0.3529),
    }


def test_a_range_has_each_month_and_a_total(played: Played) -> None:
    report = build_report(
        played.store.db,
        Month(2026, 3),
        Month(2026, 5),
        indicators=load_indicators(KPI),
        translations=TRANSLATIONS,
    )
    assert list(report.months) == ["2026-03", "2026-04", "2026-05"]
    assert [s.questions for s in report.months.values()] == [3, 17, 1]
    assert report.total.questions == 21
    assert report.total.unique_users == 6
    assert report.total.new_followers == 5
    assert (report.total.helpful, report.total.not_helpful) == (4, 2)
    assert [s.label for s in report.trend] == ["2026-03", "2026-04", "2026-05"]
    assert [p.label for p in report.previous_year.values()] == ["2025-03", "2025-04", "2025-05"]
    assert [p.questions for p in report.previous_year.values()] == [0, 2, 0]
    kpi = {row.id: (row.values, row.total) for row in report.kpi}
    assert kpi["japanese_class_inquiries"] == ({"2026-03": 0, "2026-04": 3, "2026-05": 0}, 3)
    assert kpi["unique_users"] == ({"2026-03": 3, "2026-04": 6, "2026-05": 1}, 6)
    assert kpi["unanswered_rate"] == ({"2026-03": 0.0, "2026-04": 0.3529, "2026-05": 0.0}, 0.2857)
    # Approved translations describe the knowledge base now: under the last month only.
    assert kpi["translated_answers.vi"] == ({"2026-03": None, "2026-04": None, "2026-05": 50}, 50)


def test_an_empty_month_reports_zeros_and_no_rates(played: Played) -> None:
    report = build_report(played.store.db, Month(2024, 1))
    s = report.months["2024-01"]
    assert (s.questions, s.unique_users, s.new_followers, s.helpful) == (0, 0, 0, 0)
    assert s.fallback_rate is None
    assert [t.label for t in report.trend] == ["2024-01"]
    assert report.kpi == []
