"""The channel-agnostic core: it knows nothing of LINE, Telegram, the web or SQLite."""
