"""``--openai-replay-url``: the ``openai_server`` fixture for a fake server running elsewhere
(``openai-replay serve`` in another container, say), driven over its control API.

Each test starts from a reset server; its scenario (a built-in name such as ``"cache_miss"`` or
``"connection_limit:turn=3"``, a JSON scenario file, or a scenario dict) is loaded over the API, and
``openai_server.log.assert_*`` run server-side. What needs the server in-process (cassettes,
recording, a `Scenario` object, ``server`` settings) fails the test saying so.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openai_replay.control_client import RemoteLog, ReplayControl
from openai_replay.inbound import JsonInputError, read_file
from openai_replay.pytest_plugin.settings import Settings
from openai_replay.scenarios.library import BUILTINS

__all__ = ["RemoteReplayServer", "open_remote"]

IN_PROCESS_ONLY = "needs the fake server in this process: run without --openai-replay-url"


class RemoteReplayServer:
    """The ``openai_server`` of a test against a server elsewhere: ``url``, ``ws_url``, ``log``, ``use()``, ``reset()``."""

    mode = "remote"

    def __init__(self, url: str, settings: Settings, search: tuple[Path, ...] = ()) -> None:
        self.control = ReplayControl(url)
        self.settings = settings
        self.search = search
        self.scenario: str | None = None

    @property
    def url(self) -> str:
        return f"{self.control.base}/v1"

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http") :] + "/responses"

    @property
    def log(self) -> RemoteLog:
        """The server's request log; its ``assert_*`` methods run on the server (see `RemoteLog`)."""
        return self.control.log

    @property
    def requests(self) -> RemoteLog:
        return self.log

    def timeline(self) -> str:
        return self.control.timeline()

    def describe(self) -> str:
        where = f"the server at {self.control.base}"
        return f"scenario {self.scenario!r} on {where}" if self.scenario else f"the simulated model on {where}"

    def use(self, source: Any) -> None:
        """Answer with a scenario: a built-in name (``"name:key=value"``), a JSON file, or a scenario dict."""
        doc = scenario_document(source, self.search)
        self.scenario = str(self.control.load_scenario(doc)["scenario"])

    def reset(self) -> None:
        self.control.reset()
        self.scenario = None

    def problems(self) -> list[str]:
        if self.scenario is None or self.settings.allow_unplayed:
            return []
        return [f"scenario: {p}" for p in self.control.verify()["rules"]]


def scenario_document(source: Any, search: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The control API's scenario JSON for what a test names; a `pytest.fail` for what cannot travel."""
    if isinstance(source, dict):
        return source
    if not isinstance(source, (str, Path)):
        pytest.fail(f"openai-replay: a {type(source).__name__} scenario {IN_PROCESS_ONLY}, or name a built-in or JSON file")
    text = str(source)
    name, _, rest = text.partition(":")
    if name in BUILTINS:
        params: dict[str, Any] = {}
        for pair in filter(None, rest.split(",")):
            key, _, value = pair.partition("=")
            try:
                params[key.strip()] = json.loads(value)
            except json.JSONDecodeError:
                params[key.strip()] = value
        return {"builtin": name, "params": params}
    for folder in (Path(), *search):
        path = folder / text
        if path.is_file():
            try:
                loaded = read_file(path)  # the strict reader: a repeated key is an error, not a silent drop
            except (OSError, JsonInputError) as exc:
                pytest.fail(f"openai-replay: cannot read scenario file {path}: {exc}")
            return loaded if isinstance(loaded, dict) else {"rules": loaded}
    pytest.fail(f"openai-replay: {text!r} is neither a built-in scenario ({', '.join(BUILTINS)}) nor a scenario file")


@contextlib.contextmanager
def open_remote(url: str, settings: Settings, *, search: tuple[Path, ...] = ()) -> Iterator[RemoteReplayServer]:
    """The remote server for one test: reset, with the test's scenario loaded."""
    for name in ("cassette", "server", "speed", "upstream"):
        if settings.origin.get(name, "default") != "default":
            pytest.fail(f"openai-replay: the {name!r} setting {IN_PROCESS_ONLY}")
    if settings.record_mode != "none":
        pytest.fail(f"openai-replay: record_mode={settings.record_mode} {IN_PROCESS_ONLY}")
    handle = RemoteReplayServer(url, settings, search)
    handle.reset()
    if settings.scenario is not None:
        handle.use(settings.scenario)
    yield handle
