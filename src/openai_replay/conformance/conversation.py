"""The conversation a check drives, in neutral form: each adapter turns it into its client's context.

A check keeps the history the way an agent framework does: user messages, the assistant text the
client surfaced, function calls and their outputs. The history only grows; an adapter appends the
items it has not seen yet to its client's own context object, so the client can recognise the
earlier turns as a prefix and chain on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Msg:
    """A message: what the user said, or the assistant text the client surfaced."""

    role: Literal["system", "user", "assistant"]
    text: str


@dataclass(frozen=True)
class Call:
    """A function call the model made (``arguments`` is the JSON text)."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class CallOutput:
    """The caller's answer to a function call."""

    call_id: str
    name: str
    output: str


Item = Msg | Call | CallOutput


@dataclass(frozen=True)
class Tool:
    """A function tool offered to the model."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def responses_param(self) -> dict[str, Any]:
        return {"type": "function", "name": self.name, "description": self.description, "parameters": self.parameters}

    def chat_param(self) -> dict[str, Any]:
        """The tool as Chat Completions ``tools`` entry."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


WEATHER = Tool(
    name="get_weather",
    description="Current weather for a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city"}},
        "required": ["city"],
        "additionalProperties": False,
    },
)


def responses_input(items: list[Item]) -> list[dict[str, Any]]:
    """The items as Responses API ``input`` (what a plain SDK caller sends)."""
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Msg):
            kind = "output_text" if item.role == "assistant" else "input_text"
            out.append({"type": "message", "role": item.role, "content": [{"type": kind, "text": item.text}]})
        elif isinstance(item, Call):
            out.append({"type": "function_call", "call_id": item.call_id, "name": item.name, "arguments": item.arguments})
        else:
            out.append({"type": "function_call_output", "call_id": item.call_id, "output": item.output})
    return out


def chat_messages(items: list[Item]) -> list[dict[str, Any]]:
    """The items as Chat Completions ``messages``: the calls of one assistant turn share one
    assistant message (after its text, if any), each output is a ``tool`` message."""
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Msg):
            out.append({"role": item.role, "content": item.text})
        elif isinstance(item, Call):
            call = {"id": item.call_id, "type": "function", "function": {"name": item.name, "arguments": item.arguments}}
            last = out[-1] if out else None
            if last is not None and last["role"] == "assistant" and not any(m["role"] == "tool" for m in out[-1:]):
                last.setdefault("tool_calls", []).append(call)
            else:
                out.append({"role": "assistant", "content": None, "tool_calls": [call]})
        else:
            out.append({"role": "tool", "tool_call_id": item.call_id, "content": item.output})
    return out


def to_json(items: list[Item]) -> list[dict[str, Any]]:
    """Items as plain JSON objects (for the Node driver and for evidence)."""
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Msg):
            out.append({"kind": "message", "role": item.role, "text": item.text})
        elif isinstance(item, Call):
            out.append({"kind": "call", "call_id": item.call_id, "name": item.name, "arguments": item.arguments})
        else:
            out.append({"kind": "output", "call_id": item.call_id, "name": item.name, "output": item.output})
    return out


def parse_arguments(arguments: str | dict[str, Any] | None) -> str:
    """Arguments as compact JSON text, whatever form the client surfaced them in."""
    if arguments is None:
        return "{}"
    if isinstance(arguments, str):
        try:
            return json.dumps(json.loads(arguments), separators=(",", ":"), sort_keys=True)
        except json.JSONDecodeError:
            return arguments
    return json.dumps(arguments, separators=(",", ":"), sort_keys=True)
