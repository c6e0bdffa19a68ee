"""line-bot-sdk stays out of a server that only answers webhooks (issue 18): any
`linebot` import loads all of its model classes (~45 MiB resident)."""

from __future__ import annotations

import subprocess
import sys

# A LINE-enabled app is built, started, and given one signed text webhook; the
# reply call goes to a closed port (logged, not retried). Push and the rich menu
# are the only users of the SDK and are not exercised here.
CODE = r"""
import base64, hashlib, hmac, json, sys, tempfile
from pathlib import Path
from starlette.testclient import TestClient
from bot.config import load_settings
from bot.web.app import create_app

settings = load_settings(
    env_file=None,
    db_path=Path(tempfile.mkdtemp()) / "bot.sqlite3",
    line_channel_secret="s",
    line_access_token="t",
    line_api_base="http://127.0.0.1:9",
)
event = {"type": "message", "replyToken": "r", "webhookEventId": "e1", "timestamp": 1,
         "mode": "active", "source": {"type": "user", "userId": "U1"},
         "message": {"type": "text", "id": "1", "text": "gomi no hi wa itsu"}}
body = json.dumps({"destination": "U", "events": [event]}).encode()
sig = base64.b64encode(hmac.new(b"s", body, hashlib.sha256).digest()).decode()
with TestClient(create_app(settings)) as client:
    status = client.post("/line/webhook", content=body, headers={"X-Line-Signature": sig})
    assert status.status_code == 200, status.text
print(",".join(sorted(m for m in sys.modules if m == "linebot" or m.startswith("linebot."))))
"""


def test_a_line_server_answering_webhooks_does_not_import_line_bot_sdk() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1:] in ([], [""]), out.stdout
