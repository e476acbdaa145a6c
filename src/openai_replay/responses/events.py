"""Spec-complete Responses stream events, built in order with the real key order and fields.

`ResponseBuilder` is the one place that knows what a ``Response`` object and each event look like
(protocol.md §2.4-2.6, reference/real-traffic.md §2-§5). Sources drive it item by item; it numbers
the events, keeps the partial output (so a cancelled or cut response can end truthfully) and builds
the terminal event.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openai_replay.ids import IdFactory
from openai_replay.items import count_tokens
from openai_replay.responses.deltas import _Deltas, chunk_arguments, chunk_text, iter_arguments, iter_text
from openai_replay.responses.response_object import ResponseObject
from openai_replay.wire import Event, compact, item_order, json_string, type_first

__all__ = ["ResponseBuilder", "chunk_arguments", "chunk_text", "iter_arguments", "iter_text"]


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


#: A message's first this many text deltas are built as plain dicts, not from a `_Deltas` template.
_PLAIN_DELTAS = 2


class ResponseBuilder(ResponseObject):
    """Builds one response's event stream; ``sequence_number`` starts at 0."""

    def __init__(
        self,
        payload: dict[str, Any],
        *,
        response_id: str,
        group: str,
        created_at: float,
        ids: IdFactory,
        obfuscate: bool = True,
        input_tokens: int = 0,
        cached_tokens: int = 0,
        cache_write_tokens: bool = True,
    ) -> None:
        self.payload = payload
        #: False: usage in the older shape, without ``input_tokens_details.cache_write_tokens``.
        self.cache_write_tokens = cache_write_tokens
        self.response_id = response_id
        self.group = group
        self.created_at = int(created_at)
        self.ids = ids
        options = payload.get("stream_options") or {}
        self.obfuscate = obfuscate and options.get("include_obfuscation", True) is not False
        self.input_tokens = input_tokens
        self.cached_tokens = cached_tokens
        self.output: list[dict[str, Any]] = []
        #: The item being streamed, and the text deltas sent for it so far (joined only when needed).
        self.open_item: dict[str, Any] | None = None
        self._open_text: list[str] | None = None
        self.sequence = 0
        self.reasoning_tokens = 0
        self.terminal: dict[str, Any] | None = None
        #: ``terminal`` as compact JSON when `completed` encoded it already (the store keeps this JSON).
        self.terminal_json: str | None = None
        self._base: dict[str, Any] | None = None
        self._tier: str | None = None
        #: The in_progress Response object of response.created and response.in_progress, and its JSON.
        self._opening: tuple[dict[str, Any], str] | None = None
        #: The opening Response object's JSON after ``created_at``, when its template was a shared one.
        self._opening_tail: str | None = None

    # -- events ------------------------------------------------------------------------------
    def event(self, type_: str, **fields: Any) -> dict[str, Any]:
        fields["type"] = type_
        fields["sequence_number"] = self.sequence
        self.sequence += 1
        return type_first(fields)

    def _next(self) -> int:
        seq = self.sequence
        self.sequence = seq + 1
        return seq

    # The events of every response are written as literals with their keys already in the real
    # order (``type``, then alphabetical: `wire.type_first`), which saves sorting each one.
    def created(self) -> dict[str, Any]:
        return self._opening_event("response.created")

    def in_progress(self) -> dict[str, Any]:
        return self._opening_event("response.in_progress")

    def _opening_event(self, type_: str) -> Event:
        """``response.created`` and ``response.in_progress`` carry the same in_progress Response object:
        it is built and encoded once for both, so the two events share it (as `Event` says, replace
        nested values rather than edit them in place)."""
        seq = self._next()
        opening = self._opening
        if opening is None:
            response = self.response_object("in_progress")
            tail = self._opening_tail
            if tail is None:
                body = compact(response)
            else:  # a shared template's JSON (`_template`): only the id and the time are this response's
                body = f'{{"id":{json_string(self.response_id)},"object":"response","created_at":{self.created_at}{tail}'
            opening = self._opening = (response, body)
        event = Event(type=type_, response=opening[0], sequence_number=seq)
        event.wire = f'{{"type":{json_string(type_)},"response":{opening[1]},"sequence_number":{seq}}}'
        return event

    def message(self, text: str, chunk_size: int | None = None, *, phase: str | None = None) -> Iterator[dict[str, Any]]:
        """The events of one assistant message, from ``output_item.added`` to ``.done``."""
        index = len(self.output)
        item_id = self.ids.make("msg", self.group, self.created_at + 1)
        item: dict[str, Any] = {"id": item_id, "type": "message", "status": "in_progress", "content": [], "role": "assistant"}
        if phase:
            item["phase"] = phase
        self.open_item = item
        added = item_order(item)
        yield {"type": "response.output_item.added", "item": added, "output_index": index, "sequence_number": self._next()}
        self._open_text = sent = []
        yield {
            "type": "response.content_part.added",
            "content_index": 0,
            "item_id": item_id,
            "output_index": index,
            "part": _text_part(""),
            "sequence_number": self._next(),
        }
        # A short reply's first deltas are plain dicts (the channel encodes them); the template pays
        # off from the third delta on, so it is only set up when a reply has one.
        delta_event: _Deltas | None = None
        for n, delta in enumerate(iter_text(text, chunk_size)):
            sent.append(delta)
            if delta_event is not None:
                yield delta_event(delta)
            elif n < _PLAIN_DELTAS:
                yield self._text_delta(delta, item_id, index)
            else:
                ids = {"content_index": 0, "item_id": item_id, "logprobs": [], "output_index": index}
                delta_event = _Deltas(self, "response.output_text.delta", ids)
                yield delta_event(delta)
        yield {
            "type": "response.output_text.done",
            "content_index": 0,
            "item_id": item_id,
            "logprobs": [],
            "output_index": index,
            "sequence_number": self._next(),
            "text": text,
        }
        yield {
            "type": "response.content_part.done",
            "content_index": 0,
            "item_id": item_id,
            "output_index": index,
            "part": _text_part(text),
            "sequence_number": self._next(),
        }
        done = item_order({**item, "status": "completed", "content": [_text_part(text)]})
        self.output.append(done)
        self.open_item = self._open_text = None
        yield {"type": "response.output_item.done", "item": done, "output_index": index, "sequence_number": self._next()}

    def _text_delta(self, delta: str, item_id: str, index: int) -> dict[str, Any]:
        """One ``response.output_text.delta`` as a plain dict: the keys and values `_Deltas` gives it."""
        seq = self._next()
        if self.obfuscate:
            return {
                "type": "response.output_text.delta",
                "content_index": 0,
                "delta": delta,
                "item_id": item_id,
                "logprobs": [],
                "obfuscation": self.ids.obfuscation(delta),
                "output_index": index,
                "sequence_number": seq,
            }
        return {
            "type": "response.output_text.delta",
            "content_index": 0,
            "delta": delta,
            "item_id": item_id,
            "logprobs": [],
            "output_index": index,
            "sequence_number": seq,
        }

    def function_call(
        self,
        name: str,
        arguments: str,
        chunk_size: int | None = None,
        *,
        call_id: str | None = None,
        include_name_on_done: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """The events of one function call (no content parts; arguments streamed as deltas)."""
        index = len(self.output)
        item_id = self.ids.make("fc", self.group, self.created_at + 1)
        item: dict[str, Any] = {
            "id": item_id,
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call_id or self.ids.call_id(),
            "name": name,
        }
        self.open_item = item
        yield self.event("response.output_item.added", item=item_order(item), output_index=index)
        delta_event = _Deltas(self, "response.function_call_arguments.delta", {"item_id": item_id, "output_index": index})
        for delta in iter_arguments(arguments, chunk_size):
            item["arguments"] += delta
            yield delta_event(delta)
        extra = {"name": name} if include_name_on_done else {}
        yield self.event(
            "response.function_call_arguments.done", arguments=arguments, item_id=item_id, output_index=index, **extra
        )
        done = item_order({**item, "status": "completed", "arguments": arguments})
        self.output.append(done)
        self.open_item = None
        yield self.event("response.output_item.done", item=done, output_index=index)

    def reasoning(self, summaries: list[str], chunk_size: int | None = None) -> Iterator[dict[str, Any]]:
        """A reasoning item, with summary parts streamed when ``summaries`` is not empty."""
        index = len(self.output)
        item_id = self.ids.make("rs", self.group, self.created_at + 1)
        item: dict[str, Any] = {"id": item_id, "type": "reasoning", "summary": []}
        self.open_item = item
        yield self.event("response.output_item.added", item=dict(item), output_index=index)
        for s_index, summary in enumerate(summaries):
            ids = {"item_id": item_id, "output_index": index, "summary_index": s_index}
            empty = type_first({"type": "summary_text", "text": ""})
            yield self.event("response.reasoning_summary_part.added", part=empty, **ids)
            delta_event = _Deltas(self, "response.reasoning_summary_text.delta", ids)
            for delta in iter_text(summary, chunk_size):
                yield delta_event(delta)
            yield self.event("response.reasoning_summary_text.done", text=summary, **ids)
            part = type_first({"type": "summary_text", "text": summary})
            item["summary"] = [*item["summary"], part]
            yield self.event("response.reasoning_summary_part.done", part=part, **ids)
        self.reasoning_tokens += 8 + sum(count_tokens(s) for s in summaries)
        done = dict(item)
        self.output.append(done)
        self.open_item = None
        yield self.event("response.output_item.done", item=done, output_index=index)

    # -- terminal events -----------------------------------------------------------------------
    def _final(self, status: str, **changes: Any) -> dict[str, Any]:
        obj = self.response_object(status, final=True)
        obj.update(changes)
        self.terminal, self.terminal_json = obj, None
        return obj

    def completed(self) -> dict[str, Any]:
        """``response.completed``, encoded here: its Response object is encoded once for the wire and
        for the response store (`terminal_json`), not twice per turn."""
        obj = self._final("completed", completed_at=self.created_at + 1, usage=self.usage())
        seq = self._next()
        event = Event(type="response.completed", response=obj, sequence_number=seq)
        self.terminal_json = body = compact(obj)
        event.wire = f'{{"type":"response.completed","response":{body},"sequence_number":{seq}}}'
        return event

    def failed(self, code: str, message: str) -> dict[str, Any]:
        obj = self._final("failed", error={"code": code, "message": message})
        return self.event("response.failed", response=obj)

    def incomplete(self, reason: str) -> dict[str, Any]:
        """Ends the response as ``incomplete``; an item cut mid-way is kept with that status."""
        if self.open_item is not None:
            cut = {**self.open_item, "status": "incomplete"}
            if self._open_text is not None:  # a message: the text its deltas carried so far
                cut["content"] = [_text_part("".join(self._open_text))]
            self.output.append(item_order(cut))
            self.open_item = self._open_text = None
        obj = self._final("incomplete", incomplete_details={"reason": reason}, usage=self.usage())
        return self.event("response.incomplete", response=obj)
