"""Replaying one recorded Realtime connection: frames released in order, the client's ids substituted."""

from __future__ import annotations

import base64
import json

from openai_replay.cassette.model import Ending, WsConnection, WsFrame
from openai_replay.realtime.replay import ConnectionReplay, compact_append


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


def _append(data: bytes) -> str:
    return json.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(data).decode()})


def _audio_recording(chunks: list[bytes]) -> WsConnection:
    """session.created, then the chunks as compact appends, a speech_started after the second, a commit."""
    frames = [WsFrame(0.0, "server", json.dumps({"type": "session.created"}))]
    for n, chunk in enumerate(chunks):
        frames.append(WsFrame(0.1, "client", compact_append(_append(chunk))))
        if n == 1:
            frames.append(WsFrame(0.2, "server", json.dumps({"type": "input_audio_buffer.speech_started"})))
    frames.append(WsFrame(0.3, "client", json.dumps({"type": "input_audio_buffer.commit"})))
    frames.append(WsFrame(0.4, "server", json.dumps({"type": "input_audio_buffer.committed"})))
    return WsConnection(path="/v1/realtime", frames=frames)


AUDIO = bytes(range(256)) * 30  # 7,680 bytes: 160 ms at 24 kHz


def test_the_same_audio_in_the_same_chunks_replays() -> None:
    """Appends matched by digest and length release their recorded frames, as any other client frame does."""
    chunks = [AUDIO[i : i + 2400] for i in range(0, len(AUDIO), 2400)]
    replay = ConnectionReplay(_audio_recording(chunks), "rerecord")
    replay.opening()
    released = [replay.answer(_append(c)) for c in chunks]
    assert [len(r.frames) for r in released] == [0, 1, 0, 0] and all(r.error is None for r in released)
    assert json.loads(replay.answer(json.dumps({"type": "input_audio_buffer.commit"})).frames[0][1])["type"] == (
        "input_audio_buffer.committed"
    )
    assert replay.mismatches == []


def test_audio_in_other_chunks_replays_by_length() -> None:
    """A client cutting the same audio into other chunks is matched by length: speech_started goes once the audio passes it."""
    recorded = [AUDIO[i : i + 2400] for i in range(0, len(AUDIO), 2400)]
    replay = ConnectionReplay(_audio_recording(recorded), "rerecord")
    replay.opening()
    released = [replay.answer(_append(AUDIO[i : i + 1000])) for i in range(0, len(AUDIO), 1000)]
    # The recorded second append ends at byte 4,800: the live append ending at 5,000 (the fifth) releases it.
    assert [len(r.frames) for r in released] == [0, 0, 0, 0, 1, 0, 0, 0] and replay.mismatches == []
    assert replay.answer(json.dumps({"type": "input_audio_buffer.commit"})).error is None


def test_different_audio_of_the_same_length_is_a_mismatch() -> None:
    """Where chunks line up, a different digest is a mismatch naming the append and how to re-record."""
    chunks = [AUDIO[i : i + 2400] for i in range(0, len(AUDIO), 2400)]
    replay = ConnectionReplay(_audio_recording(chunks), "openai-replay record X")
    replay.opening()
    out = replay.answer(_append(b"\x07" * 2400))
    assert out.error is not None and "append #1" in out.error.message and "different audio" in out.error.message
    assert "openai-replay record X" in out.error.message


def test_more_audio_than_recorded_is_a_mismatch() -> None:
    """Audio running past the recording's before the next event is a mismatch saying both lengths."""
    replay = ConnectionReplay(_audio_recording([AUDIO[:2400], AUDIO[2400:4800]]), "rerecord")
    replay.opening()
    assert replay.answer(_append(AUDIO[:3000])).error is None
    out = replay.answer(_append(AUDIO[3000:6000]))
    assert out.error is not None and "4800 bytes of input audio" in out.error.message and "6000 bytes" in out.error.message
