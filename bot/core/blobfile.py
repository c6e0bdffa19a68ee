"""A read-mostly file of byte blobs by key, for caches of derived data.

Only the small index (key -> offset, length) is held in memory; a blob is read
with `os.pread` when asked for (thread-safe, no lock). Written whole, atomically
(temporary file + rename), so readers never see half a file. Core stays free of
a database (tests/test_architecture.py): these caches hold nothing but data
derived from installed packages and the knowledge folder, and can be deleted.
"""

from __future__ import annotations

import os
import pickle
import struct
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path

_HEADER = struct.Struct("<Q")  # length of the pickled index that follows


def write(path: Path, items: Iterable[tuple[Hashable, bytes]]) -> None:
    """Write all `items` to `path`, replacing it atomically."""
    index: dict[Hashable, tuple[int, int]] = {}
    blobs: list[bytes] = []
    offset = 0
    for key, blob in items:
        index[key] = (offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    head = pickle.dumps(index, pickle.HIGHEST_PROTOCOL)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        f.write(_HEADER.pack(len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


class BlobFile:
    """The blobs of a file made by `write`."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        (size,) = _HEADER.unpack(os.pread(self.fd, _HEADER.size, 0))
        # Our own file, written by `write` from our own data: pickle is safe here.
        self.index: dict[Hashable, tuple[int, int]] = pickle.loads(
            os.pread(self.fd, size, _HEADER.size)
        )
        self.base = _HEADER.size + size

    def get(self, key: Hashable) -> bytes | None:
        where = self.index.get(key)
        if where is None:
            return None
        offset, length = where
        return os.pread(self.fd, length, self.base + offset)

    def items(self) -> Iterator[tuple[Hashable, bytes]]:
        for key in self.index:
            blob = self.get(key)
            assert blob is not None
            yield key, blob

    def close(self) -> None:
        os.close(self.fd)
