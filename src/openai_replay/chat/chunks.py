"""Engine events written as Chat Completions: ``chat.completion.chunk`` SSE lines or one body.

Sources speak the engine's events (`openai_replay.responses.events.ResponseBuilder`); a chat request
gets the same turn re-told in chat's shapes, as 2025-2026 traffic has them
(``real-cassettes-chat/README.md``): a role chunk first, content or ``tool_calls`` fragments with an
``index``, a chunk with ``finish_reason``, with ``stream_options.include_usage`` ``"usage": null`` on
every chunk plus a last chunk with usage and empty ``choices``, ``obfuscation`` padding on every
chunk, then ``data: [DONE]`` (written by the transport at the end of the turn, see `ChatStream.ended`).
One ``chatcmpl-`` id and one ``created`` across the stream.
"""

from __future__ import annotations

from typing import Any

from openai_replay.chat import logprobs
from openai_replay.errors import ApiError
from openai_replay.ids import IdFactory
from openai_replay.wire import compact

DONE = "data: [DONE]\n\n"

#: Why a Responses turn ended incomplete -> the chat ``finish_reason``.
FINISH_REASONS = {"max_output_tokens": "length", "content_filter": "content_filter"}


#: Engine events that become a chat chunk (a message's ``output_item.added`` is the role chunk).
CHUNK_EVENTS = frozenset(
    {
        "response.output_text.delta",
        "response.function_call_arguments.delta",
        "response.output_item.added",
        "response.completed",
        "response.incomplete",
        "response.failed",
        "error",
    }
)


def writes_chunk(event: dict[str, Any]) -> bool:
    """Whether an engine event shows on a chat stream, so scenario positions (``after=3``) count chat
    chunks for chat requests (a reasoning item's ``output_item.added`` writes nothing)."""
    kind = event.get("type")
    if kind == "response.output_item.added":
        return (event.get("item") or {}).get("type") in ("message", "function_call")
    return kind in CHUNK_EVENTS


def sse_line(data: str) -> str:
    """One chat SSE event: a ``data:`` line and a blank line (chat streams have no ``event:`` lines)."""
    return f"data: {data}\n\n"


