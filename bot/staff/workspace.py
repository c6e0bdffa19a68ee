"""The knowledge folder as the staff pages see it: read fresh from the files
(not from the bot's index, which may lag a hand edit), cached until a file changes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from bot.core.knowledge import Entry, KnowledgeBase, load_knowledge
from bot.core.layout import translations_dir


class Workspace:
    def __init__(self, root: Callable[[], Path]) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._cached: tuple[tuple[object, ...], KnowledgeBase] | None = None

    @property
    def root(self) -> Path:
        return self._root()

    @property
    def translations(self) -> Path:
        """The content catalogues: the knowledge folder's sibling `translations/`."""
        return translations_dir(self.root)

    @property
    def city_dir(self) -> Path:
        """The folder holding `knowledge/` and `translations/`."""
        return self.translations.parent

    def rel(self, path: Path) -> str:
        """A path as staff see it in `git diff`: a knowledge file relative to the
        knowledge folder, a catalogue relative to the city folder (`translations/...`)."""
        for base in (self.root, self.city_dir):
            try:
                return path.resolve().relative_to(base.resolve()).as_posix()
            except ValueError:
                continue
        return str(path)

    def _fingerprint(self) -> tuple[object, ...]:
        stats: list[object] = [str(self.root)]
        for base in (self.root / "entries", self.translations, self.root / "city.yaml"):
            files = sorted(base.glob("**/*")) if base.is_dir() else [base]
            for f in files:
                if f.is_file():
                    st = f.stat()
                    stats.append((str(f), st.st_mtime_ns, st.st_size))
        return tuple(stats)

    def kb(self) -> KnowledgeBase:
        """Entries and translations as they are on disk now (no furigana: fast)."""
        key = self._fingerprint()
        with self._lock:
            if self._cached is None or self._cached[0] != key:
                self._cached = (key, load_knowledge(self.root, furigana=False))
            return self._cached[1]

    def entry(self, entry_id: str) -> Entry | None:
        return self.kb().entries.get(entry_id)
