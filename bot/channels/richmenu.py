"""The LINE rich menu: a definition kept in the repo, sent with line-bot-sdk v3.

The menu's buttons are the same postbacks the dialogue already understands
(`cat:<category>`, `langmenu`), so tapping one works like tapping a quick reply.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
import yaml
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    PostbackAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.core.topics import load_topics

DEFINITION = Path(__file__).resolve().parents[1] / "data" / "richmenu.yaml"

# LINE's documented limits for rich menus.
MAX_CHAT_BAR_TEXT = 14
MAX_ACTION_LABEL = 20
MAX_POSTBACK_DATA = 300
MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT = 800, 2500, 250
MIN_ASPECT = 1.45
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


class DefinitionError(ValueError):
    """The rich menu definition breaks a LINE limit or names an unknown category."""


@dataclass(frozen=True)
class Area:
    data: str
    ja: str
    en: str
    color: str
    note: tuple[str, ...]  # extra small lines under the labels
    x: int
    y: int
    width: int
    height: int

    @property
    def label(self) -> str:
        both = f"{self.ja} {self.en}"
        return both if len(both) <= MAX_ACTION_LABEL else self.ja[:MAX_ACTION_LABEL]


@dataclass(frozen=True)
class RichMenu:
    name: str
    chat_bar_text: str
    width: int
    height: int
    areas: tuple[Area, ...]

    def request(self) -> RichMenuRequest:
        return RichMenuRequest(
            size=RichMenuSize(width=self.width, height=self.height),
            selected=True,
            name=self.name,
            chatBarText=self.chat_bar_text,
            areas=[
                RichMenuArea(
                    bounds=RichMenuBounds(x=a.x, y=a.y, width=a.width, height=a.height),
                    action=PostbackAction(
                        label=a.label, data=a.data, displayText=f"{a.ja} / {a.en}"
                    ),
                )
                for a in self.areas
            ],
        )


def _cuts(total: int, parts: int) -> list[int]:
    # Integer edges that add up to exactly `total` (2500 / 3 = 833, 833, 834).
    return [total * i // parts for i in range(parts + 1)]


def _labels(spec: dict[str, Any]) -> tuple[str, str]:
    label = spec.get("label")
    if isinstance(label, dict):
        return str(label["ja"]), str(label["en"])
    data = str(spec["postback"])
    if not data.startswith("cat:"):
        raise DefinitionError(f"area {data!r} needs a label: {{ja: ..., en: ...}}")
    category = data[4:]
    topics = load_topics()
    if category not in topics.categories:
        raise DefinitionError(f"area {data!r}: no category {category!r} in topics.yaml")
    return topics.category_label(category, "ja"), topics.category_label(category, "en")


def _note(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def load_definition(path: Path = DEFINITION) -> RichMenu:
    """Read and check the definition, so LINE never sees a menu it would refuse."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    width, height = int(data["size"]["width"]), int(data["size"]["height"])
    cols, rows = int(data["grid"]["columns"]), int(data["grid"]["rows"])
    specs: list[dict[str, Any]] = data["areas"]
    if not (MIN_WIDTH <= width <= MAX_WIDTH and height >= MIN_HEIGHT):
        raise DefinitionError(f"size {width}x{height} is outside LINE's limits")
    if width / height < MIN_ASPECT:
        raise DefinitionError(f"size {width}x{height}: width/height must be {MIN_ASPECT} or more")
    if len(specs) != cols * rows:
        raise DefinitionError(f"{len(specs)} areas do not fill a {cols}x{rows} grid")
    chat_bar_text = str(data["chat_bar_text"])
    if len(chat_bar_text) > MAX_CHAT_BAR_TEXT:
        raise DefinitionError(f"chat_bar_text is over {MAX_CHAT_BAR_TEXT} characters")
    xs, ys = _cuts(width, cols), _cuts(height, rows)
    areas = []
    for i, spec in enumerate(specs):
        postback, color = str(spec["postback"]), str(spec["color"])
        if len(postback) > MAX_POSTBACK_DATA:
            raise DefinitionError(f"postback {postback[:20]!r}... is too long")
        if not COLOR.match(color):
            raise DefinitionError(f"area {postback!r}: color must look like #1B5E20")
        ja, en = _labels(spec)
        col, row = i % cols, i // cols
        areas.append(
            Area(
                data=postback,
                ja=ja,
                en=en,
                color=color,
                note=_note(spec.get("note")),
                x=xs[col],
                y=ys[row],
                width=xs[col + 1] - xs[col],
                height=ys[row + 1] - ys[row],
            )
        )
    return RichMenu(str(data["name"]), chat_bar_text, width, height, tuple(areas))


class PublishError(RuntimeError):
    """LINE refused a call or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class Published:
    menu_id: str
    deleted: tuple[str, ...]  # older menus of the same name, removed with `replace`


def publish(
    menu: RichMenu,
    png: bytes,
    *,
    access_token: str,
    api_base: str,
    data_api_base: str,
    replace: bool = False,
) -> Published:
    """Validate, create, upload the image, make it every user's default."""
    try:
        return _publish(menu.request(), png, access_token, api_base, data_api_base, replace)
    except ApiException as exc:
        body = exc.body.decode(errors="replace") if isinstance(exc.body, bytes) else exc.body
        raise PublishError(f"LINE answered {exc.status} {exc.reason}: {body or ''}") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise PublishError(f"could not reach LINE: {exc}") from exc


def _publish(
    request: RichMenuRequest,
    png: bytes,
    access_token: str,
    api_base: str,
    data_api_base: str,
    replace: bool,
) -> Published:
    # The image goes to LINE's data host (api-data.line.me), hence two clients.
    with ApiClient(Configuration(access_token=access_token, host=api_base)) as client:
        api = MessagingApi(client)
        api.validate_rich_menu_object(request)
        menu_id = str(api.create_rich_menu(request).rich_menu_id)
        try:
            data_config = Configuration(access_token=access_token, host=data_api_base)
            with ApiClient(data_config) as data_client:
                # The SDK sets no content type for raw bodies: LINE needs it.
                MessagingApiBlob(data_client).set_rich_menu_image(
                    menu_id, png, _headers={"Content-Type": "image/png"}
                )
            api.set_default_rich_menu(menu_id)
        except Exception:
            # Do not leave a half-made menu behind (LINE keeps at most 1000).
            with contextlib.suppress(Exception):
                api.delete_rich_menu(menu_id)
            raise
        deleted: list[str] = []
        if replace:
            # Only after the new menu is the default, so users never see none.
            for old in api.get_rich_menu_list().richmenus:
                if old.name == request.name and old.rich_menu_id != menu_id:
                    api.delete_rich_menu(old.rich_menu_id)
                    deleted.append(old.rich_menu_id)
    return Published(menu_id, tuple(deleted))
