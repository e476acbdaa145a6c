"""What the ``openai_server`` fixture hands a test: the running server, set up for that test.

The session's `FakeServer` runs in its own thread (so sync and async tests both reach it) and is
reset before every test. What answers the test is chosen here from its `Settings`:

- a **scenario** (a built-in name, a scenario file, or a `Scenario`/`Source` object);
- a **cassette** replayed by `CassetteReplay`, or recorded through a `RecordingProxy` to the
  upstream, as the record mode decides;
- otherwise the **simulated model**.

No pytest here: the plugin module wires these into fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openai_replay.log import RequestLog
from openai_replay.log.timeline import render
from openai_replay.pytest_plugin.settings import Settings
from openai_replay.server import FakeServer
from openai_replay.source import Source

__all__ = ["Mode", "ReplayServer", "resolve_scenario"]

Mode = Literal["simulated", "scenario", "replay", "record"]


def resolve_scenario(value: Any, *, search: tuple[Path, ...] = ()) -> Source:
    """A scenario from what a test named: a built-in name, a ``.json`` file, or a source object."""
    if hasattr(value, "plan"):
        return value  # type: ignore[no-any-return]
    if isinstance(value, Path) or (isinstance(value, str) and value.endswith(".json")):
        from openai_replay.scenarios import load_scenario

        path = Path(value)
        if not path.is_absolute():
            path = next((base / path for base in search if (base / path).exists()), path)
        return load_scenario(path)
    if isinstance(value, str):
        from openai_replay.scenarios import builtin

        return builtin(value)  # type: ignore[no-any-return]
    raise TypeError(
        f"scenario must be a built-in scenario name, a path to a scenario .json file, or a Scenario object; got {value!r}"
    )


@dataclass(repr=False)
class ReplayServer:
    """A running fake server for one test: ``url``, ``ws_url``, ``log``, ``use()``, ``reset()``.

    ``mode`` says what answers requests (``simulated``, ``scenario``, ``replay`` or ``record``);
    ``cassette_path`` is the test's cassette file (used or not), ``settings`` how it was decided.
    """

    server: Any  # a FakeServer, or a RecordingProxy with the same surface
    settings: Settings
    cassette_path: Path
    mode: Mode = "simulated"
    source: Source | None = None
    #: The server's own base config, put back by `close` (a test's ``server`` settings replace it).
    base_config: Any = None
    #: Every source `use()` installed in this test, oldest first (explore reports the last ones).
    used: list[Source] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        return f"<ReplayServer {self.describe()} at {self.url}>"

    def describe(self) -> str:
        """What answers this test: ``scenario 'rate_limit'``, ``replay of cassettes/x/y.json``, ..."""
        if self.mode == "scenario":
            name = getattr(self.source, "name", None)
            return f"scenario {name!r}" if isinstance(name, str) else f"scenario {type(self.source).__name__}"
        if self.mode == "replay":
            return f"replay of {self.cassette_path}"
        if self.mode == "record":
            return f"recording to {self.cassette_path} from {self.settings.upstream}"
        return "the simulated model"

    # -- addresses --------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The ``base_url`` for the openai SDK: ``http://127.0.0.1:<port>/v1``."""
        return str(self.server.url)

    @property
    def ws_url(self) -> str:
        """The WebSocket URL: ``ws://127.0.0.1:<port>/v1/responses``."""
        return str(self.server.ws_url)

    @property
    def port(self) -> int:
        return int(self.server.port)

    # -- what happened ----------------------------------------------------------------------------
    @property
    def log(self) -> RequestLog:
        """Every connection, request and client frame of this test (see `openai_replay.log.assertions`)."""
        log: RequestLog = self.server.log
        return log

    @property
    def requests(self) -> RequestLog:
        return self.log

    def timeline(self) -> str:
        """The exchange so far, as the failure report shows it."""
        return render(self.log)

    # -- changing what answers --------------------------------------------------------------------
    def use(self, source: Any) -> None:
        """Start over answering with ``source`` (a scenario name, a scenario file, or a `Source`): the log,
        stored responses, ids and the source's rule counts are reset, so each Hypothesis example (or each
        phase of a test) begins on a clean server. The port and the test's settings stay."""
        self._not_recording("use()")
        resolved = resolve_scenario(source)
        _fresh(resolved)
        self.server.reset()
        self.server.use(resolved)
        self.used.append(resolved)
        self.source = resolved
        self.mode = "scenario"

    def reset(self) -> None:
        """Forget this test's requests and go back to the simulated model (the port stays)."""
        self._not_recording("reset()")
        self.server.reset()
        self.source = None
        self.mode = "simulated"

    def _not_recording(self, what: str) -> None:
        if self.mode == "record":
            raise RuntimeError(
                f"openai_server.{what} is not available while this test records from {self.settings.upstream}: "
                "every request goes to the upstream. Use it in replayed, scenario or simulated tests."
            )

    # -- after the test ---------------------------------------------------------------------------
    def close(self) -> None:
        """Give the session server its own config back (the next test resets it)."""
        if self.base_config is not None:
            self.server.base_config = self.base_config
            self.base_config = None

    def problems(self) -> list[str]:
        """What went wrong besides the test's assertions: scenario or cassette not played as written."""
        found: list[str] = []
        verify = getattr(self.source, "verify", None)
        if callable(verify) and self.mode == "scenario" and not self.settings.allow_unplayed:
            unfired = [f"scenario: {p}" for p in verify()]
            found += unfired + (protocol_answers(self.log) if unfired else [])
        if self.mode == "replay" and self.source is not None:
            mismatches = list(getattr(self.source, "mismatches", []))
            found += mismatches
            unplayed = getattr(self.source, "unplayed", None)
            if callable(unplayed) and not self.settings.allow_unplayed:
                left = unplayed()
                if left:
                    found.append(
                        f"{len(left)} recorded interaction(s) in {self.cassette_path} never played "
                        "(pass allow_unplayed=True to the marker to accept that):\n"
                        + "\n".join(f"  - {_describe(i)}" for i in left)
                    )
        return found


