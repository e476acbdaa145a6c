"""Assertions on resent history, for clients that send the whole conversation every turn (Chat
Completions, or Responses without ``previous_response_id``): nothing the assistant said is lost or
duplicated, and every tool result answers a call the server really made, by its id.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from openai_replay.log.exchange import KEPT, is_assistant_output, item_key, request
from openai_replay.log.reproduce import check_full_context
from openai_replay.log.timeline import describe_item, fail

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
from openai_replay.log.records import RequestRecord

__all__ = ["assert_history_intact", "assert_tool_results"]


def _targets(log: LogRecords, turns: tuple[int, ...], what: str) -> list[RequestRecord]:
    if turns:
        return [request(log, t) for t in turns]
    records = list(log.requests)
    first_kept = next((r.turn for r in records if r.outcome.kind in KEPT), None)
    targets = [r for r in records if first_kept is not None and r.turn > first_kept and not r.previous_response_id]
    if not targets:
        fail(log, f"{what}: nothing to check: no full-context request followed a completed response.")
    return targets


def assert_history_intact(log: LogRecords, *turns: int) -> None:
    """Each full-context request resends the conversation so far: every earlier assistant output
    exactly once, in order, nothing lost (default: every request after the first completed one)."""
    __tracebackhide__ = True
    problems: list[str] = []
    targets = _targets(log, turns, "assert_history_intact")
    for record in targets:
        counts = Counter(item_key(i) for i in record.input_items if is_assistant_output(i))
        for item in record.input_items:
            key = item_key(item)
            if counts.get(key, 0) > 1:
                problems.append(
                    f"request #{record.turn} resends the assistant's {describe_item(item)} {counts[key]} times; "
                    "the history should hold it once."
                )
                counts[key] = 0
        problem = check_full_context(log, record, None)
        if problem:
            problems.append(problem)
    if problems:
        fail(log, "\n".join(problems), turns=[r.turn for r in targets])


def assert_tool_results(log: LogRecords, *turns: int) -> None:
    """Every tool result a request sends answers, by its ``tool_call_id``/``call_id``, a call the
    server made earlier, once; and each call made in the request's history has its answer."""
    __tracebackhide__ = True
    issued: dict[str, int] = {}
    for record in list(log.requests):
        for item in record.output_items:
            if item.get("type") == "function_call":
                issued.setdefault(str(item.get("call_id")), record.turn)
    problems: list[str] = []
    targets = [request(log, t) for t in turns] if turns else [r for r in list(log.requests) if _has_results(r)]
    if not targets:
        fail(log, "assert_tool_results: nothing to check: no request sent a tool result.")
    for record in targets:
        calls = [str(i.get("call_id")) for i in record.input_items if i.get("type") == "function_call"]
        answers = Counter(str(i.get("call_id")) for i in record.input_items if i.get("type") == "function_call_output")
        for call_id, count in answers.items():
            made = issued.get(call_id)
            if made is None or made >= record.turn:
                known = ", ".join(sorted(c for c, t in issued.items() if t < record.turn)) or "none"
                problems.append(
                    f"request #{record.turn} sends a tool result for {call_id}, a call the server never made "
                    f"(calls made before it: {known})."
                )
            elif count > 1:
                problems.append(f"request #{record.turn} answers {call_id} {count} times; each call takes one result.")
        for call_id in calls:
            if call_id in issued and call_id not in answers:
                problems.append(
                    f"request #{record.turn} resends call {call_id} (from request #{issued[call_id]}) without its result."
                )
    if problems:
        fail(log, "\n".join(problems), turns=[r.turn for r in targets])


def _has_results(record: RequestRecord) -> bool:
    return any(i.get("type") == "function_call_output" for i in record.input_items)
