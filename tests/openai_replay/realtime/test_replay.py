"""Replaying one recorded Realtime connection: frames released in order, the client's ids substituted."""

from __future__ import annotations

import json

from openai_replay.cassette.model import Ending, WsConnection, WsFrame
from openai_replay.realtime.replay import ConnectionReplay


def _recording() -> WsConnection:
    frames = [
        WsFrame(0.0, "server", json.dumps({"type": "session.created", "event_id": "e0"})),
        WsFrame(0.1, "client", json.dumps({"type": "conversation.item.create", "event_id": "c_old", "item": {"id": "i_old"}})),
        WsFrame(0.2, "server", json.dumps({"type": "conversation.item.added", "event_id": "e1", "item": {"id": "i_old"}})),
        WsFrame(0.3, "server", json.dumps({"type": "error", "error": {"event_id": "c_old"}})),
    ]
    return WsConnection(path="/v1/realtime", frames=frames, close=Ending(t=0.4, by="server", code=1001, reason="bye"))


def test_frames_are_released_by_the_matching_client_frame_with_its_ids() -> None:
    """The opening goes on connect; the next batch follows the client frame, carrying the live ids; the recorded close ends it."""
    replay = ConnectionReplay(_recording(), "openai-replay record ...")
    assert [json.loads(t)["type"] for _, t in replay.opening().frames] == ["session.created"]
    out = replay.answer(json.dumps({"type": "conversation.item.create", "event_id": "c_new", "item": {"id": "i_new"}}))
    added, error = (json.loads(t) for _, t in out.frames)
    assert added["item"]["id"] == "i_new" and error["error"]["event_id"] == "c_new"
    assert out.close == (1001, "bye") and out.error is None


def test_an_unexpected_frame_is_a_mismatch_saying_how_to_rerecord() -> None:
    """A different event type than recorded gets an error and is kept as a mismatch."""
    replay = ConnectionReplay(_recording(), "openai-replay record X")
    replay.opening()
    out = replay.answer(json.dumps({"type": "response.create"}))
    assert out.error is not None and "expected 'conversation.item.create'" in out.error.message
    assert "openai-replay record X" in out.error.message and replay.mismatches
