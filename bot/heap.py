"""The objects a server keeps for its whole life, kept out of Python's cycle collector.

A loaded knowledge base, its search index and the libraries behind them are
~125,000 container objects that live as long as the process. Python's full
collection walks every one of them each time it runs: ~115 ms with the GIL
held, every few thousand turns, and ~2 % of a new text's CPU over a long run
(`bench/gc_pauses.py`). `gc.freeze()` after start-up moves them to a permanent
generation that no collection walks; what a server makes later is collected
as before.

A frozen object is never freed by the cycle collector, so a knowledge reload
(`bot.staff.reload`) thaws everything: the old bot, which holds cycles (its
flows point back at it), is then collected by the next full collection, and the
process runs as it would without the freeze until it restarts.
"""

from __future__ import annotations

import gc


def freeze_startup() -> int:
    """Collect what start-up left as garbage (a frozen cycle would never be freed),
    then freeze everything alive; the number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def thaw() -> None:
    """Put the frozen objects back under the collector (after a reload)."""
    gc.unfreeze()
