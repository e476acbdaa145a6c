"""Stream events for an answer that was recorded as one JSON body (``stream: false``).

Replaying such an interaction over WebSocket mode, or to a client that now streams, needs the
event sequence the real server would have sent: ``response.created``, ``response.in_progress``,
each output item's events (its whole text or arguments in one delta), then the terminal event
carrying the recorded response. Ids, text and usage come from the recording; only the framing is
made up, so these events are not byte-exact (recorded SSE and frames are replayed as recorded).
"""

from __future__ import annotations

from typing import Any

from openai_replay.wire import type_first

_TERMINAL = {"completed": "response.completed", "failed": "response.failed", "incomplete": "response.incomplete"}


class _Numbered:
    def __init__(self) -> None:
        self.sequence = 0
        self.events: list[dict[str, Any]] = []

    def add(self, type_: str, **fields: Any) -> None:
        fields["type"] = type_
        fields["sequence_number"] = self.sequence
        self.sequence += 1
        self.events.append(type_first(fields))


def events_from_response(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream events that deliver ``response`` (a ``Response`` object) from start to end."""
    final = {k: v for k, v in response.items() if k != "billing"}
    start = dict(final)
    start.update(status="in_progress", output=[], usage=None)
    if "completed_at" in start:
        start["completed_at"] = None
    if start.get("error") is not None:
        start["error"] = None
    if start.get("incomplete_details") is not None:
        start["incomplete_details"] = None
    out = _Numbered()
    out.add("response.created", response=start)
    out.add("response.in_progress", response=start)
    for index, item in enumerate(final.get("output") or []):
        if isinstance(item, dict):
            _item_events(out, index, item)
    status = str(final.get("status"))
    out.add(_TERMINAL.get(status, "response.completed"), response=final)
    return out.events


def _item_events(out: _Numbered, index: int, item: dict[str, Any]) -> None:
    kind = item.get("type")
    opening = dict(item)
    if "status" in opening:
        opening["status"] = "in_progress"
    if kind == "message":
        opening["content"] = []
    elif kind == "function_call":
        opening["arguments"] = ""
    elif kind == "reasoning":
        opening["summary"] = []
    out.add("response.output_item.added", item=opening, output_index=index)
    item_id = item.get("id")
    if kind == "message":
        for c_index, part in enumerate(item.get("content") or []):
            if isinstance(part, dict):
                _part_events(out, index, c_index, str(item_id), part)
    elif kind == "function_call":
        arguments = str(item.get("arguments") or "")
        out.add("response.function_call_arguments.delta", delta=arguments, item_id=item_id, output_index=index)
        out.add("response.function_call_arguments.done", arguments=arguments, item_id=item_id, output_index=index)
    elif kind == "reasoning":
        for s_index, part in enumerate(item.get("summary") or []):
            ids = {"item_id": item_id, "output_index": index, "summary_index": s_index}
            text = str(part.get("text", "")) if isinstance(part, dict) else ""
            out.add("response.reasoning_summary_part.added", part={"type": "summary_text", "text": ""}, **ids)
            out.add("response.reasoning_summary_text.delta", delta=text, **ids)
            out.add("response.reasoning_summary_text.done", text=text, **ids)
            out.add("response.reasoning_summary_part.done", part=part, **ids)
    out.add("response.output_item.done", item=item, output_index=index)


def _part_events(out: _Numbered, index: int, c_index: int, item_id: str, part: dict[str, Any]) -> None:
    ids = {"item_id": item_id, "output_index": index, "content_index": c_index}
    if part.get("type") == "refusal":
        refusal = str(part.get("refusal", ""))
        out.add("response.content_part.added", part={"type": "refusal", "refusal": ""}, **ids)
        out.add("response.refusal.delta", delta=refusal, **ids)
        out.add("response.refusal.done", refusal=refusal, **ids)
    else:
        text = str(part.get("text", ""))
        empty = type_first({**part, "text": "", "annotations": []})
        out.add("response.content_part.added", part=empty, **ids)
        out.add("response.output_text.delta", delta=text, logprobs=[], **ids)
        out.add("response.output_text.done", logprobs=[], text=text, **ids)
    out.add("response.content_part.done", part=part, **ids)
