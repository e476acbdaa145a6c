"""The Realtime state machine: session, conversation, one active response, input audio and VAD."""

from __future__ import annotations

import base64

import pytest
from realtimekit import appends, audio_of, send, session, spoken, types, user_text

from openai_replay.audio import voice

TEXT = {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}


def test_session_created_is_a_complete_ga_session() -> None:
    """The first event is session.created with the GA defaults real captures show."""
    rt = session()
    [created] = rt.opened()
    s = created["session"]
    assert created["type"] == "session.created" and s["type"] == "realtime" and s["object"] == "realtime.session"
    assert s["audio"]["input"]["turn_detection"] == {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
        "idle_timeout_ms": None,
        "create_response": True,
        "interrupt_response": True,
    }
    assert s["audio"]["output"] == {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy", "speed": 1.0}
    assert s["expires_at"] == int(rt.opened_at) + 3600


def test_session_update_merges_and_fills_defaults() -> None:
    """A partial turn_detection and transcription are completed as the real session.updated shows."""
    rt = session()
    update = {
        "type": "realtime",
        "instructions": "Be brief.",
        "audio": {
            "input": {
                "turn_detection": {"type": "server_vad", "silence_duration_ms": 500},
                "transcription": {"model": "whisper-1"},
            }
        },
    }
    [updated] = send(rt, {"type": "session.update", "session": update})
    s = updated["session"]
    assert updated["type"] == "session.updated" and s["instructions"] == "Be brief."
    assert s["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 500
    assert s["audio"]["input"]["turn_detection"]["threshold"] == 0.5
    assert s["audio"]["input"]["transcription"] == {"model": "whisper-1", "language": None, "prompt": None}


@pytest.mark.parametrize(
    ("update", "code", "param"),
    [
        ({"type": "realtime", "modalities": ["text"]}, "unknown_parameter", "session.modalities"),
        (
            {"type": "realtime", "tools": [{"type": "function", "name": "f", "strict": True}]},
            "unknown_parameter",
            "session.tools[0].strict",
        ),
        (
            {"type": "realtime", "audio": {"input": {"format": {"type": "pcm16"}}}},
            "invalid_value",
            "session.audio.input.format.type",
        ),
        ({"instructions": "x"}, "missing_required_parameter", "session.type"),
        ({"type": "realtime", "audio": {"output": {"speed": 9}}}, "decimal_above_max_value", "session.audio.output.speed"),
        (
            {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "server_vad", "idle_timeout_ms": 500}}}},
            "integer_below_min_value",
            "session.audio.input.turn_detection.idle_timeout_ms",
        ),
    ],
)
def test_a_refused_session_update_changes_nothing(update: dict, code: str, param: str) -> None:
    """Unknown or wrong fields get the real error (code, param, the client's event_id) and the session stays as it was."""
    rt = session()
    before = dict(rt.session)
    [error] = send(rt, {"type": "session.update", "event_id": "evt_1", "session": update})
    assert error["type"] == "error"
    assert (error["error"]["code"], error["error"]["param"], error["error"]["event_id"]) == (code, param, "evt_1")
    assert rt.session == before


