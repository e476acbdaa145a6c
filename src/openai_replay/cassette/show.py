"""``openai-replay show FILE``: a cassette as a timeline a person can read at a glance.

Connections in order; under each, its turns: when sent, what was sent (input items, the newest
user text), which earlier response it chains to (``prev -> R1``), how it ended, how many events
and how long until the first one; then faults (errors, drops, server closes) and close codes.
"""

from __future__ import annotations

from typing import Any

from openai_replay.cassette.interactions import Interaction, interactions, parse_object
from openai_replay.cassette.model import Cassette, HttpExchange, WsConnection
from openai_replay.chat.messages import message_items
from openai_replay.chat.recorded import said as chat_said
from openai_replay.items import item_text, normalize_input

FAULT_WORDS = ("error", "failed", "incomplete", "dropped", "closed by server", "HTTP 4", "HTTP 5")


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _clip(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _what_was_sent(request: dict[str, Any] | None) -> str:
    if request is None:
        return "no body"
    chat = "messages" in request and "input" not in request
    items = message_items(request.get("messages")) if chat else normalize_input(request.get("input"))
    noun = "messages" if chat else "input"
    parts = [f"{noun} {len(items)}" + ("" if chat else f" item{'s' if len(items) != 1 else ''}")]
    if items:
        last = items[-1]
        kind = last.get("type", "message")
        if kind == "function_call_output":
            parts.append(f"tool output for {last.get('call_id')}: {_clip(item_text(last), 32)!r}")
        elif kind == "message":
            parts.append(repr(_clip(item_text(last))))
        else:
            parts.append(str(kind))
    if request.get("tools"):
        parts.append(f"{len(request['tools'])} tool(s)")
    if request.get("generate") is False:
        parts.append("warm-up (generate: false)")
    return "  ".join(parts)


def _outputs(item: Interaction) -> str:
    """What the model produced: text snippets and function calls, from the terminal event/body."""

    chat = item.chat
    if chat is not None:
        return chat_said(chat, _clip)
    final: Any = {}
    for event in reversed(item.events):
        if event.type in ("response.completed", "response.incomplete", "response.failed"):
            final = parse_object(event.data).get("response")
            break
    if not final and item.body:
        final = parse_object(item.body)
    said = []
    outputs = final.get("output") if isinstance(final, dict) else None
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, dict):
            continue
        if output.get("type") == "function_call":
            said.append(f"calls {output.get('name')}({_clip(str(output.get('arguments')), 40)})")
        elif output.get("type") == "message":
            said.append(repr(_clip(item_text(output), 40)))
        elif output.get("type") == "reasoning":
            said.append("reasoning")
    return ", ".join(said)


def render(cassette: Cassette) -> str:
    """The whole timeline as text."""
    items = interactions(cassette)
    labels: dict[str, str] = {}
    for item in items:
        rid = item.response_id
        if rid and rid not in labels:
            labels[rid] = f"R{len(labels) + 1}"
    chained = sum(1 for i in items if i.previous_response_id)
    faults = [i for i in items if any(w in i.outcome() for w in FAULT_WORDS)]
    refused = [c for c in cassette.connections if isinstance(c, WsConnection) and c.status != 101]
    meta = cassette.meta
    lines = [f"cassette {cassette.path or '(unsaved)'}  (format v{cassette.version})"]
    origin = meta.get("recorded_at") or meta.get("imported_at") or "?"
    lines.append(f"  recorded {origin} from {meta.get('upstream', '?')} via {meta.get('source', '?')}")
    lines.append(
        f"  {len(cassette.connections)} connection(s), {len(items)} turn(s), {chained} chained, "
        f"{len(faults) + len(refused)} fault(s)"
    )
    by_conn: dict[int, list[Interaction]] = {}
    for item in items:
        by_conn.setdefault(item.connection, []).append(item)
    for number, conn in enumerate(cassette.connections):
        lines.append("")
        lines += _connection(number, conn, by_conn.get(number, []), labels)
    return "\n".join(lines)


def _connection(number: int, conn: WsConnection | HttpExchange, items: list[Interaction], labels: dict[str, str]) -> list[str]:
    head = f"[{number + 1}] {conn.transport} "
    if isinstance(conn, WsConnection):
        query = f"?{conn.query}" if conn.query else ""
        lines = [f"{head}{conn.path}{query}  opened at +{conn.started_at:.3f}s"]
        if conn.status != 101:
            lines.append(f"    handshake refused: HTTP {conn.status}  !! fault")
    else:
        query = f"?{conn.query}" if conn.query else ""
        kind = "SSE" if conn.events is not None else ("bytes" if conn.body_base64 is not None else "JSON")
        lines = [f"{head}{conn.method} {conn.path}{query}  at +{conn.started_at:.3f}s  -> HTTP {conn.status} {kind}"]
    for item in items:
        lines += _turn(item, labels)
    if isinstance(conn, WsConnection) and conn.close is not None:
        close = conn.close
        how = "dropped (no close frame)" if close.dropped else f"closed by {close.by}, code {close.code}"
        reason = f" {close.reason!r}" if close.reason else ""
        fault = "  !! fault" if close.by == "server" else ""
        lines.append(f"    {how}{reason} {close.t:.3f}s after it opened{fault}")
    if conn.note:
        lines.append(f"    note: {conn.note}")
    return lines


def _turn(item: Interaction, labels: dict[str, str]) -> list[str]:
    rid = item.response_id
    label = labels.get(rid or "", "")
    prev = item.previous_response_id
    chain = ""
    if prev:
        chain = f"prev -> {labels[prev]}  " if prev in labels else f"prev -> {prev[:16]}… (not in this cassette)  "
    lane = f" [stream_id {item.lane}]" if item.lane else ""
    first = f"turn {item.turn_on_connection}" if item.transport == "ws" else item.method
    lines = [f"    {first}{lane}: {chain}{_what_was_sent(item.request)}"]
    outcome = item.outcome()
    fault = "  !! fault" if any(w in outcome for w in FAULT_WORDS) else ""
    timing = ""
    if item.events:
        timing = f"  {len(item.events)} events, first after {_ms(item.first_event_after)}, last after {_ms(item.events[-1].t)}"
    said = _outputs(item)
    named = f"{label} {rid[:5]}…{rid[-8:]}" if rid and label else "no response id"
    lines.append(f"      -> {named}  {outcome}{timing}{fault}")
    if said:
        lines.append(f"         {said}")
    return lines
