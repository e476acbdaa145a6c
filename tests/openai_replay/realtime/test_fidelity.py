"""Every Realtime server event type we emit parses with the openai SDK's types and validates against the spec."""

from __future__ import annotations

import base64
from typing import Any

from openai.types.realtime import RealtimeServerEvent
from pydantic import TypeAdapter
from realtimekit import appends, send, session, spoken, types, user_text
from testkit import spec

from openai_replay.realtime.fidelity import check_event
from openai_replay.realtime.machine import RealtimeSession
from openai_replay.scenarios import scenario

_SDK: TypeAdapter[Any] = TypeAdapter(RealtimeServerEvent)

#: Every server event type the fake emits; the test below fails when one goes unchecked.
EMITTED = {
    "session.created", "session.updated", "error",
    "conversation.item.added", "conversation.item.done", "conversation.item.retrieved",
    "conversation.item.truncated", "conversation.item.deleted",
    "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
    "input_audio_buffer.committed", "input_audio_buffer.cleared", "input_audio_buffer.timeout_triggered",
    "conversation.item.input_audio_transcription.delta", "conversation.item.input_audio_transcription.completed",
    "response.created", "response.done", "rate_limits.updated",
    "response.output_item.added", "response.output_item.done",
    "response.content_part.added", "response.content_part.done",
    "response.output_text.delta", "response.output_text.done",
    "response.output_audio.delta", "response.output_audio.done",
    "response.output_audio_transcript.delta", "response.output_audio_transcript.done",
    "response.function_call_arguments.delta", "response.function_call_arguments.done",
}  # fmt: skip


def _everything() -> list[dict[str, Any]]:
    """A session that makes every event type: text, audio, a call, VAD, transcription, edits, errors, a cancel."""
    rt: RealtimeSession = session()
    events = rt.opened()
    tool = {
        "type": "function",
        "name": "lookup",
        "description": "Look up.",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
    }
    update = {
        "type": "realtime",
        "output_modalities": ["text"],
        "tools": [tool],
        "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
    }
    events += send(rt, {"type": "session.update", "session": update})
    events += send(rt, user_text("hello", id="u1"))
    events += send(rt, {"type": "response.create", "response": {"metadata": {"k": "v"}}})
    events += send(rt, user_text("call lookup"))
    events += send(rt, {"type": "response.create"})
    events += send(rt, {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["audio"]}})
    for frame in appends(b"\0\0" * 12000 + spoken("what time is it")):
        events += send(rt, frame)
    events += send(rt, {"type": "conversation.item.retrieve", "item_id": "u1"})
    spoken_item = next(e["item"]["id"] for e in reversed(events) if e["type"] == "response.output_item.added")
    events += send(rt, {"type": "conversation.item.truncate", "item_id": spoken_item, "content_index": 0, "audio_end_ms": 100})
    events += send(rt, {"type": "conversation.item.delete", "item_id": "u1"})
    events += send(rt, {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\0\0" * 100).decode()})
    events += send(rt, {"type": "input_audio_buffer.clear"})
    events += send(rt, user_text("a long answer please"))
    events += send(rt, {"type": "response.create"}, run=False)
    events += send(rt, {"type": "response.cancel", "event_id": "c1"})
    events += send(rt, {"type": "response.cancel", "event_id": "c2"})
    idle = {"type": "server_vad", "idle_timeout_ms": 5000}
    events += send(rt, {"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": idle}}}})
    events += send(rt, {"type": "response.create", "response": {"output_modalities": ["text"]}})
    for frame in appends(b"\0\0" * 24000 * 6, chunk_ms=1000):
        events += send(rt, frame)
    return events


def _problems(event: dict[str, Any]) -> list[str]:
    problems = check_event(spec(), event)
    try:
        parsed = _SDK.validate_python(event)
    except Exception as exc:  # pydantic's ValidationError, reported whole
        return [*problems, f"SDK: {exc}"]
    if parsed.type != event["type"]:
        problems.append(f"SDK parsed {event['type']} as {parsed.type}")
    return problems


def test_every_emitted_event_type_conforms() -> None:
    """Each event of a session that exercises every type validates (SDK and spec), and the list of types is complete."""
    events = _everything()
    assert set(types(events)) == EMITTED
    for event in events:
        assert _problems(event) == [], event


def test_a_failed_response_conforms() -> None:
    """A scripted failure ends with an error event and response.done status failed, both valid."""
    rt = session(scenario().on().error("server_error", after=2).build())
    send(rt, user_text("hi"))
    events = send(rt, {"type": "response.create"})
    assert types(events)[-3:] == ["error", "response.done", "rate_limits.updated"]
    assert events[-2]["response"]["status"] == "failed"
    for event in events:
        assert _problems(event) == [], event


def test_real_captures_conform_with_the_listed_deviations() -> None:
    """The server events of real GA recordings pass the same check: the Realtime deviations are the real API's."""
    import yaml
    from testkit import shared_file

    folder = shared_file("real-cassettes-surface", "realtime")
    checked = 0
    for path in sorted(folder.glob("pydantic-ai__test_*turn*.yaml")) + sorted(folder.glob("pydantic-ai__test_tool*.yaml")):
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            if interaction.get("direction") == "received":
                assert check_event(spec(), interaction["data"]) == [], (path.name, interaction["data"]["type"])
                checked += 1
    assert checked > 40
