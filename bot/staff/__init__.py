"""The staff pages: accounts, the knowledge editor, translation review, the KPI
dashboard and the unanswered-questions queue.

Kept import-light on purpose: `bot.storage` imports `bot.staff.schema` to create
the tables, so nothing web-related may be imported here. The ASGI app is
`bot.staff.app.staff_app`.
"""
