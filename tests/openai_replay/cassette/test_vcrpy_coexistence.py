"""vcrpy in the same test: with ``ignore_localhost`` it leaves our loopback traffic alone (docs/cassettes.md)."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest
import vcr
from cassettekit import user
from sdkkit import async_sdk
from vcr.errors import CannotOverwriteExistingCassetteException

from fake_server import FakeServer
from openai_replay.cassette import interactions, load_cassette
from openai_replay.server.recorder import RecordingProxy


async def sdk_calls(url: str) -> list[str]:
    client = async_sdk(base_url=url, api_key="test-key", max_retries=0)
    answer = await client.responses.create(model="gpt-4o-mini", input="over http")
    async with client.responses.connect() as connection:
        await connection.response.create(model="gpt-4o-mini", input=[user("over ws")], store=False)
        async for event in connection:
            if event.type == "response.completed":
                ws_text = event.response.output_text
                break
    await client.close()
    return [answer.output_text, ws_text]


async def test_ignore_localhost_lets_the_fake_server_and_the_proxy_through(tmp_path: Path) -> None:
    """Inside ``vcr.use_cassette(..., ignore_localhost=True)`` the SDK reaches the fake server over HTTP and
    WebSocket mode, and the recording proxy reaches its loopback upstream; vcrpy records none of it."""
    vcr_file = tmp_path / "vcr.yaml"
    recorder = vcr.VCR(record_mode="none", ignore_localhost=True)
    async with FakeServer(seed=1) as server:
        with recorder.use_cassette(str(vcr_file)):
            assert await asyncio.wait_for(sdk_calls(server.url), 20) == ["You said: over http", "You said: over ws"]
            async with RecordingProxy(upstream=server.url, out=tmp_path / "ours.json") as proxy:
                assert await asyncio.wait_for(sdk_calls(proxy.url), 20) == ["You said: over http", "You said: over ws"]
        assert len(server.log) == 4
    assert not vcr_file.exists()
    assert [i.transport for i in interactions(load_cassette(tmp_path / "ours.json"))] == ["http", "ws"]


async def test_without_ignore_localhost_vcrpy_intercepts_the_sdk(tmp_path: Path) -> None:
    """The control: without the option, vcrpy swallows the SDK's HTTP request and the server never sees it."""
    recorder = vcr.VCR(record_mode="none")
    async with FakeServer(seed=1) as server:
        with recorder.use_cassette(str(tmp_path / "vcr.yaml")):
            client = async_sdk(base_url=server.url, api_key="test-key", max_retries=0)
            with pytest.raises(CannotOverwriteExistingCassetteException):
                await asyncio.wait_for(client.responses.create(model="gpt-4o-mini", input="hi"), 20)
            await client.close()
        assert len(server.log) == 0


@pytest.mark.slow
def test_pytest_recording_vcr_config_recipe(pytester: pytest.Pytester) -> None:
    """The documented pytest-recording recipe: a ``vcr_config`` fixture with ``ignore_localhost`` lets a
    ``@pytest.mark.vcr`` test use the fake server, while the same test without it fails."""
    test_body = """
        @pytest.mark.vcr
        def test_talks_to_the_fake_server():
            with FakeServer() as server:
                client = OpenAI(base_url=server.url, api_key="test-key", max_retries=0)
                assert client.responses.create(model="gpt-4o-mini", input="hi").output_text == "You said: hi"
                assert len(server.log) == 1
    """
    header = "import pytest\nfrom openai import OpenAI\nfrom fake_server import FakeServer\n"
    config = '@pytest.fixture(scope="module")\ndef vcr_config():\n    return {"ignore_localhost": True}\n'
    pytester.makepyfile(
        test_with_recipe=header + config + textwrap.dedent(test_body),
        test_without_recipe=header + textwrap.dedent(test_body),
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--record-mode=none", "-W", "ignore::DeprecationWarning")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_without_recipe.py::test_talks_to_the_fake_server - vcr.errors.Can*"])
