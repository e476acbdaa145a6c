"""End to end from the command line: ``openai-replay record``, then ``serve --cassette``, with the SDK."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import openai
import pytest
from cassettekit import user
from sdkkit import async_sdk

from fake_server import FakeServer
from openai_replay.cassette import interactions, load_cassette

BIN = Path(sys.executable).parent / "openai-replay"


class Running:
    """A CLI process on a free port; ``url`` is read from what it prints."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self.output: list[str] = []

    async def __aenter__(self) -> Running:
        env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env
        )
        assert self.proc.stdout is not None
        while not self.url:
            line = (await asyncio.wait_for(self.proc.stdout.readline(), 20)).decode()
            assert line, f"{self.args[0]} exited early: {''.join(self.output)}"
            self.output.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
            self.url = found.group(1) if found else ""
        return self

    async def stop(self) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        self.proc.send_signal(signal.SIGINT)
        rest = await asyncio.wait_for(self.proc.stdout.read(), 20)
        self.output.append(rest.decode())
        return await asyncio.wait_for(self.proc.wait(), 20)

    async def __aexit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


async def conversation(url: str) -> list[str]:
    """Two chained turns over WebSocket mode and one streamed HTTP request, as the SDK sees them."""
    client = async_sdk(base_url=url, api_key="sk-cli-test-key-0123456789abcdef", max_retries=0)
    said: list[str] = []
    async with client.responses.connect() as connection:
        previous = None
        for text in ("Hi from the command line", "And a follow-up"):
            await connection.response.create(
                model="gpt-4o-mini", store=False, input=[user(text)], **({"previous_response_id": previous} if previous else {})
            )
            async for event in connection:
                if event.type == "response.completed":
                    said.append(event.response.output_text)
                    previous = event.response.id
                    break
    stream = await client.responses.create(model="gpt-4o-mini", input="streamed", stream=True)
    said += [e.response.output_text async for e in stream if e.type == "response.completed"]
    await client.close()
    return said


async def record_with_cli(upstream_url: str, out: Path, *flags: str) -> tuple[list[str], str]:
    """`openai-replay record` from ``upstream_url`` into ``out`` while `conversation` runs through it:
    what the SDK saw and what the command printed. The command must exit 0."""
    async with Running(str(BIN), "record", "--upstream", upstream_url, "--out", str(out), "--port", "0", *flags) as recorder:
        said = await asyncio.wait_for(conversation(recorder.url), 30)
        assert await recorder.stop() == 0
    return said, "".join(recorder.output)


@pytest.mark.slow
async def test_record_then_serve_from_the_command_line(tmp_path: Path) -> None:
    """``record --upstream --out`` writes a cassette on Ctrl-C; ``serve --cassette`` answers the SDK the same."""
    out = tmp_path / "cli.json"
    async with FakeServer(seed=11) as upstream:
        recorded, text = await record_with_cli(upstream.url, out)
    assert recorded == ["You said: Hi from the command line", "You said: And a follow-up", "You said: streamed"]
    assert f"saved 2 connection(s) / exchange(s) to {out}" in text and f"openai-replay serve --cassette {out}" in text
    assert [i.transport for i in interactions(load_cassette(out))] == ["ws", "ws", "http"]
    assert "sk-cli-test-key" not in out.read_text()

    async with Running(str(BIN), "serve", "--cassette", str(out), "--port", "0") as server:
        replayed = await asyncio.wait_for(conversation(server.url), 30)
        assert await server.stop() == 0
    assert replayed == recorded
    assert "cassette " + str(out) + ": 3 recorded interaction(s), speed 0" in "".join(server.output)
    assert "every interaction played" in "".join(server.output)


@pytest.mark.slow
async def test_python_m_fake_server_serves_a_cassette_and_reports_mismatches(tmp_path: Path) -> None:
    """``python -m fake_server --cassette`` replays; an unmatched request makes it exit 1 with the diff."""
    out = tmp_path / "m.json"
    async with FakeServer(seed=11) as upstream:
        await record_with_cli(upstream.url, out)
    async with Running(sys.executable, "-m", "fake_server", "--cassette", str(out), "--speed", "1", "--port", "0") as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
        stream = await client.responses.create(model="gpt-4o-mini", input="streamed", stream=True)
        assert [e.type async for e in stream][-1] == "response.completed"
        with pytest.raises(openai.BadRequestError, match="no recorded interaction"):
            await client.responses.create(model="gpt-4o-mini", input="never recorded")
        await client.close()
        code = await server.stop()
    assert code == 1
    output = "".join(server.output)
    assert "- body.input: recorded 'streamed', live 'never recorded'" in output
    assert "2 recorded interaction(s) in " in output and "never played" in output


