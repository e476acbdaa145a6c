"""Record modes through the plugin (pytester): what is replayed, what is recorded, what is written.

The upstream is a second fake server on loopback, so recording is real (a proxy forwarding over
sockets) and offline.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pluginkit import RECORDING_INI as INI

from fake_server import FakeServer
from openai_replay.cassette import interactions, load_cassette

CHAT = """
import pytest

@pytest.mark.openai_replay
def test_chat(openai_server, openai_client):
    print("MODE", openai_server.mode)
    assert openai_client.responses.create(model="m", input="hello").output_text == "You said: hello"
    with openai_client.responses.connect() as conn:
        conn.response.create(model="m", input="over the socket", store=False)
        done = next(e for e in conn if e.type in ("response.completed", "error"))
        assert done.type == "response.completed", done
"""


def project(pytester: pytest.Pytester, upstream: FakeServer, source: str = CHAT) -> Path:
    pytester.makeini(INI.format(url=upstream.url))
    pytester.makepyfile(test_inner=textwrap.dedent(source))
    return pytester.path / "cassettes" / "test_inner" / "test_chat.json"


def count(path: Path) -> int:
    return len(interactions(load_cassette(path)))


def test_once_records_a_missing_cassette_then_replays_it(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """--record-mode=once writes cassettes/<module>/<test>.json via the upstream; later runs replay offline."""
    cassette = project(pytester, upstream)
    result = pytester.runpytest("-s", "--record-mode=once")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*MODE record*"])
    assert cassette.is_file() and count(cassette) == 2
    assert len(upstream.log) == 2
    assert "sk-" not in cassette.read_text()  # the key never reaches the cassette

    for args in ((), ("--record-mode=once",)):
        result = pytester.runpytest("-s", *args)
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["*MODE replay*"])
    assert len(upstream.log) == 2  # replays never reached the upstream


def test_all_appends_and_rewrite_starts_over(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """'all' records everything again and keeps the old interactions; 'rewrite' drops them."""
    cassette = project(pytester, upstream)
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    pytester.runpytest("--record-mode=all").assert_outcomes(passed=1)
    assert count(cassette) == 4 and len(upstream.log) == 4
    pytester.runpytest("--record-mode=rewrite").assert_outcomes(passed=1)
    assert count(cassette) == 2 and len(upstream.log) == 6


def test_new_episodes_replays_what_matches_and_records_the_rest(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """A recorded request replays; a new one goes to the upstream and joins the cassette."""
    cassette = project(pytester, upstream)
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    project(
        pytester,
        upstream,
        CHAT + '    assert openai_client.responses.create(model="m", input="new").output_text == "You said: new"\n',
    )
    pytester.runpytest("--record-mode=new_episodes").assert_outcomes(passed=1)
    assert [r.payload.get("input") for r in upstream.log] == ["hello", "over the socket", "new"]
    assert count(cassette) == 3
    pytester.runpytest().assert_outcomes(passed=1)  # and now all three replay
    assert len(upstream.log) == 3


def test_none_mode_names_the_missing_cassette_and_how_to_record_it(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """An explicit cassette that does not exist errors in mode none, naming the file and the pytest command."""
    project(
        pytester,
        upstream,
        """
        import pytest

        @pytest.mark.openai_replay(cassette="greeting")
        def test_chat(openai_server):
            pass
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*no cassette at *cassettes/test_inner/greeting.json*record mode is 'none'*"
            "Record it with: pytest test_inner.py::test_chat --record-mode=once"
        ]
    )
    assert len(upstream.log) == 0


