"""PNG charts for people who would rather look than read: the monthly trend, the
language mix and the top topics.

Drawn on matplotlib's Agg canvas without pyplot, so no display is needed and no
figure is left open. Labels are Japanese and English when a CJK font is installed
(Noto Sans CJK, IPA...), English only otherwise, so no tofu boxes ever show.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.core.knowledge import KnowledgeBase
from bot.core.topics import load_topics

from . import labels
from .labels import Label
from .percent import percent
from .report import Report
from .stats import NONE

CJK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "VL Gothic",
    "Yu Gothic",
    "Hiragino Sans",
    "Noto Sans CJK SC",
)
TOP_TOPICS = 15
NO_DATA: Label = ("データがありません", "No data")
DPI = 150
# The trend lines: metric -> colour (colour-blind safe, from the Okabe–Ito set).
TREND_LINES = {
    "questions": "#0072B2",
    "answered": "#009E73",
    "fallback": "#D55E00",
    "unique_users": "#CC79A7",
    "new_followers": "#999999",
}
CATEGORY_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font that has Japanese glyphs, or None.

    matplotlib writes its font list to a cache once per matplotlib version, so a
    font installed later (`apt-get install fonts-noto-cjk` after `pip install`) is
    missing from it: when no CJK font is listed, the system fonts not yet known are
    added once (about 0.3 s for a few dozen files) and the list is asked again."""
    found = _listed_cjk_font()
    if found is None:
        manager = font_manager.fontManager
        known = {f.fname for f in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # e.g. bitmap-only emoji fonts
                    continue
        found = _listed_cjk_font()
    return found


def _listed_cjk_font() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


class Painter:
    """Draws the charts of one report in one label language."""

    def __init__(self, report: Report, kb: KnowledgeBase | None, bilingual: bool) -> None:
        self.report = report
        self.kb = kb
        self.bilingual = bilingual

    def text(self, label: Label) -> str:
        return labels.both(label) if self.bilingual else label[1]

    @contextmanager
    def figure(self, path: Path, width: float, height: float) -> Iterator[Figure]:
        font = cjk_font() if self.bilingual else None
        families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
        with matplotlib.rc_context({"font.family": families, "font.size": 10}):
            fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
            FigureCanvasAgg(fig)
            yield fig
            fig.savefig(path, dpi=DPI, facecolor="white")

    # ------------------------------------------------------------------ charts
    def trend(self, path: Path) -> None:
        months = [s.label for s in self.report.trend]
        top = 0.0
        with self.figure(path, 10, 5.5) as fig:
            ax = fig.add_subplot()
            for metric, colour in TREND_LINES.items():
                values = [s.metric(metric) or 0 for s in self.report.trend]
                top = max(top, *values)
                ax.plot(
                    months,
                    values,
                    marker="o",
                    color=colour,
                    linewidth=2,
                    label=self.text(labels.METRICS[metric]),
                )
            span = months[0] if len(months) == 1 else f"{months[0]} – {months[-1]}"
            self._title(ax, labels.CHARTS["trend"], span)
            ax.set_xlabel(self.text(("月", "Month")))
            ax.set_ylabel(self.text(("件数・人数", "Count")))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(0, max(top * 1.1, 5))  # whole numbers, even for a quiet month
            if not top:
                ax.text(0.5, 0.5, self.text(NO_DATA), ha="center", transform=ax.transAxes)
            ax.margins(x=0.04)
            ax.grid(axis="y", alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
            if len(months) > 6:
                ax.tick_params(axis="x", labelrotation=45)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)

    def languages(self, path: Path) -> None:
        counts = self.report.total.by_lang
        keys = _largest(counts)
        self._bars(
            path,
            keys,
            counts,
            labels.language,
            labels.CHARTS["languages"],
            colour=lambda _: TREND_LINES["questions"],
        )

    def topics(self, path: Path) -> None:
        counts = self.report.total.by_topic
        keys = [k for k in _largest(counts) if k != NONE][:TOP_TOPICS]
        catalogue = load_topics()
        categories = list(catalogue.categories)

        def colour(topic: str) -> str:
            index = categories.index(catalogue.topics.get(topic, categories[-1]))
            return CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)]

        self._bars(
            path,
            keys,
            counts,
            lambda k: labels.topic(k, self.kb),
            (labels.CHARTS["topics"][0], f"Top {len(keys)} topics" if keys else "Top topics"),
            colour=colour,
            legend=[(labels.category(c), shade) for c, shade in self._legend(keys, colour)],
        )

    def _legend(self, keys: list[str], colour: Callable[[str], str]) -> list[tuple[str, str]]:
        topics = load_topics().topics
        seen: dict[str, str] = {}
        for k in keys:
            seen.setdefault(topics.get(k, NONE), colour(k))
        return list(seen.items())

    def _bars(
        self,
        path: Path,
        keys: list[str],
        counts: Counter[str],
        label: Callable[[str], Label],
        title: Label,
        *,
        colour: Callable[[str], str],
        legend: list[tuple[Label, str]] | None = None,
    ) -> None:
        whole = self.report.total.questions
        height = 1.6 + 0.42 * max(len(keys), 3)
        with self.figure(path, 10, height) as fig:
            ax = fig.add_subplot()
            self._title(ax, title, self.report.label)
            if not keys:
                ax.text(0.5, 0.5, self.text(NO_DATA), ha="center")
                ax.set_axis_off()
                return
            keys = keys[::-1]  # the largest on top
            values = [counts[k] for k in keys]
            bars = ax.barh(
                [self.text(label(k)) for k in keys], values, color=[colour(k) for k in keys]
            )
            ax.bar_label(
                bars,
                labels=[f"{v:,} ({percent(v / whole, 0)})" if whole else f"{v:,}" for v in values],
                padding=4,
            )
            ax.set_xlabel(self.text(("質問数", "Questions")))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{int(x):,}"))
            ax.set_xlim(0, max(values) * 1.2)
            ax.grid(axis="x", alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
            if legend and len(legend) > 1:
                fig.legend(
                    handles=[Patch(color=c, label=self.text(lb)) for lb, c in legend],
                    loc="outside lower center",
                    ncols=min(len(legend), 4),
                    frameon=False,
                )

    def _title(self, ax: Axes, title: Label, period: str) -> None:
        ax.set_title(f"{self.text(title)}  ({period})", loc="left", fontsize=13, pad=12)


def _largest(counts: Counter[str]) -> list[str]:
    """Keys with a count, largest first (ties in name order, as in the tables)."""
    return [k for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n]


def write_png(report: Report, out: Path, kb: KnowledgeBase | None = None) -> list[Path]:
    """The three charts as PNG files in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    painter = Painter(report, kb, bilingual=cjk_font() is not None)
    paths = []
    for name, draw in (
        ("trend", painter.trend),
        ("languages", painter.languages),
        ("topics", painter.topics),
    ):
        path = out / f"resbot-{report.label}-{name}.png"
        draw(path)
        paths.append(path)
    return paths
