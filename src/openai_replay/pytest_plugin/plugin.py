"""The pytest plugin (entry point ``pytest11``): fixtures, the marker, ``--record-mode``, the report.

Fixtures (none autouse):

- ``openai_server``: the worker's fake server, reset for this test and answering from the test's
  scenario, cassette or the simulated model (`ReplayServer`: ``url``, ``ws_url``, ``log``,
  ``use()``, ``reset()``). It also points ``OPENAI_BASE_URL`` at the server for this test.
- ``openai_client`` / ``async_openai_client``: the openai SDK pointed at it.
- ``openai_replay_config``: a dict of defaults; override it at any scope.
- ``openai_replay_settings``: what this test resolved to (command line > marker > config > ini).

A test with the ``openai_replay`` marker gets ``openai_server`` even without asking for it.
Living beside pytest-recording (``--block-network``, ``--disable-recording``, the shared
``--record-mode``) is in `openai_replay.pytest_plugin.coexist`.

This is the only module that imports both pytest and the server.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import os
import warnings
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from openai_replay.log.timeline import EXCHANGE_INTRO
from openai_replay.pytest_plugin.coexist import RECORD_MODE_HELP, disable_recording_refusal, loopback_allowed, name_both_in_help
from openai_replay.pytest_plugin.settings import MARKER_KEYS, RECORD_MODES, Settings, SettingsError, resolve
from openai_replay.sdk import MissingSdk, require_openai

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
    "allow_unplayed=False, allow_playback_repeats=False): configure the openai_server fixture for this test "
    "(see docs/pytest-plugin.md)."
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
                help=RECORD_MODE_HELP,
            )
        except ValueError:  # registered already (pytest-recording loaded first)
            pass
    parser.addini(
        "openai_replay_cassette_dir",
        "openai-replay: cassette folder, relative to each test file's folder, or absolute (default: cassettes)",
    )
    parser.addini("openai_replay_upstream_url", "openai-replay: the API to record from (default: https://api.openai.com/v1)")
    parser.addoption(
        "--openai-replay-url",
        default=None,
        help="openai-replay: drive a fake server running elsewhere (openai-replay serve) over its control API",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    name_both_in_help(config)
    mode = config.getoption("record_mode", default=None)
    if mode is not None and mode not in RECORD_MODES:
        raise pytest.UsageError(f"{mode!r} is not a valid record mode. Valid modes: {', '.join(RECORD_MODES)}.")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test with the ``openai_replay`` marker gets ``openai_server`` even when it does not ask for it
    (as pytest-recording's ``vcr`` marker works alone): its scenario or cassette is then in force."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if isinstance(names, list) and "openai_server" not in names and item.get_closest_marker("openai_replay") is not None:
            names.append("openai_server")


#: The fixtures whose presence makes an async test ours to explain when pytest-asyncio won't run it.
OUR_FIXTURES = frozenset({"openai_server", "async_openai_client", "openai_client"})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """An ``async def`` test of ours that pytest-asyncio will not run (its default strict mode wants
    ``@pytest.mark.asyncio``) fails at once saying what to add, instead of pytest's bare "async def
    functions are not natively supported"."""
    reason = strict_mode_problem(item)
    if reason is not None:
        pytest.fail(reason, pytrace=False)


def strict_mode_problem(item: pytest.Item) -> str | None:
    """Why pytest-asyncio will not run this async test of ours, with the fix; ``None`` when it will."""
    function = getattr(item, "obj", None)
    names = getattr(item, "fixturenames", None) or ()
    if not inspect.iscoroutinefunction(function) or not OUR_FIXTURES & set(names):
        return None
    if importlib.util.find_spec("pytest_asyncio") is None:
        return (
            f"{item.name} is an async test: install pytest-asyncio (pip install pytest-asyncio) and mark it "
            '@pytest.mark.asyncio, or set asyncio_mode = "auto" under [tool.pytest.ini_options]'
        )
    import pytest_asyncio

    if pytest_asyncio.is_async_test(item):
        return None
    return (
        f"{item.name} is an async test but pytest-asyncio runs in strict mode (its default): add "
        '@pytest.mark.asyncio to the test, or set asyncio_mode = "auto" under [tool.pytest.ini_options] '
        '(docs/pytest-plugin.md, "Async tests")'
    )


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
        shown = EXCHANGE_INTRO in report.longreprtext  # an assertion of ours printed the exchange already
        report.sections.append((f"openai-replay exchange ({report.when})", _report_section(handle, report.when, shown)))
    return report