@pytest.mark.slow
async def test_cli_errors_are_clear(tmp_path: Path) -> None:
    """A missing cassette and a bad upstream URL stop the commands with exit 2 and a readable message."""
    missing = await asyncio.create_subprocess_exec(
        str(BIN), "serve", "--cassette", str(tmp_path / "nope.json"), stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(missing.communicate(), 20)
    assert missing.returncode == 2 and b"does not exist. Record it first: openai-replay record" in err
    bad = await asyncio.create_subprocess_exec(
        str(BIN), "record", "--upstream", "ftp://x", "--out", "o.json", stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(bad.communicate(), 20)
    assert bad.returncode == 2 and b"upstream must be an http(s) base URL" in err


def closed_port_url() -> str:
    """An upstream URL on a loopback port nothing listens on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


async def test_a_failed_recording_is_not_saved_as_a_cassette(tmp_path: Path) -> None:
    """With the upstream unreachable, record exits 1 without 'saved', and the recording goes to <name>.failed.json."""
    out = tmp_path / "chat.json"
    async with Running(str(BIN), "record", "--upstream", closed_port_url(), "--out", str(out), "--port", "0") as recorder:
        client = async_sdk(base_url=recorder.url, api_key="k", max_retries=0)
        with pytest.raises(openai.InternalServerError):
            await client.responses.create(model="m", input="hello")
        await client.close()
        code = await recorder.stop()
    text = "".join(recorder.output)
    assert code == 1 and "saved" not in text
    assert "error: the recording failed, so" in text and "cannot reach the upstream" in text
    assert not out.exists() and (tmp_path / "chat.failed.json").is_file()


async def test_time_scale_keeps_the_old_speed_with_a_deprecation_note() -> None:
    """`serve --time-scale 2` (the old --speed 2) doubles the recorded delays and says to use --speed 0.5."""
    cassette = Path(__file__).resolve().parents[3] / "cassettes" / "examples" / "chained_text_ws.json"
    async with Running(str(BIN), "serve", "--cassette", str(cassette), "--time-scale", "2", "--port", "0") as server:
        await server.stop()
    text = "".join(server.output)
    assert "--time-scale is deprecated" in text and "use --speed 0.5" in text
    assert "(delays x2)" in text


@pytest.mark.slow
async def test_record_never_replaces_an_existing_cassette(tmp_path: Path) -> None:
    """`record --out FILE` on an existing cassette (silently replaced on main) is refused, naming --overwrite and
    --append; --append keeps the old connections and adds the new session after them; --overwrite replaces."""
    out = tmp_path / "kept.json"
    async with FakeServer(seed=11) as upstream:
        await record_with_cli(upstream.url, out)
        before = out.read_bytes()
        refused = await asyncio.create_subprocess_exec(
            str(BIN), "record", "--upstream", upstream.url, "--out", str(out), "--port", "0", stderr=asyncio.subprocess.PIPE
        )
        _, err = await asyncio.wait_for(refused.communicate(), 20)
        assert refused.returncode == 2 and out.read_bytes() == before
        assert (
            err.decode() == f"error: {out} already exists; pass --overwrite to replace it, --append to add this "
            "session after it, or choose another --out\n"
        )
        await record_with_cli(upstream.url, out, "--append")
        assert [i.transport for i in interactions(load_cassette(out))] == ["ws", "ws", "http"] * 2
        args = ("record", "--upstream", upstream.url, "--out", str(out), "--port", "0")
        async with Running(str(BIN), *args, "--overwrite") as recorder:
            assert await recorder.stop() == 0
        assert load_cassette(out).connections == []


@pytest.mark.slow
async def test_a_failed_append_or_overwrite_leaves_the_existing_cassette_in_place(tmp_path: Path) -> None:
    """A failed recording with --append or --overwrite goes aside; the cassette already at --out stays as it was."""
    out = tmp_path / "kept.json"
    async with FakeServer(seed=11) as upstream:
        await record_with_cli(upstream.url, out)
    before = out.read_bytes()
    for flag in ("--append", "--overwrite"):
        args = ("record", "--upstream", closed_port_url(), "--out", str(out), "--port", "0", flag)
        async with Running(str(BIN), *args) as recorder:
            client = async_sdk(base_url=recorder.url, api_key="k", max_retries=0)
            with pytest.raises(openai.InternalServerError):
                await client.responses.create(model="m", input="hello")
            await client.close()
            assert await recorder.stop() == 1
        assert out.read_bytes() == before, flag
        assert (tmp_path / "kept.failed.json").is_file() and not (tmp_path / "kept.recording.json").exists()
