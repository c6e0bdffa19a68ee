"""Subscriptions and pushed messages: garbage reminders, disaster alerts, class notices.

    tables        the SQLite tables (and where raw platform ids live: only the address book)
    subscriptions who wants what, in which language and area; "delete my data"
    hooks         what the service calls around each turn (apply the core's effects)
    signups       volunteer and Japanese-class waiting-list sign-ups: export, purge
    templates     pre-translated disaster templates (knowledge/broadcast_templates.yaml)
    broadcast     the staff API: preview, create_broadcast, send_test, send, status
    reminders     which garbage reminders are due now (claim-first, once per date)
    ledger        one delivery row per recipient: pending -> sent / failed / blocked
    outbox        sends pending rows through the senders, resumes after a crash
    senders       LINE multicast (500 per call, X-Line-Retry-Key) and Telegram (rate-limited)
    limits, retry platform limits, token buckets, backoff honouring Retry-After
    scheduler     the asyncio task inside `resbot serve`
    stats         monthly counts for the KPI report

Import the submodule you need: this package's `__init__` stays empty so the
service can import `hooks` without loading any platform SDK.
"""