def test_items_keep_client_ids_and_previous_item_id_orders_them() -> None:
    """Client ids are echoed; previous_item_id inserts after an item, "root" at the start."""
    rt = session()
    added = send(rt, user_text("one", id="a"))
    assert types(added) == ["conversation.item.added", "conversation.item.done"]
    assert added[0]["item"]["id"] == "a" and added[0]["previous_item_id"] is None
    send(rt, user_text("three", id="c"))
    [added_b, _] = send(rt, {**user_text("two", id="b"), "previous_item_id": "a"})
    assert added_b["previous_item_id"] == "a"
    send(rt, {**user_text("zero", id="z"), "previous_item_id": "root"})
    assert rt.conversation.order == ["z", "a", "b", "c"]
    [retrieved] = send(rt, {"type": "conversation.item.retrieve", "item_id": "b"})
    assert retrieved["type"] == "conversation.item.retrieved" and retrieved["item"]["content"][0]["text"] == "two"
    [deleted] = send(rt, {"type": "conversation.item.delete", "item_id": "b"})
    assert deleted == {"type": "conversation.item.deleted", "event_id": deleted["event_id"], "item_id": "b"}


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"type": "conversation.item.retrieve", "item_id": "nope"}, "item_retrieve_invalid_item_id"),
        ({"type": "conversation.item.delete", "item_id": "nope"}, "item_delete_invalid_item_id"),
        (
            {"type": "conversation.item.truncate", "item_id": "nope", "content_index": 0, "audio_end_ms": 0},
            "item_truncate_invalid_item_id",
        ),
        ({**user_text("x"), "previous_item_id": "nope"}, "item_not_found"),
        (
            {"type": "conversation.item.truncate", "item_id": "u", "content_index": 0, "audio_end_ms": 0},
            "unsupported_content_type",
        ),
        ({"type": "response.cancel"}, "response_cancel_not_active"),
        ({"type": "input_audio_buffer.commit"}, "input_audio_buffer_commit_empty"),
        ({"type": "no.such.event"}, "invalid_value"),
    ],
)
def test_the_real_errors(event: dict, code: str) -> None:
    """Unknown ids, truncating a user item, cancelling nothing, an empty commit, an unknown event."""
    rt = session()
    send(rt, user_text("hi", id="u"))
    [error] = send(rt, event)
    assert error["type"] == "error" and error["error"]["code"] == code


def test_one_active_response_at_a_time() -> None:
    """A second response.create while one runs is refused with the real message naming the active id."""
    rt = session()
    send(rt, TEXT)
    send(rt, user_text("hi"))
    assert send(rt, {"type": "response.create"}, run=False) == []
    active = rt.active
    assert active is not None
    [error] = send(rt, {"type": "response.create", "event_id": "second"})
    assert error["error"]["code"] == "conversation_already_has_active_response"
    assert active.id in error["error"]["message"] and error["error"]["event_id"] == "second"
    cancelled = send(rt, {"type": "response.cancel"})
    assert cancelled[-2]["response"]["status"] == "cancelled"
    assert cancelled[-2]["response"]["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    assert rt.active is None
    assert types(send(rt, {"type": "response.cancel"})) == ["error"]


def test_a_text_turn_in_the_real_order_with_metadata_echoed() -> None:
    """The GA sequence for text, conversation.item.done before output_item.done, usage and rate limits."""
    rt = session()
    send(rt, TEXT)
    send(rt, user_text("hello"))
    events = send(rt, {"type": "response.create", "response": {"metadata": {"turn": "1"}}})
    kinds = types(events)
    assert kinds[:4] == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
    ]
    assert kinds[-6:] == [
        "response.output_text.done",
        "response.content_part.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
    ]
    done = events[-2]["response"]
    assert done["metadata"] == {"turn": "1"} and done["status"] == "completed"
    assert done["output"][0]["content"] == [{"type": "output_text", "text": "You said: hello"}]
    assert done["usage"]["total_tokens"] == done["usage"]["input_tokens"] + done["usage"]["output_tokens"]


def test_an_out_of_band_response_leaves_the_conversation_alone() -> None:
    """conversation "none" answers from its own input and adds nothing to the conversation."""
    rt = session()
    send(rt, TEXT)
    send(rt, user_text("in the conversation"))
    params = {
        "conversation": "none",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "aside"}]}],
    }
    events = send(rt, {"type": "response.create", "response": params})
    assert "conversation.item.added" not in types(events)
    assert events[-2]["response"]["conversation_id"] is None
    assert events[-2]["response"]["output"][0]["content"][0]["text"] == "You said: aside"
    assert len(rt.conversation.order) == 1


