"""Where the proxy forwards to and which headers cross: URL mapping, credentials, hop-by-hop headers."""

from __future__ import annotations

import pytest

from openai_replay.server.upstream import Upstream


def test_paths_map_onto_the_base_url() -> None:
    """``/v1/<rest>`` goes to ``<base>/<rest>``; WebSocket URLs switch the scheme; queries are kept."""
    up = Upstream("https://api.openai.com/v1", api_key="k")
    assert up.http_url("/v1/responses") == "https://api.openai.com/v1/responses"
    assert up.http_url("/v1/responses/resp_1", "stream=true") == "https://api.openai.com/v1/responses/resp_1?stream=true"
    assert up.ws_url("/v1/responses") == "wss://api.openai.com/v1/responses"
    gateway = Upstream("http://127.0.0.1:9000/openai/v1", api_key="k")
    assert gateway.ws_url("/v1/responses", "a=1") == "ws://127.0.0.1:9000/openai/v1/responses?a=1"


def test_credentials_in_the_url_are_removed() -> None:
    """A user:password part never travels in the URL (the key goes in Authorization)."""
    up = Upstream("https://user:secret@api.openai.com/v1", api_key="k")
    assert up.base_url == "https://api.openai.com/v1"


def test_headers_forwarded_upstream(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hop-by-hop, handshake and encoding headers stay behind; the user's key replaces the client's."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = {
        "Host": "127.0.0.1",
        "Authorization": "Bearer client",
        "Accept-Encoding": "gzip",
        "Sec-WebSocket-Key": "abc",
        "Connection": "Upgrade",
        "OpenAI-Beta": "responses_websockets=2026-02-06",
        "x-stainless-retry-count": "1",
    }
    assert Upstream("https://x/v1", api_key="user").request_headers(client) == {
        "OpenAI-Beta": "responses_websockets=2026-02-06",
        "x-stainless-retry-count": "1",
        "Authorization": "Bearer user",
    }
    assert Upstream("https://x/v1").request_headers(client)["Authorization"] == "Bearer client"
    monkeypatch.setenv("OPENAI_API_KEY", "env")
    assert Upstream("https://x/v1").request_headers(client)["Authorization"] == "Bearer env"


def test_answer_headers_drop_framing_and_encoding() -> None:
    """The proxy re-frames and decompresses bodies, so those headers are not passed back."""
    upstream = {
        "Content-Type": "text/event-stream",
        "Content-Encoding": "gzip",
        "Transfer-Encoding": "chunked",
        "x-request-id": "r",
    }
    assert Upstream.response_headers(upstream) == [("Content-Type", "text/event-stream"), ("x-request-id", "r")]


def test_bad_upstream_is_refused() -> None:
    """Anything but an http(s) base URL is a clear error."""
    with pytest.raises(ValueError, match=r"upstream must be an http\(s\) base URL like https://api\.openai\.com/v1"):
        Upstream("api.openai.com")
