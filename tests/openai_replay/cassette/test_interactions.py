"""The turn-level view: WebSocket frames grouped into requests per lane, endings attached, ids found."""

from __future__ import annotations

import json
from typing import Any

from openai_replay.cassette import Cassette, Ending, HttpExchange, WsConnection, WsFrame, interactions
from openai_replay.cassette.interactions import response_ids


def frame(t: float, sender: str, **event: Any) -> WsFrame:
    return WsFrame(t, sender, json.dumps(event, separators=(",", ":")))  # type: ignore[arg-type]


def created(rid: str, **extra: Any) -> dict[str, Any]:
    return {"type": "response.created", "response": {"id": rid, "object": "response"}, **extra}


def completed(rid: str, **extra: Any) -> dict[str, Any]:
    return {"type": "response.completed", "response": {"id": rid, "object": "response", "status": "completed"}, **extra}


def test_frames_are_grouped_per_request_and_lane() -> None:
    """Interleaved lanes are untangled by stream_id; the default lane runs first in, first out."""
    conn = WsConnection(
        started_at=1.0,
        frames=[
            frame(0.1, "client", type="response.create", input="a"),
            frame(0.2, "client", type="response.create", input="b", stream_id="side"),
            frame(0.3, "server", **created("resp_a")),
            frame(0.35, "server", **created("resp_b", stream_id="side")),
            frame(0.4, "server", **completed("resp_b", stream_id="side")),
            frame(0.5, "server", **completed("resp_a")),
            frame(0.6, "client", type="response.create", input="c"),
            frame(0.7, "server", type="error", status=400, error={"code": "previous_response_not_found"}),
        ],
        close=Ending(0.9, "client", 1000),
    )
    a, b, c = interactions(Cassette(connections=[conn]))
    assert (a.request, a.lane, a.turn_on_connection) == ({"input": "a"}, None, 1)
    assert (b.lane, b.turn_on_connection) == ("side", 2)
    assert [e.type for e in a.events] == ["response.created", "response.completed"]
    assert [e.type for e in b.events] == ["response.created", "response.completed"]
    assert a.events[0].t == 0.2 and a.started_at == 1.1  # offsets count from the request
    assert c.outcome() == "error (previous_response_not_found)"
    assert (a.response_id, b.response_id, c.response_id) == ("resp_a", "resp_b", None)
    assert c.ending is not None and c.ending.by == "client"  # the close came after the last request


def test_a_close_during_a_request_belongs_to_it() -> None:
    """A server close mid-response ends that request, with its delay from the request."""
    conn = WsConnection(
        frames=[frame(0.0, "client", type="response.create", input="a"), frame(0.1, "server", **created("resp_a"))],
        close=Ending(0.4, "server", 1011, "boom"),
    )
    (item,) = interactions(Cassette(connections=[conn]))
    assert item.ending == Ending(0.4, "server", 1011, "boom")
    assert item.ending_after == 0.4
    assert item.outcome() == "closed by server 1011"


def test_http_exchanges_are_one_interaction_each() -> None:
    """An HTTP exchange is one interaction; a JSON body supplies the response id and outcome."""
    body = json.dumps({"id": "resp_j", "object": "response", "status": "completed"})
    http = HttpExchange(request_body='{"input":"x"}', body=body, end=Ending(0.1, "server"))
    bad = HttpExchange(request_body='{"input":"y"}', status=429, body='{"error":{"code":"rate_limit_exceeded"}}')
    items = interactions(Cassette(connections=[http, bad]))
    assert [i.outcome() for i in items] == ["completed", "HTTP 429 rate_limit_exceeded"]
    assert items[0].streamed is False and items[0].ending is None
    assert response_ids(items) == {"resp_j": 0}
