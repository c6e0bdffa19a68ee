"""Draw the rich menu image with Pillow, so changing a label needs no image editor.

Large white text on dark tiles: the menu is read on small phones, often by
people who are still learning to read Japanese.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .richmenu import Area, RichMenu

log = logging.getLogger("resbot.richmenu")

# Checked in order before asking fontconfig; the first that exists wins.
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",  # Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",  # Fedora
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",  # fonts-ipaexfont-gothic
    "/System/Library/Fonts/ヒラギノ角ゴシック W6.ttc",  # macOS
    "C:/Windows/Fonts/YuGothB.ttc",
    "C:/Windows/Fonts/meiryob.ttc",
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")

TEXT_COLOR = "#FFFFFF"
BACKGROUND = "#FFFFFF"
GAP = 14  # white space between tiles, so each reads as a separate button
RADIUS = 40
PADDING = 56
# (largest, smallest) font size per line: Japanese label, English label, note.
SIZES = ((150, 56), (100, 56), (50, 34))
LINE_SPACING = 0.4

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _fontconfig_japanese() -> Path | None:
    # `fc-list :lang=ja` lists only fonts with Japanese glyphs (fc-match always
    # answers something, even a Latin-only font).
    exe = shutil.which("fc-list")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, ":lang=ja", "-f", "%{file}\n"],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = {f.strip() for f in out.splitlines() if f.strip().lower().endswith(FONT_SUFFIXES)}
    # Prefer bold sans fonts: they stay legible when the phone shrinks the menu.
    ranked = sorted(files, key=lambda f: ("bold" not in f.lower(), "serif" in f.lower(), f))
    return Path(ranked[0]) if ranked else None


def find_font(explicit: Path | None = None) -> Path | None:
    """A font file that can draw Japanese, or None (Pillow's default, with a warning)."""
    if explicit is not None:
        if not explicit.is_file():
            raise FileNotFoundError(f"font {explicit} does not exist")
        return explicit
    for candidate in FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    found = _fontconfig_japanese()
    if found is None:
        log.warning(
            "no Japanese font found (install fonts-noto-cjk or pass --font): "
            "using Pillow's default font, Japanese labels will not render"
        )
    return found


@dataclass(frozen=True)
class Fonts:
    path: Path | None

    def at(self, size: int) -> Font:
        if self.path is None:
            return ImageFont.load_default(size=size)
        return ImageFont.truetype(str(self.path), size)


def _fit(
    draw: ImageDraw.ImageDraw, fonts: Fonts, text: str, sizes: tuple[int, int], width: int
) -> Font:
    largest, smallest = sizes
    for size in range(largest, smallest, -2):
        font = fonts.at(size)
        if draw.textlength(text, font=font) <= width:
            return font
    return fonts.at(smallest)


def _tile(draw: ImageDraw.ImageDraw, fonts: Fonts, area: Area) -> None:
    left, top = area.x + GAP // 2, area.y + GAP // 2
    right, bottom = area.x + area.width - GAP // 2 - 1, area.y + area.height - GAP // 2 - 1
    draw.rounded_rectangle((left, top, right, bottom), radius=RADIUS, fill=area.color)
    inner = right - left - 2 * PADDING
    # A Japanese label too wide for a narrow tile breaks at its spaces
    # ("ちかくの ひなんばしょ" on two lines) rather than shrinking out of legibility.
    ja = [area.ja]
    if draw.textlength(area.ja, font=fonts.at(SIZES[0][1] + 16)) > inner and " " in area.ja:
        ja = area.ja.split()
    lines = [(t, SIZES[0]) for t in ja] + [(area.en, SIZES[1])]
    lines += [(n, SIZES[2]) for n in area.note]
    placed = []
    for text, sizes in lines:
        font = _fit(draw, fonts, text, sizes, inner)
        box = draw.textbbox((0, 0), text, font=font)
        placed.append((text, font, box, int(sizes[0] * LINE_SPACING)))
    heights = [b[3] - b[1] for _, _, b, _ in placed]
    gaps = [gap for *_, gap in placed[1:]]
    y = (top + bottom - sum(heights) - sum(gaps)) / 2
    for i, (text, font, box, gap) in enumerate(placed):
        y += gap if i else 0
        x = (left + right - (box[2] - box[0])) / 2 - box[0]
        draw.text((x, y - box[1]), text, font=font, fill=TEXT_COLOR)
        y += box[3] - box[1]


def render(menu: RichMenu, fonts: Fonts) -> Image.Image:
    image = Image.new("RGB", (menu.width, menu.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for area in menu.areas:
        _tile(draw, fonts, area)
    return image


def render_png(menu: RichMenu, font: Path | None = None) -> bytes:
    """The menu image as PNG bytes (LINE takes at most 1 MB; flat tiles stay far below)."""
    buffer = io.BytesIO()
    render(menu, Fonts(find_font(font))).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
