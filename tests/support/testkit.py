"""Shared test helpers: where the reference corpus lives, and fidelity checks on events."""

from __future__ import annotations

import json
import os
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from openai.types.responses import ResponseStreamEvent
from openai.types.responses.responses_server_event import ResponsesServerEvent
from pydantic import BaseModel, ValidationError

from openai_replay.responses.fidelity import SpecChecker, is_tolerated

REPO = Path(__file__).resolve().parents[2]
#: Where the reference corpus (OpenAI's OpenAPI spec, real recordings) is read from.
REFERENCE_ENV = "OPENAI_REPLAY_REFERENCE"
#: Set to 1 (``.ci/run`` does) to make a missing corpus a failure instead of a skip.
REQUIRE_ENV = "OPENAI_REPLAY_REQUIRE_REFERENCE"
#: The words every missing-corpus skip starts its reason with (the run's closing line counts them).
CORPUS_SKIP = "this test reads the reference corpus"


def reference_dir() -> Path:
    """``$OPENAI_REPLAY_REFERENCE``, else the ``shared/`` folder beside the repository."""
    return Path(os.environ.get(REFERENCE_ENV) or REPO.parent / "shared")


def _models_by_type(union: Any) -> dict[str, type[BaseModel]]:
    """The SDK's event model for each ``type`` value of a discriminated union."""
    members = typing.get_args(typing.get_args(union)[0])
    out = {}
    for model in members:
        for value in typing.get_args(model.model_fields["type"].annotation):
            out[value] = model
    return out


_STREAM = _models_by_type(ResponseStreamEvent)
_WS = _models_by_type(ResponsesServerEvent)


def sdk_parse_problems(event: dict[str, Any], *, websocket: bool) -> list[str]:
    """Strict validation with the SDK's own model for the event's type, minus the known deviations."""
    models = _WS if websocket else _STREAM
    model = models.get(str(event.get("type")))
    if model is None:
        return [f"the SDK has no {'WebSocket' if websocket else 'stream'} event type {event.get('type')!r}"]
    body = event if websocket else {k: v for k, v in event.items() if k != "stream_id"}
    try:
        model.model_validate(body, strict=False)
    except ValidationError as exc:
        kind = str(event.get("type"))
        return [
            f"{model.__name__} at {'.'.join(map(str, err['loc']))}: {err['msg']}"
            for err in exc.errors()
            if not is_tolerated(kind, ".".join(map(str, err["loc"])), repr(err.get("input")))
        ]
    return []


def corpus_skip_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A ``pytest_terminal_summary``: one closing line for the tests skipped because the reference
    corpus is missing, shown without ``-rs``."""
    skipped = terminalreporter.stats.get("skipped", [])
    missing = sum(1 for report in skipped if CORPUS_SKIP in str(getattr(report, "longrepr", "")))
    if missing:
        terminalreporter.write_line(
            f"openai-replay: {missing} test(s) skipped: the reference corpus (OpenAI's OpenAPI spec and real recordings) "
            f"is missing. Get it with scripts/fetch-reference-data, or set {REFERENCE_ENV}=/path/to/corpus.",
            yellow=True,
        )


def shared_file(*parts: str) -> Path:
    """A file of the reference corpus; when it is missing, a skip saying how to get it (a failure
    when ``OPENAI_REPLAY_REQUIRE_REFERENCE=1``, as in CI)."""
    path = reference_dir().joinpath(*parts)
    if not path.exists():
        message = (
            f"missing {path}: {CORPUS_SKIP} (OpenAI's OpenAPI spec and real recordings). "
            f"Get it with scripts/fetch-reference-data (into ../shared beside the repository), "
            f"or point {REFERENCE_ENV}=/path/to/corpus at a copy"
        )
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message} ({REQUIRE_ENV}=1: a missing corpus is a failure)", pytrace=False)
        pytest.skip(message)
    return path


@lru_cache(maxsize=1)
def spec() -> SpecChecker:
    return SpecChecker.from_file(shared_file("openapi", "openapi.yaml"))


def assert_event_conforms(event: dict[str, Any], *, websocket: bool = False) -> None:
    """The event validates against the OpenAPI schema and parses with the SDK's strict types."""
    problems = spec().check_stream_event(event)
    assert not problems, f"{event.get('type')} does not match the spec:\n" + "\n".join(problems)
    if event.get("type") != "error":
        problems += sdk_parse_problems(event, websocket=False)
    if websocket:
        problems += sdk_parse_problems(event, websocket=True)
    assert not problems, f"{event.get('type')} does not parse with the SDK's types:\n" + "\n".join(problems)


def assert_stream_well_formed(events: list[dict[str, Any]]) -> None:
    """Ordering invariants of protocol.md §2.6: seq from 0 by 1, one terminal event, last."""
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[0]["type"] == "response.created"
    assert events[1]["type"] == "response.in_progress"
    terminals = [e for e in events if e["type"] in ("response.completed", "response.failed", "response.incomplete")]
    assert len(terminals) == 1 and terminals[0] is events[-1]
    final = events[-1]["response"]
    done_items = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    if events[-1]["type"] == "response.incomplete":  # a cut item is kept, with status "incomplete"
        assert final["output"][: len(done_items)] == done_items
    else:
        assert final["output"] == done_items
    if final.get("usage"):
        usage = final["usage"]
        assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def sse_events(body: bytes) -> list[dict[str, Any]]:
    """Parse an SSE body strictly in the real framing (event line, data line, blank line)."""
    text = body.decode()
    assert text.endswith("\n\n") and "\r" not in text
    events = []
    for block in text[:-2].split("\n\n"):
        event_line, data_line = block.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        event = json.loads(data_line[len("data: ") :])
        assert event["type"] == event_line[len("event: ") :]
        events.append(event)
    return events


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def chat_sse_chunks(body: bytes) -> list[dict[str, Any]]:
    """Parse a chat SSE body strictly: ``data:`` lines only, each followed by a blank line, ending
    with ``data: [DONE]`` (which is not returned)."""
    text = body.decode()
    assert text.endswith("data: [DONE]\n\n") and "\r" not in text and "event:" not in text
    chunks = []
    for block in text[:-2].split("\n\n")[:-1]:
        assert block.startswith("data: ") and "\n" not in block, block
        data = block[len("data: ") :]
        assert data == json.dumps(json.loads(data), separators=(",", ":"), ensure_ascii=False)
        chunks.append(json.loads(data))
    return chunks


def assert_chat_conforms(obj: dict[str, Any]) -> None:
    """A chat chunk or body validates against the OpenAPI schema (minus the known deviations) and
    parses with the SDK's own model, strictly."""
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from openai_replay.chat.fidelity import check_chunk, check_completion

    chunk = obj.get("object") == "chat.completion.chunk"
    problems = check_chunk(spec(), obj) if chunk else check_completion(spec(), obj)
    assert not problems, f"{obj.get('object')} does not match the spec:\n" + "\n".join(problems)
    (ChatCompletionChunk if chunk else ChatCompletion).model_validate(obj, strict=True)
