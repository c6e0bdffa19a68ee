"""Bilingual (Japanese / English) names for what reports show.

City staff paste the numbers into Japanese KPI sheets; the international staff and
volunteers who help them read English, so every header and name carries both.
"""

from __future__ import annotations

from bot.core.knowledge import KnowledgeBase
from bot.core.topics import load_topics

from .stats import NONE

Label = tuple[str, str]  # (Japanese, English)

LANGUAGES: dict[str, Label] = {
    "ja": ("やさしい日本語", "Easy Japanese"),
    "vi": ("ベトナム語", "Vietnamese"),
    "pt": ("ポルトガル語", "Portuguese"),
    "es": ("スペイン語", "Spanish"),
    "tl": ("タガログ語", "Tagalog"),
    "en": ("英語", "English"),
    "zh": ("中国語", "Chinese"),
}
CHANNELS: dict[str, Label] = {
    "line": ("LINE", "LINE"),
    "telegram": ("テレグラム", "Telegram"),
    "web": ("ウェブチャット", "Web chat"),
    "cli": ("コマンドライン", "Command line"),
}
METRICS: dict[str, Label] = {
    "questions": ("質問数", "Questions"),
    "unique_users": ("利用者数（重複なし）", "Unique users"),
    "new_followers": ("新規フォロー", "New followers"),
    "lost_followers": ("フォロー解除", "Lost followers"),
    "answered": ("回答", "Answered"),
    "answered_rate": ("回答率", "Answered rate"),
    "clarified": ("聞き返し", "Clarified"),
    "clarified_rate": ("聞き返し率", "Clarified rate"),
    "fallback": ("未回答", "Unanswered"),
    "fallback_rate": ("未回答率", "Unanswered rate"),
    "desk_referrals": ("相談窓口への案内", "Desk referrals"),
    "consultations": ("相談件数", "Consultations"),
    "helpful": ("役に立った", "Helpful"),
    "not_helpful": ("役に立たなかった", "Not helpful"),
    "deliveries_sent": ("通知の配信（成功）", "Notifications delivered"),
    "deliveries_failed": ("通知の配信（失敗）", "Notifications failed"),
    "deliveries_blocked": ("通知の配信（ブロック）", "Notifications blocked"),
    "volunteer_signups": ("災害ボランティア登録", "Disaster-volunteer sign-ups"),
    "class_signups": ("日本語教室の順番待ち登録", "Japanese-class waiting-list sign-ups"),
}
# The PNG charts' titles, also their alt text and captions on the dashboard.
CHARTS: dict[str, Label] = {
    "trend": ("月別の推移", "Monthly trend"),
    "languages": ("言語別の質問", "Questions by language"),
    "topics": ("よく聞かれたトピック", "Top topics"),
}
NO_TOPIC: Label = ("なし（未回答・メニュー）", "None (unanswered, menus)")
UNKNOWN: Label = ("不明", "Unknown")


def both(label: Label) -> str:
    """Both as "日本語 / English", or one when they are the same."""
    ja, en = label
    return ja if ja == en else f"{ja} / {en}"


def language(code: str) -> Label:
    return LANGUAGES.get(code, UNKNOWN if code == NONE else (code, code))


def channel(code: str) -> Label:
    return CHANNELS.get(code, (code, code))


def category(code: str) -> Label:
    if code == NONE:
        return NO_TOPIC
    labels = load_topics().categories.get(code, {})
    return labels.get("ja", code), labels.get("en", code)


def topic(code: str, kb: KnowledgeBase | None) -> Label:
    """A topic by the title of its first entry; the topic id when there is none."""
    if code == NONE:
        return NO_TOPIC
    entry = kb.entry_for(code) if kb else None
    if entry is None:
        return code, code
    return " ".join(entry.title["ja"].split()), entry.title.get("en", code)


def entry(code: str, kb: KnowledgeBase | None) -> Label:
    found = kb.entries.get(code) if kb else None
    if found is None:
        return code, code
    return " ".join(found.title["ja"].split()), found.title.get("en", code)
