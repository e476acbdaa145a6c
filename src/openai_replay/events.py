"""Spec-complete Responses stream events, built in order with the real key order and fields.

`ResponseBuilder` is the one place that knows what a ``Response`` object and each event look like
(protocol.md §2.4-2.6, reference/real-traffic.md §2-§5). Sources drive it item by item; it numbers
the events, keeps the partial output (so a cancelled or cut response can end truthfully) and builds
the terminal event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .ids import IdFactory
from .items import count_tokens
from .wire import item_order, response_order, type_first

_ARG_TOKENS = re.compile(r'[{}\[\]":,\s]+|[^{}\[\]":,\s]+')
_WORDS = re.compile(r"\s*\S+|\s+")


def chunk_text(text: str, size: int | None = None) -> list[str]:
    """Split reply text into deltas: by words (default) or fixed ``size`` characters."""
    if not text:
        return []
    if size:
        return [text[i : i + size] for i in range(0, len(text), size)]
    return _WORDS.findall(text)


def chunk_arguments(arguments: str, size: int | None = None) -> list[str]:
    """Split JSON arguments at token boundaries (``{"``, ``city``, ``":"``, ...), as the API does."""
    if not arguments:
        return []
    if size:
        return [arguments[i : i + size] for i in range(0, len(arguments), size)]
    return _ARG_TOKENS.findall(arguments)


def _text_part(text: str) -> dict[str, Any]:
    return type_first({"type": "output_text", "annotations": [], "logprobs": [], "text": text})


class ResponseBuilder:
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
    ) -> None:
        self.payload = payload
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

    # -- the Response object ---------------------------------------------------------------
    def response_object(self, status: str, *, final: bool = False) -> dict[str, Any]:
        p = self.payload
        reasoning = p.get("reasoning") or {}
        text = {"format": {"type": "text"}, "verbosity": "medium"}
        text.update(p.get("text") or {})
        obj: dict[str, Any] = {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "background": bool(p.get("background") or False),
            "completed_at": None,
            "error": None,
            "frequency_penalty": 0.0,
            "incomplete_details": None,
            "instructions": p.get("instructions"),
            "max_output_tokens": p.get("max_output_tokens"),
            "max_tool_calls": p.get("max_tool_calls"),
            "model": p.get("model"),
            "moderation": None,
            "output": list(self.output) if final else [],
            "parallel_tool_calls": p.get("parallel_tool_calls", True) is not False,
            "presence_penalty": 0.0,
            "previous_response_id": p.get("previous_response_id"),
            "prompt_cache_key": p.get("prompt_cache_key"),
            "prompt_cache_retention": p.get("prompt_cache_retention"),
            "reasoning": {
                "context": None,
                "effort": reasoning.get("effort"),
                "summary": reasoning.get("summary"),
            },
            "safety_identifier": p.get("safety_identifier"),
            "service_tier": p.get("service_tier") or ("default" if final else "auto"),
            "store": p.get("store", True) is not False,
            "temperature": float(p["temperature"]) if p.get("temperature") is not None else 1.0,
            "text": text,
            "tool_choice": p.get("tool_choice") or "auto",
            "tools": [_echo_tool(t) for t in p.get("tools") or []],
            "top_logprobs": p.get("top_logprobs") or 0,
            "top_p": float(p["top_p"]) if p.get("top_p") is not None else 1.0,
            "truncation": p.get("truncation") or "disabled",
            "usage": None,
            "user": p.get("user"),
            "metadata": p.get("metadata") or {},
        }
        return response_order(obj)

    def usage(self) -> dict[str, Any]:
        output_tokens = self.reasoning_tokens + sum(_item_tokens(i) for i in self.output)
        return {
            "input_tokens": self.input_tokens,
            "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": self.cached_tokens},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
            "total_tokens": self.input_tokens + output_tokens,
        }

    # -- events ------------------------------------------------------------------------------
    def event(self, type_: str, **fields: Any) -> dict[str, Any]:
        fields["type"] = type_
        fields["sequence_number"] = self.sequence
        self.sequence += 1
        return type_first(fields)

    def created(self) -> dict[str, Any]:
        return self.event("response.created", response=self.response_object("in_progress"))

    def in_progress(self) -> dict[str, Any]:
        return self.event("response.in_progress", response=self.response_object("in_progress"))

    def _delta(self, type_: str, delta: str, **fields: Any) -> dict[str, Any]:
        if self.obfuscate:
            fields["obfuscation"] = self.ids.obfuscation(delta)
        return self.event(type_, delta=delta, **fields)

    def message(self, text: str, chunk_size: int | None = None, *, phase: str | None = None) -> Iterator[dict[str, Any]]:
        """The events of one assistant message, from ``output_item.added`` to ``.done``."""
        index = len(self.output)
        item_id = self.ids.make("msg", self.group, self.created_at + 1)
        item: dict[str, Any] = {"id": item_id, "type": "message", "status": "in_progress", "content": [], "role": "assistant"}
        if phase:
            item["phase"] = phase
        self.open_item = item
        yield self.event("response.output_item.added", item=item_order(item), output_index=index)
        self._open_text = []
        ids = {"item_id": item_id, "output_index": index, "content_index": 0}
        yield self.event("response.content_part.added", part=_text_part(""), **ids)
        for delta in chunk_text(text, chunk_size):
            self._open_text.append(delta)
            yield self._delta("response.output_text.delta", delta, logprobs=[], **ids)
        yield self.event("response.output_text.done", logprobs=[], text=text, **ids)
        yield self.event("response.content_part.done", part=_text_part(text), **ids)
        done = item_order({**item, "status": "completed", "content": [_text_part(text)]})
        self.output.append(done)
        self.open_item = self._open_text = None
        yield self.event("response.output_item.done", item=done, output_index=index)

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
        for delta in chunk_arguments(arguments, chunk_size):
            item["arguments"] += delta
            yield self._delta("response.function_call_arguments.delta", delta, item_id=item_id, output_index=index)
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
            for delta in chunk_text(summary, chunk_size):
                yield self._delta("response.reasoning_summary_text.delta", delta, **ids)
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
        self.terminal = obj
        return obj

    def completed(self) -> dict[str, Any]:
        obj = self._final("completed", completed_at=self.created_at + 1, usage=self.usage())
        return self.event("response.completed", response=obj)

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


def _item_tokens(item: dict[str, Any]) -> int:
    if item.get("type") == "message":
        return sum(count_tokens(p.get("text", "")) for p in item.get("content", []))
    if item.get("type") == "function_call":
        return count_tokens(item.get("arguments", "")) + 4
    return 0


def _echo_tool(tool: dict[str, Any]) -> dict[str, Any]:
    if tool.get("type") != "function":
        return dict(tool)
    echoed = {"description": None, "parameters": None, "strict": True}
    echoed.update(tool)
    return type_first(echoed)
