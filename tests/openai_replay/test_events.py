"""Event building: every shape validates against the spec and the SDK; key order and padding are real."""

from __future__ import annotations

from typing import Any

from testkit import assert_event_conforms, assert_stream_well_formed

from openai_replay.events import ResponseBuilder, chunk_arguments, chunk_text
from openai_replay.ids import IdFactory


def builder(**payload: Any) -> ResponseBuilder:
    ids = IdFactory(3)
    return ResponseBuilder(
        {"model": "m", **payload},
        response_id=ids.make("resp", "a" * 16, 1),
        group="a" * 16,
        created_at=1_767_225_600,
        ids=ids,
        input_tokens=10,
    )


def run(b: ResponseBuilder, *parts: Any) -> list[dict[str, Any]]:
    events = [b.created(), b.in_progress()]
    for part in parts:
        events += list(part)
    return events


def test_text_message_events_conform() -> None:
    """A text reply is created, in_progress, item/part/deltas/done, completed — all spec- and SDK-valid."""
    b = builder()
    events = run(b, b.message("Hello there, friend"))
    events.append(b.completed())
    assert_stream_well_formed(events)
    for event in events:
        assert_event_conforms(event)
        assert_event_conforms({**event, "stream_id": "lane"}, websocket=True)


def test_function_calls_reasoning_and_failure_conform() -> None:
    """Reasoning summaries, two function calls and a failed terminal event are all valid."""
    b = builder(tools=[{"type": "function", "name": "f", "parameters": {"type": "object"}}])
    events = run(b, b.reasoning(["thinking about it"]), b.function_call("f", '{"a":1}'), b.function_call("f", '{"b":2}'))
    events.append(b.failed("server_error", "The model failed to generate a response."))
    assert_stream_well_formed(events)
    for event in events:
        assert_event_conforms(event)
    assert [i["type"] for i in events[-1]["response"]["output"]] == ["reasoning", "function_call", "function_call"]
    assert events[-1]["response"]["error"] == {"code": "server_error", "message": "The model failed to generate a response."}


def test_incomplete_keeps_the_cut_item() -> None:
    """Ending mid-message keeps the partial text with status incomplete and the reason given."""
    b = builder()
    events = run(b)
    message = b.message("one two three four")
    events += [next(message) for _ in range(4)]  # added, part added, two deltas
    events.append(b.incomplete("max_output_tokens"))
    final = events[-1]["response"]
    assert final["status"] == "incomplete" and final["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["output"][0]["status"] == "incomplete"
    assert final["output"][0]["content"][0]["text"] == "one two"
    for event in events:
        assert_event_conforms(event)


def test_key_order_is_type_first_then_alphabetical() -> None:
    """Events put 'type' first and the rest alphabetically, as 2026 traffic does."""
    b = builder()
    for event in run(b, b.message("hi there")):
        keys = list(event)
        assert keys[0] == "type" and keys[1:] == sorted(keys[1:])
    response = b.completed()["response"]
    assert list(response)[:4] == ["id", "object", "created_at", "status"]
    assert list(response)[-2:] == ["user", "metadata"]


def test_obfuscation_pads_deltas_to_sixteen_code_points() -> None:
    """Each delta's obfuscation makes delta+padding a multiple of 16 characters, '' for exact fits."""
    b = builder()
    for event in b.message("é" * 16 + " a bc def", chunk_size=5):
        if event["type"].endswith(".delta"):
            assert (len(event["delta"]) + len(event["obfuscation"])) % 16 == 0
    ids = IdFactory(1)
    assert ids.obfuscation("x" * 16) == ""


def test_obfuscation_can_be_turned_off_per_request() -> None:
    """stream_options.include_obfuscation=false drops the padding key."""
    b = builder(stream_options={"include_obfuscation": False})
    deltas = [e for e in b.message("a b c") if e["type"].endswith(".delta")]
    assert deltas and all("obfuscation" not in e for e in deltas)


def test_chunking() -> None:
    """Text splits by words or fixed size; arguments split at JSON token boundaries."""
    assert chunk_text("Hello big world") == ["Hello", " big", " world"]
    assert chunk_text("abcdef", 4) == ["abcd", "ef"]
    assert chunk_arguments('{"country":"France"}') == ['{"', "country", '":"', "France", '"}']
    assert "".join(chunk_arguments('{"a": [1, 2]}')) == '{"a": [1, 2]}'


def test_usage_adds_up_and_reports_cache() -> None:
    """Usage carries cached and cache-write tokens and total = input + output."""
    b = ResponseBuilder(
        {"model": "m"}, response_id="resp_x", group="g", created_at=0, ids=IdFactory(1), input_tokens=40, cached_tokens=24
    )
    list(b.message("some reply text"))
    usage = b.completed()["response"]["usage"]
    assert usage["input_tokens_details"] == {"cache_write_tokens": 0, "cached_tokens": 24}
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] and usage["output_tokens"] > 0
