"""Machine drafts through the real argostranslate path, with a tiny model built here.

Only MiniSBD's sentence-splitter model download is replaced (by splitting on
。.!?); the packages are real `.argosmodel` files installed with
`install_from_path`, and translation runs sentencepiece and CTranslate2. The
model copies its input (see tinyargos.py), so what comes out is known.
"""

from __future__ import annotations

import re
import urllib.error
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

_REASON = "needs the optional extra `mt` (pip install -e '.[mt]'): {} is not importable"
for _module in ("argostranslate", "ctranslate2", "sentencepiece"):
    pytest.importorskip(_module, reason=_REASON.format(_module))

import polib  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from bot.cli import app  # noqa: E402
from bot.core.city import PLACEHOLDER_RE  # noqa: E402
from bot.core.knowledge import load_knowledge  # noqa: E402
from bot.core.translation_sync import sync_translations  # noqa: E402
from bot.translate import MARKER, MissingModel, TranslateError, draft_missing  # noqa: E402
from bot.translate.placeholders import protect  # noqa: E402
from tests.kbfactory import make_kb, po_file, write_entry  # noqa: E402

from .tinyargos import build_copy_model, make_package, train_sentencepiece  # noqa: E402

TITLE = "ビザの　そうだん"
QUESTIONS = ["ビザの　そうだんは　どこですか", "ビザ　そうだん", "ざいりゅうカードの　こうしん"]
ANSWER = (
    "ビザの　そうだんは　{desk.place}で　できます。じかんは　{desk.hours}です。\n"
    "わからない　ときは　{desk.phone}に　でんわ　して　ください！"
)
DESK_ANSWER = "{desk.phone} か 119に でんわ して ください。"  # tests.kbfactory.make_kb
DESK_ANSWER_NEW = "こまった　ときは　{desk.phone}に　でんわ　して　ください。"
OTHER_TEXTS = ["テスト", "てすと です", "テストの しつもん", DESK_ANSWER, DESK_ANSWER_NEW]
# Swaps that make a package's work visible in its output.
KINDS: dict[str, Callable[[str], str] | None] = {
    "copy": None,
    "dotted": lambda piece: piece.replace("。", "."),  # proves a hop ran
    "lossy": lambda piece: piece.replace("Z", "#"),  # breaks placeholder tokens
}


class SplitOnPunctuation:
    """Stands in for MiniSBD's detector, whose model argostranslate would download."""

    def sentences(self, text: str) -> list[str]:
        return [s.strip() for s in re.findall(r"[^。.!?！？]+[。.!?！？]*", text) if s.strip()]


@pytest.fixture(scope="session")
def argos(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """argostranslate imported with its data, config and cache folders in a temporary home."""
    home = tmp_path_factory.mktemp("argos-home")
    with pytest.MonkeyPatch.context() as mp:  # settings are read once, at import
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            mp.setenv(var, str(home / var.lower()))
        mp.setenv("ARGOS_PACKAGES_DIR", str(home / "packages"))
        try:
            import argostranslate.package as package
            import argostranslate.sbd as sbd
            import argostranslate.settings as settings
            import argostranslate.translate as translate
        except ImportError as exc:  # e.g. PyTorch (needed by stanza) is missing
            pytest.skip(_REASON.format(f"argostranslate.translate ({exc})"))
    return SimpleNamespace(package=package, sbd=sbd, settings=settings, translate=translate)


@pytest.fixture(scope="session")
def packs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str, str], Path]:
    """`.argosmodel` files on demand, e.g. packs("ja", "en", "copy"), built once per session."""
    folder = tmp_path_factory.mktemp("tinyargos")
    texts = [TITLE, *QUESTIONS, ANSWER, *OTHER_TEXTS]
    lines = [*texts, *(protect(t)[0] for t in texts), "#. ZX0123456789Q"] * 20
    sp_model = folder / "sentencepiece.model"
    vocab = train_sentencepiece(lines, sp_model)
    built: dict[tuple[str, str, str], Path] = {}

    def get(from_code: str, to_code: str, kind: str = "copy") -> Path:
        key = (from_code, to_code, kind)
        if key not in built:
            model = folder / kind / "model"
            if not model.exists():
                build_copy_model(vocab, model, KINDS[kind])
            out = folder / kind / f"{from_code}_{to_code}"
            out.mkdir()
            built[key] = make_package(out, from_code, to_code, model, sp_model)
        return built[key]

    return get


