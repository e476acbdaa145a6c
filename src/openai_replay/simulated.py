"""The simulated model: a deterministic stand-in for the real one.

- The reply is derived from the newest user text: ``You said: <text>``, echoing at most
  `MAX_ECHO_CHARS` of it (a 3 MB input would otherwise stream a 235 MB reply, one word a delta).
- After tool outputs, it reports them: ``get_weather returned: {...}``.
- It calls a function when the request offers that function and either the user text says
  ``call <name>`` (optionally followed by JSON arguments) or ``tool_choice`` forces it.
- A request for structured output (``json_schema`` or ``json_object``) is answered with JSON that
  fits the schema (`openai_replay.structured`); placeholder tool arguments come from the same generator.
- ``generate: false`` (warm-up) completes with no output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from openai_replay.errors import ApiError
from openai_replay.items import last_user_text, trailing_tool_outputs
from openai_replay.side import simulated_answer
from openai_replay.source import Turn
from openai_replay.steps import Emit, Fail, Respond, Sleep, Step
from openai_replay.structured import prompted_reply, requested_format, structured_reply, tool_arguments
from openai_replay.structured.generate import NoValue

#: The most characters of the user's text the reply echoes; the rest is named, not repeated.
MAX_ECHO_CHARS = 16_384

_CALL = re.compile(r"\bcall\s+([A-Za-z0-9_.-]+)")
_JSON = json.JSONDecoder()


class SimulatedModel:
    """The default source."""

    def plan(self, turn: Turn) -> Iterator[Step]:
        if turn.side is not None:  # models, embeddings, moderations: one JSON body
            answer = simulated_answer(turn)
            return iter([Fail(answer) if isinstance(answer, ApiError) else Respond(answer)])
        calls = self.choose_calls(turn) if turn.generate else []
        text = None
        if turn.generate and not calls:
            try:
                text = self.answer(turn)
            except NoValue as exc:
                return iter([Fail(_cannot_answer(turn, exc))])
        return paced(self.events(turn, calls, text), turn.config.event_delay)

    def events(self, turn: Turn, calls: list[tuple[str, str]], text: str | None) -> Iterator[dict[str, Any]]:
        """The response's events, built lazily so a cancel can stop them between any two."""
        b = turn.builder
        chunk = turn.config.chunk_size
        yield b.created()
        yield b.in_progress()
        for name, arguments in calls:
            yield from b.function_call(name, arguments, chunk, include_name_on_done=turn.config.function_call_done_name)
        if not calls and text is not None:
            yield from b.message(text, chunk)
        yield b.completed()

    def answer(self, turn: Turn) -> str:
        """The message text: JSON for a structured-output request, else `reply_text`."""
        fmt = requested_format(turn.payload, "responses")  # chat's response_format arrives as text.format
        if fmt is None:
            prompted = None
            if not trailing_tool_outputs(turn.context):
                asks = None if turn.tally is None else turn.tally.fenced
                prompted = prompted_reply(turn.context, last_user_text(turn.context), asks)
            return prompted if prompted is not None else self.reply_text(turn)
        return structured_reply(fmt, turn.context, last_user_text(turn.context), self.reply_text(turn))

    def reply_text(self, turn: Turn) -> str:
        spoken = getattr(turn.builder, "default_text", None)  # an audio turn: the text to speak, or that was heard
        if isinstance(spoken, str):
            return spoken
        outputs = trailing_tool_outputs(turn.context)
        if outputs:
            names = _call_names(turn.context)
            parts = [f"{names.get(o.get('call_id'), 'the tool')} returned: {_capped(_text(o.get('output')))}" for o in outputs]
            return "; ".join(parts)
        text = last_user_text(turn.context)
        if not text:
            return "Hello! How can I help?"
        return f"You said: {_capped(text)}"

    def choose_calls(self, turn: Turn) -> list[tuple[str, str]]:
        """The function calls of this turn: the one ``tool_choice`` forces, else one for each ``call <name>``
        naming an offered tool in the user text, in order (parallel calls, as the real model makes; only the
        first when ``parallel_tool_calls`` is false), else the first tool when ``tool_choice`` is ``required``."""
        tools = {t.get("name"): t for t in turn.payload.get("tools") or [] if t.get("type") == "function"}
        if not tools or trailing_tool_outputs(turn.context):
            return []
        choice = turn.payload.get("tool_choice")
        if choice == "none":
            return []
        user_text = last_user_text(turn.context)
        if isinstance(choice, dict) and isinstance(choice.get("name"), str) and choice["name"] in tools:
            return [(choice["name"], tool_arguments(tools[choice["name"]], user_text))]
        text = user_text or ""
        calls = [_asked_call(match, tools, text) for match in _CALL.finditer(text) if match.group(1) in tools]
        if calls:
            return calls[:1] if turn.payload.get("parallel_tool_calls") is False else calls
        if choice == "required":
            name = next(iter(tools))
            return [(name, tool_arguments(tools[name], user_text))]
        return []


def _asked_call(match: re.Match[str], tools: dict[Any, dict[str, Any]], text: str) -> tuple[str, str]:
    """One ``call <name> [{json}]`` of the user text: the JSON object right after the name as the
    arguments when it parses, else placeholder arguments."""
    name = match.group(1)
    rest = text[match.end() :].lstrip()
    if rest.startswith("{"):
        try:
            args, _ = _JSON.raw_decode(rest)
            return name, json.dumps(args, separators=(",", ":"))
        except json.JSONDecodeError:
            pass
    return name, tool_arguments(tools[name], text)


def paced(events: Iterator[dict[str, Any]], delay: float) -> Iterator[Step]:
    """Emit steps with ``delay`` seconds before each event after the first.

    The next event is built only after the pause, so a cancel that lands during the pause stops the
    stream without a gap in sequence numbers or a half-counted delta.
    """
    first = next(events, None)
    if first is None:
        return
    yield Emit(first)
    while True:
        if delay:
            yield Sleep(delay)
        event = next(events, None)
        if event is None:
            return
        yield Emit(event)


def _capped(text: str) -> str:
    """``text``, or its first `MAX_ECHO_CHARS` characters and how many more there were."""
    if len(text) <= MAX_ECHO_CHARS:
        return text
    return f"{text[:MAX_ECHO_CHARS]} [... and {len(text) - MAX_ECHO_CHARS:,} more characters]"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _call_names(items: list[dict[str, Any]]) -> dict[Any, str]:
    return {
        i["call_id"]: str(i.get("name")) for i in items if i.get("type") == "function_call" and isinstance(i.get("call_id"), str)
    }


def _cannot_answer(turn: Turn, exc: NoValue) -> ApiError:
    """Loud, not wrong: a schema this generator cannot answer gets a 400 that says so and what to do."""
    fmt = requested_format(turn.payload, "responses") or {}
    return ApiError(
        400,
        f"openai-replay's simulated model cannot derive a value for the json_schema {fmt.get('name')!r}: {exc}. "
        "Script the reply with a scenario (a `reply` action with the JSON text) or record the call against the real API.",
        param="text.format.schema" if turn.chat is None else "response_format",
        code="unsupported_schema",
    )
