"""Fuzzing /v1/realtime over a real socket: any frame gets valid events back, the session and its socket survive."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fuzzkit import PROFILE, QUIET_RANDOM, budget, dumps, json_values, no_tracebacks, raw_texts
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit import spec
from websockets.sync.client import ClientConnection, connect

from fake_server import FakeServer
from openai_replay.realtime.errors import CLIENT_EVENTS
from openai_replay.realtime.fidelity import check_event

pytestmark = pytest.mark.filterwarnings(QUIET_RANDOM)

_FIELDS = ["session", "item", "item_id", "previous_item_id", "content_index", "audio_end_ms", "audio", "response", "event_id"]
frames = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(CLIENT_EVENTS)}, optional={name: json_values for name in _FIELDS}).map(dumps),
    st.builds(
        lambda data, tail: json.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(data).decode() + tail}),
        st.binary(max_size=9600),
        st.sampled_from(["", "=", "!", "A"]),
    ),
    raw_texts,
)


@pytest.fixture(scope="module")
def ws() -> Iterator[tuple[ClientConnection, list[str]]]:
    with no_tracebacks() as bad, FakeServer(seed=3, require_auth=False) as server:
        url = server.ws_url.rsplit("/v1/", 1)[0] + "/v1/realtime?model=gpt-realtime"
        with connect(url, max_size=None, open_timeout=10, close_timeout=5) as conn:
            assert json.loads(conn.recv(timeout=10))["type"] == "session.created"
            yield conn, bad


def _until_probe(conn: ClientConnection, probe: str) -> list[dict[str, Any]]:
    """Every event up to the error answering the probe (a retrieve of an unknown id)."""
    events = []
    for _ in range(20_000):
        event = json.loads(conn.recv(timeout=10))
        events.append(event)
        if event["type"] == "error" and event["error"]["event_id"] == probe:
            return events
    raise AssertionError("the probe was never answered")


@settings(PROFILE, max_examples=budget(60))
@given(frame=frames)
def test_any_frame_on_the_socket(ws: tuple[ClientConnection, list[str]], frame: str) -> None:
    """Whatever the client sends, only valid events come back, no traceback is logged, and the socket answers on."""
    conn, bad = ws
    conn.send(frame)
    conn.send(json.dumps({"type": "response.cancel"}))  # a response the frame may have started ends now
    conn.send(json.dumps({"type": "conversation.item.retrieve", "item_id": "no-such-item", "event_id": "probe"}))
    for event in _until_probe(conn, "probe"):
        assert check_event(spec(), event) == [], event
    assert not bad, "server logged a traceback:\n" + "\n".join(bad)
