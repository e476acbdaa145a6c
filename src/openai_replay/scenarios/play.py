"""Turns a rule's actions into transport steps for one request.

The body (content and endings, or the fallback source's stream when the rule scripts none) is
produced lazily; positioned faults and pacing are woven into it as events go out, counting the
events sent so far. Everything is computed when the step is needed, so a cancel can stop it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openai_replay.chat.chunks import sse_line, writes_chunk
from openai_replay.scenarios import actions as a
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.source import Source, Turn
from openai_replay.steps import Binary, Close, Drop, Emit, EmitRaw, Fail, RawText, Respond, Sleep, Step
from openai_replay.wire import compact, sse, type_first


@dataclass
class _Stream:
    """What has been sent so far, shared by the body and the weaver."""

    turn: Turn
    count: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    last: dict[str, Any] | None = None
    cut_pending: a.Cut | None = None
    started: bool = False


#: Events a builder yields that no client sees (the audio builders' opening markers): faults neither
#: count nor cut them, as chat's events that write no chunk.
UNSEEN = frozenset({"audio.opened"})


def play(actions: Sequence[a.Action], turn: Turn, fallback: Source, problem: Callable[[str], None]) -> Iterator[Step]:
    """The steps for ``turn``; ``problem`` hears about faults that never got their moment."""
    if any(isinstance(x, a.NoUsage) for x in actions):
        rest = [x for x in actions if not isinstance(x, a.NoUsage)]
        return _without_usage(play(rest, turn, fallback, problem))
    stream = _Stream(turn)
    positioned = [x for x in actions if x.after is not None]
    body = [x for x in actions if x.after is None and not isinstance(x, a.Slow)]
    pacing = next((x for x in actions if isinstance(x, a.Slow)), None)
    if not positioned and pacing is None and not any(isinstance(x, (a.Cut, a.Duplicate)) for x in body):
        return _body(body, stream, fallback)  # nothing to weave in, nothing to count
    return _weave(_body(body, stream, fallback), positioned, pacing, stream, problem)


#: The terminal events whose ``response.usage`` `no_usage` takes out.
TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})


def _without_usage(steps: Iterator[Step]) -> Iterator[Step]:
    """``steps`` with the terminal event's response lacking the ``usage`` key (a plain copy, so the
    event is encoded afresh instead of from its pre-encoded wire form)."""
    for step in steps:
        if isinstance(step, Emit) and step.event.get("type") in TERMINAL and isinstance(step.event.get("response"), dict):
            response = {k: v for k, v in step.event["response"].items() if k != "usage"}
            step = Emit({**step.event, "response": response})
        yield step


def _body(body: list[a.Action], s: _Stream, fallback: Source) -> Iterator[Step]:
    b = s.turn.builder
    scripted = any(x.role in ("content", "ending") for x in body)
    ended = False
    for index, action in enumerate(body):
        if action.role in ("content", "ending") and not s.started and not isinstance(action, (a.Error, a.Respond)):
            s.started = True
            yield Emit(b.created())
            yield Emit(b.in_progress())
        following = body[index + 1] if index + 1 < len(body) else None
        yield from _action(action, s, following)
        if action.kind in a.FINAL:
            return
        ended = ended or action.role == "ending"
    if not scripted:
        yield from fallback.plan(s.turn)
    elif s.started and not ended:
        yield Emit(b.completed())


def _action(action: a.Action, s: _Stream, following: a.Action | None) -> Iterator[Step]:
    """The steps of one action. Not a generator, so most events (text) come straight from the
    builder without one more generator level resumed per event."""
    if isinstance(action, a.Text) and not (isinstance(following, a.Incomplete) and following.cut_item):
        return map(Emit, s.turn.builder.message(action.text, action.chunk, phase=action.phase))
    return _steps(action, s)


def _steps(action: a.Action, s: _Stream) -> Iterator[Step]:
    b = s.turn.builder
    config = s.turn.config
    if isinstance(action, a.Text):  # followed by an incomplete that cuts the item
        for event in b.message(action.text, action.chunk, phase=action.phase):
            if event["type"] == "response.output_text.done":
                return  # the item stays open: `incomplete()` keeps it with status "incomplete"
            yield Emit(event)
    elif isinstance(action, a.FunctionCall):
        for event in b.function_call(
            action.name,
            action.arguments,
            action.chunk,
            call_id=action.call_id,
            include_name_on_done=config.function_call_done_name,
        ):
            yield Emit(event)
    elif isinstance(action, a.Reasoning):
        for event in b.reasoning(list(action.summary), action.chunk):
            yield Emit(event)
    elif isinstance(action, a.Complete):
        yield Emit(b.completed())
    elif isinstance(action, a.FailResponse):
        if action.error_event:
            spec = ErrorSpec(code=action.code, message=action.message).build(s.turn.payload)
            error = {"type": spec.type, "code": spec.code, "message": spec.message, "param": None}
            yield Emit(_numbered(s, {"type": "error", "error": error}))
        yield Emit(b.failed(action.code, action.message))
    elif isinstance(action, a.Incomplete):
        yield Emit(b.incomplete(action.reason))
    else:
        yield from _fault(action, s)


def _fault(action: a.Action, s: _Stream) -> Iterator[Step]:
    """The steps of a fault (or an `Error`), wherever it falls."""
    if isinstance(action, a.Error):
        yield Fail(action.error.build(s.turn.payload), action.error.header_values())
    elif isinstance(action, a.Respond):
        yield _respond(action)
    elif isinstance(action, a.Close):
        yield Close(action.code, action.reason)
    elif isinstance(action, a.Drop):
        yield Drop()
    elif isinstance(action, a.Cut):
        s.cut_pending = action
    elif isinstance(action, a.Stall):
        yield Sleep(action.wait)
    elif isinstance(action, a.Malformed):
        if s.turn.chat is not None:
            yield RawText(sse_line(action.text))
        elif s.turn.transport == "http":
            yield RawText(f"event: response.output_text.delta\ndata: {action.text}\n\n")
        else:
            yield RawText(action.text)
    elif isinstance(action, a.BinaryFrame):
        yield Binary(action.data)
    elif isinstance(action, a.Duplicate):
        if s.last is not None:
            yield Emit(s.last)
    elif isinstance(action, a.Event) and s.turn.chat is not None:
        yield RawText(sse_line(compact(action.event)))  # chat: the given chunk, as is
    elif isinstance(action, a.Event):
        event = dict(action.event)
        yield Emit(_numbered(s, event) if action.numbered and "sequence_number" not in event else event)
    elif isinstance(action, a.UnknownEvent) and s.turn.chat is not None:
        yield RawText(sse_line(compact(s.turn.chat.chunk([], padding=action.type) | {"type": action.type, **action.fields})))
    elif isinstance(action, a.UnknownEvent):
        yield Emit(_numbered(s, {"type": action.type, **action.fields}))


def _numbered(s: _Stream, event: dict[str, Any]) -> dict[str, Any]:
    """The event with the stream's next sequence number, ``type`` first then alphabetical."""
    b = s.turn.builder
    numbered = type_first({**event, "sequence_number": b.sequence})
    b.sequence += 1
    return numbered


