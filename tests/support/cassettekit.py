"""Helpers for cassette tests: raw clients that see exact bytes, and the shared real recordings."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from testkit import shared_file

TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")
AUTH = {"Authorization": "Bearer test-key"}

#: The twelve recordings and, per interaction, how many SSE events (None = a JSON answer), from the README.
REAL_EVENTS: dict[str, list[int | None]] = {
    "otel-python-contrib__test_responses_create_streaming[content_mode0].yaml": [13],
    "otel-python-contrib__test_responses_create_basic[content_mode0].yaml": [None],
    "otel-python-contrib__test_responses_create_api_error[content_mode0].yaml": [None],
    "llm-openai-plugin__test_tools.yaml": [13, 41],
    "llm-openai-plugin__test_options[options0].yaml": [None],
    "pydantic-ai__test_openai_responses_phase_streamed_on_part_start.yaml": [33, 20],
    "pydantic-ai__test_openai_previous_response_id_seed_auto_chains_through_retries.yaml": [None, None, None, None],
    "pydantic-ai__test_openai_responses_model_http_error.yaml": [None],
    "pydantic-ai__test_background_mode_streaming_starting_after_vcr.yaml": [17, 16],
    "crewai__test_openai_responses_api_auto_chain_integration.yaml": [None, None],
    "openinference__agent_run_reasoning_stream.yaml": [270],
    "openllmetry__test_responses_streaming.yaml": [86, 87],
}


def real_cassette(name: str) -> Path:
    """One of the corpus's real-cassettes (skipped, saying how to get them, when missing; see `shared_file`)."""
    return shared_file("real-cassettes", name)


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


@dataclass
class WsObservation:
    """What a raw WebSocket client saw: every text frame per turn, and how the socket ended
    (``open``, ``CLOSE <code>`` for a close frame, ``CLOSED`` when the connection was cut)."""

    turns: list[list[str]] = field(default_factory=list)
    ended: str = "open"


async def ws_turn(ws: aiohttp.ClientWebSocketResponse, create: dict[str, Any], timeout: float = 10) -> tuple[list[str], str]:
    """Send one response.create; the raw frames up to a terminal one, and why reading stopped.

    A server that closed right after its last turn may have sent its close frame (and the end of
    the stream) in the same write as that turn's last event: the send then fails, and the frames
    still to read say how the socket ended."""
    try:
        await ws.send_str(json.dumps({"type": "response.create", **create}))
    except ConnectionResetError:  # aiohttp: "Cannot write to closing transport"
        pass
    frames: list[str] = []
    while True:
        msg = await asyncio.wait_for(ws.receive(), timeout=timeout)
        if msg.type == aiohttp.WSMsgType.CLOSE:
            return frames, f"CLOSE {msg.data}"
        if msg.type != aiohttp.WSMsgType.TEXT:
            return frames, msg.type.name
        frames.append(msg.data)
        if json.loads(msg.data).get("type") in TERMINAL:
            return frames, "terminal"


def response_id(frames: list[str]) -> str | None:
    for frame in reversed(frames):
        found = (json.loads(frame).get("response") or {}).get("id")
        if found:
            return str(found)
    return None


async def ws_conversation(ws_url: str, creates: list[dict[str, Any]], *, chain: bool = True) -> WsObservation:
    """Run turns on one raw socket; with ``chain`` each turn continues from the previous response."""
    seen = WsObservation()
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(ws_url, headers=AUTH) as ws:
            previous: str | None = None
            for create in creates:
                body = dict(create)
                if chain and previous:
                    body["previous_response_id"] = previous
                frames, why = await ws_turn(ws, body)
                seen.turns.append(frames)
                previous = response_id(frames) or previous
                if why != "terminal":
                    seen.ended = why
                    break
    return seen


async def http_raw(
    base_url: str, body: dict[str, Any] | None, *, method: str = "POST", path: str = "/responses"
) -> tuple[int, str]:
    """One raw HTTP request to ``base_url + path``; the status and the exact body text."""
    async with aiohttp.ClientSession() as session:
        data = json.dumps(body) if body is not None else None
        headers = {**AUTH, "Content-Type": "application/json"}
        async with session.request(method, base_url + path, data=data, headers=headers) as answer:
            received = b""

            async def read() -> None:
                nonlocal received
                async for chunk in answer.content.iter_any():
                    received += chunk

            try:
                await asyncio.wait_for(read(), timeout=10)
            except aiohttp.ClientPayloadError:
                return answer.status, received.decode() + "<cut>"
            return answer.status, received.decode()


#: The six real Chat Completions recordings and, per interaction, how many SSE events ([DONE]
#: included; None = a JSON answer), from ../shared/real-cassettes-chat/README.md.
REAL_CHAT_EVENTS: dict[str, list[int | None]] = {
    "otel-python-contrib__test_chat_completion_with_context_manager_streaming.yaml": [16],
    "otel-python-contrib__test_chat_completion_tool_calls_with_content.yaml": [None, None],
    "otel-python-contrib__test_chat_completion_404.yaml": [None],
    "pydantic-ai__test_openai_model_settings_temperature_ignored_on_gpt_5.yaml": [None],
    "llm__test_tool_use_basic.yaml": [15, 28],
    "ruby-openai__gpt-3_5-turbo_streamed_chat.yml": [12],
}


def real_chat_cassette(name: str) -> Path:
    """One of ../shared/real-cassettes-chat (a clear failure, never a skip, when the folder is missing)."""
    return shared_file("real-cassettes-chat", name)
