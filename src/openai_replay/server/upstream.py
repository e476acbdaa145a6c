"""Where the recording proxy forwards to, and which headers cross in each direction.

The upstream is a ``base_url`` like the SDK's (``https://api.openai.com/v1``); a client request to
``/v1/<rest>`` goes to ``<base_url>/<rest>``, and WebSocket mode to the same URL with ``ws(s)://``.
The upstream sees the user's API key: the ``api_key`` given, else ``OPENAI_API_KEY``, else the
client's own ``Authorization`` header.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from openai_replay.cassette.recording import public_url

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
#: Not forwarded to the upstream: the proxy makes its own handshake and negotiates its own encoding.
CLIENT_ONLY = frozenset({"authorization", "accept-encoding"})
WS_HANDSHAKE_PREFIX = "sec-websocket-"
#: Not passed back to the client: the proxy decompresses and re-frames bodies itself.
UPSTREAM_ONLY = frozenset({"content-encoding"})


@dataclass
class Upstream:
    """The real API (or any server speaking it) behind the proxy."""

    base_url: str
    api_key: str | None = field(default=None)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            shown = public_url(self.base_url) if parts.netloc else self.base_url
            raise ValueError(f"upstream must be an http(s) base URL like https://api.openai.com/v1, not {shown!r}")
        if parts.username or parts.password:  # credentials travel in Authorization, never in the URL
            host = parts.hostname or ""
            netloc = f"[{host}]" if ":" in host else host
            netloc += f":{parts.port}" if parts.port else ""
            self.base_url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        if self.api_key is None:
            self.api_key = os.environ.get("OPENAI_API_KEY") or None

    def http_url(self, path: str, query: str = "") -> str:
        parts = urlsplit(self.base_url)
        base = parts.path.rstrip("/")
        rest = path[3:] if path == "/v1" or path.startswith("/v1/") else path
        full = (base + rest) if base else rest
        return urlunsplit((parts.scheme, parts.netloc, full or "/", query, ""))

    def ws_url(self, path: str, query: str = "") -> str:
        url = self.http_url(path, query)
        return "ws" + url[4:] if url.startswith("http") else url

    def request_headers(self, client: Mapping[str, str], *, websocket: bool = False) -> dict[str, str]:
        """The client's headers minus hop-by-hop ones, with the user's credentials."""
        out: dict[str, str] = {}
        for name, value in client.items():
            key = name.lower()
            if key in HOP_BY_HOP or key in CLIENT_ONLY or key.startswith(WS_HANDSHAKE_PREFIX):
                continue
            out[name] = value
        auth = f"Bearer {self.api_key}" if self.api_key else _header(client, "authorization")
        if auth:
            out["Authorization"] = auth
        return out

    @staticmethod
    def response_headers(upstream: Mapping[str, str]) -> list[tuple[str, str]]:
        """The upstream's answer headers that the client should see."""
        return [
            (name, value)
            for name, value in upstream.items()
            if name.lower() not in HOP_BY_HOP and name.lower() not in UPSTREAM_ONLY
        ]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None
