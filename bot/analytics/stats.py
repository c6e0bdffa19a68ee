"""What the interaction log says about one period: the numbers every report shows.

Counting rules (the same in every format, and what `knowledge/kpi.yaml` builds on):

- A *question* is a text message or a button tap (kind text/postback) that got a
  reply: outcomes ignored (unsupported content), pending (crashed while being
  handled) and feedback (a "was this helpful?" tap, counted in the feedback table)
  are not questions. A redelivered event is one row (unique event id).
- *Answered / clarified / unanswered* are the outcomes answer / clarify ("did you
  mean A or B?") / fallback; their rates are shares of all questions, so menu and
  language taps count in the denominator but in none of the three.
- *Unique users*: distinct pseudonymous users who asked at least one question.
  A web-chat session with a single log row is not counted (here nor in new
  followers): its browser never came back with the cookie (the chat page itself
  opens with a "start" call before the first question), so it is a one-shot call
  without a cookie (a script, a crawler, a blocked cookie), not a resident.
- *New / lost followers*: distinct users with a follow (LINE follow or unblock,
  Telegram /start) / unfollow event in the period. Counted from the events, not
  from `users.followed`, which keeps only the latest follow and would move a past
  month's count when someone follows again.
- *Desk referrals*: questions whose answer pointed to the consultation desk.
- *Consultations*: answered questions in the consult category plus desk
  referrals; a question that is both counts once.
- *Unanswered questions*: fallback texts still kept (see retention), grouped
  ignoring case and spacing, most frequent first.
- Steps of sign-up and notification-settings forms (outcome form) are not
  questions. *Deliveries sent / failed / blocked* and *volunteer / class
  waiting-list sign-ups* come from the notification tables (`bot.notify.stats`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from bot.core.topics import load_topics
from bot.notify.stats import monthly_counts

from .percent import round_half_up
from .periods import Period

# A user who counts: any chat app user; on the web a session that came back (2+ rows).
_RETURNED = (
    "(channel != 'web' or user_key in (select user_key from interactions"
    " where channel = 'web' group by user_key having count(*) > 1))"
)
NONE = "(none)"  # the key for questions without a topic (or language)
TOP_UNANSWERED = 20
_QUESTIONS = (
    "kind in ('text', 'postback') and outcome is not null"
    " and outcome not in ('ignored', 'pending', 'feedback', 'form')"
    " and ts >= :start and ts < :end"
)


def rate(part: float, whole: float) -> float | None:
    """A share rounded for reports; None when there is nothing to divide."""
    return round_half_up(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Unanswered:
    text: str
    count: int
    lang: str


@dataclass
class PeriodStats:
    label: str
    questions: int = 0
    unique_users: int = 0
    new_followers: int = 0
    lost_followers: int = 0
    answered: int = 0
    clarified: int = 0
    fallback: int = 0
    desk_referrals: int = 0
    consultations: int = 0
    deliveries_sent: int = 0
    deliveries_failed: int = 0
    deliveries_blocked: int = 0
    volunteer_signups: int = 0
    class_signups: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_topic: Counter[str] = field(default_factory=Counter)
    answered_by_topic: Counter[str] = field(default_factory=Counter)
    by_lang: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    feedback: dict[str, tuple[int, int]] = field(default_factory=dict)  # entry -> (yes, no)
    unanswered: list[Unanswered] = field(default_factory=list)

    @property
    def answered_rate(self) -> float | None:
        return rate(self.answered, self.questions)

    @property
    def clarified_rate(self) -> float | None:
        return rate(self.clarified, self.questions)

    @property
    def fallback_rate(self) -> float | None:
        return rate(self.fallback, self.questions)

    @property
    def helpful(self) -> int:
        return sum(yes for yes, _ in self.feedback.values())

    @property
    def not_helpful(self) -> int:
        return sum(no for _, no in self.feedback.values())

    def metric(self, name: str) -> int | float | None:
        """A summary number by name (see SUMMARY_METRICS)."""
        value = getattr(self, name)
        assert value is None or isinstance(value, int | float), name
        return value

    def summary(self) -> dict[str, int | float | None]:
        return {name: self.metric(name) for name in SUMMARY_METRICS}

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "categories": dict(self.by_category),
            "topics": dict(self.by_topic.most_common()),
            "languages": dict(self.by_lang),
            "channels": dict(self.by_channel),
            "feedback": [
                {"entry": entry, "helpful": yes, "not_helpful": no}
                for entry, (yes, no) in sorted(self.feedback.items())
            ],
            "unanswered": [
                {"text": u.text, "count": u.count, "lang": u.lang} for u in self.unanswered
            ],
        }


SUMMARY_METRICS = (
    "questions",
    "unique_users",
    "new_followers",
    "lost_followers",
    "answered",
    "answered_rate",
    "clarified",
    "clarified_rate",
    "fallback",
    "fallback_rate",
    "desk_referrals",
    "consultations",
    "helpful",
    "not_helpful",
    "deliveries_sent",
    "deliveries_failed",
    "deliveries_blocked",
    "volunteer_signups",
    "class_signups",
)


def period_stats(db: sqlite_utils.Database, period: Period) -> PeriodStats:
    """Count one period (a month or a range of months) of the log."""
    bounds = {"start": period.start, "end": period.end}
    categories = load_topics().topics
    stats = PeriodStats(label=period.label)
    sql = (
        "select user_key, channel, lang, outcome, topic, desk_referral from interactions"
        f" where {_QUESTIONS}"
    )
    for row in db.query(sql, bounds):
        topic = row["topic"] or NONE
        category = categories.get(topic, NONE)
        stats.questions += 1
        stats.by_topic[topic] += 1
        stats.by_category[category] += 1
        stats.by_lang[row["lang"] or NONE] += 1
        stats.by_channel[row["channel"]] += 1
        answered = row["outcome"] == "answer"
        stats.answered += answered
        stats.clarified += row["outcome"] == "clarify"
        stats.fallback += row["outcome"] == "fallback"
        referral = bool(row["desk_referral"])
        stats.desk_referrals += referral
        stats.consultations += (answered and category == "consult") or referral
        if answered:
            stats.answered_by_topic[topic] += 1
    stats.unique_users = _unique_users(db, bounds)
    stats.new_followers = _distinct_users(db, "follow", bounds)
    stats.lost_followers = _distinct_users(db, "unfollow", bounds)
    stats.feedback = _feedback(db, bounds)
    stats.unanswered = _unanswered(db, bounds)
    for name, value in monthly_counts(db, period.start, period.end).items():
        setattr(stats, name, value)
    return stats


def _unique_users(db: sqlite_utils.Database, bounds: dict[str, str]) -> int:
    sql = (
        f"select count(distinct user_key) as n from interactions where {_QUESTIONS} and {_RETURNED}"
    )
    return int(next(iter(db.query(sql, bounds)))["n"])


def unique_user_keys(db: sqlite_utils.Database, period: Period) -> set[str]:
    """The users counted in `unique_users`, to count them once across several
    cities' logs (a Telegram account writing to two cities' bots is one person)."""
    bounds = {"start": period.start, "end": period.end}
    sql = f"select distinct user_key from interactions where {_QUESTIONS} and {_RETURNED}"
    return {str(r["user_key"]) for r in db.query(sql, bounds)}


def _distinct_users(db: sqlite_utils.Database, kind: str, bounds: dict[str, str]) -> int:
    sql = (
        "select count(distinct user_key) as n from interactions"
        f" where kind = :kind and user_key != '' and ts >= :start and ts < :end and {_RETURNED}"
    )
    return int(next(iter(db.query(sql, {**bounds, "kind": kind})))["n"])


def _feedback(db: sqlite_utils.Database, bounds: dict[str, str]) -> dict[str, tuple[int, int]]:
    sql = (
        "select entry, sum(case when helpful != 0 then 1 else 0 end) as yes,"
        " sum(case when helpful = 0 then 1 else 0 end) as no from feedback"
        " where ts >= :start and ts < :end group by entry order by entry"
    )
    return {r["entry"]: (int(r["yes"]), int(r["no"])) for r in db.query(sql, bounds)}


def _unanswered(db: sqlite_utils.Database, bounds: dict[str, str]) -> list[Unanswered]:
    sql = (
        f"select text, lang from interactions where {_QUESTIONS} and outcome = 'fallback'"
        " and text is not null order by ts"
    )
    groups: dict[str, tuple[Counter[str], Counter[str]]] = {}
    for row in db.query(sql, bounds):
        text = " ".join(row["text"].split())
        if not text:
            continue
        forms, langs = groups.setdefault(text.casefold(), (Counter(), Counter()))
        forms[text] += 1
        langs[row["lang"] or NONE] += 1
    found = [
        Unanswered(forms.most_common(1)[0][0], forms.total(), langs.most_common(1)[0][0])
        for forms, langs in groups.values()
    ]
    found.sort(key=lambda u: (-u.count, u.text))
    return found[:TOP_UNANSWERED]