def _weave(
    body: Iterator[Step],
    positioned: list[a.Action],
    pacing: a.Slow | None,
    s: _Stream,
    problem: Callable[[str], None],
) -> Iterator[Step]:
    pending = list(positioned)
    rng = random.Random(pacing.seed) if pacing else None

    def due() -> list[a.Action]:
        ready = [f for f in pending if f.after is not None and f.after.reached(s.count, s.counts)]
        for f in ready:
            pending.remove(f)
        return ready

    for fault in due():  # after=0: before response.created
        yield from _fault(fault, s)
        if fault.ends and not isinstance(fault, a.Cut):
            return
    for step in body:
        if isinstance(step, (Emit, EmitRaw)):
            if s.cut_pending is not None:
                cut = _cut(step, s.cut_pending, s)
                if cut is None:
                    continue  # chat: this event writes no chunk; cut the next one that does
                yield from cut
                return
            event = step.event if isinstance(step, Emit) else {"type": step.event_type}
            # chat: pacing and positions count the chunks the client sees, not the engine's events
            if isinstance(step, Emit) and (event.get("type") in UNSEEN or (s.turn.chat is not None and not writes_chunk(event))):
                yield step
                continue
            if pacing is not None and rng is not None:
                wait = pacing.ttfb if s.count == 0 else pacing.delay + pacing.jitter * rng.random()
                if wait > 0:
                    yield Sleep(wait)
            yield step
            s.count += 1
            s.counts[str(event.get("type"))] += 1
            s.last = event
            for fault in due():
                yield from _fault(fault, s)
                if fault.ends and not isinstance(fault, a.Cut):
                    return
        else:
            yield step
            if isinstance(step, (Close, Drop)):
                return
            if isinstance(step, Fail):
                pending.clear()  # the request is over: positioned faults have no stream left
    if s.cut_pending is not None:
        yield Drop()
        return
    for fault in pending:
        problem(f"'{fault.describe()}' never happened: the stream ended after {s.count} events")


def _cut(step: Emit | EmitRaw, cut: a.Cut, s: _Stream) -> list[Step] | None:
    """Half of the bytes ``step`` would have written, then a drop (None: it would write nothing)."""
    chat = s.turn.chat
    if isinstance(step, Emit) and step.event.get("type") in UNSEEN:
        return None
    if chat is not None:
        whole = chat.frame(step.event) if isinstance(step, Emit) else sse_line(step.data)
        if not whole:
            return None
    elif isinstance(step, Emit):
        text = compact(step.event)
        whole = sse(str(step.event.get("type")), text).decode() if s.turn.transport == "http" else text
    else:
        whole = sse(step.event_type, step.data).decode() if s.turn.transport == "http" else step.data
    keep = cut.keep if cut.keep is not None else len(whole) // 2
    return [RawText(whole[: max(1, min(keep, len(whole) - 1))]), Drop()]


def _respond(action: a.Respond) -> Respond:
    """A scripted whole body: JSON as compact text, or the text as given (with its content type)."""
    if action.text is not None:
        return Respond(action.text.encode(), action.status, action.content_type or "text/plain")
    body = compact(action.json) if action.json is not None else ""
    return Respond(body, action.status, action.content_type)
