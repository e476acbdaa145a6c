"""The server's closing handshake: frames after its close frame are logged as discarded; a silent client is cut off."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from fake_server import FakeServer
from openai_replay.log.export import export_log
from openai_replay.scenarios import builtin
from openai_replay.server.wsclose import CLOSE_TIMEOUT


async def test_a_turn_sent_into_the_half_open_socket_is_logged_as_discarded() -> None:
    """After close_mid_stream's 1011, a response.create sent before the client answers the close is a discarded frame."""
    async with FakeServer(source=builtin("close_mid_stream"), require_auth=False) as server:
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(server.ws_url, autoclose=False)
            await ws.send_str(json.dumps({"type": "response.create", "model": "gpt-4o-mini", "input": "one"}))
            while True:
                msg = await asyncio.wait_for(ws.receive(), 10)
                if msg.type == aiohttp.WSMsgType.CLOSE:
                    break
            assert msg.data == 1011
            await ws.send_str(json.dumps({"type": "response.create", "model": "gpt-4o-mini", "input": "two"}))
            await ws.send_bytes(b"\x00\x01")
            await ws.close()  # our close frame ends the server's reading
        for _ in range(100):
            if len(server.log.frames) >= 3:
                break
            await asyncio.sleep(0.02)
    first, late, binary = server.log.frames
    assert not first.discarded and len(server.log.requests) == 1  # the late turn never became a request
    assert late.discarded and late.type == "response.create" and late.data["input"] == "two"
    assert binary.discarded and binary.type is None and binary.data == "binary frame (2 bytes)"
    assert "conn 1  -> response.create  (discarded: it arrived after the server's close)" in server.log.timeline()
    assert [f["discarded"] for f in export_log(server.log)["frames"]] == [False, True, True]


def masked_text_frame(text: str) -> bytes:
    """One client text frame (FIN, opcode 1, masked with a zero key, which leaves the bytes as they are)."""
    data = text.encode()
    assert len(data) < 126
    return bytes([0x81, 0x80 | len(data)]) + b"\x00\x00\x00\x00" + data


@pytest.mark.slow
async def test_a_client_that_never_answers_the_close_is_cut_off_after_the_timeout() -> None:
    """A raw socket that reads the close frame and stays silent is dropped after CLOSE_TIMEOUT (no hang, no sooner)."""
    async with FakeServer(source=builtin("close_before_created"), require_auth=False) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).startswith(b"HTTP/1.1 101")
        writer.write(masked_text_frame(json.dumps({"type": "response.create", "model": "m", "input": "x"})))
        head = await asyncio.wait_for(reader.readexactly(4), 5)
        assert head[0] == 0x88 and int.from_bytes(head[2:4], "big") == 1011  # the close frame, code 1011
        started = asyncio.get_running_loop().time()
        while await asyncio.wait_for(reader.read(1024), CLOSE_TIMEOUT + 3):
            pass  # the rest of the close frame; then EOF when the server gives up on us
        waited = asyncio.get_running_loop().time() - started
        writer.close()
    assert CLOSE_TIMEOUT - 0.3 <= waited <= CLOSE_TIMEOUT + 1
    assert server.log.connections[0].closed_by == "server" and server.log.connections[0].close_code == 1011
