"""Reading recorded Chat Completions answers back: the id, how it finished, what the model said.

Cassette tooling (`openai_replay.cassette.interactions`, ``openai-replay show``) reads Responses
events for these; a chat answer is a list of ``data:`` chunks (ending ``[DONE]``) or one
``chat.completion`` body, so it is read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChatReply:
    """What a recorded chat answer says."""

    id: str | None = None
    finish_reason: str | None = None
    text: str = ""
    #: ``name(arguments)`` of each tool call, in ``index`` order.
    calls: list[str] = field(default_factory=list)
    error: str | None = None
    done: bool = False


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None


def read_chat(chunks: list[str] | None, body: str | None) -> ChatReply | None:
    """The reply in recorded chunk texts or a body, or None when it is not Chat Completions."""
    reply = ChatReply()
    if body is not None and not chunks:
        obj = _json(body)
        if not isinstance(obj, dict) or obj.get("object") != "chat.completion":
            return None
        reply.id, reply.done = obj.get("id"), True  # a body has no [DONE] to miss
        choice = (obj.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        reply.finish_reason, reply.text = choice.get("finish_reason"), message.get("content") or ""
        reply.calls = [
            f"{(c.get('function') or {}).get('name')}({(c.get('function') or {}).get('arguments')})"
            for c in message.get("tool_calls") or []
        ]
        return reply
    calls: dict[int, list[str]] = {}
    seen = False
    for text in chunks or []:
        if text == "[DONE]":
            reply.done = True
            continue
        chunk = _json(text)
        if not isinstance(chunk, dict):
            continue
        if "error" in chunk and isinstance(chunk["error"], dict):
            reply.error = str(chunk["error"].get("code") or chunk["error"].get("type"))
            seen = True
        if chunk.get("object") != "chat.completion.chunk":
            continue
        seen = True
        reply.id = reply.id or chunk.get("id")
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            reply.text += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                function = call.get("function") or {}
                parts = calls.setdefault(int(call.get("index") or 0), [function.get("name") or "", ""])
                parts[1] += function.get("arguments") or ""
            reply.finish_reason = choice.get("finish_reason") or reply.finish_reason
    reply.calls = [f"{name}({args})" for _, (name, args) in sorted(calls.items())]
    return reply if seen else None


def outcome(reply: ChatReply) -> str:
    """``finish_reason stop``, ``error (code)``, or what is missing (no finish, no ``[DONE]``)."""
    if reply.error:
        return f"error ({reply.error})"
    text = f"finish_reason {reply.finish_reason}" if reply.finish_reason else "no finish_reason"
    return text if reply.done or (reply.finish_reason is None and not reply.done) else text + " (no [DONE])"


def said(reply: ChatReply, clip: Any) -> str:
    """What the model produced, as ``show`` prints it."""
    parts = [f"calls {clip(call, 40)}" for call in reply.calls]
    if reply.text:
        parts.insert(0, repr(clip(reply.text, 40)))
    return ", ".join(parts)
