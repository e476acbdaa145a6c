"""What a request should have sent: only new input (chained) or the whole conversation (full context)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from openai_replay.items import normalize_input
from openai_replay.log.exchange import KEPT, context_before, conversation_through, is_assistant_output, item_key, item_keys
from openai_replay.log.timeline import describe_item, describe_items

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
    from openai_replay.log.records import RequestRecord

__all__ = ["check_full_context", "check_reproduces", "previous_attempt", "resent_items", "step_conversation"]


#: Why a resent item is not new: output the server produced or already received (earlier input that
#: repeats, such as a second "yes", may still be new).
OWN_OUTPUT = "the assistant's own output"
SENT_OUTPUT = "an already-sent function call output"


def resent_items(sent: list[dict[str, Any]], known: list[dict[str, Any]]) -> list[str]:
    """Items of ``sent`` that the server already holds in ``known``, each described with why it counts."""
    is_resent = _resent(known)
    return [f"{why} {describe_item(item)}" for item in sent if (why := is_resent(item))]


def _resent(known: list[dict[str, Any]]) -> Callable[[dict[str, Any]], str | None]:
    """Why an item is one the server already holds in ``known`` (None: a new item)."""
    known_keys = set(item_keys(known))
    answered = {str(i.get("call_id")) for i in known if i.get("type") == "function_call_output"}

    def why(item: dict[str, Any]) -> str | None:
        key = item_key(item)
        if is_assistant_output(item) and key in known_keys:
            return OWN_OUTPUT
        if item.get("type") == "function_call_output" and str(item.get("call_id")) in answered:
            return SENT_OUTPUT
        if key in known_keys:
            return "earlier input"
        return None

    return why


def previous_attempt(log: LogRecords, record: RequestRecord) -> RequestRecord | None:
    """The earlier try at the same conversation step that ``record`` retries (None for a first try)."""
    if record.attempt <= 1:
        return None
    key = record.step_key()
    earlier = [r for r in list(log.requests) if r.turn < record.turn and r.step_key() == key]
    return earlier[-1] if earlier else None


def step_conversation(log: LogRecords, failed: RequestRecord) -> list[dict[str, Any]]:
    """The whole conversation a request stood for: what its parent held plus its own new input. Output
    it resent by mistake (the assistant's own items, or a function call output the parent already
    holds) is the same item, not a new one, so a retry that sends each item once reproduces the step."""
    before = context_before(log, failed) or []
    is_resent = _resent(before)
    return before + [item for item in failed.input_items if is_resent(item) not in (OWN_OUTPUT, SENT_OUTPUT)]


def check_reproduces(record: RequestRecord, want: list[dict[str, Any]], what: str, *, exact: bool) -> str | None:
    """None when ``record`` sends ``want`` (or, not ``exact``, starts with it); else what differs."""
    sent = record.input_items
    got_keys, want_keys = item_keys(sent), item_keys(want)
    ok = got_keys == want_keys if exact else got_keys[: len(want_keys)] == want_keys
    if ok:
        return None
    first = next(
        (i for i, (a, b) in enumerate(zip(want_keys, got_keys, strict=False)) if a != b), min(len(want_keys), len(got_keys))
    )
    if first < len(want_keys) and first < len(got_keys):
        detail = f"first difference at item {first}: expected {describe_item(want[first])}, sent {describe_item(sent[first])}"
    elif first < len(want_keys):
        detail = f"it stops after {len(sent)} item(s); missing from item {first}: {describe_item(want[first])}"
    else:
        detail = f"it has {len(sent) - len(want)} extra item(s) from item {first}: {describe_item(sent[first])}"
    return (
        f"request #{record.turn}'s input does not reproduce {what} ({len(want)} item(s)):\n"
        f"    expected: {describe_items(want, limit=8)}\n"
        f"    sent:     {describe_items(sent, limit=8)}\n"
        f"    {detail}."
    )


def check_full_context(log: LogRecords, record: RequestRecord, expected: Iterable[Any] | None) -> str | None:
    """None when ``record`` is a full-context request; otherwise what is wrong with it."""
    if record.previous_response_id:
        return (
            f"request #{record.turn} is not full context: it carries previous_response_id="
            f"{record.previous_response_id}. Send the whole conversation without previous_response_id."
        )
    if expected is not None:
        want = normalize_input(expected if isinstance(expected, str) else list(expected))
        return check_reproduces(record, want, "the expected conversation", exact=True)
    earlier = previous_attempt(log, record)
    if earlier is not None:
        return check_reproduces(
            record, step_conversation(log, earlier), f"the conversation of the step request #{earlier.turn} tried", exact=True
        )
    kept = [r for r in list(log.requests) if r.turn < record.turn and r.outcome.kind in KEPT]
    if not kept:
        return None  # the first turn: whatever it sends is the whole conversation
    last = kept[-1]
    return check_reproduces(
        record, conversation_through(log, last), f"the conversation through request #{last.turn}'s response", exact=False
    )
