"""pykakasi's kanji dictionary read from disk one leading character at a time.

pykakasi unpickles its whole kanji-to-reading table (`kanwadict4.db`, 9.7 MB on
disk) into Python dicts on first use: ~100 MiB resident for the life of the
server (issue 18), although our texts use a few hundred kanji. The same table,
split by leading character into a file of blobs, gives pykakasi exactly the same
answers: it only ever calls `table.get(ord(first_char))`. The split file
(`bot.core.blobfile`) is built once per pykakasi data file, in a child process
(so the server never holds the unpickled table), in a cache folder (`RESBOT_CACHE_DIR`, else
`$XDG_CACHE_HOME/resbot`, else `~/.cache/resbot`). When anything here fails,
pykakasi loads its table itself as before: slower memory, same answers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import blobfile

log = logging.getLogger("resbot.kanwa")

LOADED_TABLES = 32  # leading characters kept unpickled: ~6 MiB; all of them would be ~100


class KanwaTable:
    """The mapping pykakasi's `Kanwa` keeps in `_jisyo_table`, backed by a blob file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = blobfile.BlobFile(path)
        self.get = lru_cache(maxsize=LOADED_TABLES)(self._get)

    def _get(self, key: int, default: Any = None) -> Any:
        blob = self._file.get(key)
        return pickle.loads(blob) if blob is not None else default


def cache_dir() -> Path:
    if os.environ.get("RESBOT_CACHE_DIR"):
        return Path(os.environ["RESBOT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "resbot"


def source_path() -> Path:
    from pykakasi.properties import Configurations

    config: Any = Configurations  # a module-level instance, untyped
    return Path(config.dictpath(config.jisyo_kanwa))


def table_path(source: Path) -> Path:
    """The split table for this pykakasi data file (a new pykakasi, a new file)."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return cache_dir() / f"kanwa-{digest}.bin"


def build(source: Path, target: Path) -> None:
    """Split the pickled table by leading character into `target` (atomically)."""
    with source.open("rb") as f:
        table = pickle.load(f)  # pykakasi's own packaged data file
    blobfile.write(
        target,
        ((key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)) for key, value in table.items()),
    )


def install() -> bool:
    """Give pykakasi the disk-backed table before it loads its own; False if it
    could not be (then pykakasi loads its table as usual)."""
    try:
        from pykakasi.kanji import Kanwa

        state: dict[str, Any] = Kanwa._shared_state
        if state.get("_jisyo_table") is not None:
            return isinstance(state["_jisyo_table"], KanwaTable)
        if "_jisyo_table" not in state:
            raise RuntimeError("pykakasi's Kanwa has no _jisyo_table: its internals changed")
        source = source_path()
        target = table_path(source)
        if not target.exists():
            subprocess.run(
                [sys.executable, "-m", "bot.core.kanwa", str(source), str(target)],
                check=True,
                capture_output=True,
                timeout=120,
            )
        state["_jisyo_table"] = KanwaTable(target)
        return True
    except Exception as exc:  # a read-only home, a changed pykakasi: keep its own way
        log.warning("pykakasi loads its whole dictionary (~100 MiB): %s", exc)
        return False


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
