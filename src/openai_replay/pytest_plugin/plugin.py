"""The pytest plugin (entry point ``pytest11``): fixtures, the marker, ``--record-mode``, the report.

Fixtures (none autouse):

- ``openai_server``: the worker's fake server, reset for this test and answering from the test's
  scenario, cassette or the simulated model (`ReplayServer`: ``url``, ``ws_url``, ``log``,
  ``use()``, ``reset()``). It also points ``OPENAI_BASE_URL`` at the server for this test.
- ``openai_client`` / ``async_openai_client``: the openai SDK pointed at it.
- ``openai_replay_config``: a dict of defaults; override it at any scope.
- ``openai_replay_settings``: what this test resolved to (command line > marker > config > ini).

This is the only module that imports both pytest and the server.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from openai_replay.pytest_plugin.settings import MARKER_KEYS, RECORD_MODES, Settings, SettingsError, resolve

if TYPE_CHECKING:  # the server is imported when a test first asks for it, not on every pytest start
    from openai_replay.pytest_plugin.server import ReplayServer
    from openai_replay.server import FakeServer

__all__ = [
    "async_openai_client",
    "openai_client",
    "openai_replay_config",
    "openai_replay_session_server",
    "openai_replay_settings",
    "openai_server",
]

#: Failing explore schedules written to files and shown in the report (pytest_plugin/explore.py).
pytest_plugins = ["openai_replay.pytest_plugin.explore"]

HANDLE = pytest.StashKey["ReplayServer"]()
CALL_REPORT = pytest.StashKey[pytest.TestReport]()
DUMMY_KEY = "sk-openai-replay-fake-key"
MARKER_HELP = (
    "openai_replay(cassette=None, scenario=None, record_mode=None, speed=None, upstream=None, server=None, "
    "allow_unplayed=False): configure the openai_server fixture for this test (see docs/pytest-plugin.md)."
)


# -- options ---------------------------------------------------------------------------------------
def _recording_adds_flag(pluginmanager: pytest.PytestPluginManager) -> bool:
    """True when pytest-recording (which owns ``--record-mode`` too) is or will be loaded."""
    if pluginmanager.has_plugin("recording") or pluginmanager.has_plugin("pytest_recording.plugin"):
        return True
    if pluginmanager.is_blocked("recording") or os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return importlib.util.find_spec("pytest_recording") is not None


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if not _recording_adds_flag(pluginmanager):
        # Same group and flag as pytest-recording, so one --record-mode drives both plugins.
        group = parser.getgroup("recording")
        try:
            group.addoption(
                "--record-mode",
                action="store",
                default=None,
                choices=RECORD_MODES,
                help="Cassette record mode: none (default: replay only), once, new_episodes, all, rewrite.",
            )
        except ValueError:  # registered already (pytest-recording loaded first)
            pass
    parser.addini("openai_replay_cassette_dir", "openai-replay: cassette folder, relative to rootdir (default: cassettes)")
    parser.addini("openai_replay_upstream_url", "openai-replay: the API to record from (default: https://api.openai.com/v1)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    mode = config.getoption("record_mode", default=None)
    if mode is not None and mode not in RECORD_MODES:
        raise pytest.UsageError(f"{mode!r} is not a valid record mode. Valid modes: {', '.join(RECORD_MODES)}.")


def pytest_report_header(config: pytest.Config) -> str:
    mode = config.getoption("record_mode", default=None) or "none"
    folder = config.getini("openai_replay_cassette_dir") or "cassettes"
    return f"openai-replay: record_mode={mode}, cassette_dir={folder}"


# -- the failure report ----------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the call's report (teardown checks look at it) and add the exchange to failed reports."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    handle = item.stash.get(HANDLE, None)
    if handle is not None and report.failed:
        report.sections.append((f"openai-replay exchange ({report.when})", _report_section(handle, report.when)))
    return report


def _report_section(handle: ReplayServer, when: str) -> str:
    lines = [f"answered by {handle.describe()}; settings: {handle.settings.describe()}"]
    if when == "call":
        lines += [f"also: {p}" for p in handle.problems()]
    lines.append(handle.timeline())
    return "\n".join(lines)


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture
def openai_replay_config() -> dict[str, Any]:
    """Defaults for ``openai_server`` in this scope (``{"scenario": ..., "server": {...}}``); override it."""
    return {}


def _marker_kwargs(node: pytest.Item) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for mark in reversed(list(node.iter_markers("openai_replay"))):  # farthest first, closest wins
        if mark.args:
            raise pytest.UsageError(
                f"{node.nodeid}: @pytest.mark.openai_replay takes keyword arguments only "
                f"({', '.join(MARKER_KEYS)}); got positional {mark.args!r}."
            )
        merged.update(mark.kwargs)
    return merged


@pytest.fixture
def openai_replay_settings(request: pytest.FixtureRequest, openai_replay_config: dict[str, Any]) -> Settings:
    """This test's settings: command line > marker > ``openai_replay_config`` > ini > defaults."""
    config = request.config
    cli = {"record_mode": config.getoption("record_mode", default=None)}
    ini = {
        "cassette_dir": config.getini("openai_replay_cassette_dir") or None,
        "upstream": config.getini("openai_replay_upstream_url") or None,
    }
    try:
        return resolve(cli=cli, marker=_marker_kwargs(request.node), config=openai_replay_config or {}, ini=ini)
    except SettingsError as exc:
        raise pytest.UsageError(f"{request.node.nodeid}: {exc}") from None


