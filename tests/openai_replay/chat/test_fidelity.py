"""The known chat deviations are the real API's: every real recording conforms to the spec minus them."""

from __future__ import annotations

import json

import pytest
from cassettekit import REAL_CHAT_EVENTS, real_chat_cassette
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from testkit import spec

from openai_replay.cassette import HttpExchange
from openai_replay.cassette.vcr_import import import_vcr
from openai_replay.chat.fidelity import check_chunk, check_completion


@pytest.mark.parametrize("name", sorted(REAL_CHAT_EVENTS))
def test_real_chat_traffic_conforms_with_the_known_deviations(name: str) -> None:
    """Each real chunk and body (2023-2025) validates against the spec with KNOWN_DEVIATIONS and parses strictly in the SDK."""
    cassette, _ = import_vcr(real_chat_cassette(name))
    for exchange in cassette.connections:
        assert isinstance(exchange, HttpExchange)
        if exchange.events is not None:
            for event in exchange.events:
                if event.data != "[DONE]":
                    chunk = json.loads(event.data)
                    assert check_chunk(spec(), chunk) == []
                    ChatCompletionChunk.model_validate(chunk, strict=True)
        elif exchange.status == 200:
            body = json.loads(exchange.body or "")
            assert check_completion(spec(), body) == []
            ChatCompletion.model_validate(body, strict=True)
        else:
            assert spec().check_error_body(json.loads(exchange.body or "")) == []


def test_a_deviation_is_tolerated_only_where_listed() -> None:
    """A null finish_reason is tolerated on a chunk but not on a body; a missing id is never tolerated."""
    chunk = {
        "id": "chatcmpl-x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "usage": None,
        "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": None}],
    }
    assert check_chunk(spec(), chunk) == []
    assert any("'id' is a required property" in p for p in check_chunk(spec(), {k: v for k, v in chunk.items() if k != "id"}))
    body = {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "x", "refusal": None},
                "logprobs": None,
                "finish_reason": None,
            }
        ],
    }
    problems = check_completion(spec(), body)
    assert problems and all("finish_reason" in p for p in problems)
