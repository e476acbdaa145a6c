"""Helpers for scenario tests: bounded reads from the openai SDK and from raw aiohttp sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Mapping
from typing import Any

import aiohttp
from openai import AsyncOpenAI
from sdkkit import async_sdk

from fake_server import FakeServer

TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")
MODEL = "gpt-4o-mini"


def client_for(server: FakeServer, max_retries: int = 0) -> AsyncOpenAI:
    return async_sdk(base_url=server.url, api_key="test-key", max_retries=max_retries)


async def sdk_turn(connection: Any, timeout: float = 10, **create: Any) -> tuple[list[dict[str, Any]], BaseException | None]:
    """Send one response.create over ``client.responses.connect()``; the events up to a terminal one (as
    dicts) and the exception that ended the read early, if any (a close, a parse error)."""
    create.setdefault("model", MODEL)
    create.setdefault("store", False)
    await connection.response.create(**create)
    return await sdk_events(connection, timeout)


async def sdk_events(connection: Any, timeout: float = 10) -> tuple[list[dict[str, Any]], BaseException | None]:
    events: list[dict[str, Any]] = []

    async def run() -> None:
        async for event in connection:
            events.append(event.to_dict())
            if event.type in TERMINAL:
                return

    return await _until_done(run(), events, timeout)


async def http_stream(
    client: AsyncOpenAI, timeout: float = 10, **create: Any
) -> tuple[list[dict[str, Any]], BaseException | None]:
    """``responses.create(stream=True)``: the SSE events the SDK parsed, and the exception that ended it."""
    create.setdefault("model", MODEL)
    events: list[dict[str, Any]] = []

    async def run() -> None:
        stream = await client.responses.create(stream=True, **create)
        async for event in stream:
            events.append(event.to_dict())

    return await _until_done(run(), events, timeout)


async def _until_done(
    run: Coroutine[Any, Any, None], events: list[dict[str, Any]], timeout: float
) -> tuple[list[dict[str, Any]], BaseException | None]:
    """The events ``run`` collected and the exception that ended it (a timeout is raised: a hang is a failure)."""
    try:
        await asyncio.wait_for(run, timeout=timeout)
    except asyncio.TimeoutError:
        raise
    except Exception as exc:
        return events, exc
    return events, None


class RawSocket:
    """A raw aiohttp WebSocket to the fake server, for frames the SDK cannot show (binary, malformed)."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def __aenter__(self) -> RawSocket:
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(self.server.ws_url, headers={"Authorization": "Bearer test-key"})
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.session is not None:
            await self.session.close()

    async def send(self, **create: Any) -> None:
        assert self.ws is not None
        create.setdefault("model", MODEL)
        create.setdefault("input", "hello")
        await self.ws.send_str(json.dumps({"type": "response.create", **create}))

    async def frames(self, timeout: float = 10) -> list[aiohttp.WSMessage]:
        """Every frame until a terminal event or the close, each read bounded by ``timeout``."""
        assert self.ws is not None
        frames = []
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), timeout=timeout)
            frames.append(msg)
            if msg.type != aiohttp.WSMsgType.TEXT:
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    return frames
                continue
            try:
                event = json.loads(msg.data)
            except json.JSONDecodeError:
                continue
            if event.get("type") in TERMINAL:
                return frames


def texts(frames: list[aiohttp.WSMessage]) -> list[dict[str, Any]]:
    """The JSON text frames among ``frames``, parsed (malformed and binary frames skipped)."""
    parsed = []
    for msg in frames:
        if msg.type == aiohttp.WSMsgType.TEXT:
            try:
                parsed.append(json.loads(msg.data))
            except json.JSONDecodeError:
                pass
    return parsed


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


async def chat_raw(
    server: FakeServer, timeout: float = 10, **body: Any
) -> tuple[int, Mapping[str, str], bytes, BaseException | None]:
    """POST /v1/chat/completions with aiohttp: status, headers, the body bytes that arrived, and the
    error that ended the read early (a drop, a cut); a hang past ``timeout`` raises."""
    body.setdefault("model", MODEL)
    body.setdefault("messages", [{"role": "user", "content": "hello"}])
    received = bytearray()
    meta: dict[str, Any] = {}

    async def run() -> None:
        headers = {"Authorization": "Bearer test-key"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{server.url}/chat/completions", json=body, headers=headers) as r,
        ):
            meta["status"], meta["headers"] = r.status, r.headers
            async for data in r.content.iter_any():
                received.extend(data)

    _, exc = await _until_done(run(), [], timeout)
    return meta.get("status", 0), meta.get("headers", {}), bytes(received), exc


async def chat_stream(
    client: AsyncOpenAI, timeout: float = 10, **create: Any
) -> tuple[list[dict[str, Any]], BaseException | None]:
    """``chat.completions.create(stream=True)``: the chunks the SDK parsed, and the exception that ended it."""
    create.setdefault("model", MODEL)
    create.setdefault("messages", [{"role": "user", "content": "hello"}])
    chunks: list[dict[str, Any]] = []

    async def run() -> None:
        stream = await client.chat.completions.create(stream=True, **create)
        async for chunk in stream:
            chunks.append(chunk.to_dict())

    return await _until_done(run(), chunks, timeout)
