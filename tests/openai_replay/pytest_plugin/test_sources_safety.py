"""No silent false passes through the plugin (pytester, a second fake server as the upstream): per-test
cassette folders, missing cassettes are errors, failed recordings are never cassettes, the old layout
still found, hints in pytest's words, the marker working alone."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from pluginkit import RECORDING_INI as INI

from openai_replay.server import FakeServer

SAYS = """
import pytest

@pytest.mark.openai_replay
def test_chat(openai_client):
    assert openai_client.responses.create(model="m", input="{text}").output_text == "You said: {text}"
"""


def closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def write(pytester: pytest.Pytester, url: str, files: dict[str, str]) -> None:
    pytester.makeini(INI.format(url=url))
    for name, source in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


def test_same_named_modules_in_two_folders_record_two_cassettes(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """tests/a/test_same.py and tests/b/test_same.py each record and replay their own cassette (item 1)."""
    write(
        pytester,
        upstream.url,
        {"tests/a/test_same.py": SAYS.format(text="from a"), "tests/b/test_same.py": SAYS.format(text="from b")},
    )
    pytester.runpytest("tests/a", "tests/b", "--record-mode=once", "--import-mode=importlib").assert_outcomes(passed=2)
    for folder in ("a", "b"):
        assert (pytester.path / "tests" / folder / "cassettes" / "test_same" / "test_chat.json").is_file()
    pytester.runpytest("tests/a", "tests/b", "--import-mode=importlib").assert_outcomes(passed=2)
    assert len(upstream.log) == 2


def test_a_missing_cassette_implied_by_upstream_is_an_error(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """A test marked upstream=... whose cassette is gone errors in mode none, naming the path and command (item 3)."""
    source = """
    import pytest

    @pytest.mark.openai_replay(upstream="{url}")
    def test_chat(openai_client):
        assert openai_client.responses.create(model="m", input="hi").output_text == "You said: hi"
    """
    write(pytester, upstream.url, {"test_inner.py": source.format(url=upstream.url)})
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*no cassette at *cassettes/test_inner/test_chat.json*implied by this test's upstream setting.*"
            "Record it with: pytest test_inner.py::test_chat --record-mode=once"
        ]
    )
    assert len(upstream.log) == 0


def test_a_missing_cassette_of_a_bare_marker_is_an_error(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """A bare @pytest.mark.openai_replay (a recorded test) whose cassette was deleted errors, as a bare vcr marker does."""
    write(pytester, upstream.url, {"test_inner.py": SAYS.format(text="hi")})
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*implied by this test's bare @pytest.mark.openai_replay marker. Record it with*once"])


@pytest.mark.parametrize("mode", ["once", "new_episodes"])
def test_a_recording_against_an_unreachable_upstream_is_set_aside(pytester: pytest.Pytester, mode: str) -> None:
    """The proxy's made-up 502 never becomes the cassette; `once` records again next time (item 2)."""
    source = """
    import openai, pytest

    @pytest.mark.openai_replay
    def test_chat(openai_client):
        with pytest.raises(openai.InternalServerError):
            openai_client.with_options(max_retries=0).responses.create(model="m", input="hi")
    """
    write(pytester, closed_port_url(), {"test_inner.py": source})
    result = pytester.runpytest(f"--record-mode={mode}")
    result.assert_outcomes(passed=1, errors=1)
    expected = (
        "*not saved as its cassette (openai-replay record: cannot reach the upstream*"
        "test_chat.failed.json, which is never replayed*"
    )
    result.stdout.fnmatch_lines([expected])
    folder = pytester.path / "cassettes" / "test_inner"
    assert not (folder / "test_chat.json").exists() and (folder / "test_chat.failed.json").is_file()
    again = pytester.runpytest("--record-mode=once")
    again.assert_outcomes(passed=1, errors=1)  # recorded again (and set aside again), never replayed
    again.stdout.fnmatch_lines(["*not saved as its cassette*"])


