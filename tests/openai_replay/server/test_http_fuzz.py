"""Fuzzing the HTTP body path: any body gets a 200 or the API's 400, and the connection stays usable."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fuzzkit import PROFILE, QUIET_RANDOM, create_payloads, dumps, json_values, no_tracebacks, raw_texts, typed_create_payloads
from hypothesis import given, settings
from hypothesis import strategies as st

from fake_server import FakeServer

pytestmark = pytest.mark.filterwarnings(QUIET_RANDOM)

Conn = tuple[http.client.HTTPConnection, list[str]]


@pytest.fixture(scope="module")
def conn() -> Iterator[Conn]:
    # No header deadline: it also closes idle keep-alive connections, and xdist may run other tests
    # between two of this module's examples (http.client does not reconnect on its own).
    with no_tracebacks() as bad, FakeServer(seed=1, require_auth=False, header_timeout=None) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        yield connection, bad
        connection.close()


def _post(connection: http.client.HTTPConnection, body: bytes) -> tuple[int, str, bytes]:
    connection.request("POST", "/v1/responses", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type") or "", response.read()


def _exchange(conn: Conn, body: bytes) -> None:
    connection, bad = conn
    status, content_type, data = _post(connection, body)
    if status == 200:
        if content_type.startswith("text/event-stream"):
            assert data.endswith(b"\n\n") and b"event: response.created" in data
        else:
            assert json.loads(data)["object"] == "response"
    else:
        error = json.loads(data)["error"]
        unknown_conversation = status == 404 and error["message"].startswith("Conversation with id")  # a create's one 404
        assert status == 400 or unknown_conversation, (status, data[:300])
        assert set(error) == {"type", "message", "param", "code"} and error["type"] == "invalid_request_error", error
    status, _, data = _post(connection, b'{"model":"gpt-4o-mini","store":false,"input":"still there?"}')
    assert status == 200 and json.loads(data)["status"] == "completed"
    assert not bad, "server logged a traceback:\n" + "\n".join(bad)


@settings(PROFILE)
@given(payload=create_payloads)
def test_random_create_fields(conn: Conn, payload: dict[str, Any]) -> None:
    """A create body with any value in any field: a 200 (JSON or SSE) or the API's 400, then a normal request."""
    payload.pop("stream_id", None)
    payload.pop("generate", None)
    _exchange(conn, dumps(payload).encode())


@settings(PROFILE)
@given(payload=typed_create_payloads, stream=st.booleans())
def test_typed_create_fields(conn: Conn, payload: dict[str, Any], stream: bool) -> None:
    """Fields of the right type with anything inside pass validation: a 200 (JSON or SSE) or a 400, then a normal request."""
    _exchange(conn, dumps({**payload, "stream": stream}).encode())


@settings(PROFILE)
@given(value=json_values)
def test_random_json_bodies(conn: Conn, value: Any) -> None:
    """Any JSON value as the body, or as a create's input: a 200 or the API's 400, then a normal request."""
    _exchange(conn, dumps(value).encode())
    _exchange(conn, dumps({"model": "m", "input": value}).encode())


@settings(PROFILE)
@given(text=raw_texts)
def test_hostile_body_text(conn: Conn, text: str) -> None:
    """Broken JSON, deep nesting, lone surrogates, NaN, huge numbers: the API's 400, then a normal request."""
    _exchange(conn, text.encode("utf-8", "surrogatepass"))


@settings(PROFILE)
@given(st.binary(max_size=64))
def test_random_bytes(conn: Conn, body: bytes) -> None:
    """Arbitrary bytes (invalid UTF-8 included): the API's 400 or an answer, then a normal request."""
    _exchange(conn, body)


@pytest.mark.parametrize("value", ["5", "true", "1e308", '"\\ud800"', "[" * 1000 + "]" * 1000, "[" * 5000 + "]" * 5000])
def test_issue_12_inputs_get_400(conn: Conn, value: str) -> None:
    """Issue 12 items 1-3: a number, boolean, deep nesting or lone surrogate as input is the API's 400, not 500 or 200."""
    status, _, data = _post(conn[0], ('{"model":"m","input":' + value + "}").encode())
    assert status == 400 and json.loads(data)["error"]["type"] == "invalid_request_error", (status, data[:200])
    _exchange(conn, ('{"model":"m","input":' + value + "}").encode())
