"""Chat messages, tools and tool_choice read as the engine's items."""

from __future__ import annotations

from openai_replay.chat.messages import engine_payload, engine_tool_choice, engine_tools, message_items
from openai_replay.items import last_user_text, trailing_tool_outputs


def test_messages_become_items_the_simulated_model_reads() -> None:
    """User text, assistant tool calls and tool results map to message/function_call/function_call_output."""
    items = message_items(
        [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "weather?"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            "not a message",
        ]
    )
    assert [i["type"] for i in items] == ["message", "message", "function_call", "function_call_output"]
    assert last_user_text(items) == "weather?"
    assert trailing_tool_outputs(items) == [{"type": "function_call_output", "call_id": "c1", "output": "sunny"}]
    assert items[2] == {"type": "function_call", "call_id": "c1", "name": "w", "arguments": "{}"}


def test_tools_tool_choice_and_limits_translate() -> None:
    """Nested chat tools flatten, a named tool_choice keeps its name, max_tokens caps the output."""
    tool = {"type": "function", "function": {"name": "w", "parameters": {"type": "object"}}}
    assert engine_tools([tool, {"type": "custom", "custom": {"name": "x"}}]) == [
        {"type": "function", "name": "w", "parameters": {"type": "object"}}
    ]
    assert engine_tool_choice({"type": "function", "function": {"name": "w"}}) == {"type": "function", "name": "w"}
    assert engine_tool_choice("required") == "required"
    payload = engine_payload(
        {"model": "m", "messages": [], "max_tokens": 20, "stream": True, "stream_options": {"include_obfuscation": False}}
    )
    assert payload["max_output_tokens"] == 20 and payload["stream"] is True
    assert payload["stream_options"] == {"include_obfuscation": False}
