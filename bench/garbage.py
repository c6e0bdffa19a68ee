"""Garbage engine speed: item lookup on a 2,000-item dictionary in seven languages,
and next collection dates for every area of the largest real data set.

The dictionary is synthetic but shaped like real data: 40 common items with real
names in all languages, the rest made-up names of realistic length and script
(katakana or kanji compounds, hanzi, Latin words), 1-3 names per language, all
written as target.csv and garbage-items.po files and loaded the normal way.
Queries are whole questions in all seven languages, with typos and with no item
at all. Prints figures; asserts nothing (the target is p99 < 10 ms).

    .venv/bin/python bench/garbage.py [--queries N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polib

from bot.garbage import GarbageData, import_5374
from bot.garbage.translations import po_path

ITEMS = 2000
CATEGORIES = ["可燃ごみ", "不燃ごみ", "プラスチック", "資源", "有害ごみ"]
# ja, vi, pt, es, tl, en, zh
COMMON = [
    ("電池", "pin", "pilha", "pila", "baterya", "battery", "电池"),
    ("傘", "ô", "guarda-chuva", "paraguas", "payong", "umbrella", "雨伞"),
    ("自転車", "xe đạp", "bicicleta", "bicicleta", "bisikleta", "bicycle", "自行车"),
    (
        "ペットボトル",
        "chai nhựa",
        "garrafa pet",
        "botella de plástico",
        "boteng plastik",
        "plastic bottle",
        "塑料瓶",
    ),
    ("空き缶", "lon rỗng", "lata vazia", "lata vacía", "lata", "empty can", "空罐"),
    (
        "蛍光灯",
        "đèn huỳnh quang",
        "lâmpada fluorescente",
        "fluorescente",
        "fluorescent",
        "fluorescent lamp",
        "荧光灯",
    ),
    ("スプレー缶", "bình xịt", "lata de spray", "aerosol", "spray can", "spray can", "喷雾罐"),
    (
        "生ごみ",
        "rác nhà bếp",
        "lixo orgânico",
        "basura orgánica",
        "tirang pagkain",
        "food waste",
        "厨余垃圾",
    ),
    ("新聞", "báo", "jornal", "periódico", "diyaryo", "newspaper", "报纸"),
    ("段ボール", "thùng các tông", "papelão", "cartón", "karton", "cardboard", "纸箱"),
    ("布団", "chăn nệm", "futon", "futón", "kutson", "futon", "被褥"),
    ("テレビ", "tivi", "televisão", "televisión", "telebisyon", "television", "电视"),
    ("冷蔵庫", "tủ lạnh", "geladeira", "refrigerador", "refrigerator", "refrigerator", "冰箱"),
    (
        "びん",
        "chai thủy tinh",
        "garrafa de vidro",
        "botella de vidrio",
        "bote",
        "glass bottle",
        "玻璃瓶",
    ),
    ("古着", "quần áo cũ", "roupa usada", "ropa usada", "lumang damit", "old clothes", "旧衣服"),
    ("フライパン", "chảo", "frigideira", "sartén", "kawali", "frying pan", "平底锅"),
    ("ライター", "bật lửa", "isqueiro", "encendedor", "lighter", "lighter", "打火机"),
    ("おもちゃ", "đồ chơi", "brinquedo", "juguete", "laruan", "toy", "玩具"),
    ("電子レンジ", "lò vi sóng", "micro-ondas", "microondas", "microwave", "microwave", "微波炉"),
    ("ハンガー", "móc áo", "cabide", "percha", "sabitan", "hanger", "衣架"),
]
QUESTIONS = {
    "ja": ["{}はどうやって捨てますか", "{}の出し方を教えて", "{}は何ごみ？"],
    "vi": ["{} vứt thế nào", "cach vut {}", "{} bỏ rác loại nào"],
    "pt": ["como jogar fora {}", "onde descartar {}?", "{} é lixo de que tipo"],
    "es": ["¿cómo tiro {}?", "dónde se bota {}", "{} qué basura es"],
    "tl": ["paano itapon ang {}", "saan ilalagay ang {}", "anong basura ang {}"],
    "en": ["how do I throw away a {}", "where does {} go?", "{} which garbage"],
    "zh": ["{}怎么扔", "{}是什么垃圾", "请问{}放哪里"],
}
NO_ITEM = [
    "ゴミの日はいつですか",
    "ngay nao do rac",
    "qual é o dia da coleta",
    "what day is garbage collection in my area",
    "垃圾哪天收",
    "kailan ang koleksyon",
]
KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロワン"
    "ガギグゲゴパピプペポ"
)
KANJI = "木紙金属布革鉄缶瓶箱袋皿器具機板棒線管灯油電池傘靴服帽机椅棚鏡時計"
HANZI = "木纸金属布皮铁罐瓶箱袋盘器具机板棒线管灯油电池伞鞋衣帽桌椅柜镜钟表"
LATIN = "abcdefghijklmnoprstuvy"


def made_up(rng: random.Random, lang: str) -> str:
    if lang == "ja":
        if rng.random() < 0.5:
            return "".join(rng.choices(KATAKANA, k=rng.randint(3, 8)))
        return "".join(rng.choices(KANJI, k=rng.randint(2, 4)))
    if lang == "zh":
        return "".join(rng.choices(HANZI, k=rng.randint(2, 4)))
    words = ["".join(rng.choices(LATIN, k=rng.randint(4, 9))) for _ in range(rng.randint(1, 3))]
    return " ".join(words)


def build(folder: Path, rng: random.Random) -> list[dict[str, list[str]]]:
    """Write a knowledge folder with ITEMS items in seven languages; return the names."""
    langs = list(QUESTIONS)
    names: list[dict[str, list[str]]] = []
    seen: set[str] = set()
    for i in range(ITEMS):
        by_lang: dict[str, list[str]] = {}
        for j, lang in enumerate(langs):
            first = COMMON[i][j] if i < len(COMMON) else made_up(rng, lang)
            # Japanese has one name per item (target.csv); translations list 1-3.
            extra = [] if lang == "ja" else [made_up(rng, lang) for _ in range(rng.randint(0, 2))]
            by_lang[lang] = [first, *extra]
        if by_lang["ja"][0] in seen:
            by_lang["ja"][0] += str(i)
        seen.add(by_lang["ja"][0])
        names.append(by_lang)
    src = folder / "src"
    src.mkdir()
    (src / "area_days.csv").write_text(
        "地名,センター," + ",".join(CATEGORIES) + "\n本町,,月 木,水2,火,金,水4\n", encoding="utf-8"
    )
    rows = [f"{CATEGORIES[i % 5]},{n['ja'][0]},,x" for i, n in enumerate(names)]
    (src / "target.csv").write_text("type,name,notice,furigana\n" + "\n".join(rows) + "\n", "utf-8")
    knowledge = folder / "knowledge"
    import_5374(src, knowledge)
    for lang in langs[1:]:
        po = polib.POFile()
        for n in names:
            po.append(
                polib.POEntry(
                    msgctxt=f"garbage.item|{n['ja'][0]}",
                    msgid=n["ja"][0],
                    msgstr="\n".join(n[lang]),
                )
            )
        path = po_path(knowledge, lang)
        path.parent.mkdir(parents=True)
        po.save(str(path))
    return names


def queries(
    names: list[dict[str, list[str]]], rng: random.Random, count: int
) -> list[tuple[str, int | None]]:
    """Questions with the index of the item they are about (None: no item)."""
    out: list[tuple[str, int | None]] = []
    for _ in range(count):
        lang = rng.choice(list(QUESTIONS))
        roll = rng.random()
        if roll < 0.1:
            out.append((rng.choice(NO_ITEM), None))
            continue
        i = rng.randrange(len(COMMON) if roll < 0.5 else len(names))
        name = rng.choice(names[i][lang])
        if roll > 0.9 and lang not in ("ja", "zh") and len(name) > 5:
            k = rng.randrange(1, len(name) - 1)
            name = name[:k] + name[k + 1 :]  # a typo: one letter dropped
        out.append((rng.choice(QUESTIONS[lang]).format(name), i))
    return out


def report(label: str, times: list[float]) -> None:
    ms = sorted(t * 1000 for t in times)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{label}: n={len(ms)} p50={statistics.median(ms):.3f} ms p99={p99:.3f} ms "
        f"max={ms[-1]:.3f} ms"
    )


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_items(count: int) -> None:
    rng = random.Random(5374)
    with tempfile.TemporaryDirectory() as tmp:
        names = build(Path(tmp), rng)
        start = time.perf_counter()
        data = GarbageData.load(Path(tmp) / "knowledge")
        loaded = time.perf_counter() - start
        build_index = timed(lambda: data.find_item("warm up"))
        print(
            f"dictionary: {ITEMS} items x 7 languages; load {loaded * 1000:.0f} ms, "
            f"index build {build_index * 1000:.0f} ms"
        )
        qs = queries(names, rng, count)
        right = wrong = missed = spurious = 0
        times = []
        for q, expected in qs:
            start = time.perf_counter()
            match = data.find_item(q)
            times.append(time.perf_counter() - start)
            if expected is None:
                spurious += match is not None
            elif match is None:
                missed += 1
            elif names[expected]["ja"][0] in {
                match.item.name,
                *(a.name for a in match.alternatives),
            }:
                right += 1  # made-up names can be shared by two items: then both are offered
            else:
                wrong += 1
        report("item lookup", times)
        print(
            f"  {right} right, {wrong} another item, {missed} not found, "
            f"{spurious} item found in a question about none"
        )


def bench_dates() -> None:
    src = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "5374" / "hachioji"
    if not (src / "area_days.csv").is_file():
        print(f"next dates: skipped, {src} not available (../shared is not checked out)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        import_5374(src, Path(tmp))
        data = GarbageData.load(Path(tmp))
        for days in (14, 365):
            times = [
                timed(lambda a=a, n=days: data.next_dates(a, date(2025, 1, 1), n))
                for a in data.areas
            ]
            report(f"next dates, {days} days, {len(data.categories)} categories, per area", times)
            print(f"  all {len(times)} areas: {sum(times) * 1000:.1f} ms")
        data.match_area("warm up")
        times = [timed(lambda a=a: data.match_area(a)) for a in data.areas]
        report("area match (exact names)", times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--queries", type=int, default=5000)
    args = parser.parse_args()
    bench_items(args.queries)
    bench_dates()


if __name__ == "__main__":
    main()