def test_a_function_call_then_its_output() -> None:
    """A call streams its arguments; the output item and the next response report the tool's result."""
    rt = session()
    tool = {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
    send(rt, {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"], "tools": [tool]}})
    send(rt, user_text('call get_weather {"city": "Paris"}'))
    events = send(rt, {"type": "response.create"})
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert (done["name"], done["arguments"]) == ("get_weather", '{"city":"Paris"}')
    send(
        rt,
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": done["call_id"], "output": "sunny"},
        },
    )
    reply = send(rt, {"type": "response.create"})
    assert reply[-2]["response"]["output"][0]["content"][0]["text"] == "get_weather returned: sunny"


@pytest.mark.parametrize("fmt", ["audio/pcm", "audio/pcmu", "audio/pcma"])
def test_audio_turn_speaks_the_transcript_in_the_session_format(fmt: str) -> None:
    """Transcript deltas first, then audio deltas in the output format; the audio decodes to the transcript."""
    from openai_replay.realtime import audio

    rt = session()
    send(rt, {"type": "session.update", "session": {"type": "realtime", "audio": {"output": {"format": {"type": fmt}}}}})
    send(rt, user_text("good morning"))
    events = send(rt, {"type": "response.create"})
    kinds = types(events)
    assert kinds.index("response.output_audio_transcript.delta") < kinds.index("response.output_audio.delta")
    assert kinds[kinds.index("response.output_audio.done") + 1] == "response.output_audio_transcript.done"
    pcm = audio.to_pcm24k(audio_of(events), {"type": fmt})
    assert voice.recognize(pcm, 24000) == "You said: good morning"
    item_id = events[1]["item"]["id"]
    assert rt.conversation.audio_ms[item_id] == len(audio_of(events)) // audio.bytes_per_ms({"type": fmt})


def test_truncate_checks_the_audio_delivered_and_drops_the_transcript() -> None:
    """Past the audio sent is the real error; within it the item is truncated and its transcript dropped."""
    rt = session()
    send(rt, user_text("hi"))
    events = send(rt, {"type": "response.create"})
    item_id = events[1]["item"]["id"]
    length = rt.conversation.audio_ms[item_id]
    [error] = send(
        rt, {"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": length + 85}
    )
    assert error["error"]["message"] == f"Audio content of {length}ms is already shorter than {length + 85}ms"
    [truncated] = send(rt, {"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0, "audio_end_ms": 300})
    assert truncated["type"] == "conversation.item.truncated" and truncated["audio_end_ms"] == 300
    assert rt.conversation.items[item_id]["content"][0]["transcript"] == ""


def test_server_vad_hears_speech_in_audio_time_and_answers() -> None:
    """Speech after 1 s of silence: started at onset - 300 ms, stopped after 200 ms of quiet, committed, transcribed, answered."""
    rt = session()
    send(
        rt,
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"input": {"transcription": {"model": "whisper-1"}}}},
        },
    )
    pcm = b"\0\0" * 24000 + spoken("book a table")
    events = [e for frame in appends(pcm) for e in send(rt, frame)]
    kinds = types(events)
    started = events[kinds.index("input_audio_buffer.speech_started")]
    stopped = events[kinds.index("input_audio_buffer.speech_stopped")]
    assert 1000 - 300 <= started["audio_start_ms"] <= 1000 - 300 + 60  # the first loud 20 ms frame, minus the padding
    speech_ms = voice.duration_ms("book a table")
    assert abs(stopped["audio_end_ms"] - (1000 + speech_ms + 200)) <= 60
    assert started["item_id"] == stopped["item_id"]
    completed = events[kinds.index("conversation.item.input_audio_transcription.completed")]
    assert completed["transcript"] == "book a table"
    assert events[-2]["response"]["output"][0]["content"][0]["transcript"] == "You said: book a table"


def test_speech_during_a_response_interrupts_it() -> None:
    """With interrupt_response, speech_started ends the running response: response.done cancelled, turn_detected."""
    rt = session()
    send(rt, user_text("tell me a story"))
    send(rt, {"type": "response.create"}, run=False)
    run = rt.active
    assert run is not None
    events = [e for frame in appends(spoken("stop")) for e in send(rt, frame, run=False)]
    done = next(e for e in events if e["type"] == "response.done")
    assert done["response"]["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    assert run.cancelled and list(run.steps()) == []
    assert types(events).index("input_audio_buffer.speech_started") < types(events).index("response.done")


def test_commit_needs_100_ms_and_clear_empties_the_buffer() -> None:
    """Manual turns: under 100 ms the real commit_empty error; a commit makes a user audio item; clear answers cleared."""
    rt = session()
    send(rt, {"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}}})
    send(rt, {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\0\0" * 1200).decode()})
    [error] = send(rt, {"type": "input_audio_buffer.commit"})
    assert error["error"]["message"].endswith("but buffer only has 50.00ms of audio.")
    send(rt, {"type": "input_audio_buffer.clear"})
    for frame in appends(spoken("hello", silence_ms=0)):
        send(rt, frame)
    committed = send(rt, {"type": "input_audio_buffer.commit"})
    assert types(committed) == ["input_audio_buffer.committed", "conversation.item.added", "conversation.item.done"]
    item = rt.conversation.items[committed[0]["item_id"]]
    assert item["content"] == [{"type": "input_audio", "transcript": "hello"}]
    assert types(send(rt, {"type": "input_audio_buffer.clear"})) == ["input_audio_buffer.cleared"]


def test_silence_without_end_keeps_only_the_prefix_padding() -> None:
    """Appends without end under server VAD keep the buffer at the prefix padding: memory stays bounded."""
    rt = session()
    for _ in range(300):  # 30 s of silence
        send(rt, {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\0\0" * 2400).decode()})
    assert rt.buffered_ms() <= 300 + 20


def test_the_timeline_shows_a_realtime_session_condensed() -> None:
    """A spoken turn reads as one line of appends, the response with the user's words and the spoken reply."""
    rt = session()
    for frame in appends(spoken("hello there")):
        send(rt, frame)
    timeline = rt.log.timeline()
    assert "opened /v1/realtime?model=gpt-realtime" in timeline
    assert "-> input_audio_buffer.append x" in timeline and timeline.count("input_audio_buffer.append") == 1
    assert "input=[user 'hello there']" in timeline and "output=[assistant 'You said: hello there']" in timeline


def test_idle_timeout_prompts_after_the_reply_has_played() -> None:
    """idle_timeout_ms counts from the end of the reply's playback in audio time: timeout_triggered, then a response."""
    rt = session()
    vad = {"type": "server_vad", "idle_timeout_ms": 5000}
    send(rt, {"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": vad}}}})
    send(rt, user_text("hi"))
    reply = send(rt, {"type": "response.create"})
    played = rt.conversation.audio_ms[reply[1]["item"]["id"]]
    second = {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\0\0" * 24000).decode()}
    answers = [send(rt, second) for _ in range((played + 5000) // 1000 + 2)]
    fired = [i for i, a in enumerate(answers) if a and a[0]["type"] == "input_audio_buffer.timeout_triggered"]
    assert fired == [(played + 5000) // 1000]
    event = answers[fired[0]][0]
    assert event["audio_end_ms"] >= played + 5000
    assert types(answers[fired[0]])[1:4] == ["input_audio_buffer.committed", "conversation.item.added", "conversation.item.done"]
    assert answers[fired[0]][-2]["type"] == "response.done"


def test_a_long_reply_is_spoken_in_segments_that_read_back_whole() -> None:
    """A reply longer than one segment is synthesised piece by piece; the audio still decodes to the whole transcript."""
    from openai_replay.realtime.response import SEGMENT_CHARS, segments

    text = " ".join(f"word{i}" for i in range(80))
    assert len(text) > SEGMENT_CHARS and " ".join(segments(text)) == text
    assert all(len(s) <= SEGMENT_CHARS for s in segments("x" * 1000))
    rt = session()
    send(rt, user_text(text))
    events = send(rt, {"type": "response.create"})
    assert voice.recognize(audio_of(events), 24000) == f"You said: {text}"


def test_explicit_nulls_in_a_session_update_keep_the_defaults() -> None:
    """A client that sends null for optional fields (format, speed, voice, threshold) keeps the current values."""
    rt = session()
    update = {
        "type": "realtime",
        "audio": {
            "input": {"format": None, "turn_detection": {"type": "server_vad", "threshold": None, "idle_timeout_ms": None}},
            "output": {"format": None, "voice": None, "speed": None},
        },
    }
    [updated] = send(rt, {"type": "session.update", "session": update})
    audio_config = updated["session"]["audio"]
    assert audio_config["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert audio_config["input"]["turn_detection"]["threshold"] == 0.5
    assert audio_config["output"]["voice"] == "alloy" and audio_config["output"]["speed"] == 1.0
