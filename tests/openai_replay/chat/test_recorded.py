"""Recorded chat answers read back: id, finish, text, calls, errors and a missing [DONE]."""

from __future__ import annotations

import json

from openai_replay.chat.recorded import outcome, read_chat, said


def _chunk(delta: dict[str, object], finish: str | None = None) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return json.dumps({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [choice]})


def test_stream_with_tool_call_fragments_and_done() -> None:
    """Fragments join by index into name(arguments); the finish and [DONE] make the outcome."""
    chunks = [
        _chunk({"role": "assistant", "tool_calls": [{"index": 0, "id": "c", "function": {"name": "f", "arguments": ""}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
        _chunk({}, "tool_calls"),
        "[DONE]",
    ]
    reply = read_chat(chunks, None)
    assert reply is not None and reply.id == "chatcmpl-1" and reply.calls == ['f({"a":1})']
    assert outcome(reply) == "finish_reason tool_calls" and said(reply, lambda t, n: t) == 'calls f({"a":1})'


def test_missing_done_error_chunk_and_bodies() -> None:
    """A stream without [DONE] says so; an error chunk is an error; a body has nothing to miss; others are not chat."""
    cut = read_chat([_chunk({"content": "hi"}), _chunk({}, "stop")], None)
    assert cut is not None and outcome(cut) == "finish_reason stop (no [DONE])" and cut.text == "hi"
    failed = read_chat([_chunk({"content": "x"}), json.dumps({"error": {"code": "server_error"}})], None)
    assert failed is not None and outcome(failed) == "error (server_error)"
    body = {
        "id": "chatcmpl-2",
        "object": "chat.completion",
        "choices": [{"message": {"content": "ok"}, "finish_reason": "length"}],
    }
    reply = read_chat(None, json.dumps(body))
    assert reply is not None and outcome(reply) == "finish_reason length" and reply.text == "ok"
    assert read_chat(None, json.dumps({"object": "response"})) is None and read_chat(["not json"], None) is None
