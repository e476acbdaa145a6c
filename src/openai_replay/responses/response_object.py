"""The ``Response`` object a response's events carry: what it echoes of the request, its template
(shared by the requests that echo only their model), its usage. `ResponseObject` is the base of
`openai_replay.responses.events.ResponseBuilder`, which builds the events around it.
"""

from __future__ import annotations

from typing import Any

from openai_replay.items import count_tokens
from openai_replay.wire import compact, type_first

#: Request fields the Response object does not echo (``stream_options`` only sets obfuscation): a
#: request with no others shares its model's template (`ResponseBuilder._template`).
_ECHOES_NOTHING = frozenset({"model", "input", "stream", "stream_options", "generate", "stream_id"})
#: model -> (the in_progress template with an empty id and time 0, its JSON after `_OPENING_HEAD`).
_PLAIN_TEMPLATES: dict[str, tuple[dict[str, Any], str]] = {}
_OPENING_HEAD = '{"id":"","object":"response","created_at":0'


class ResponseObject:
    """The Response object of one response (its attributes are set by `ResponseBuilder.__init__`)."""

    payload: dict[str, Any]
    response_id: str
    created_at: int
    input_tokens: int
    cached_tokens: int
    cache_write_tokens: bool
    reasoning_tokens: int
    output: list[dict[str, Any]]
    _base: dict[str, Any] | None
    _tier: str | None
    _opening_tail: str | None

    def _echoed(self) -> dict[str, Any]:
        """What the Response object repeats from the request, worked out once per response."""
        p = self.payload
        reasoning = p.get("reasoning") or {}
        return {
            "background": bool(p.get("background") or False),
            "instructions": p.get("instructions"),
            "max_output_tokens": p.get("max_output_tokens"),
            "max_tool_calls": p.get("max_tool_calls"),
            "model": p.get("model"),
            "parallel_tool_calls": p.get("parallel_tool_calls", True) is not False,
            "previous_response_id": p.get("previous_response_id"),
            "prompt_cache_key": p.get("prompt_cache_key"),
            "prompt_cache_retention": p.get("prompt_cache_retention"),
            "effort": reasoning.get("effort"),
            "summary": reasoning.get("summary"),
            "safety_identifier": p.get("safety_identifier"),
            "service_tier": p.get("service_tier"),
            "store": p.get("store", True) is not False,
            "temperature": float(p["temperature"]) if p.get("temperature") is not None else 1.0,
            "text": p.get("text") or {},
            "tool_choice": p.get("tool_choice") or "auto",
            "tools": p.get("tools") or [],
            "top_logprobs": p.get("top_logprobs") or 0,
            "top_p": float(p["top_p"]) if p.get("top_p") is not None else 1.0,
            "truncation": p.get("truncation") or "disabled",
            "user": p.get("user"),
            "metadata": p.get("metadata") or {},
        }

    def _template(self) -> dict[str, Any]:
        """The in_progress Response object, built once per response; every object is a copy of it.

        A request that sets nothing the Response echoes but its ``model`` (most of a test suite's
        turns) gets a copy of the template made for that model once, and its opening JSON is that
        template's, with this response's id and time put in: the same dict and the same bytes."""
        model: Any = self.payload.get("model")
        plain = type(model) is str and self.payload.keys() <= _ECHOES_NOTHING
        cached = _PLAIN_TEMPLATES.get(model) if plain else None
        if cached is not None:  # its own copies of what is nested (as a freshly built one has)
            t = dict(cached[0])
            text = t["text"]
            t["id"], t["created_at"], t["metadata"] = self.response_id, self.created_at, {}
            t["text"] = {**text, "format": dict(text["format"])}
            self._tier, self._opening_tail = None, cached[1]
            return t
        t = self._build_template()
        if plain and len(_PLAIN_TEMPLATES) < 64:  # bounded: one per model name a suite uses
            shared = {**t, "id": "", "created_at": 0, "metadata": {}}
            encoded = compact(shared)
            if encoded.startswith(_OPENING_HEAD):
                _PLAIN_TEMPLATES[model] = (shared, encoded[len(_OPENING_HEAD) :])
        return t

    def _build_template(self) -> dict[str, Any]:
        e = self._echoed()
        self._tier = e["service_tier"]
        text = {"format": {"type": "text"}, "verbosity": "medium"}
        text.update(e["text"])
        conversation = self.payload.get("conversation")
        conversation = conversation.get("id") if isinstance(conversation, dict) else conversation
        return {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": "in_progress",
            "background": e["background"],
            "completed_at": None,
            **({"conversation": {"id": conversation}} if isinstance(conversation, str) else {}),
            "error": None,
            "frequency_penalty": 0.0,
            "incomplete_details": None,
            "instructions": e["instructions"],
            "max_output_tokens": e["max_output_tokens"],
            "max_tool_calls": e["max_tool_calls"],
            "model": e["model"],
            "moderation": None,
            "output": [],
            "parallel_tool_calls": e["parallel_tool_calls"],
            "presence_penalty": 0.0,
            "previous_response_id": e["previous_response_id"],
            "prompt_cache_key": e["prompt_cache_key"],
            "prompt_cache_retention": e["prompt_cache_retention"],
            "reasoning": {"context": None, "effort": e["effort"], "summary": e["summary"]},
            "safety_identifier": e["safety_identifier"],
            "service_tier": e["service_tier"] or "auto",
            "store": e["store"],
            "temperature": e["temperature"],
            "text": text,
            "tool_choice": e["tool_choice"],
            "tools": [_echo_tool(t) for t in e["tools"]],
            "top_logprobs": e["top_logprobs"],
            "top_p": e["top_p"],
            "truncation": e["truncation"],
            "usage": None,
            "user": e["user"],
            "metadata": e["metadata"],
        }  # the real key order (`wire.response_order`) as written, so nothing to sort

    def response_object(self, status: str, *, final: bool = False) -> dict[str, Any]:
        """A fresh Response object (its nested objects are its own too), in the real key order: a copy
        of the response's template with the keys that differ (status, output, service tier) set."""
        t = self._base
        if t is None:
            t = self._base = self._template()
        obj = dict(t)
        obj["status"] = status
        obj["output"] = list(self.output) if final else []
        obj["reasoning"] = dict(t["reasoning"])
        obj["text"] = dict(t["text"])
        obj["tools"] = [dict(tool) for tool in t["tools"]]
        if final:
            obj["service_tier"] = self._tier or "default"
        return obj

    def usage(self) -> dict[str, Any]:
        output_tokens = self.reasoning_tokens + sum(_item_tokens(i) for i in self.output)
        details = {"cache_write_tokens": 0, "cached_tokens": self.cached_tokens}
        if not self.cache_write_tokens:
            del details["cache_write_tokens"]
        return {
            "input_tokens": self.input_tokens,
            "input_tokens_details": details,
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
            "total_tokens": self.input_tokens + output_tokens,
        }


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
