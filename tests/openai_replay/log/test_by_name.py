"""run_assertion: every assert_* of the log by name, with JSON arguments checked before it runs."""

from __future__ import annotations

import pytest

from openai_replay.log import LogAssertions, RequestLog
from openai_replay.log.by_name import AssertionArgumentError, UnknownAssertion, assertion_names, run_assertion


def test_every_log_assertion_is_reachable_by_name() -> None:
    """The names are the LogAssertions methods without assert_, so a new assertion is served with no edit here."""
    methods = {n[len("assert_") :] for n in dir(LogAssertions) if n.startswith("assert_")}
    assert set(assertion_names()) == methods
    assert methods >= {"chained", "retried", "full_context", "reconnected", "cancelled", "one_in_flight"}


def test_the_control_api_docs_list_every_assertion() -> None:
    """docs/control-api.md has a row for each assertion the server runs by name, so the two cannot drift."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "control-api.md").read_text()
    missing = [name for name in assertion_names() if f"| `{name}` |" not in docs]
    assert not missing, f"docs/control-api.md lists no row for: {missing}"


def test_failures_pass_and_argument_errors_are_told_apart() -> None:
    """A failing assertion is an outcome with its text; unknown names and bad arguments raise, naming the signature."""
    log = RequestLog()
    outcome = run_assertion(log, "retried", {"code": "rate_limit_exceeded"})
    assert not outcome.passed and "no request failed with 'rate_limit_exceeded'" in (outcome.failure or "")
    assert run_assertion(log, "one_in_flight").passed
    with pytest.raises(UnknownAssertion, match="known: all_closed"):
        run_assertion(log, "timeline")
    for args, expected in (
        ({}, "missing argument 'code'"),
        ({"code": 3}, "'code' got 3"),
        ({"turn": True}, "takes no argument 'turn'"),
        ("x", "arguments are a JSON object"),
    ):
        with pytest.raises(AssertionArgumentError, match=expected):
            run_assertion(log, "retried", args)
    with pytest.raises(AssertionArgumentError, match=r"'turns' got 'a'"):
        run_assertion(log, "chained", {"turns": ["a"]})
