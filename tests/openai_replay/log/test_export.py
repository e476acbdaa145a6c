"""export_log: the request log as JSON, with cursors that survive a trimmed log."""

from __future__ import annotations

import json

from openai_replay.log import RequestLog
from openai_replay.log.export import export_log


def test_export_is_json_and_frame_numbers_survive_trimming() -> None:
    """Frames keep their numbers after the log drops old ones, so ?frames_since polling never repeats or skips."""
    log = RequestLog(limit=4)
    conn = log.open_connection("/v1/responses", "", 1.0)
    for i in range(20):
        log.add_frame(conn.id, 1.0 + i, "response.create", None, {"i": i})
        log.add_request(transport="ws", payload={"input": f"m{i}"}, now=1.0 + i, connection=conn)
    body = export_log(log, since=18, frames_since=18)
    json.dumps(body)
    assert [r["turn"] for r in body["requests"]] == [19, 20]
    assert [(f["seq"], f["data"]["i"]) for f in body["frames"]] == [(19, 18), (20, 19)]
    assert body["next"] == {"since": 20, "frames_since": 20}
    log.clear()
    assert export_log(log)["next"] == {"since": 0, "frames_since": 0}


def test_each_request_names_its_api_and_endpoint() -> None:
    """Every exported request says which API it spoke and the request line it came in on."""
    log = RequestLog()
    log.add_request(transport="ws", payload={"input": "a"}, now=1.0)
    log.add_request(transport="http", payload={"messages": []}, now=2.0, api="chat")
    log.add_request(transport="http", payload={"input": "b"}, now=3.0, api="embeddings", endpoint="POST /v1/embeddings")
    exported = [(r["api"], r["endpoint"]) for r in export_log(log)["requests"]]
    assert exported == [
        ("responses", "WS /v1/responses"),
        ("chat", "POST /v1/chat/completions"),
        ("embeddings", "POST /v1/embeddings"),
    ]
