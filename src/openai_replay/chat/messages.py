"""Chat ``messages``, ``tools`` and ``tool_choice`` read as the engine's (Responses-shaped) items.

The engine (the simulated model, scenario selectors, the request log's assertions) reasons about
items: messages, ``function_call`` and ``function_call_output``. A chat request says the same things
in another shape; this module translates, so one set of rules serves both APIs.
"""

from __future__ import annotations

from typing import Any


def message_items(messages: Any) -> list[dict[str, Any]]:
    """The conversation a chat request sends, as engine items (malformed entries are skipped)."""
    items: list[dict[str, Any]] = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        content = message.get("content")
        if role == "tool":
            items.append({"type": "function_call_output", "call_id": message.get("tool_call_id"), "output": _text(content)})
            continue
        if role == "function":  # the deprecated single-function shape: answered by name
            items.append({"type": "function_call_output", "call_id": message.get("name"), "output": _text(content)})
            continue
        if content not in (None, "", []) or role != "assistant":
            items.append({"type": "message", "role": role, "content": content if content is not None else ""})
        for call in message.get("tool_calls") or [] if role == "assistant" else []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call.get("id"),
                        "name": function.get("name"),
                        "arguments": function.get("arguments", ""),
                    }
                )
    return items


def _text(content: Any) -> Any:
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content


def engine_tools(tools: Any) -> list[dict[str, Any]]:
    """Chat tools (``{"type": "function", "function": {...}}``) in the engine's flat shape."""
    out = []
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict) and tool.get("type") == "function" and isinstance(tool.get("function"), dict):
            out.append({"type": "function", **tool["function"]})
    return out


def engine_tool_choice(choice: Any) -> Any:
    """``{"type": "function", "function": {"name": X}}`` -> ``{"type": "function", "name": X}``."""
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": "function", "name": choice["function"].get("name")}
    return choice


def engine_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The request as the engine reads it: items, flat tools, the output cap and stream options."""
    options = payload.get("stream_options") or {}
    limit = payload.get("max_completion_tokens", payload.get("max_tokens"))
    return {
        "model": payload.get("model"),
        "input": message_items(payload.get("messages")),
        "tools": engine_tools(payload.get("tools")),
        "tool_choice": engine_tool_choice(payload.get("tool_choice")),
        "parallel_tool_calls": payload.get("parallel_tool_calls", True) is not False,
        "max_output_tokens": limit,
        "service_tier": payload.get("service_tier"),
        "stream": payload.get("stream") is True,
        "stream_options": {"include_obfuscation": options.get("include_obfuscation", True) is not False},
        "store": False,
        "metadata": payload.get("metadata") or {},
        "user": payload.get("user"),
        "text": {"format": _text_format(payload.get("response_format"))},
    }


def _text_format(fmt: Any) -> dict[str, Any]:
    """``response_format`` in the Responses API's ``text.format`` shape (the simulated model reads that)."""
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and isinstance(fmt.get("json_schema"), dict):
        return {"type": "json_schema", **fmt["json_schema"]}
    if isinstance(fmt, dict) and fmt.get("type") == "json_object":
        return {"type": "json_object"}
    return {"type": "text"}
