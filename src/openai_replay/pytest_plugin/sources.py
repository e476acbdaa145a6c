"""Choosing what answers a test: its scenario, its cassette (replayed or recorded), or the simulated model.

A test is *cassette-backed* when it carries the ``openai_replay`` marker (without a scenario), names
a ``cassette``, ``upstream``, ``record_mode`` or ``speed`` in the marker or ``openai_replay_config``,
or already has a cassette at its path (beside the test file; the old ``<rootdir>/cassettes`` layout
is still found). Other tests talk to the simulated model and ``--record-mode`` leaves them alone,
as pytest-recording leaves tests without its ``vcr`` marker alone.

No silent fallbacks: in mode ``none`` a missing cassette that the test implies is `CassetteMissing`
(naming the pytest command that records it), and a recording is kept as the cassette only when the
test passed and every request reached the upstream; otherwise it goes to ``<name>.failed.json``
(`RecordingFailed`). Cassette-backed tests follow `openai_replay.cassette.record_mode.decide`:
replay runs on the session's server; recording starts a `RecordingProxy` to the upstream for this
test alone. While a test records, it holds a lock on the cassette's folder, so two xdist workers
sharing a cassette take turns instead of overwriting each other.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openai_replay.cassette.redact import Redactor
from openai_replay.pytest_plugin.server import ReplayServer, prepare, resolve_scenario
from openai_replay.pytest_plugin.settings import Settings, cassette_path, legacy_cassette_path
from openai_replay.server import FakeServer

__all__ = [
    "CassetteMissing",
    "RecordingFailed",
    "TestInfo",
    "cassette_lock",
    "failed_path",
    "find_cassette",
    "open_for_test",
    "uses_a_cassette",
]


class CassetteMissing(Exception):
    """Mode ``none`` and the test's cassette is implied but missing (the message names the fix)."""


class RecordingFailed(Exception):
    """The recording was not kept as the cassette (saved aside as ``<name>.failed.json``)."""


@dataclass(frozen=True)
class TestInfo:
    """Where a test lives and how it went: what the sources need from pytest, without pytest."""

    nodeid: str
    rootdir: Path
    test_dir: Path
    module: str
    name: str
    has_marker: bool = False
    #: True once the test's call has failed (checked when a recording ends).
    failed: Callable[[], bool] = lambda: False
    #: Called with a one-line notice for the user (an old-layout cassette, ...).
    notice: Callable[[str], None] = lambda message: None

    def command(self, mode: str) -> str:
        """``pytest 'tests/x.py::test_y' --record-mode=<mode>``: the command that records this test."""
        return f"pytest {shlex.quote(self.nodeid)} --record-mode={mode}"


#: Settings that imply the test replays or records a cassette when the marker or config sets them.
IMPLYING = ("cassette", "upstream", "record_mode", "speed", "time_scale")


def _implied_by(settings: Settings, test: TestInfo) -> list[str]:
    """What says this test has a cassette: its settings, or a bare ``@pytest.mark.openai_replay``
    (as a bare ``@pytest.mark.vcr``). A marker with only ``server=``/``allow_unplayed=`` implies none."""
    found = [f"{name} setting" for name in IMPLYING if settings.origin.get(name) in ("marker", "openai_replay_config")]
    if test.has_marker and "marker" not in settings.origin.values():
        found.append("bare @pytest.mark.openai_replay marker")
    return found


def find_cassette(settings: Settings, test: TestInfo, *, quiet: bool = False) -> Path:
    """The test's cassette path; an existing cassette in the old layout (``<rootdir>/cassettes/<module>``)
    is used where it is, with a one-line notice saying where it belongs now."""
    path = cassette_path(settings, test_dir=test.test_dir, module=test.module, test=test.name)
    if path.is_file():
        return path
    legacy = legacy_cassette_path(settings, rootdir=test.rootdir, module=test.module, test=test.name)
    if legacy is not None and legacy != path and legacy.is_file():
        if quiet:
            return legacy
        move = f"mkdir -p {shlex.quote(str(path.parent))} && mv {shlex.quote(str(legacy))} {shlex.quote(str(path))}"
        test.notice(f"openai-replay: {test.nodeid} uses {legacy} from the old cassette layout; move it to {path} ({move})")
        return legacy
    return path


def uses_a_cassette(settings: Settings, test: TestInfo) -> bool:
    """True when the test will replay or record a cassette (or error for lack of one), not a scenario
    or the simulated model."""
    if settings.scenario is not None:
        return False
    implied = bool(_implied_by(settings, test))
    path = find_cassette(settings, test, quiet=True)
    if not (test.has_marker or implied or path.is_file()):
        return False
    return settings.record_mode != "none" or path.is_file() or implied


@contextlib.contextmanager
def open_for_test(server: FakeServer, settings: Settings, test: TestInfo) -> Iterator[ReplayServer]:
    """The server for one test, set up from ``settings``; put back in order when the block ends."""
    path = find_cassette(settings, test, quiet=settings.scenario is not None)  # a scenario test uses no cassette
    if settings.scenario is not None:
        source = resolve_scenario(settings.scenario, search=(test.test_dir, test.rootdir))
        with _closing(prepare(server, settings, path, source, "scenario")) as handle:
            yield handle
        return
    implied = _implied_by(settings, test)
    if not (test.has_marker or implied or path.is_file()):
        with _closing(prepare(server, settings, path, None, "simulated")) as handle:
            yield handle
        return
    if settings.record_mode == "none" and not path.is_file():
        if implied:
            raise CassetteMissing(
                f"no cassette at {path}, and record mode is 'none' (replay only); a cassette is implied by "
                f"this test's {' and '.join(implied)}. Record it with: {test.command('once')}"
            )
        with _closing(prepare(server, settings, path, None, "simulated")) as handle:  # marker with server= only
            yield handle
        return
    from openai_replay.cassette import decide

    with contextlib.ExitStack() as locked:
        locked.enter_context(cassette_lock(path))  # decide and write while no other worker records here
        plan = decide(settings.record_mode, path, upstream=settings.upstream)
        if not plan.record:
            locked.close()  # replaying needs no lock
            with _closing(prepare(server, settings, path, _replay(path, settings, test), "replay")) as handle:
                yield handle
            return
        with _recording(settings, path, test, keep_existing=plan.keep_existing, replay=plan.replay) as handle:
            yield handle


