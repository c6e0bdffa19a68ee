"""Keep secrets out of the logs, whoever logs them.

The Telegram bot token is part of every Bot API URL, and httpx logs each
request's URL at INFO; an SDK error may quote a header. Rather than hope every
library stays quiet, every log record is scrubbed of the known secret values as
it is made (message, arguments and traceback text), before any handler sees it.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable
from typing import Any

MASK = "[secret]"
MIN_LENGTH = 6  # shorter values would mask ordinary words
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def scrub(text: str) -> str:
    for value in _secrets:
        if value in text:
            text = text.replace(value, MASK)
    return text


def protect(values: Iterable[str | None]) -> None:
    """Mask these values in every log record from now on (idempotent)."""
    global _installed
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= MIN_LENGTH)
        if _installed:
            return
        _installed = True
        make = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make(*args, **kwargs)
            if _secrets:
                _scrub_record(record)
            return record

        logging.setLogRecordFactory(factory)


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it to logging to report
        return
    clean = scrub(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = scrub(text)  # formatters use exc_text when it is set
