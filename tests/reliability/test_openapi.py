"""The web chat JSON API against its hand-written OpenAPI document (schemathesis).

Schemathesis generates requests from /openapi.json, valid and invalid, and
checks every answer: no 5xx, a status code and a body the document promises.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from starlette.applications import Starlette

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.web.app import create_app
from bot.web.openapi import SPEC


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory, bot: Bot) -> Starlette:
    tmp = Path(tmp_path_factory.mktemp("openapi"))
    return create_app(load_settings(env_file=None, db_path=tmp / "api.sqlite3"), bot)


# From the document itself (the app is a fixture, handed to each call): schemathesis'
# from_fixture loader does not work with pytest 9.
schema = schemathesis.openapi.from_dict(SPEC)


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_the_promises_of_its_openapi_document(
    case: schemathesis.Case, api_app: Starlette
) -> None:
    case.call_and_validate(app=api_app)


def test_the_document_is_served_and_lists_the_public_routes(api_app: Starlette) -> None:
    from starlette.testclient import TestClient

    with TestClient(api_app) as client:
        served = client.get("/openapi.json").json()
    assert served == SPEC
    assert set(served["paths"]) == {"/api/chat", "/healthz"}
    assert served["openapi"].startswith("3.")
