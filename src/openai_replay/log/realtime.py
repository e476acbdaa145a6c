"""Assertions over Realtime sessions in the log, where voice frameworks go wrong (reference/realtime.md §3).

- `assert_realtime_protocol`: no ``response.create`` while a response was active, no ``response.cancel``
  with none active, no ``conversation.item.truncate`` past the audio the server delivered.
- `assert_calls_answered`: every function call the server made is answered by exactly one
  ``function_call_output`` item.
- `assert_conversation_restored`: after a Realtime socket ends, the next one's first response sees
  the earlier conversation's messages again (the client re-created them), in order.

They read the client frames the log keeps (a refused event carries the server's error as its problem)
and the Realtime requests' output items.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from openai_replay.items import item_text
from openai_replay.log.timeline import fail

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
    from openai_replay.log.records import FrameRecord

#: Refusals that mean the client broke the protocol: (event type, text in the server's answer) -> what it did.
MISTAKES = {
    ("response.create", "conversation_already_has_active_response"): "sent response.create while a response was active",
    ("response.cancel", "response_cancel_not_active"): "sent response.cancel with no response active",
    ("conversation.item.truncate", "is already shorter than"): "truncated past the audio the server had delivered",
}


def _mistake(frame: FrameRecord) -> str | None:
    for (kind, marker), what in MISTAKES.items():
        if frame.type == kind and frame.problem is not None and marker in frame.problem:
            return what
    return None


def assert_realtime_protocol(log: LogRecords) -> None:
    """No Realtime client event was refused for breaking the one-active-response or truncate rules."""
    __tracebackhide__ = True
    found = [(frame, what) for frame in list(log.frames) if (what := _mistake(frame)) is not None]
    if found:
        lines = [f"  conn {frame.connection_id}: {what} ({frame.problem})" for frame, what in found]
        fail(log, "the client broke the Realtime protocol:\n" + "\n".join(lines), connections={f.connection_id for f, _ in found})


def assert_calls_answered(log: LogRecords) -> None:
    """Every function call of a Realtime response is answered by exactly one function_call_output."""
    __tracebackhide__ = True
    calls: dict[str, int] = {}
    for record in list(log.requests):
        if record.api == "realtime":
            for item in record.output_items:
                if item.get("type") == "function_call" and isinstance(item.get("call_id"), str):
                    calls[item["call_id"]] = record.turn
    answers: dict[str, int] = {}
    for frame in list(log.frames):
        data = frame.data if isinstance(frame.data, dict) else {}
        found = data.get("item")
        created: dict[str, Any] = found if isinstance(found, dict) else {}
        if frame.type == "conversation.item.create" and frame.problem is None and created.get("type") == "function_call_output":
            call_id = str(created.get("call_id"))
            answers[call_id] = answers.get(call_id, 0) + 1
    wrong = [
        f"  call {c} (request #{turn}): answered {answers.get(c, 0)} time(s)"
        for c, turn in calls.items()
        if answers.get(c, 0) != 1
    ]
    stray = [f"  an output for call {c}, which the server never made" for c in answers if c not in calls]
    if wrong or stray:
        turns = {turn for c, turn in calls.items() if answers.get(c, 0) != 1}
        fail(log, "function calls not answered exactly once:\n" + "\n".join(wrong + stray), turns=turns)


def _messages(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(str(i.get("role")), text) for i in items if i.get("type", "message") == "message" and (text := item_text(i))]


def assert_conversation_restored(log: LogRecords) -> None:
    """Each Realtime connection after the first starts from the messages the previous one ended with."""
    __tracebackhide__ = True
    by_connection: dict[int, list[Any]] = {}
    for record in list(log.requests):
        if record.api == "realtime" and record.connection_id is not None:
            by_connection.setdefault(record.connection_id, []).append(record)
    connections = sorted(by_connection)
    for before, after in pairwise(connections):
        last = by_connection[before][-1]
        had = _messages([*last.payload.get("input", []), *last.output_items])
        first = by_connection[after][0]
        got = _messages(first.payload.get("input", []))
        missing = [m for m in had if m not in got]
        if missing:
            lines = "\n".join(f"  {role}: {text[:60]!r}" for role, text in missing)
            fail(
                log,
                f"request #{first.turn} on connection {after} does not restore the conversation of connection {before}; "
                f"missing:\n{lines}",
                turns={last.turn, first.turn},
            )
