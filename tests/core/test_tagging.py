"""Japanese words remembered on disk while the knowledge base loads
(bot.core.tagging, issue 18): the same words as the tagger's, and a start that
leaves MeCab's dictionary pages out of resident memory."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bot.core import tagging
from bot.core.knowledge import KnowledgeBase

REPO = Path(__file__).resolve().parents[2]


def japanese_texts(kb: KnowledgeBase) -> list[str]:
    texts = []
    for entry in kb.entries.values():
        texts += [entry.answer["ja"], *entry.questions.get("ja", [])]
    return texts + [unicodedata.normalize("NFKC", t) for t in texts]


def test_remembered_words_are_the_tagger_s_words(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESBOT_CACHE_DIR", str(tmp_path))
    texts = japanese_texts(kb)
    direct = [tagging.words(t) for t in texts]  # outside `remembered`: the tagger
    with tagging.remembered():
        filled = [tagging.words(t) for t in texts]
    stored = tagging.WordStore(tagging.store_path())
    assert stored.file is not None and len(stored.file.index) == len(set(texts))
    stored.close()
    with tagging.remembered():
        read = [tagging.words(t) for t in texts]
        edited = tagging.words(texts[0] + "燃えるごみ")
    assert filled == direct
    assert read == direct
    # An edited text is not served the words of the text it replaced.
    assert edited == tagging.words(texts[0] + "燃えるごみ") != direct[0]


def test_an_unusable_cache_folder_tags_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("RESBOT_CACHE_DIR", str(blocker / "cache"))
    with tagging.remembered():
        surfaces = [w.surface for w in tagging.words("燃えるごみの日")]
    assert surfaces == ["燃える", "ごみ", "の", "日"]


SERVE_START = r"""
import re
from bot.core.dialogue import Bot
from bot.core.knowledge import load_knowledge
Bot(load_knowledge(KNOWLEDGE))
mapped, name = 0, None
for line in open("/proc/self/smaps"):
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        name = line.split()[-1]
    elif line.startswith("Rss:") and name.endswith(("sys.dic", "matrix.bin")):
        mapped += int(line.split()[1])
print(mapped // 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads Linux /proc")
def test_a_start_with_remembered_words_leaves_the_dictionary_out_of_memory(tmp_path: Path) -> None:
    code = f"KNOWLEDGE = {str(REPO / 'knowledge')!r}\n" + SERVE_START
    env = {**os.environ, "RESBOT_CACHE_DIR": str(tmp_path)}

    def start() -> int:
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        return int(run.stdout.strip())

    first, second = start(), start()
    assert first > 50  # the first start tags every text: ~110 MiB of dictionary pages
    # Later starts read the words back: a few MiB of the ~260 MB dictionary at most
    # (7 MiB seen on a fresh checkout, under 5 elsewhere), against ~110 the first time.
    assert second < min(20, first / 5)