def protocol_answers(log: RequestLog) -> list[str]:
    """Requests the server's own protocol answered with an error before any scenario rule saw them:
    the usual reason a rule that should have fired did not."""
    notes = []
    for record in list(log.requests):
        if record.answered_by is not None or record.outcome.kind != "error" or not record.outcome.code:
            continue
        why = ""
        if record.outcome.code == "previous_response_not_found" and record.connection_id is None:
            why = (
                " (over HTTP a store=false response is never kept, so nothing can chain on it: send store=true, "
                "or use WebSocket mode, for a scripted cache miss)"
            )
        notes.append(
            f"request #{record.turn} was answered by the server's protocol rules with {record.outcome.code} "
            f"before any scenario rule saw it{why}; scenario rules see only the requests the protocol lets through."
        )
    return notes


def _describe(interaction: Any) -> str:
    describe = getattr(interaction, "describe", None)
    return str(describe()) if callable(describe) else repr(interaction)


def _fresh(source: Any) -> None:
    """A scenario or cassette object reused across tests starts from the top each time."""
    reset = getattr(source, "reset", None)
    if callable(reset):
        reset()


def prepare(server: FakeServer, settings: Settings, cassette_path: Path, source: Source | None, mode: Mode) -> ReplayServer:
    """Reset the session server for a test, apply its ``server`` settings, and install its source.

    The test's settings become the server's base config until `ReplayServer.close`; a scenario's
    own ``config_overrides`` apply on top of them.
    """
    handle = ReplayServer(server=server, settings=settings, cassette_path=cassette_path, mode=mode, source=source)
    handle.base_config = server.base_config
    if settings.server:
        server.base_config = server.base_config.replace(**settings.server)
    server.reset()
    if source is not None:
        _fresh(source)
        server.use(source)
    return handle
