"""Scenarios script Realtime responses (api: "realtime"): text, audio, calls, incomplete and failed endings."""

from __future__ import annotations

import pytest
from realtimekit import appends, audio_of, send, session, types, user_text

from openai_replay.audio import voice
from openai_replay.scenarios import ScenarioError, scenario
from openai_replay.scenarios.loader import load_scenario

TEXT = {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}


def _turn(rt, text: str = "hi") -> list[dict]:
    send(rt, user_text(text))
    return send(rt, {"type": "response.create"})


def test_a_scripted_reply_is_spoken_in_the_voice() -> None:
    """reply() on api realtime: the transcript is the script and the audio decodes to it."""
    rt = session(scenario().on(api="realtime", turn=1).reply("Scripted hello there").build())
    events = _turn(rt)
    assert events[-2]["response"]["output"][0]["content"][0]["transcript"] == "Scripted hello there"
    assert voice.recognize(audio_of(events), 24000) == "Scripted hello there"
    assert _turn(rt, "again")[-2]["response"]["output"][0]["content"][0]["transcript"] == "You said: again"


def test_a_scripted_call() -> None:
    """call() makes a function_call item with the scripted arguments."""
    rt = session(scenario().on(api="realtime").call("lookup", {"q": "x"}).build())
    send(rt, TEXT)
    done = next(e for e in _turn(rt) if e["type"] == "response.function_call_arguments.done")
    assert (done["name"], done["arguments"]) == ("lookup", '{"q":"x"}')


def test_incomplete_and_failed_endings() -> None:
    """incomplete() ends with status incomplete and its reason; fail() with status failed and the error."""
    rt = session(
        scenario()
        .on(api="realtime", turn=1)
        .incomplete("max_output_tokens")
        .on(api="realtime", turn=2)
        .fail("server_error")
        .build()
    )
    send(rt, TEXT)
    done = _turn(rt)[-2]["response"]
    assert (done["status"], done["status_details"]) == ("incomplete", {"type": "incomplete", "reason": "max_output_tokens"})
    failed = _turn(rt)[-2]["response"]
    assert failed["status"] == "failed" and failed["status_details"]["error"]["code"] == "server_error"
    assert rt.active is None and types(_turn(rt))[-2] == "response.done"


def test_responses_rules_leave_realtime_alone() -> None:
    """A rule for api responses never answers a Realtime response."""
    rt = session(scenario().on(api="responses").reply("not me").build())
    send(rt, TEXT)
    assert _turn(rt, "x")[-2]["response"]["output"][0]["content"][0]["text"] == "You said: x"


def test_api_realtime_in_json_and_its_impossible_combination() -> None:
    """The JSON form accepts api "realtime"; with transport http it is refused as never matching."""
    loaded = load_scenario({"rules": [{"match": {"api": "realtime"}, "do": [{"action": "text", "text": "from json"}]}]})
    rt = session(loaded)
    send(rt, TEXT)
    assert _turn(rt)[-2]["response"]["output"][0]["content"][0]["text"] == "from json"
    with pytest.raises(ScenarioError, match="WebSocket only"):
        scenario().on(api="realtime", transport="http").reply("x").build()


def test_an_unknown_event_type_reaches_the_client() -> None:
    """unknown_event() sends a type no client knows, with an event_id and no Responses numbering."""
    rt = session(scenario().on(api="realtime").unknown_event(after=1).build())
    send(rt, TEXT)
    events = _turn(rt)
    unknown = next(e for e in events if e["type"] == "response.unknown_future_event")
    assert unknown["event_id"].startswith("event_") and "sequence_number" not in unknown
    assert events[-2]["type"] == "response.done"


def test_a_scripted_response_done_without_usage_ends_the_response() -> None:
    """A scripted response.done (here without usage, which Pipecat's parser rejects) is sent as written and ends the response."""
    done = {"object": "realtime.response", "id": "resp_scripted", "status": "completed", "output": []}
    rt = session(
        scenario().on(api="realtime").reply("hi").event({"type": "response.done", "response": done}, numbered=False).build()
    )
    send(rt, TEXT)
    events = _turn(rt)
    ending = [e for e in events if e["type"] == "response.done"]
    assert len(ending) == 1 and "usage" not in ending[0]["response"] and rt.active is None
    assert types(send(rt, {"type": "response.create"}))[0] == "response.created"


def test_audio_the_recogniser_cannot_read_gets_the_scripted_transcript() -> None:
    """A tone burst is nobody's speech: with config realtime_transcript it is heard as those words."""
    import math
    import struct

    tone = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 24000))) for i in range(24000))
    pcm = tone + b"\0\0" * 24 * 600
    plain = session()
    events = [e for f in appends(pcm) for e in send(plain, f)]
    assert events[-2]["response"]["output"][0]["content"][0]["transcript"] == "Hello! How can I help?"
    rt = session(realtime_transcript="cancel my order")  # a scenario sets it with .config(realtime_transcript=...)
    send(
        rt,
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}},
        },
    )
    events = [e for f in appends(pcm) for e in send(rt, f)]
    completed = next(e for e in events if e["type"] == "conversation.item.input_audio_transcription.completed")
    assert completed["transcript"] == "cancel my order"
    assert events[-2]["response"]["output"][0]["content"][0]["transcript"] == "You said: cancel my order"
