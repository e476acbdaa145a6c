"""Explore in pytest: when a Hypothesis test that ran a scenario fails, keep the shrunk schedule.

Hypothesis replays the minimal failing example last, so when the test's report is made the
``openai_server`` fixture still holds that example's scenario and request log. This module writes the
scenario as JSON to ``.openai-replay/failures/<module>.<test>.json`` beside the test file and adds a
report section with the file's path, how to replay it, and the JSON (the exchange's timeline is in
the plugin's own section). Loaded by the plugin (``pytest_plugins`` in `plugin`).

`explore` is the one-decorator form of the usual Hypothesis settings plus ``@given(schedule=...)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from openai_replay.pytest_plugin.plugin import HANDLE

__all__ = ["explore", "failure_path"]

F = TypeVar("F", bound=Callable[..., Any])

#: Where failing schedules go, relative to the test file's folder.
FAILURES = Path(".openai-replay") / "failures"


def explore(
    *,
    max_examples: int = 100,
    seed: int | None = None,
    max_faults: int = 3,
    faults: Any = None,
    turns: int | None = None,
    transport: str | None = None,
    client_timeout: float | None = None,
) -> Callable[[F], F]:
    """``@explore(max_examples=200)``: Hypothesis settings for real-server tests and a ``schedule`` argument.

    The same as ``@settings(max_examples=..., deadline=None, suppress_health_check=list(HealthCheck))``
    and ``@given(schedule=fault_schedules(...))`` (plus ``@seed(seed)`` when given). The test still
    calls ``openai_server.use(schedule)`` first, so it reads the same with or without the helper.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seeded

    from openai_replay.explore import DEFAULT_CLIENT_TIMEOUT, fault_schedules

    strategy = fault_schedules(
        max_faults=max_faults,
        faults=faults,
        turns=turns,
        transport=transport,
        client_timeout=client_timeout or DEFAULT_CLIENT_TIMEOUT,
    )

    def wrap(test: F) -> F:
        wrapped = settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck))(
            given(schedule=strategy)(test)
        )
        return seeded(seed)(wrapped) if seed is not None else wrapped  # type: ignore[return-value]

    return wrap


def failure_path(item: pytest.Item, number: int | None = None) -> Path:
    """``.openai-replay/failures/<module>.<test>.json`` beside the test file (``.<n>.json`` for the nth of several)."""
    test = ".".join(item.nodeid.split("::")[1:]) or item.name
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{Path(item.path).stem}.{test}").strip("_")
    return Path(item.path).parent / FAILURES / (f"{safe}.{number}.json" if number else f"{safe}.json")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Write the shrunk schedules of a failed Hypothesis test that ran scenarios, and show them."""
    report = yield
    if report.when != "call" or not report.failed or not getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        return report
    handle = item.stash.get(HANDLE, None)
    if handle is None or not handle.used:
        return report
    # Hypothesis replays each distinct failure's shrunk example once, last: one use() each.
    error = call.excinfo.value if call.excinfo is not None else None
    failures = list(getattr(error, "exceptions", None) or [error])
    schedules = handle.used[-len(failures) :]
    for number, (schedule, failure) in enumerate(zip(schedules, failures, strict=False), 1):
        path = failure_path(item, number if len(schedules) > 1 else None)
        title = "openai-replay explore: the shrunk failing schedule"
        if len(schedules) > 1:
            title += f" {number} of {len(schedules)} ({type(failure).__name__})"
        report.sections.append((title, _keep(item, schedule, path, last=number == len(schedules))))
    return report


def _keep(item: pytest.Item, schedule: Any, path: Path, *, last: bool) -> str:
    to_json = getattr(schedule, "to_json", None)
    if not callable(to_json):
        return f"the source used ({type(schedule).__name__}) is not a scenario, so it has no scenario file"
    try:
        doc = to_json()
    except ValueError as exc:  # a predicate or a custom fallback: no JSON form
        return f"the schedule cannot be written as scenario JSON: {exc}"
    text = json.dumps(doc, indent=2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        where = f"written to {path}"
    except OSError as exc:
        where = f"could not be written to {path}: {exc.strerror or exc}"
    folder = Path(item.path).parent
    shown = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else str(path)
    fired = getattr(schedule, "fired", None)
    counts = "".join(f"\n  {label}: fired {n}" for label, n in fired().items()) if callable(fired) else ""
    timeline = (
        "The exchange's timeline is in the 'openai-replay exchange (call)' section."
        if last
        else "Its timeline: replay the file (the report's exchange section shows the last failure's)."
    )
    return (
        f"The minimal failing schedule Hypothesis found was {where}.\n"
        f'Replay it on its own: @pytest.mark.openai_replay(scenario="{shown}") on a test in {Path(item.path).name}\'s '
        f"folder, or: openai-replay serve --scenario {path}\n"
        f"Rules:{counts or ' none (the client failed with no fault at all)'}\n"
        f"{timeline}\n\n" + text
    )