def test_a_failed_test_while_recording_keeps_the_cassette_unchanged(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """A test that fails while recording leaves no cassette; the recording is set aside with a notice (item 2)."""
    source = """
    import pytest

    @pytest.mark.openai_replay
    def test_chat(openai_client):
        openai_client.responses.create(model="m", input="hi")
        assert False, "the client got it wrong"
    """
    write(pytester, upstream.url, {"test_inner.py": source})
    result = pytester.runpytest("--record-mode=once")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*OpenAIReplayNotice*the test failed*test_chat.failed.json*"])
    folder = pytester.path / "cassettes" / "test_inner"
    assert not (folder / "test_chat.json").exists() and (folder / "test_chat.failed.json").is_file()
    write(pytester, upstream.url, {"test_inner.py": SAYS.format(text="hi")})
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    assert (folder / "test_chat.json").is_file() and not (folder / "test_chat.failed.json").exists()


def test_a_cassette_in_the_old_layout_is_found_with_a_notice(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """A cassette at <rootdir>/cassettes/<module>/ replays for tests/test_inner.py, with a one-line move command."""
    write(pytester, upstream.url, {"test_inner.py": SAYS.format(text="old")})
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    (pytester.path / "tests").mkdir()
    (pytester.path / "test_inner.py").rename(pytester.path / "tests" / "test_inner.py")
    result = pytester.runpytest("tests", "-W", "default")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*old cassette layout; move it to *tests/cassettes/test_inner/test_chat.json (mkdir -p *mv *"])
    assert len(upstream.log) == 1


def test_a_replay_mismatch_hint_names_the_node_id_and_record_mode(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """Inside pytest, the re-record hint is `pytest <node id> --record-mode=rewrite`, not the CLI (item 10)."""
    write(pytester, upstream.url, {"test_inner.py": SAYS.format(text="recorded")})
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    write(pytester, upstream.url, {"test_inner.py": SAYS.format(text="changed")})
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*to re-record: pytest test_inner.py::test_chat --record-mode=rewrite*"])
    assert "openai-replay record" not in result.stdout.str()


def test_the_marker_alone_brings_the_server(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """A marked test that asks for no fixture still gets the server: its own OpenAI() reaches it (item 12)."""
    source = """
    import openai, pytest

    @pytest.mark.openai_replay(server={"seed": 3})
    def test_chat():
        client = openai.OpenAI(max_retries=0)
        assert client.responses.create(model="m", input="hi").output_text == "You said: hi"
    """
    write(pytester, upstream.url, {"test_inner.py": source})
    pytester.runpytest().assert_outcomes(passed=1)


def test_speed_in_the_marker_is_a_rate_and_time_scale_is_deprecated(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """speed=2 in the marker reaches the replay as a rate; time_scale keeps the old meaning with a warning (item 11)."""
    record = SAYS.format(text="hi")
    write(pytester, upstream.url, {"test_inner.py": record})
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    source = """
    import pytest

    @pytest.mark.openai_replay(speed=2)
    def test_chat(openai_server, openai_client):
        assert openai_server.source.delay_factor == 0.5
        openai_client.responses.create(model="m", input="hi")

    @pytest.mark.openai_replay(time_scale=2, cassette="test_chat")
    def test_old(openai_server, openai_client):
        assert openai_server.source.delay_factor == 2
        openai_client.responses.create(model="m", input="hi")
    """
    write(pytester, upstream.url, {"test_inner.py": source})
    result = pytester.runpytest("-W", "default::DeprecationWarning")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*time_scale=2 (the old meaning of speed*use speed=0.5*"])


def test_the_documented_ini_snippet_makes_the_documented_folder(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """docs/pytest-plugin.md's ini block, used as is (upstream swapped), records into cassettes/ and nothing odd (item 4)."""
    doc = (Path(__file__).resolve().parents[3] / "docs" / "pytest-plugin.md").read_text()
    (snippet,) = re.findall(r"```ini\n(.*?)```", doc, re.S)
    assert "https://api.openai.com/v1" in snippet
    ini = snippet.replace("https://api.openai.com/v1", upstream.url)
    pytester.makeini(ini + "asyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_inner=textwrap.dedent(SAYS.format(text="ini")))
    pytester.runpytest("--strict-config", "--record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    # Python's own __pycache__ (written unless PYTHONDONTWRITEBYTECODE is set) is not ours.
    assert sorted(p.name for p in pytester.path.iterdir() if p.is_dir() and p.name != "__pycache__") == ["cassettes"]
    assert (pytester.path / "cassettes" / "test_inner" / "test_chat.json").is_file()


def test_an_unreachable_upstream_is_named_once_with_the_number_of_requests(pytester: pytest.Pytester) -> None:
    """The SDK's retries hit the same unreachable upstream three times: the report names the cause once, counted."""
    source = """
    import openai, pytest

    @pytest.mark.openai_replay
    def test_chat(openai_client):
        with pytest.raises(openai.InternalServerError):
            openai_client.with_options(max_retries=2).responses.create(model="m", input="hi")
    """
    write(pytester, closed_port_url(), {"test_inner.py": source})
    result = pytester.runpytest("--record-mode=once")
    result.assert_outcomes(passed=1, errors=1)
    # The report before pytest's own one-line summary (which CI=true prints untruncated).
    out = result.stdout.str().split("short test summary info")[0]
    assert out.count("cannot reach the upstream") == 1, out
    result.stdout.fnmatch_lines(["*cannot reach the upstream at*(3 requests))*"])