def _report_section(handle: ReplayServer, when: str, shown: bool) -> str:
    lines = [f"answered by {handle.describe()}; settings: {handle.settings.describe()}"]
    if when == "call":
        lines += [f"also: {p}" for p in handle.problems()]
    lines.append("(the exchange is in the failure above)" if shown else handle.timeline())
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
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ReplayServer]:
    """A running fake Responses server for this test: ``url``, ``ws_url``, ``log``, ``use()``, ``reset()``."""
    from openai_replay.pytest_plugin.sources import CassetteMissing, RecordingFailed, TestInfo, open_for_test, uses_a_cassette
    from openai_replay.scenarios.match import ScenarioError

    node = request.node
    test = TestInfo(
        nodeid=node.nodeid,
        rootdir=request.config.rootpath,
        test_dir=Path(node.path).parent,
        module=Path(node.path).stem,
        name=".".join(node.nodeid.split("::")[1:]) or node.name,
        has_marker=node.get_closest_marker("openai_replay") is not None,
        failed=lambda: _failed(node),
        notice=_notice,
    )
    settings = openai_replay_settings
    remote = request.config.getoption("openai_replay_url", default=None)
    with contextlib.ExitStack() as stack:
        setup_error: str | None = None
        try:
            refusal = disable_recording_refusal(request) if uses_a_cassette(settings, test) else None
            if refusal:
                pytest.fail(f"openai-replay: {refusal}", pytrace=False)
            if remote:
                from openai_replay.pytest_plugin.remote import open_remote

                handle: Any = stack.enter_context(open_remote(remote, settings, search=(test.test_dir, test.rootdir)))
            else:
                session_server = request.getfixturevalue("openai_replay_session_server")
                upstream = [settings.upstream] if settings.record_mode != "none" else []
                stack.enter_context(loopback_allowed(request, session_server.url, *upstream))
                handle = stack.enter_context(open_for_test(session_server, settings, test))
        except (CassetteMissing, SettingsError, ScenarioError) as exc:
            setup_error = f"openai-replay: {exc}"
        if setup_error is not None:  # failed outside the except block: the message once, not chained twice
            pytest.fail(setup_error, pytrace=False)
        node.stash[HANDLE] = handle
        monkeypatch.setenv("OPENAI_BASE_URL", handle.url)
        if not os.environ.get("OPENAI_API_KEY"):
            monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
        try:
            yield handle
        finally:
            recording_failed: str | None = None
            try:
                stack.close()
            except RecordingFailed as exc:
                recording_failed = f"openai-replay: {exc}"
            if recording_failed is not None:  # outside the except block: printed once, not chained
                if _failed(node):
                    _notice(recording_failed)
                else:
                    pytest.fail(recording_failed, pytrace=False)
        problems = handle.problems()
        if problems and not _failed(node):
            pytest.fail("openai-replay: " + "\n".join(problems), pytrace=False)  # the report section shows the exchange


class OpenAIReplayNotice(UserWarning):
    """Something the user should know that does not fail the test (an old-layout cassette, a recording
    set aside because its test failed)."""


def _notice(message: str) -> None:
    warnings.warn(OpenAIReplayNotice(message), stacklevel=2)


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
    sdk = _sdk("the openai_client fixture")
    client = sdk.OpenAI(**_client_options(openai_server.settings, openai_server.url, sdk.DefaultHttpxClient))
    try:
        yield client
    finally:
        client.close()


async def _async_client(openai_server: ReplayServer) -> AsyncIterator[Any]:
    """An ``openai.AsyncOpenAI`` client pointed at ``openai_server`` (options from config key ``client``)."""
    sdk = _sdk("the async_openai_client fixture")
    client = sdk.AsyncOpenAI(**_client_options(openai_server.settings, openai_server.url, sdk.DefaultAsyncHttpxClient))
    try:
        yield client
    finally:
        await client.close()


def _sdk(what: str) -> Any:
    """The openai module, or a test failure (not an error traceback) naming the extra to install."""
    try:
        return require_openai(what)
    except MissingSdk as exc:
        pytest.fail(str(exc), pytrace=False)


def _needs_pytest_asyncio(openai_server: ReplayServer) -> Any:
    """An ``openai.AsyncOpenAI`` client pointed at ``openai_server`` (needs pytest-asyncio)."""
    raise pytest.UsageError("async_openai_client needs pytest-asyncio (pip install pytest-asyncio) to run async fixtures")


if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    async_openai_client = pytest_asyncio.fixture(_async_client, name="async_openai_client")
else:  # pragma: no cover - pytest-asyncio is in the test extra
    async_openai_client = pytest.fixture(_needs_pytest_asyncio, name="async_openai_client")
