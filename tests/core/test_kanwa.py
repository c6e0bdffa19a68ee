"""pykakasi's kanji table read from disk (bot.core.kanwa, issue 18): the same
readings as pykakasi's own in-memory table, ~100 MiB less resident memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def our_texts() -> list[str]:
    """Every Japanese text resbot converts: questions, titles, answers, garbage data."""
    from bot.core.knowledge import load_knowledge

    kb = load_knowledge(REPO / "knowledge", furigana=False)
    texts = []
    for entry in kb.entries.values():
        texts += [*entry.questions.get("ja", []), entry.title.get("ja", ""), entry.answer["ja"]]
    for csv in sorted((REPO / "knowledge" / "garbage").glob("*.csv")):
        texts += csv.read_text(encoding="utf-8-sig").splitlines()
    return [t for t in texts if t.strip()]


CONVERT = r"""
import json, sys
texts = json.load(sys.stdin)
if sys.argv[1] == "ours":
    from bot.core.normalize import kakasi
    from pykakasi.kanji import Kanwa
    from bot.core.kanwa import KanwaTable
    k = kakasi()
    assert isinstance(Kanwa._shared_state["_jisyo_table"], KanwaTable), "not installed"
else:
    import pykakasi
    k = pykakasi.kakasi()
out = [[(p["orig"], p["hira"], p["hepburn"]) for p in k.convert(t)] for t in texts]
rss = [l for l in open("/proc/self/status") if l.startswith("RssAnon:")][0].split()[1]
print(json.dumps({"out": out, "rss_kib": int(rss)}))
"""


def convert(kind: str, texts: list[str], cache: Path) -> dict[str, object]:
    env = {**os.environ, "RESBOT_CACHE_DIR": str(cache)}
    run = subprocess.run(
        [sys.executable, "-c", CONVERT, kind],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result: dict[str, object] = json.loads(run.stdout)
    return result


def test_the_disk_table_gives_the_same_readings_in_far_less_memory(tmp_path: Path) -> None:
    texts = our_texts()
    assert len(texts) > 1000
    ours = convert("ours", texts, tmp_path)  # builds the table first, then reads it
    again = convert("ours", texts, tmp_path)  # reads the table built before
    stock = convert("stock", texts, tmp_path)
    assert ours["out"] == stock["out"]
    assert again["out"] == stock["out"]
    assert list(tmp_path.glob("kanwa-*.bin"))
    # pykakasi's own table is ~100 MiB of Python objects; ours holds a few tables.
    assert int(str(stock["rss_kib"])) - int(str(again["rss_kib"])) > 60 * 1024


def test_an_unwritable_cache_falls_back_to_pykakasi_s_own_table(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code = (
        "import pykakasi\n"
        "from bot.core.kanwa import install\n"
        "from bot.core.normalize import kakasi\n"
        "text = '燃えるごみの日は月曜日'\n"
        "stock = ' '.join(p['hepburn'] for p in pykakasi.kakasi().convert(text))\n"
        "ours = ' '.join(p['hepburn'] for p in kakasi().convert(text))\n"
        "print(install(), ours == stock, bool(stock))\n"
    )
    env = {**os.environ, "RESBOT_CACHE_DIR": str(blocker / "cache")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["False", "True", "True"]


def test_building_the_bot_never_unpickles_pykakasi_s_whole_table(tmp_path: Path) -> None:
    code = (
        "import pickle, sys\n"
        "real = pickle.load\n"
        "def guarded(f, *a, **k):\n"
        "    assert 'kanwadict' not in getattr(f, 'name', ''), 'whole kanwa table loaded'\n"
        "    return real(f, *a, **k)\n"
        "pickle.load = guarded\n"
        "from bot.core.dialogue import Bot\n"
        "from bot.core.knowledge import load_knowledge\n"
        f"Bot(load_knowledge({str(REPO / 'knowledge')!r}))\n"
        "print('ok')\n"
    )
    env = {**os.environ, "RESBOT_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "ok"
