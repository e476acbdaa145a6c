"""LiveKit's JS client against the standalone server (``python -m fake_server``) run as a subprocess."""

from __future__ import annotations

import asyncio
import re
import sys

from openai_replay.conformance.adapter import Endpoint
from openai_replay.conformance.adapters.livekit_js import LiveKitJsWebSocketAdapter
from openai_replay.conformance.conversation import Msg


async def test_wsllm_answers_two_turns_through_the_standalone_server() -> None:
    """The Node WSLLM talks WebSocket mode to 'python -m fake_server' over two turns."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fake_server", "--port", "0", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    adapter = None
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), timeout=20)).decode()
        found = re.search(r"listening on (\S+) \(WebSocket: (\S+)\)", line)
        assert found, line
        adapter = LiveKitJsWebSocketAdapter(Endpoint(found.group(1), found.group(2)))
        await adapter.open()
        history = [Msg("user", "Hello from Node")]
        first = await adapter.turn(history, [], timeout=20)
        history += [Msg("assistant", first.text), Msg("user", "And again")]
        second = await adapter.turn(history, [], timeout=20)
        assert (first.text, second.text, first.errors + second.errors) == ("You said: Hello from Node", "You said: And again", [])
    finally:
        if adapter is not None:
            await adapter.close()
        proc.terminate()
        await asyncio.wait_for(proc.wait(), timeout=10)