@pytest.fixture
def install(
    argos: SimpleNamespace,
    packs: Callable[[str, str, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., None]]:
    """A fresh, empty Argos packages folder for this test; install("ja-en", "en-vi:dotted")."""
    folder = tmp_path / "argos-packages"
    folder.mkdir()
    monkeypatch.setattr(argos.settings, "package_data_dir", folder)
    monkeypatch.setattr(argos.settings, "package_dirs", [folder])
    monkeypatch.setattr(argos.translate, "installed_translates", [])
    monkeypatch.setattr(argos.sbd.MiniSBDSentencizer, "lazy_detector", _splitter)
    argos.translate.get_installed_languages.cache_clear()

    def install_packs(*specs: str) -> None:
        for spec in specs:
            pair, _, kind = spec.partition(":")
            from_code, to_code = pair.split("-")
            argos.package.install_from_path(packs(from_code, to_code, kind or "copy"))

    yield install_packs
    argos.translate.get_installed_languages.cache_clear()


def _splitter(self: object) -> SplitOnPunctuation:
    return SplitOnPunctuation()


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """consult.desk fully translated (tests.kbfactory) plus consult.visa, not translated yet."""
    root = make_kb(tmp_path / "kb", DESK_ANSWER)
    write_entry(root, "consult.visa", "consult.visa", ANSWER, title=TITLE, questions=QUESTIONS)
    return root


def po_entry(root: Path, lang: str, ctx: str) -> polib.POEntry | None:
    po = polib.pofile(str(po_file(root, lang, "consult")), wrapwidth=0)
    found: polib.POEntry | None = po.find(ctx, by="msgctxt")
    return found


def squash(text: str) -> str:
    return re.sub(r"\s", "", text)


def visa(fld: str) -> str:
    return f"consult.visa|{fld}"


def test_drafts_are_fuzzy_marked_keep_placeholders_and_are_not_served(
    kb: Path, install: Callable[..., None]
) -> None:
    install("ja-en", "ja-vi")
    report = draft_missing(kb, ["vi", "en"])

    assert report.routes == {"vi": "ja→vi", "en": "ja→en"}
    assert not report.failed
    assert sorted((d.lang, d.context) for d in report.drafted) == sorted(
        (lang, visa(f)) for lang in ("vi", "en") for f in ("title", "questions", "answer")
    )
    for lang in ("vi", "en"):
        for fld, source in (("title", TITLE), ("questions", TITLE), ("answer", ANSWER)):
            e = po_entry(kb, lang, visa(fld))
            assert e is not None and e.msgid == source
            assert "fuzzy" in e.flags and MARKER in e.tcomment.splitlines()
            assert f"# {MARKER}\n" in str(e)
        answer = po_entry(kb, lang, visa("answer"))
        assert answer is not None
        # The real path ran end to end: the copy model gives the Japanese back, and every
        # placeholder came through the token round trip exactly once.
        assert squash(answer.msgstr) == squash(ANSWER)
        assert Counter(PLACEHOLDER_RE.findall(answer.msgstr)) == Counter(
            PLACEHOLDER_RE.findall(ANSWER)
        )
        assert answer.msgstr.count("\n") == ANSWER.count("\n")
        questions = po_entry(kb, lang, visa("questions"))
        assert questions is not None
        assert [squash(q) for q in questions.msgstr.split("\n")] == [squash(q) for q in QUESTIONS]

    served = load_knowledge(kb, furigana=False)
    entry = served.entries["consult.visa"]
    assert "vi" not in entry.answer and "en" not in entry.answer and "vi" not in entry.title
    assert {entry.status[f]["vi"] for f in ("title", "questions", "answer")} == {"fuzzy"}
    desk = served.entries["consult.desk"]
    assert desk.answer["vi"] == "Gọi {desk.phone} hoặc 119."  # approved one untouched

    # `kb sync` keeps the drafts as they are; they await review: nothing more to draft.
    sync_translations(served)
    e = po_entry(kb, "vi", visa("answer"))
    assert e is not None and "fuzzy" in e.flags and MARKER in e.tcomment
    again = draft_missing(kb, ["vi", "en"])
    assert not again.drafted and not again.failed


def test_pivots_via_english_when_there_is_no_direct_package(
    kb: Path, install: Callable[..., None]
) -> None:
    install("ja-en", "en-vi:dotted")
    report = draft_missing(kb, ["vi"])

    assert report.routes == {"vi": "ja→en→vi"}
    assert len(report.drafted) == 3 and not report.failed
    answer = po_entry(kb, "vi", visa("answer"))
    assert answer is not None and "fuzzy" in answer.flags
    # Only en→vi turns 。 into ., so the text went through both packages.
    assert "。" not in answer.msgstr and squash(answer.msgstr) == squash(ANSWER).replace("。", ".")
    assert sorted(PLACEHOLDER_RE.findall(answer.msgstr)) == sorted(PLACEHOLDER_RE.findall(ANSWER))


def test_no_package_raises_missing_model_naming_pairs_and_how_to_install(
    kb: Path, install: Callable[..., None]
) -> None:
    before = (po_file(kb, "vi", "consult")).read_bytes()
    install()
    with pytest.raises(MissingModel) as err:
        draft_missing(kb)
    message = str(err.value)
    for needed in ("ja→en", "en→vi", "en→zh", "argospm update", "argospm install translate-ja_en"):
        assert needed in message
    assert "argospm install translate-en_tl" in message and "install_from_path(" in message
    assert set(err.value.missing) == {"vi", "pt", "es", "tl", "en", "zh"}

    install("ja-en")
    with pytest.raises(MissingModel) as err:
        draft_missing(kb, ["vi"])
    assert err.value.missing == {"vi": [("en", "vi")]}
    assert "translate-en_vi" in str(err.value) and "install translate-ja_en" not in str(err.value)
    assert (po_file(kb, "vi", "consult")).read_bytes() == before


def test_lost_placeholders_leave_the_message_empty_and_are_reported(
    kb: Path, install: Callable[..., None]
) -> None:
    install("ja-vi:lossy")
    report = draft_missing(kb, ["vi"])

    assert [(f.lang, f.context) for f in report.failed] == [("vi", visa("answer"))]
    assert "{desk.place}" in report.failed[0].reason and "left empty" in report.failed[0].reason
    assert {d.context for d in report.drafted} == {visa("title"), visa("questions")}
    assert po_entry(kb, "vi", visa("answer")) is None  # not written at all
    assert any("FAILED consult.visa|answer" in line for line in report.lines())


@pytest.mark.parametrize("synced", [False, True], ids=["stale", "stale-after-sync"])
def test_stale_translation_is_redrafted_keeping_the_old_one_for_the_reviewer(
    kb: Path, install: Callable[..., None], synced: bool
) -> None:
    path = kb / "entries" / "consult" / "consult.desk.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(DESK_ANSWER, DESK_ANSWER_NEW))
    if synced:  # `resbot kb sync` marks it fuzzy with the old source as `#| msgid`
        sync_translations(load_knowledge(kb, furigana=False))
    install("ja-vi")
    report = draft_missing(kb, ["vi"], fields=["answer"])

    assert {d.context for d in report.drafted} == {"consult.desk|answer", visa("answer")}
    e = po_entry(kb, "vi", "consult.desk|answer")
    assert e is not None and e.msgid == DESK_ANSWER_NEW and e.previous_msgid is None
    assert squash(e.msgstr) == squash(DESK_ANSWER_NEW) and "fuzzy" in e.flags
    assert "Gọi {desk.phone} hoặc 119." in e.tcomment and DESK_ANSWER in e.tcomment
    assert draft_missing(kb, ["vi"], fields=["answer"]).drafted == []


def test_an_offline_sentence_splitter_download_is_explained(
    kb: Path, install: Callable[..., None], argos: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    install("ja-vi")

    def offline(self: object) -> SplitOnPunctuation:
        raise urllib.error.URLError("no network")  # what MiniSBD's download raises here

    monkeypatch.setattr(argos.sbd.MiniSBDSentencizer, "lazy_detector", offline)
    with pytest.raises(TranslateError, match="sentence-splitting model on first use"):
        draft_missing(kb, ["vi"])
    assert po_entry(kb, "vi", visa("answer")) is None


def test_cli_lists_packages_and_drafts(kb: Path, install: Callable[..., None]) -> None:
    install("ja-en", "en-vi")
    runner = CliRunner()

    result = runner.invoke(app, ["--knowledge", str(kb), "translate", "packages"])
    assert result.exit_code == 0, result.output
    assert "installed: en→vi, ja→en" in result.output
    assert (
        "vi: ja→en→vi" in result.output
        and "pt: no route (install translate-en_pt)" in result.output
    )

    before = (po_file(kb, "vi", "consult")).read_bytes()
    result = runner.invoke(
        app, ["--knowledge", str(kb), "translate", "draft", "--lang", "vi", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "vi (ja→en→vi): would draft 3, failed 0" in result.output
    assert (po_file(kb, "vi", "consult")).read_bytes() == before

    result = runner.invoke(app, ["--knowledge", str(kb), "translate", "draft", "--lang", "vi"])
    assert result.exit_code == 0, result.output
    assert "drafted consult.visa|answer  translations/vi/LC_MESSAGES/consult.po" in result.output
    assert "remove the `fuzzy` flag" in result.output

    result = runner.invoke(app, ["--knowledge", str(kb), "translate", "draft", "--lang", "pt"])
    assert result.exit_code == 1
    assert "argospm install translate-en_pt" in result.output