def test_marker_record_mode_and_a_named_cassette_shared_by_two_tests(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """record_mode on the marker records; a second test replays the same named cassette."""
    source = """
    import pytest

    @pytest.mark.openai_replay(cassette="shared", record_mode="once")
    def test_a(openai_server, openai_client):
        assert openai_client.responses.create(model="m", input="hello").output_text == "You said: hello"

    @pytest.mark.openai_replay(cassette="shared")
    def test_b(openai_server, openai_client):
        assert openai_server.mode == "replay"
        assert openai_client.responses.create(model="m", input="hello").output_text == "You said: hello"
    """
    project(pytester, upstream, source)
    pytester.runpytest().assert_outcomes(passed=2)
    assert count(pytester.path / "cassettes" / "test_inner" / "shared.json") == 1 and len(upstream.log) == 1


def test_unplayed_interactions_fail_unless_allowed(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """Replay that leaves recorded requests unused errors at teardown, listing them; allow_unplayed accepts it."""
    project(pytester, upstream)
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    shorter = """
    import pytest

    @pytest.mark.openai_replay{marker}
    def test_chat(openai_client):
        assert openai_client.responses.create(model="m", input="hello").output_text == "You said: hello"
    """
    project(pytester, upstream, shorter.format(marker=""))
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*1 recorded interaction(s) in *test_chat.json never played (pass allow_unplayed=True*"])
    project(pytester, upstream, shorter.format(marker="(allow_unplayed=True)"))
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_request_the_cassette_does_not_have_fails_with_the_closest_match(
    pytester: pytest.Pytester, upstream: FakeServer
) -> None:
    """Replaying a different request fails the test and says which recording was closest."""
    project(pytester, upstream)
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    project(
        pytester,
        upstream,
        """
        import openai, pytest

        @pytest.mark.openai_replay(allow_unplayed=True)
        def test_chat(openai_client):
            with pytest.raises(openai.APIStatusError):
                openai_client.with_options(max_retries=0).responses.create(model="m", input="goodbye")
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*goodbye*"])
    assert len(upstream.log) == 2


XDIST = """
import os, pytest

@pytest.fixture(autouse=True)
def note_port(openai_replay_session_server, request):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"ports/{worker}-{request.node.name}", "w") as f:
        f.write(str(openai_replay_session_server.port))

@pytest.mark.parametrize("n", range(4))
@pytest.mark.openai_replay(record_mode="once")
def test_own(openai_client, n):
    assert openai_client.responses.create(model="m", input=f"own {n}").output_text == f"You said: own {n}"

@pytest.mark.parametrize("n", range(4))
@pytest.mark.openai_replay(cassette="shared", record_mode="new_episodes")
def test_shared(openai_client, n):
    assert openai_client.responses.create(model="m", input=f"shared {n}").output_text == f"You said: shared {n}"

@pytest.mark.parametrize("n", range(4))
def test_simulated(openai_client, n):
    assert openai_client.responses.create(model="m", input="x").output_text == "You said: x"
"""


@pytest.mark.slow
def test_xdist_workers_have_their_own_server_and_never_clobber_cassettes(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """With -n 2: one server (port) per worker; every cassette is written, and a cassette that tests
    on both workers record into keeps every test's interaction."""
    project(pytester, upstream, XDIST)
    notes = pytester.path / "ports"
    notes.mkdir()
    result = pytester.runpytest_subprocess("-n", "2", timeout=180)
    result.assert_outcomes(passed=12)
    folder = pytester.path / "cassettes" / "test_inner"
    assert sorted(p.name for p in folder.glob("test_own*.json")) == [f"test_own[{n}].json" for n in range(4)]
    shared = sorted(str((i.request or {}).get("input")) for i in interactions(load_cassette(folder / "shared.json")))
    assert shared == [f"shared {n}" for n in range(4)]
    ports: dict[str, set[str]] = {}
    for note in notes.iterdir():
        ports.setdefault(note.name.split("-")[0], set()).add(note.read_text())
    assert set(ports) == {"gw0", "gw1"}, ports
    assert all(len(found) == 1 for found in ports.values()), ports
    assert ports["gw0"] != ports["gw1"]
    assert len(upstream.log) == 8


def test_a_record_mode_in_the_config_fixture_makes_tests_cassette_backed(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """record_mode in openai_replay_config opts the tests in its scope into cassettes, marker or not."""
    project(
        pytester,
        upstream,
        """
        import pytest

        @pytest.fixture
        def openai_replay_config():
            return {"record_mode": "once"}

        def test_chat(openai_server, openai_client):
            assert openai_server.mode in ("record", "replay")
            assert openai_client.responses.create(model="m", input="hello").output_text == "You said: hello"
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(passed=1)
    assert count(pytester.path / "cassettes" / "test_inner" / "test_chat.json") == 1 and len(upstream.log) == 1