def chat_usage(usage: dict[str, Any] | None, choices: int = 1) -> dict[str, Any] | None:
    """A Responses ``usage`` object in chat's words, with the real detail counters; with ``n`` choices
    the completion tokens count every choice, as the real API's do."""
    if not usage:
        return None
    extra = (choices - 1) * usage.get("output_tokens", 0)
    return {
        "prompt_tokens": usage.get("input_tokens", 0),
        "completion_tokens": usage.get("output_tokens", 0) + extra,
        "total_tokens": usage.get("total_tokens", 0) + extra,
        "prompt_tokens_details": {
            "cached_tokens": (usage.get("input_tokens_details") or {}).get("cached_tokens", 0),
            "audio_tokens": 0,
        },
        "completion_tokens_details": {
            "reasoning_tokens": (usage.get("output_tokens_details") or {}).get("reasoning_tokens", 0),
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def finish_reason(terminal: dict[str, Any]) -> str:
    """The ``finish_reason`` of a terminal Responses event (``response.completed``/``.incomplete``)."""
    response = terminal.get("response") or {}
    if terminal.get("type") == "response.incomplete":
        return FINISH_REASONS.get(str((response.get("incomplete_details") or {}).get("reason")), "stop")
    output = response.get("output") or []
    return "tool_calls" if any(isinstance(i, dict) and i.get("type") == "function_call" for i in output) else "stop"


def error_object(event: dict[str, Any]) -> dict[str, Any]:
    """An engine ``error`` event or a failed response's error, as chat's ``{"error": {...}}`` chunk."""
    if event.get("type") == "response.failed":
        inner = (event.get("response") or {}).get("error") or {}
        error = ApiError(500, str(inner.get("message")), type="server_error", code=inner.get("code"))
    else:
        inner = event.get("error") or {}
        error = ApiError(
            int(event.get("status") or 500),
            str(inner.get("message")),
            type=str(inner.get("type") or "server_error"),
            code=inner.get("code"),
            param=inner.get("param"),
        )
    return error.http_body()


class ChatStream:
    """Translates one turn's engine events into chat chunks, keeping what chat needs across them."""

    def __init__(self, payload: dict[str, Any], *, ids: IdFactory, created: float, obfuscate: bool = True) -> None:
        raw_options = payload.get("stream_options")
        options: dict[str, Any] = raw_options if isinstance(raw_options, dict) else {}
        self.ids = ids
        self.id = ids.chat_id()
        self.created = int(created)
        self.model = payload.get("model")
        tier = payload.get("service_tier")
        self.service_tier = tier if tier in ("flex", "scale", "priority") else "default"
        self.fingerprint = ids.fingerprint()
        self.include_usage = options.get("include_usage") is True
        self.obfuscate = obfuscate and options.get("include_obfuscation", True) is not False
        self.role_sent = False
        #: ``n``: every choice is the same deterministic answer, sent once per index.
        count = payload.get("n")
        self.n = count if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 128 else 1
        #: ``logprobs: true``: how many ``top_logprobs`` each token carries (None: no logprobs).
        self.logprobs = logprobs.wanted(payload)
        #: Responses ``output_index`` of each function call -> its chat ``tool_calls`` index.
        self.tool_index: dict[int, int] = {}
        self.finished = False
        #: The turn ended with a finish chunk (not an error): ``data: [DONE]`` follows once the
        #: transport knows nothing else ends the stream first (a scripted close leaves it out).
        self.ended = False

    # -- chunks ----------------------------------------------------------------------------------
    def chunk(self, choices: list[dict[str, Any]], usage: dict[str, Any] | None = None, *, padding: str = "") -> dict[str, Any]:
        """A ``chat.completion.chunk`` in the 2025-12 key order."""
        out: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "service_tier": self.service_tier,
            "system_fingerprint": self.fingerprint,
            "choices": choices,
        }
        if self.include_usage:
            out["usage"] = usage
        if self.obfuscate:  # never empty on a real chunk: 2-15 characters that vary with the content
            pad = self.ids.obfuscation(padding)
            out["obfuscation"] = pad if len(pad) >= 2 else pad + self.ids.obfuscation("chunk!")
        return out

    def _delta(self, delta: dict[str, Any], finish: str | None = None, padding: str = "") -> dict[str, Any]:
        text = delta.get("content")
        probs = logprobs.choice_logprobs(text, self.logprobs, chunk=True) if self.logprobs is not None and text else None
        return self.chunk([{"index": 0, "delta": delta, "logprobs": probs, "finish_reason": finish}], padding=padding)

    def _per_choice(self, chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """With ``n`` > 1, each one-choice chunk once per choice index, in index order."""
        if self.n == 1:
            return chunks
        out = []
        for chunk in chunks:
            choices = chunk.get("choices")
            if not isinstance(choices, list) or len(choices) != 1:
                out.append(chunk)
                continue
            out += [{**chunk, "choices": [{**choices[0], "index": i}]} for i in range(self.n)]
        return out

    def _role(self, delta: dict[str, Any]) -> dict[str, Any]:
        """The first delta carries the role (and ``refusal: null``), as real first chunks do."""
        if self.role_sent:
            return delta
        self.role_sent = True
        return {"role": "assistant", **delta, "refusal": None}

    def chunks(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """What one engine event becomes on a chat stream (often nothing)."""
        return self._per_choice(self._chunks(event))

    def _chunks(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        kind = event.get("type")
        if self.finished:
            return []
        if kind == "response.output_text.delta":
            delta = str(event.get("delta", ""))
            return [self._delta(self._role({"content": delta}), padding=delta)]
        if kind == "response.function_call_arguments.delta":
            index = self.tool_index.get(int(event.get("output_index") or 0), 0)
            delta = str(event.get("delta", ""))
            call = {"index": index, "function": {"arguments": delta}}
            return [self._delta(self._role({"tool_calls": [call]}), padding=delta)]
        if kind == "response.output_item.added":
            return self._item_added(event)
        if kind in ("response.completed", "response.incomplete"):
            return self._finish(event)
        if kind in ("response.failed", "error"):
            self.finished = True
            return [error_object(event)]
        return []

    def _item_added(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        item = event.get("item") or {}
        if item.get("type") == "message" and not self.role_sent:
            return [self._delta(self._role({"content": ""}))]
        if item.get("type") == "function_call":
            index = self.tool_index[int(event.get("output_index") or 0)] = len(self.tool_index)
            header = {
                "index": index,
                "id": item.get("call_id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": ""},
            }
            first = not self.role_sent
            delta = self._role({"content": None, "tool_calls": [header]}) if first else {"tool_calls": [header]}
            return [self._delta(delta)]
        return []

    def _finish(self, terminal: dict[str, Any]) -> list[dict[str, Any]]:
        self.finished = True
        out = []
        if not self.role_sent:
            out.append(self._delta(self._role({"content": ""})))
        out.append(self._delta({}, finish_reason(terminal)))
        if self.include_usage:
            usage = chat_usage((terminal.get("response") or {}).get("usage"), self.n)
            out.append(self.chunk([], usage))
        self.ended = True
        return out

    def frame(self, event: dict[str, Any]) -> str:
        """The SSE text one engine event becomes ("" when chat has nothing to say about it)."""
        return "".join(sse_line(compact(c)) for c in self.chunks(event))

    # -- the non-streaming body ------------------------------------------------------------------
    def completion(self, response: dict[str, Any], terminal_type: str = "response.completed") -> dict[str, Any]:
        """The ``chat.completion`` body for a finished engine response, in the real key order."""
        output = [i for i in response.get("output") or [] if isinstance(i, dict)]
        text = "".join(str(p.get("text", "")) for i in output if i.get("type") == "message" for p in i.get("content") or [])
        calls = [
            {"id": i.get("call_id"), "type": "function", "function": {"name": i.get("name"), "arguments": i.get("arguments", "")}}
            for i in output
            if i.get("type") == "function_call"
        ]
        message: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
        if calls:
            message["tool_calls"] = calls
        message["refusal"] = None
        message["annotations"] = []
        reason = finish_reason({"type": terminal_type, "response": response})
        probs = logprobs.choice_logprobs(text, self.logprobs) if self.logprobs is not None and not calls else None
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": i, "message": message, "logprobs": probs, "finish_reason": reason} for i in range(self.n)],
            "usage": chat_usage(response.get("usage"), self.n),
            "service_tier": self.service_tier,
            "system_fingerprint": self.fingerprint,
        }
