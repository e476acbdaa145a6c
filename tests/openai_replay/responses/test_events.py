"""Event building: every shape validates against the spec and the SDK; key order and padding are real."""

from __future__ import annotations

from itertools import islice
from typing import Any

from testkit import assert_event_conforms, assert_stream_well_formed

from openai_replay.ids import IdFactory
from openai_replay.responses import events as events_module
from openai_replay.responses import response_object as object_module
from openai_replay.responses.events import _PLAIN_DELTAS, ResponseBuilder, chunk_arguments, chunk_text
from openai_replay.wire import Event, compact, item_order, response_order, type_first

TRICKY = 'Quote " back\\slash \n tab\t nul\x00 \x1f é 中文 \u2028 🎉 </script>'


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
    """Every event, item and Response object has the real key order, however it was built."""
    b = builder(tools=[{"type": "function", "name": "f", "parameters": {}}], reasoning={"effort": "low"})
    events = run(b, b.reasoning(["think"]), b.message("hi there"), b.function_call("f", '{"a":1}'))
    events.append(b.completed())
    events.append(builder().failed("server_error", "boom"))
    cut = builder()
    events += [*islice(cut.message("one two three"), 3), cut.incomplete("max_output_tokens")]
    for event in events:
        assert list(event) == list(type_first(event)), event["type"]
        if "response" in event:
            assert list(event["response"]) == list(response_order(event["response"]))
        if "item" in event:
            assert list(event["item"]) == list(item_order(event["item"]))
    response = events[-1]["response"]
    assert list(response)[:4] == ["id", "object", "created_at", "status"]
    assert list(response)[-2:] == ["user", "metadata"]


def test_pre_encoded_deltas_are_the_bytes_the_encoder_writes() -> None:
    """Delta events carry their JSON; it equals encoding the dict, for awkward text and every delta kind."""
    for obfuscate in (True, False):
        b = builder(stream_options={"include_obfuscation": obfuscate})
        events = [
            *b.message(TRICKY, chunk_size=3),
            *b.function_call("f", '{"q":"' + TRICKY.replace('"', "'") + '"}', chunk_size=4),
            *b.reasoning([TRICKY], chunk_size=5),
        ]
        deltas = [e for e in events if e["type"].endswith(".delta")]
        assert {e["type"] for e in deltas} == {
            "response.output_text.delta",
            "response.function_call_arguments.delta",
            "response.reasoning_summary_text.delta",
        }
        plain = deltas[:_PLAIN_DELTAS]  # a message's first deltas are plain dicts: the channel encodes them
        assert all(type(e) is dict for e in plain)
        for event in deltas[_PLAIN_DELTAS:]:
            assert isinstance(event, Event) and event.wire is not None
            assert event.wire == compact(dict(event))
            assert_event_conforms(event)


def test_a_short_replys_plain_deltas_are_the_templates_events(monkeypatch: Any) -> None:
    """A message's first deltas, built as plain dicts, have the keys, order, values and bytes the template gives."""
    for obfuscate in (True, False):
        for text in ("one", "one two", "one two three", TRICKY):
            plain = list(builder(stream_options={"include_obfuscation": obfuscate}).message(text, chunk_size=3))
            with monkeypatch.context() as m:
                m.setattr(events_module, "_PLAIN_DELTAS", 0)
                templated = list(builder(stream_options={"include_obfuscation": obfuscate}).message(text, chunk_size=3))
            assert [list(e.items()) for e in plain] == [list(e.items()) for e in templated]
            assert [compact(e) for e in plain] == [compact(e) for e in templated]
            assert sum(type(e) is dict and e["type"].endswith(".delta") for e in plain) == min(2, -(-len(text) // 3))


def test_changing_a_pre_encoded_event_re_encodes_it() -> None:
    """Setting or deleting a key of a delta event drops its stored JSON; each delta has its own lists."""
    b = builder()
    first, second = [e for e in b.message("a b c d") if e["type"].endswith(".delta")][_PLAIN_DELTAS:]
    first["delta"] = "changed"
    assert first.wire is None and '"delta":"changed"' in compact(first)
    del second["obfuscation"]
    assert "obfuscation" not in compact(second)
    first["logprobs"].append({"token": "x"})
    assert second["logprobs"] == []


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


def test_a_shared_template_gives_the_events_a_fresh_one_gives(monkeypatch: Any) -> None:
    """A request echoing only its model reuses its model's template: same dicts, key order and bytes, own nested values."""
    monkeypatch.setattr(object_module, "_PLAIN_TEMPLATES", {})
    payloads: list[dict[str, Any]] = [
        {"model": "gpt-4.1", "input": "hi"},
        {"model": "gpt-4.1", "input": [{"role": "user", "content": "hi"}], "stream": True},
        {"model": 'a "quoted" é model', "input": "hi", "stream_options": {"include_obfuscation": False}},
    ]

    def turn(payload: dict[str, Any], created_at: int) -> list[dict[str, Any]]:
        ids = IdFactory(created_at)
        b = ResponseBuilder(
            payload, response_id=ids.make("resp", "b" * 16, created_at), group="b" * 16, created_at=created_at, ids=ids
        )
        return [b.created(), b.in_progress(), *b.message("Hello there"), b.completed()]

    for payload in payloads:
        for created_at in (1_767_225_600, 1_767_225_601):  # the first builds and keeps the template, the second reuses it
            shared = turn(payload, created_at)
            with monkeypatch.context() as m:
                m.setattr(object_module, "_ECHOES_NOTHING", frozenset())  # never shared
                fresh = turn(payload, created_at)
            assert [compact(e) for e in shared] == [compact(e) for e in fresh]
            assert [compact(dict(e)) for e in shared] == [compact(e) for e in fresh]  # the kept JSON is the dict's
            assert shared == fresh
        assert payload["model"] in object_module._PLAIN_TEMPLATES
    first, second = turn(payloads[0], 1), turn(payloads[0], 2)
    for key in ("text", "reasoning", "metadata", "tools"):
        assert first[0]["response"][key] is not second[0]["response"][key]
    assert first[0]["response"]["text"]["format"] is not second[0]["response"]["text"]["format"]
    turn({"model": "other-model", "input": "hi", "temperature": 0.5}, 3)  # echoes its temperature: built, never shared
    assert "other-model" not in object_module._PLAIN_TEMPLATES
