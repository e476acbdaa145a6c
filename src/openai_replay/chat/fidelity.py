"""What Chat Completions output is checked against in OpenAI's OpenAPI spec.

The checking machinery and the one list of tolerated deviations (`KNOWN_DEVIATIONS`) are
`openai_replay.responses.fidelity`'s; a chat chunk is checked as kind ``chat.completion.chunk``, a
body as ``chat.completion``, so a deviation can be listed for chat alone.
"""

from __future__ import annotations

from typing import Any

from openai_replay.responses.fidelity import SpecChecker

CHUNK = "CreateChatCompletionStreamResponse"
COMPLETION = "CreateChatCompletionResponse"
REQUEST = "CreateChatCompletionRequest"


def check_chunk(checker: SpecChecker, chunk: dict[str, Any]) -> list[str]:
    """Problems with one ``chat.completion.chunk`` (an ``{"error": ...}`` chunk is an error body)."""
    if "error" in chunk and "object" not in chunk:
        return checker.check_error_body(chunk)
    return checker.check(CHUNK, chunk, "chat.completion.chunk")


def check_completion(checker: SpecChecker, body: dict[str, Any]) -> list[str]:
    """Problems with one non-streaming ``chat.completion`` body."""
    return checker.check(COMPLETION, body, "chat.completion")


def check_request(checker: SpecChecker, payload: dict[str, Any]) -> list[str]:
    """Problems the spec sees in a chat request (tests compare them with `validate_chat`)."""
    return checker.check(REQUEST, payload, "chat-request")
