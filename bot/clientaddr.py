"""The resident's or staff member's real address behind a trusted reverse proxy.

Rate limits and lockouts must count the client, not the proxy in front of the
server (the Docker setup): when the peer is a configured trusted proxy, the
right-most X-Forwarded-For address that is not itself trusted is the client.
Anything else in the header is ignored, because a client can write it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """`"127.0.0.1,172.16.0.0/12"` -> networks; a bad item raises ValueError at start."""
    items = [part.strip() for part in text.split(",") if part.strip()]
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Request, trusted: Sequence[Network] | None = None) -> str:
    """The peer, or behind a trusted proxy the right-most untrusted forwarded address.

    `trusted` defaults to `request.app.state.trusted_proxies` (set from
    RESBOT_TRUSTED_PROXIES); with none configured the header is never read.
    """
    peer = request.client.host if request.client else "unknown"
    if trusted is None:
        state = getattr(request, "app", None)
        trusted = getattr(getattr(state, "state", None), "trusted_proxies", ()) or ()
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, trusted):
            return hop
    return peer
