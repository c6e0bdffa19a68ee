"""bot.clientaddr: the real client behind a trusted reverse proxy."""

from __future__ import annotations

from starlette.requests import Request

from bot.clientaddr import client_address, parse_networks

PROXIES = parse_networks("127.0.0.1, 172.16.0.0/12")


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


def test_untrusted_peer_is_the_client_even_with_a_forged_header() -> None:
    assert client_address(_request("203.0.113.9", "10.0.0.1"), PROXIES) == "203.0.113.9"


def test_trusted_proxy_gives_the_rightmost_untrusted_forwarded_address() -> None:
    # The client forged "1.2.3.4"; the proxy appended the real peer 198.51.100.7.
    req = _request("172.18.0.3", "1.2.3.4, 198.51.100.7, 127.0.0.1")
    assert client_address(req, PROXIES) == "198.51.100.7"


def test_trusted_proxy_without_header_and_no_configuration() -> None:
    assert client_address(_request("172.18.0.3"), PROXIES) == "172.18.0.3"
    assert client_address(_request("172.18.0.3", "198.51.100.7"), ()) == "172.18.0.3"
