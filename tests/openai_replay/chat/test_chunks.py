"""Engine events re-told as chat chunks: finish reasons, usage, errors and the JSON body."""

from __future__ import annotations

from testkit import assert_chat_conforms

from openai_replay.chat.chunks import ChatStream, chat_usage, finish_reason
from openai_replay.ids import IdFactory
from openai_replay.responses.events import ResponseBuilder


def _builder(ids: IdFactory) -> ResponseBuilder:
    return ResponseBuilder({"model": "m"}, response_id="resp_x", group="0" * 16, created_at=100, ids=ids, input_tokens=9)


def test_incomplete_reasons_become_length_and_content_filter() -> None:
    """max_output_tokens ends with finish_reason length, content_filter with content_filter, a cancel with stop."""
    for reason, expected in (("max_output_tokens", "length"), ("content_filter", "content_filter"), ("cancelled", "stop")):
        ids = IdFactory(1)
        chat, builder = ChatStream({"model": "m"}, ids=ids, created=100), _builder(ids)
        chunks = [
            c
            for e in [builder.created(), *list(builder.message("hi there"))[:3], builder.incomplete(reason)]
            for c in chat.chunks(e)
        ]
        assert chat.ended and finish_reason({"type": "response.incomplete", "response": builder.terminal}) == expected
        assert chunks[-1]["choices"][0]["finish_reason"] == expected
        for chunk in chunks:
            assert_chat_conforms(chunk)


def test_failure_mid_stream_is_an_error_chunk_and_ends_translation() -> None:
    """response.failed becomes chat's {"error": ...} chunk; nothing follows it, not even [DONE]."""
    ids = IdFactory(1)
    chat, builder = ChatStream({"model": "m"}, ids=ids, created=100), _builder(ids)
    assert chat.chunks(builder.created()) == []
    error = chat.chunks(builder.failed("server_error", "boom"))
    assert error == [{"error": {"message": "boom", "type": "server_error", "param": None, "code": "server_error"}}]
    assert chat.chunks(builder.completed()) == [] and not chat.ended


def test_completion_body_and_usage_details() -> None:
    """The JSON body joins the text, and usage maps cached and reasoning tokens into chat's details."""
    ids = IdFactory(1)
    chat, builder = ChatStream({"model": "m"}, ids=ids, created=100), _builder(ids)
    list(builder.message("all done"))
    terminal = builder.completed()
    body = chat.completion(terminal["response"])
    assert body["choices"][0]["message"]["content"] == "all done" and body["choices"][0]["finish_reason"] == "stop"
    assert_chat_conforms(body)
    usage = chat_usage(
        {
            "input_tokens": 10,
            "output_tokens": 5,
            "total_tokens": 15,
            "input_tokens_details": {"cached_tokens": 4},
            "output_tokens_details": {"reasoning_tokens": 2},
        }
    )
    assert usage is not None and usage["prompt_tokens_details"]["cached_tokens"] == 4
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 2 and chat_usage(None) is None


def test_n_choices_body_and_stream() -> None:
    """n=3 gives three identical choices in the body and every one-choice chunk once per index."""
    ids = IdFactory(1)
    chat, builder = ChatStream({"model": "m", "n": 3}, ids=ids, created=100), _builder(ids)
    chunks = [c for e in [builder.created(), *builder.message("hi there"), builder.completed()] for c in chat.chunks(e)]
    assert [c["choices"][0]["index"] for c in chunks[:3]] == [0, 1, 2]
    for index in range(3):
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"][0]["index"] == index)
        assert text == "hi there"
    body = chat.completion(builder.terminal)
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    one = chat_usage(builder.terminal["usage"])
    assert one is not None and body["usage"]["completion_tokens"] == 3 * one["completion_tokens"]
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    for obj in [*chunks, body]:
        assert_chat_conforms(obj)


def test_logprobs_body_and_stream() -> None:
    """logprobs with top_logprobs: tokens that join to the text, each with that many alternatives, chosen first."""
    ids = IdFactory(1)
    chat, builder = ChatStream({"model": "m", "logprobs": True, "top_logprobs": 3}, ids=ids, created=100), _builder(ids)
    chunks = [c for e in [builder.created(), *builder.message("You said: hi there"), builder.completed()] for c in chat.chunks(e)]
    streamed = [t for c in chunks if c["choices"][0]["logprobs"] for t in c["choices"][0]["logprobs"]["content"]]
    assert "".join(t["token"] for t in streamed) == "You said: hi there"
    content = chat.completion(builder.terminal)["choices"][0]["logprobs"]["content"]
    assert "".join(t["token"] for t in content) == "You said: hi there"
    assert all(len(t["top_logprobs"]) == 3 and t["top_logprobs"][0]["token"] == t["token"] for t in content)
    assert all(bytes(t["bytes"]).decode() == t["token"] for t in content)
    for obj in [*chunks, chat.completion(builder.terminal)]:
        assert_chat_conforms(obj)
