"""LiveKit's JS Responses WebSocket client: ``WSLLM`` from ``@livekit/agents-plugin-openai`` 1.9.0
with ``@livekit/agents`` 1.9.0, on Node.

Entry point: the plugin's public ``openai.responses.LLM({useWebSocket: true})`` (which builds a
``WSLLM``) and iterating the ``LLMStream`` its ``chat()`` returns, inside a small Node program
(``js/driver.mjs``) that this adapter runs as a subprocess and talks to with JSON lines. The
driver keeps one ``ChatContext`` and appends to it, as an agent does; a barge-in is
``LLMStream.close()``, which is what the JS agent does to an interrupted generation. Errors are
the LLM's ``error`` events (the stream itself ends quietly when its task fails).

Node and the npm packages must be installed: ``npm ci --prefix <js dir>`` (see
``node_dir()``); ``OPENAI_REPLAY_NODE_DIR`` may point at another directory that has them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from openai_replay.conformance.adapter import Adapter, ErrorSeen, Surfaced, TextDelta, ToolCallSeen
from openai_replay.conformance.conversation import Call, Item, Tool, parse_arguments, to_json

JS_DIR = Path(__file__).resolve().parent.parent / "js"


def node_dir() -> Path:
    """Where ``driver.mjs`` runs from: a directory whose ``node_modules`` has the client."""
    configured = os.environ.get("OPENAI_REPLAY_NODE_DIR")
    return Path(configured) if configured else JS_DIR


def missing_requirement() -> str | None:
    """Why the JS client cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    modules = node_dir() / "node_modules" / "@livekit" / "agents-plugin-openai"
    if not modules.is_dir():
        return f"@livekit/agents-plugin-openai is not installed in {node_dir()} (run: npm ci --prefix {node_dir()})"
    return None


class LiveKitJsWebSocketAdapter(Adapter):
    """``WSLLM`` on Node, one driver process per adapter."""

    client = "livekit-js-ws"
    default_wait = "forever (no deadline on the request's event channel; connectWs bounds only opening)"
    package = "@livekit/agents-plugin-openai"
    transport = "ws"

    async def open(self) -> None:
        problem = missing_requirement()
        if problem:
            raise RuntimeError(problem)
        where = node_dir()
        script = where / "driver.mjs"
        if where != JS_DIR:
            shutil.copyfile(JS_DIR / "driver.mjs", script)
        self.proc = await asyncio.create_subprocess_exec(
            "node",
            str(script),
            cwd=str(where),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=16 * 1024 * 1024,
        )
        self._turn = 0
        self._send({"op": "open", "baseURL": self.endpoint.url, "apiKey": self.api_key, "model": self.model})
        await asyncio.wait_for(self._expect("ready"), timeout=30)

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(message) + "\n").encode())

    async def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the Node driver exited (code {self.proc.returncode})")
        message: dict[str, Any] = json.loads(line)
        return message

    async def _expect(self, kind: str, turn: int | None = None) -> None:
        while True:
            message = await self._read()
            if message.get("kind") == kind and (turn is None or message.get("turn") == turn):
                return

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        specs = [{"name": t.name, "description": t.description, "parameters": t.parameters} for t in tools]
        self._turn += 1
        self._send({"op": "turn", "turn": self._turn, "items": to_json(history), "tools": specs})
        while True:
            message = await self._read()
            if message.get("turn") != self._turn:
                continue  # a late message from an earlier (hung or cancelled) turn
            kind = message.get("kind")
            if kind == "end":
                return
            if kind == "text":
                yield TextDelta(str(message["text"]))
            elif kind == "tool_call":
                args = parse_arguments(message.get("arguments"))
                yield ToolCallSeen(Call(str(message["call_id"]), str(message["name"]), args))
            elif kind == "error":
                yield ErrorSeen(str(message["message"]))

    async def cancel(self) -> None:
        self._send({"op": "cancel"})
        # The cancelled turn still reports its end; read up to it so the next turn starts clean.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._expect("end", self._turn), timeout=2.0)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._send({"op": "close"})
            await asyncio.wait_for(self.proc.wait(), timeout=5)
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