def _replay(path: Path, settings: Settings, test: TestInfo) -> Any:
    from openai_replay.cassette import CassetteReplay, load_cassette

    options: dict[str, Any] = {"rerecord": test.command("rewrite"), **_matching(settings)}
    if settings.speed is not None:
        options["speed"] = settings.speed
    if settings.time_scale is not None:
        options["time_scale"] = settings.time_scale
    return CassetteReplay(load_cassette(path), **options)


def _redactor(settings: Settings) -> Redactor:
    """The test's redaction: the defaults plus the vcrpy-style keys of ``openai_replay_config``."""
    from openai_replay.cassette.vcrhooks import vcr_request_hook, vcr_response_hook

    origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.upstream))
    request_hooks = [
        vcr_request_hook(settings.before_record_request, origin) if settings.before_record_request else None,
        settings.before_record_request_part,
    ]
    response_hooks = [
        vcr_response_hook(settings.before_record_response) if settings.before_record_response else None,
        settings.before_record_response_part,
    ]
    return Redactor(
        filter_headers=settings.filter_headers,
        filter_query_parameters=settings.filter_query_parameters,
        filter_post_data_parameters=settings.filter_post_data_parameters,
        before_record_request=_chain(request_hooks),
        before_record_response=_chain(response_hooks),
    )


def _chain(hooks: list[Callable[[Any], Any] | None]) -> Callable[[Any], Any] | None:
    """One hook running each given hook in turn; None as soon as one leaves the part out."""
    given = [hook for hook in hooks if hook is not None]
    if len(given) <= 1:
        return given[0] if given else None

    def chained(part: Any) -> Any:
        for hook in given:
            part = hook(part)
            if part is None:
                return None
        return part

    return chained


def _matching(settings: Settings) -> dict[str, Any]:
    """Replay options: the same request-side redaction on live requests, and ``match_on``."""
    options: dict[str, Any] = {"redactor": _redactor(settings), "allow_playback_repeats": settings.allow_playback_repeats}
    if settings.match_on is not None:
        options["match_on"] = settings.match_on
    return options


@contextlib.contextmanager
def _closing(handle: ReplayServer) -> Iterator[ReplayServer]:
    try:
        yield handle
    finally:
        handle.close()


def failed_path(path: Path) -> Path:
    """Where a recording that is not a cassette goes: ``<name>.failed.json`` beside it."""
    return path.with_name(path.stem + ".failed.json")


@contextlib.contextmanager
def _recording(settings: Settings, path: Path, test: TestInfo, *, keep_existing: bool, replay: bool) -> Iterator[ReplayServer]:
    """A recording proxy for this test. It writes a working file; only a recording whose test passed
    and whose every request reached the upstream becomes ``path``, the rest go to ``<name>.failed.json``."""
    from openai_replay.cassette import load_cassette
    from openai_replay.server.recorder import RecordingProxy

    existing = load_cassette(path) if keep_existing and path.is_file() else None
    options: dict[str, Any] = {"keep": existing, "meta": {"rerecord": test.command("rewrite")}}
    if replay and existing is not None:
        options["replay"] = existing
    path.parent.mkdir(parents=True, exist_ok=True)
    working = path.with_name(path.stem + ".recording.json")
    proxy = RecordingProxy(upstream=settings.upstream, out=working, redact=_redactor(settings), **options)
    proxy.start_in_thread()
    try:
        yield ReplayServer(server=proxy, settings=settings, cassette_path=path, mode="record")
    finally:
        proxy.stop_thread()
        _keep_or_set_aside(proxy, working, path, test)


def _counted(problems: Iterable[str]) -> list[str]:
    """Each distinct problem once, with how many requests hit it (an unreachable upstream fails every retry)."""
    counts = collections.Counter(problems)
    return [p if n == 1 else f"{p} ({n} requests)" for p, n in counts.items()]


def _keep_or_set_aside(proxy: Any, working: Path, path: Path, test: TestInfo) -> None:
    problems = _counted(proxy.failures())
    if test.failed():
        problems.insert(0, "the test failed")
    aside = failed_path(path)
    if not problems:
        os.replace(working, path)
        aside.unlink(missing_ok=True)  # an earlier failed attempt is superseded
        return
    os.replace(working, aside)
    raise RecordingFailed(
        f"the recording of {test.nodeid} was not saved as its cassette ({'; '.join(problems)}). "
        f"It is kept for inspection in {aside}, which is never replayed. "
        f"Fix the cause and record again: {test.command('once' if not path.is_file() else 'rewrite')}"
    )


@contextlib.contextmanager
def cassette_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the cassette's folder while recording (POSIX ``flock``).

    Locking the folder rather than a lock file leaves nothing behind in the cassette tree; tests
    recording into one folder from several workers take turns. Where ``flock`` is unavailable
    (Windows) this is a no-op.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
