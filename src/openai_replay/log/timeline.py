"""The request log as a timeline a person can read: what the client sent, what came back, when.

One line per thing that happened, in time order, with times relative to the first::

    +0.000s  conn 1  opened /v1/responses
    +0.002s  #1 conn 1  -> response.create  input=[user 'hello']
    +0.004s  #1 conn 1  <- completed resp_...1a2b3c4d  output=[assistant 'You said: hello']
    +0.006s  #2 conn 1  -> response.create  prev=resp_...1a2b3c4d  input=[user 'again']
    +0.007s  #2 conn 1  <- error (previous_response_not_found)
    +0.010s  conn 1  closed by client (1000)

Assertions print a slice of it around the requests they talk about, marked with ``>>``.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from openai_replay.items import item_text

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
    from openai_replay.log.records import RequestRecord

__all__ = ["describe_item", "describe_items", "fail", "finished_line", "offset", "render", "short_id"]

#: A timeline longer than this is cut to the lines around the marked requests.
MAX_LINES = 40
CONTEXT_LINES = 6


@dataclass
class _Line:
    at: float
    order: int
    text: str
    turns: frozenset[int] = frozenset()
    connections: frozenset[int] = frozenset()


def short_id(value: str | None) -> str:
    """``resp_...`` plus the last 8 characters of a long id; short ids stay as they are."""
    if not value:
        return "-"
    if len(value) <= 20 or "_" not in value:
        return value
    prefix = value.split("_", 1)[0]
    return f"{prefix}_...{value[-8:]}"


def _clip(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def describe_item(item: dict[str, Any]) -> str:
    """One conversation item in a few words: ``user 'hi'``, ``function_call get_weather(...) call_...``."""
    kind = item.get("type", "message")
    if kind == "message":
        return f"{item.get('role', '?')} {_clip(item_text(item))!r}"
    if kind == "function_call":
        return f"function_call {item.get('name')}({_clip(str(item.get('arguments', '')), 24)}) {short_id(item.get('call_id'))}"
    if kind == "function_call_output":
        output = item.get("output")
        text = output if isinstance(output, str) else json.dumps(output)
        return f"function_call_output {short_id(item.get('call_id'))} {_clip(text, 24)!r}"
    if kind == "item_reference":
        return f"item_reference {short_id(item.get('id'))}"
    return f"{kind} {short_id(item.get('id'))}".rstrip()


def describe_items(items: list[dict[str, Any]], limit: int = 4) -> str:
    """A list of items, eliding the middle of long ones: ``[user 'a', ... 3 more ..., user 'z']``."""
    parts = [describe_item(i) for i in items]
    if len(parts) > limit:
        parts = [*parts[: limit - 1], f"... {len(parts) - limit} more ...", parts[-1]]
    return "[" + ", ".join(parts) + "]"


def _where(record: RequestRecord) -> str:
    if record.connection_id is None:
        return f"#{record.turn} http"
    lane = f" lane {record.lane}" if record.lane else ""
    return f"#{record.turn} conn {record.connection_id}{lane}"


def _api_turn(record: RequestRecord) -> str:
    """`` (models turn 1)``: what a scenario's ``turn`` selector calls the request, where the log's
    number would mislead (see `RequestRecord.turn_label`)."""
    label = record.turn_label()
    return f" ({label})" if label else ""


def _request_line(record: RequestRecord) -> str:
    verb = "response.create" if record.transport == "ws" else "POST /v1/responses"
    if record.api == "chat":
        verb = "POST /v1/chat/completions"
    elif record.api in ("speech", "transcription"):
        verb = f"POST {(record.audio or {}).get('endpoint', '/v1/audio')}"
    if record.endpoint is not None:
        return f"{_where(record)}  -> {record.endpoint}" + _api_turn(record)
    parts = [f"{_where(record)}  -> {verb}{_api_turn(record)}"]
    if record.attempt > 1:
        parts.append(f"attempt {record.attempt}")
    if record.previous_response_id:
        parts.append(f"prev={short_id(record.previous_response_id)}")
    if record.payload.get("store") is False:
        parts.append("store=false")
    if "_invalid" in record.payload or "_invalid_json" in record.payload:
        parts.append("(not a JSON object)")
    elif record.api == "chat":
        parts.append(f"messages={describe_items(record.input_items)}")
    elif record.audio is not None:
        facts = {k: v for k, v in record.audio.items() if k != "endpoint" and v is not None}
        parts.append(" ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in facts.items()))
    elif record.api == "models":
        pass
    else:
        parts.append(f"input={describe_items(record.input_items)}")
    return "  ".join(parts)


def _outcome_line(record: RequestRecord) -> str:
    parts = [f"{_where(record)}  <- {record.outcome}"]
    if record.response_id and record.outcome.kind != "error":  # an error frame creates no response
        parts.append(short_id(record.response_id))
    if record.retry_after is not None:
        parts.append(f"retry-after {record.retry_after:g}s")
    if record.output_items:
        parts.append(f"output={describe_items(record.output_items)}")
    if record.faults:
        parts.append(f"faults=[{', '.join(record.faults)}]")
    if record.answered_by:
        parts.append(f"<{record.answered_by}>")
    return "  ".join(parts)


def finished_line(record: RequestRecord) -> str:
    """A finished request on one line: what the client sent and how it ended (``serve -v`` prints it)."""
    ended = _outcome_line(record).split("  <- ", 1)[1]
    return f"{_request_line(record)}  <- {ended}"


def _lines(log: LogRecords) -> list[_Line]:
    lines: list[_Line] = []
    order = 0

    def add(at: float | None, text: str, turns: frozenset[int] = frozenset(), conns: frozenset[int] = frozenset()) -> None:
        nonlocal order
        if at is None:
            return
        order += 1
        lines.append(_Line(at, order, text, turns, conns))

    for conn in list(log.connections):
        ids = frozenset({conn.id})
        query = f"?{conn.query}" if conn.query else ""
        add(conn.opened_at, f"conn {conn.id}  opened {conn.path}{query}", conns=ids)
        if conn.handshake_status is not None:
            add(conn.closed_at, f"conn {conn.id}  handshake refused with HTTP {conn.handshake_status}", conns=ids)
            continue
        if conn.closed_by is not None:
            code = f" ({conn.close_code})" if conn.close_code is not None else ""
            pushed = f"; earlier it pushed unprompted: {', '.join(conn.pushed)}" if conn.pushed else ""
            add(conn.closed_at, f"conn {conn.id}  closed by {conn.closed_by}{code}{pushed}", conns=ids)
    for record in list(log.requests):
        turn, conns = frozenset({record.turn}), frozenset({record.connection_id} if record.connection_id else set())
        add(record.received_at, _request_line(record), turn, conns)
        add(record.terminal_at or record.finished_at, _outcome_line(record), turn, conns)
    appends: dict[int, tuple[_Line, int]] = {}  # a connection's current run of Realtime audio appends, condensed
    for frame in list(log.frames):
        if frame.type == "response.create" and frame.problem is None and not frame.discarded:
            continue  # shown as its request
        run = appends.pop(frame.connection_id, None)
        if frame.type == "input_audio_buffer.append" and frame.problem is None and not frame.discarded:
            if run is not None:
                run[0].text = f"conn {frame.connection_id}  -> input_audio_buffer.append x{run[1] + 1}"
                appends[frame.connection_id] = (run[0], run[1] + 1)
                continue
            add(
                frame.received_at,
                f"conn {frame.connection_id}  -> input_audio_buffer.append",
                conns=frozenset({frame.connection_id}),
            )
            appends[frame.connection_id] = (lines[-1], 1)
            continue
        what = frame.type or "frame"
        detail = ""
        if isinstance(frame.data, dict) and frame.data.get("response_id"):
            detail = f" response_id={short_id(str(frame.data['response_id']))}"
        problem = f"  (server answered: {_clip(frame.problem, 60)})" if frame.problem else ""
        if frame.discarded:
            problem = "  (discarded: it arrived after the server's close)"
        add(frame.received_at, f"conn {frame.connection_id}  -> {what}{detail}{problem}", conns=frozenset({frame.connection_id}))
    lines.sort(key=lambda line: (line.at, line.order))
    return lines


def render(
    log: LogRecords,
    *,
    mark: Collection[int] = (),
    mark_connections: Collection[int] = (),
    max_lines: int = MAX_LINES,
) -> str:
    """The timeline; lines about the ``mark`` turns (or connections) start with ``>>``.

    A timeline longer than ``max_lines`` keeps only the lines near marked ones.
    """
    lines = _lines(log)
    if not lines:
        return "    (no connections and no requests reached the server)"
    start = lines[0].at
    marked = [bool(line.turns & set(mark)) or bool(not line.turns and line.connections & set(mark_connections)) for line in lines]
    keep = [True] * len(lines)
    if len(lines) > max_lines and any(marked):
        near = {j for i, m in enumerate(marked) if m for j in range(i - CONTEXT_LINES, i + CONTEXT_LINES + 1)}
        keep = [i in near for i in range(len(lines))]
    out: list[str] = []
    if log.dropped:  # a bounded log: say so before what it kept
        newest = "" if log.limit is None else f" ({log.limit:,} kept)"
        out.append(f"    ... request(s) #1-#{log.dropped} dropped by the log's limit{newest} ...")
    skipped = 0
    for line, is_marked, kept in zip(lines, marked, keep, strict=True):
        if not kept:
            skipped += 1
            continue
        if skipped:
            out.append(f"    ... {skipped} line(s) not shown ...")
            skipped = 0
        prefix = ">> " if is_marked else "   "
        out.append(f"{prefix} +{line.at - start:.3f}s  {line.text}")
    if skipped:
        out.append(f"    ... {skipped} line(s) not shown ...")
    return "\n".join(out)


def offset(log: LogRecords, at: float | None) -> str:
    """``at`` as the timeline shows it: seconds after the first thing in the log (``+0.120s``)."""
    if at is None:
        return "?"
    lines = _lines(log)
    start = lines[0].at if lines else at
    return f"+{at - start:.3f}s"


#: How the exchange is introduced under an assertion's message (the plugin looks for it: once is enough).
EXCHANGE_INTRO = "times from the first event:"


def fail(log: LogRecords, message: str, *, turns: Collection[int] = (), connections: Collection[int] = ()) -> NoReturn:
    """Raise ``AssertionError(message)`` followed by the exchange, the given requests marked ``>>``."""
    __tracebackhide__ = True  # pytest shows the test's line, not this helper
    marks = " (>> marks the requests concerned)" if turns or connections else ""
    raise AssertionError(
        f"{message}\n\nThe exchange{marks}, {EXCHANGE_INTRO}\n" + render(log, mark=turns, mark_connections=connections)
    )
