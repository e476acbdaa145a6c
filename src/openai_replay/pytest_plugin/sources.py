"""Choosing what answers a test: its scenario, its cassette (replayed or recorded), or the simulated model.

A test is *cassette-backed* when it carries the ``openai_replay`` marker (without a scenario), names
a ``cassette`` or a ``record_mode`` in ``openai_replay_config``, or already has a cassette at its
default path. Other tests talk to the simulated model and ``--record-mode`` leaves them alone, as
pytest-recording leaves tests without its ``vcr`` marker alone.

Cassette-backed tests follow `openai_replay.cassette.record_mode.decide`: replay runs on the
session's server; recording starts a `RecordingProxy` to the upstream for this test alone and
writes the cassette when the test ends. While a test records, it holds a lock on the cassette's
folder, so two xdist workers sharing a cassette take turns instead of overwriting each other.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openai_replay.cassette.redact import Redactor
from openai_replay.pytest_plugin.server import ReplayServer, prepare, resolve_scenario
from openai_replay.pytest_plugin.settings import Settings, cassette_path
from openai_replay.server import FakeServer

__all__ = ["cassette_lock", "open_for_test"]


@contextlib.contextmanager
def open_for_test(
    server: FakeServer,
    settings: Settings,
    *,
    rootdir: Path,
    module: str,
    test: str,
    test_dir: Path,
    has_marker: bool,
) -> Iterator[ReplayServer]:
    """The server for one test, set up from ``settings``; put back in order when the block ends."""
    path = cassette_path(settings, rootdir=rootdir, module=module, test=test)
    if settings.scenario is not None:
        source = resolve_scenario(settings.scenario, search=(test_dir, rootdir))
        with _closing(prepare(server, settings, path, source, "scenario")) as handle:
            yield handle
        return
    chosen_mode = settings.origin.get("record_mode") == "openai_replay_config"
    backed = has_marker or chosen_mode or settings.cassette is not None or path.is_file()
    if not backed or (settings.record_mode == "none" and not path.is_file() and settings.cassette is None):
        with _closing(prepare(server, settings, path, None, "simulated")) as handle:
            yield handle
        return
    from openai_replay.cassette import CassetteReplay, decide, load_cassette

    if settings.record_mode == "none":
        decide("none", path, upstream=settings.upstream)  # raises CassetteNotFound, naming the fix
        source = CassetteReplay(load_cassette(path), **_speed(settings), **_matching(settings))
        with _closing(prepare(server, settings, path, source, "replay")) as handle:
            yield handle
        return
    with contextlib.ExitStack() as locked:
        locked.enter_context(cassette_lock(path))  # decide and write while no other worker records here
        plan = decide(settings.record_mode, path, upstream=settings.upstream)
        if not plan.record:
            locked.close()  # replaying needs no lock
            source = CassetteReplay(load_cassette(path), **_speed(settings), **_matching(settings))
            with _closing(prepare(server, settings, path, source, "replay")) as handle:
                yield handle
            return
        with _recording(server, settings, path, keep_existing=plan.keep_existing, replay=plan.replay) as handle:
            yield handle


def _speed(settings: Settings) -> dict[str, Any]:
    return {} if settings.speed is None else {"speed": settings.speed}


def _redactor(settings: Settings) -> Redactor:
    """The test's redaction: the defaults plus the vcrpy-style keys of ``openai_replay_config``."""
    return Redactor(
        filter_headers=settings.filter_headers,
        filter_query_parameters=settings.filter_query_parameters,
        filter_post_data_parameters=settings.filter_post_data_parameters,
        before_record_request=settings.before_record_request,
        before_record_response=settings.before_record_response,
    )


def _matching(settings: Settings) -> dict[str, Any]:
    """Replay options: the same request-side redaction on live requests, and ``match_on``."""
    options: dict[str, Any] = {"redactor": _redactor(settings)}
    if settings.match_on is not None:
        options["match_on"] = settings.match_on
    return options


@contextlib.contextmanager
def _closing(handle: ReplayServer) -> Iterator[ReplayServer]:
    try:
        yield handle
    finally:
        handle.close()


@contextlib.contextmanager
def _recording(
    server: FakeServer, settings: Settings, path: Path, *, keep_existing: bool, replay: bool
) -> Iterator[ReplayServer]:
    """A recording proxy for this test: forwards to the upstream, writes ``path`` when it stops."""
    from openai_replay.cassette import load_cassette
    from openai_replay.server.recorder import RecordingProxy

    existing = load_cassette(path) if keep_existing and path.is_file() else None
    options: dict[str, Any] = {"keep": existing}
    if replay and existing is not None:
        options["replay"] = existing
    path.parent.mkdir(parents=True, exist_ok=True)
    proxy = RecordingProxy(upstream=settings.upstream, out=path, redact=_redactor(settings), **options)
    proxy.start_in_thread()
    try:
        yield ReplayServer(server=proxy, settings=settings, cassette_path=path, mode="record")
    finally:
        proxy.stop_thread()


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
