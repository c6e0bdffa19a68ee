"""Owed replies are sealed (bot.claims): unreadable in the database, tamper-evident,
and rows sealed by earlier versions (Fernet) are still read after an upgrade."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import orjson
from cryptography.fernet import Fernet

from bot.claims import SEALED, Claims
from bot.storage import Store

REPLY = {
    "to": {"token": "tok", "to": "U0123456789abcdef"},
    "at": "2026-12-06T23:00:00.000+00:00",
    "replies": [{"text": "ごみの日は月曜日です", "buttons": [{"label": "もっと", "data": "more"}]}],
}


def claims(tmp_path: Path, secret: bytes = b"k") -> Claims:
    return Claims(Store(tmp_path / "db.sqlite3"), secret=secret)


def test_a_sealed_reply_reads_back_and_shows_nothing(tmp_path: Path) -> None:
    c = claims(tmp_path)
    sealed = c.seal(REPLY)
    assert sealed.startswith(SEALED)
    assert "U0123456789abcdef" not in sealed and "tok" not in sealed
    assert c.unseal(sealed) == REPLY
    assert c.seal(REPLY) != sealed  # a fresh nonce each time


def test_another_key_or_a_changed_byte_reads_as_nothing(tmp_path: Path) -> None:
    sealed = claims(tmp_path).seal(REPLY)
    assert claims(tmp_path, b"another key").unseal(sealed) is None
    raw = bytearray(base64.b64decode(sealed[len(SEALED) :]))
    raw[20] ^= 1
    assert claims(tmp_path).unseal(SEALED + base64.b64encode(bytes(raw)).decode()) is None
    assert claims(tmp_path).unseal(SEALED + "not base64!") is None
    assert claims(tmp_path).unseal("garbage") is None


def test_a_reply_sealed_by_an_earlier_version_is_still_read(tmp_path: Path) -> None:
    """Rows owed when the server is upgraded were sealed with Fernet: re-sent, not lost."""
    key = hmac.new(b"k", b"resbot owed reply", hashlib.sha256).digest()
    legacy = Fernet(base64.urlsafe_b64encode(key)).encrypt(orjson.dumps(REPLY)).decode()
    assert claims(tmp_path).unseal(legacy) == REPLY
    assert claims(tmp_path, b"another key").unseal(legacy) is None


def test_a_lone_surrogate_survives_the_seal(tmp_path: Path) -> None:
    c = claims(tmp_path)
    odd = {**REPLY, "to": {"token": "t", "to": "U\ud800"}}
    assert c.unseal(c.seal(odd)) == odd
