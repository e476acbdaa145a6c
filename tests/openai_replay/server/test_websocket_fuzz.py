"""Fuzzing the WebSocket frame path: any text frame gets one answer, and the connection stays usable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fuzzkit import PROFILE, QUIET_RANDOM, create_payloads, dumps, json_values, no_tracebacks, raw_texts, typed_create_payloads
from hypothesis import given, settings
from websockets.sync.client import ClientConnection, connect

from fake_server import FakeServer
from openai_replay.server.keys import SESSIONS

pytestmark = pytest.mark.filterwarnings(QUIET_RANDOM)

TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")


@pytest.fixture(scope="module", params=["deflate", None], ids=["deflate", "plain"])
def ws(request: pytest.FixtureRequest) -> Iterator[tuple[ClientConnection, list[str]]]:
    """One connection per module: with permessage-deflate (aiohttp reads and writes every frame) and
    without (a whole frame is read past aiohttp's reader and events written by ours: `wsread`, `wsframe`)."""
    with no_tracebacks() as bad, FakeServer(seed=1, require_auth=False) as server:
        with connect(server.ws_url, max_size=None, open_timeout=10, close_timeout=5, compression=request.param) as conn:
            yield conn, bad
            if request.param is None:  # the fuzz really went through the direct path
                assert server._runner is not None
                assert sum(session.taken for session in server._runner.app[SESSIONS]) > 0


def _answer(conn: ClientConnection) -> list[dict[str, Any]]:
    """Frames up to and including the first terminal event or error frame (bounded in time)."""
    frames = []
    for _ in range(10_000):
        frame = json.loads(conn.recv(timeout=10))
        frames.append(frame)
        if frame["type"] in TERMINAL:
            return frames
    raise AssertionError("no terminal event in 10,000 frames")


def _exchange(ws: tuple[ClientConnection, list[str]], text: str) -> None:
    conn, bad = ws
    conn.send(text)
    frames = _answer(conn)
    last = frames[-1]
    if last["type"] == "error":
        assert len(frames) == 1, f"an error frame after other frames: {[f['type'] for f in frames]}"
        error = last["error"]
        unknown_conversation = last["status"] == 404 and error["message"].startswith("Conversation with id")
        assert (last["status"] == 400 or unknown_conversation) and set(error) == {"type", "message", "param", "code"}, last
        assert error["type"] == "invalid_request_error" and "\n" not in error["message"], last
    else:
        assert frames[0]["type"] == "response.created", frames[0]
    conn.send(json.dumps({"type": "response.create", "model": "gpt-4o-mini", "store": False, "input": "still there?"}))
    assert _answer(conn)[-1]["type"] == "response.completed"
    assert not bad, "server logged a traceback:\n" + "\n".join(bad)


@settings(PROFILE)
@given(payload=create_payloads)
def test_random_create_fields(ws: tuple[ClientConnection, list[str]], payload: dict[str, Any]) -> None:
    """response.create with any value in any field: one answer (stream or one 400 error frame), then a normal turn."""
    _exchange(ws, dumps({"type": "response.create", **payload}))


@settings(PROFILE)
@given(payload=typed_create_payloads)
def test_typed_create_fields(ws: tuple[ClientConnection, list[str]], payload: dict[str, Any]) -> None:
    """Fields of the right type with anything inside pass validation: a stream or one 400 frame, then a normal turn."""
    _exchange(ws, dumps({"type": "response.create", **payload}))


@settings(PROFILE)
@given(value=json_values)
def test_random_json_frames(ws: tuple[ClientConnection, list[str]], value: Any) -> None:
    """Any JSON value as a frame, or as a create's input: one answer each, then a normal turn."""
    _exchange(ws, dumps(value))
    _exchange(ws, dumps({"type": "response.create", "model": "m", "input": value}))


@settings(PROFILE)
@given(text=raw_texts)
def test_hostile_frame_text(ws: tuple[ClientConnection, list[str]], text: str) -> None:
    """Broken JSON, deep nesting, lone surrogates, NaN, huge numbers: one error frame, then a normal turn."""
    _exchange(ws, text)


#: The bodies of issue 12, items 1-3: wrong-typed input, deep nesting, a lone surrogate.
ISSUE_12_INPUTS = ["5", "true", "1e308", '"\\ud800"', "[" * 1000 + "]" * 1000, "[" * 5000 + "]" * 5000, "[" * 129 + "]" * 129]


@pytest.mark.parametrize("value", ISSUE_12_INPUTS, ids=["int", "bool", "1e308", "surrogate", "deep1000", "deep5000", "deep129"])
def test_issue_12_inputs_get_one_error_frame(ws: tuple[ClientConnection, list[str]], value: str) -> None:
    """Issue 12 items 1-3: each gets exactly one 400 error frame (not a 500 or close 1011), then a normal turn."""
    conn, _ = ws
    conn.send('{"type":"response.create","model":"m","input":' + value + "}")
    frames = _answer(conn)
    assert [f["type"] for f in frames] == ["error"] and frames[0]["status"] == 400, frames
    _exchange(ws, '{"type":"response.create","model":"m","input":' + value + "}")


def test_function_call_with_an_object_call_id_is_a_400(ws: tuple[ClientConnection, list[str]]) -> None:
    """Found by the typed fuzz: a function_call item whose call_id is an object was a 500 and close 1011."""
    item = {"type": "function_call", "call_id": {"x": 1}, "name": "f", "arguments": "{}", "role": "user", "content": ""}
    conn, _ = ws
    conn.send(json.dumps({"type": "response.create", "model": "m", "input": [item]}))
    frames = _answer(conn)
    assert [f["type"] for f in frames] == ["error"] and frames[0]["error"]["param"] == "input[0].call_id", frames
    _exchange(ws, json.dumps({"type": "response.create", "model": "m", "input": [item]}))
