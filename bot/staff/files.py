"""Writing the staff's files safely: atomically (temp file + rename, so a crash
never leaves a torn file), one writer at a time, and only over the version the
person saw (optimistic locking: the form carries a hash of what it edits)."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from .audit import Audit
from .clock import local

# One writer at a time in this process; the hash check and the rename happen under it.
WRITE_LOCK = threading.RLock()


def digest(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def file_digest(path: Path) -> str:
    return digest(path.read_bytes()) if path.exists() else digest(b"")


def atomic_write(path: Path, text: str) -> str:
    """Replace `path` with `text` (UTF-8) atomically; returns the new content's hash."""
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest(data)


class Conflict(Exception):
    """The thing being saved changed since the form was opened: nothing was written."""


def conflict(
    audit: Audit, root: Path, rel: str, current: str, field: str | None = None
) -> Conflict:
    """A Conflict naming who changed it when (from the audit log), or saying it was
    changed outside the staff pages (a text editor, a git pull...)."""
    last = audit.latest(rel, field)
    what = f"{rel} ({field})" if field else rel
    keep = "Your text is kept below: look at the current version, then save again."
    if last is not None and last.after_hash == current:
        when = local(last.ts)
        how = "" if last.action == "edit" else f" ({last.action})"
        return Conflict(
            f"Not saved: {what} was changed by {last.user} at {when}{how} after you opened it. "
            f"{keep} / 保存していません。{last.user} さんが {when} に先に変更しました。"
        )
    path = root / rel
    when = local(datetime.fromtimestamp(path.stat().st_mtime, UTC)) if path.exists() else "?"
    return Conflict(
        f"Not saved: {what} was changed outside the staff pages (file modified {when}) "
        f"after you opened it. {keep} / 保存していません。{when} に ファイルが直接変更されました。"
    )