@pytest.fixture(scope="session")
def openai_replay_session_server() -> Iterator[FakeServer]:
    """The fake server of this session (one per xdist worker), on a free loopback port, in a thread."""
    from openai_replay.server import FakeServer

    server = FakeServer()
    server.start_in_thread()
    try:
        yield server
    finally:
        server.stop_thread()


@pytest.fixture
def openai_server(
    request: pytest.FixtureRequest,
    openai_replay_settings: Settings,
    openai_replay_session_server: FakeServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ReplayServer]:
    """A running fake Responses server for this test: ``url``, ``ws_url``, ``log``, ``use()``, ``reset()``."""
    from openai_replay.pytest_plugin.sources import open_for_test

    node = request.node
    test_name = ".".join(node.nodeid.split("::")[1:]) or node.name
    with open_for_test(
        openai_replay_session_server,
        openai_replay_settings,
        rootdir=request.config.rootpath,
        module=Path(node.path).stem,
        test=test_name,
        test_dir=Path(node.path).parent,
        has_marker=node.get_closest_marker("openai_replay") is not None,
    ) as handle:
        node.stash[HANDLE] = handle
        monkeypatch.setenv("OPENAI_BASE_URL", handle.url)
        if not os.environ.get("OPENAI_API_KEY"):
            monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
        yield handle
        problems = handle.problems()
        if problems and not _failed(node):
            pytest.fail("openai-replay: " + "\n".join(problems), pytrace=False)  # the report section shows the exchange


def _failed(node: pytest.Item) -> bool:
    report = node.stash.get(CALL_REPORT, None)
    return report is not None and report.failed


def _client_options(settings: Settings, url: str, http_client: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"base_url": url, "api_key": os.environ.get("OPENAI_API_KEY") or DUMMY_KEY}
    options.update(settings.client)
    if "http_client" not in options and url.startswith("http://"):
        # Plain HTTP on loopback needs no certificates: skipping them makes the client ~10x cheaper to build.
        options["http_client"] = http_client(verify=False)
    return options


@pytest.fixture
def openai_client(openai_server: ReplayServer) -> Iterator[Any]:
    """An ``openai.OpenAI`` client pointed at ``openai_server`` (options from config key ``client``)."""
    from openai import DefaultHttpxClient, OpenAI

    client = OpenAI(**_client_options(openai_server.settings, openai_server.url, DefaultHttpxClient))
    try:
        yield client
    finally:
        client.close()


async def _async_client(openai_server: ReplayServer) -> AsyncIterator[Any]:
    """An ``openai.AsyncOpenAI`` client pointed at ``openai_server`` (options from config key ``client``)."""
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    client = AsyncOpenAI(**_client_options(openai_server.settings, openai_server.url, DefaultAsyncHttpxClient))
    try:
        yield client
    finally:
        await client.close()


def _needs_pytest_asyncio(openai_server: ReplayServer) -> Any:
    """An ``openai.AsyncOpenAI`` client pointed at ``openai_server`` (needs pytest-asyncio)."""
    raise pytest.UsageError("async_openai_client needs pytest-asyncio (pip install pytest-asyncio) to run async fixtures")


if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    async_openai_client = pytest_asyncio.fixture(_async_client, name="async_openai_client")
else:  # pragma: no cover - pytest-asyncio is in the test extra
    async_openai_client = pytest.fixture(_needs_pytest_asyncio, name="async_openai_client")
