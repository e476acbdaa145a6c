"""realtime_schedules draws valid Realtime fault scenarios, and refuses bad arguments with a clear message."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_replay.explore import REALTIME_FAULTS, realtime_schedules
from openai_replay.scenarios import Scenario
from openai_replay.scenarios.loader import load_scenario


@settings(max_examples=60, deadline=None)
@given(schedule=realtime_schedules(max_faults=3, turns=4))
def test_every_drawn_schedule_is_a_valid_realtime_scenario(schedule: Scenario) -> None:
    """Each rule targets one Realtime response (1-4, at most one rule each) and survives the JSON round trip."""
    body = schedule.to_json()
    turns = [rule["match"]["turn"] for rule in body["rules"]]
    assert all(rule["match"]["api"] == "realtime" for rule in body["rules"]) and len(turns) == len(set(turns)) <= 3
    assert all(1 <= t <= 4 for t in turns)
    assert load_scenario(body).to_json() == body


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_faults_restricts_the_kinds(data: st.DataObject) -> None:
    """faults=("close",) draws only closes."""
    schedule = data.draw(realtime_schedules(faults=("close",), max_faults=2))
    assert {d["action"] for rule in schedule.to_json()["rules"] for d in rule["do"]} <= {"close"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"faults": ("explode",)}, "unknown or no fault kinds"),
        ({"max_faults": -1}, "max_faults"),
        ({"turns": 0}, "turns"),
        ({"client_timeout": 0}, "client_timeout"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, message: str) -> None:
    """A bad argument is a ValueError naming it."""
    with pytest.raises(ValueError, match=message):
        realtime_schedules(**kwargs)


def test_the_kinds_are_listed_plainest_first() -> None:
    """The documented kinds, in shrink order."""
    assert REALTIME_FAULTS[:3] == ("fail", "incomplete", "error")
