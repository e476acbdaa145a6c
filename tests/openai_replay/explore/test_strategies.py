"""fault_schedules: valid scenarios, only faults the real server could produce, shrinking to the plainest."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fuzzkit import budget
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_replay.explore import DEFAULT_CLIENT_TIMEOUT, FAULTS, fault_schedules
from openai_replay.scenarios import Scenario, load_scenario, schema

FAST = settings(max_examples=budget(150), deadline=None, database=None, suppress_health_check=list(HealthCheck))
VALIDATOR = jsonschema.Draft202012Validator(schema())


def minimal(strategy: st.SearchStrategy[Scenario], wanted: Any) -> Scenario:
    """The schedule Hypothesis shrinks to when a test fails on every schedule ``wanted`` accepts."""
    failing: list[Scenario] = []

    @settings(max_examples=300, database=None, derandomize=True)
    @given(strategy)
    def prop(schedule: Scenario) -> None:
        if wanted(schedule):
            failing.append(schedule)
            raise AssertionError("wanted")

    with pytest.raises(AssertionError, match="wanted"):
        prop()
    return failing[-1]  # Hypothesis replays the shrunk example last


def codes(s: Scenario) -> list[str | None]:
    return [getattr(getattr(x, "error", None), "code", None) for r in s.rules for x in r.actions]


@FAST
@given(schedule=fault_schedules(max_faults=4, faults=FAULTS))
def test_every_schedule_is_a_valid_scenario_file(schedule: Scenario) -> None:
    """Every drawn schedule is schema-valid scenario JSON that loads back to itself."""
    doc = schedule.to_json()
    VALIDATOR.validate(doc)
    assert load_scenario(doc).to_json() == doc
    assert len(schedule.rules) <= 4


@FAST
@given(schedule=fault_schedules(max_faults=4, faults=["error"]))
def test_protocol_errors_only_where_the_server_could_send_them(schedule: Scenario) -> None:
    """A cache miss only on chained requests before any event; the connection limit for the rest of a connection."""
    for rule in schedule.rules:
        error = rule.actions[0]
        code = error.error.code  # type: ignore[attr-defined]
        if code == "previous_response_not_found":
            assert rule.match.chained is True and error.after is None and rule.times == 1
            assert rule.match.turn is None or 1 not in rule.match.turn
        elif code == "websocket_connection_limit_reached":
            assert rule.times is None and error.after is None
            assert rule.match.connection is not None and rule.match.turn_on_connection is not None
            assert rule.match.turn_on_connection.max is None  # from request k on: the rest of the connection
        else:
            assert rule.times == 1


@FAST
@given(schedule=fault_schedules(max_faults=4, faults=["error", "stall", "close"], transport="http", client_timeout=0.4))
def test_http_has_no_connection_limit_and_stalls_stay_below_the_timeout(schedule: Scenario) -> None:
    """Over HTTP there is no connection limit; every stall is shorter than the client timeout given."""
    assert "websocket_connection_limit_reached" not in codes(schedule)
    for rule in schedule.rules:
        for action in rule.actions:
            assert action.kind in ("error", "stall", "close")
            if action.kind == "stall":
                assert 0 < action.seconds < 0.4  # type: ignore[attr-defined]


@FAST
@given(schedule=fault_schedules(faults="close"))
def test_faults_limits_the_kinds(schedule: Scenario) -> None:
    """``faults`` restricts the drawn actions to the scenario action names given."""
    assert all(x.kind == "close" for r in schedule.rules for x in r.actions)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"faults": ["explode"]}, "unknown fault kind(s) 'explode'; choose from error, fail"),
        ({"faults": ["text"]}, "these are scenario actions but not faults"),
        ({"faults": []}, "no fault kind given"),
        ({"max_faults": -1}, "max_faults is a number of rules"),
        ({"turns": 0}, "turns is the highest request number"),
        ({"transport": "grpc"}, "transport is 'ws', 'http' or None"),
        ({"client_timeout": 0}, "client_timeout is in seconds"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs: dict[str, Any], message: str) -> None:
    """Bad arguments raise one clear ValueError naming the argument, before any drawing."""
    with pytest.raises(ValueError, match=r"^fault_schedules: ") as info:
        fault_schedules(**kwargs)
    assert message in str(info.value)


#: The plainest rule of all: a request-level server_error on the next request.
PLAINEST = {"times": 1, "optional": True, "do": [{"action": "error", "code": "server_error"}]}


def shrunk(found: Scenario, wanted: dict[str, Any]) -> None:
    """``found`` holds ``wanted`` and otherwise, at most, the plainest rule: Hypothesis's shrinker does
    not always delete a rule that is already all-simplest (seen with some seeds)."""
    rules = found.to_json()["rules"]
    assert wanted in rules and all(r in (wanted, PLAINEST) for r in rules), rules


def test_shrinks_to_the_plainest_cache_miss() -> None:
    """A test failing on two cache misses shrinks to two one-shot rules on the next chained request."""
    found = minimal(fault_schedules(faults=["error"]), lambda s: codes(s).count("previous_response_not_found") >= 2)
    error = {"action": "error", "code": "previous_response_not_found"}
    miss = {"times": 1, "optional": True, "match": {"chained": True}, "do": [error]}
    shrunk(found, miss)
    assert codes(found).count("previous_response_not_found") == 2


def test_shrinks_to_the_earliest_plainest_close_and_stall() -> None:
    """A close shrinks to code 1011 before any event; a stall to its shortest length, on the next request."""
    close = minimal(fault_schedules(), lambda s: any(x.kind == "close" and x.after for r in s.rules for x in r.actions))
    shrunk(close, {"times": 1, "optional": True, "do": [{"action": "close", "code": 1011, "after": 0}]})
    stall = minimal(fault_schedules(), lambda s: "stall" in [x.kind for r in s.rules for x in r.actions])
    seconds = round(0.05 * DEFAULT_CLIENT_TIMEOUT, 3)
    shrunk(stall, {"times": 1, "optional": True, "do": [{"action": "stall", "seconds": seconds, "after": 0}]})
