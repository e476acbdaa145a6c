"""Explore: random fault schedules against a real client, each failure shrunk to a scenario file.

    from hypothesis import given, settings, HealthCheck
    from openai_replay.explore import fault_schedules

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(schedule=fault_schedules(max_faults=3))
    async def test_client(openai_server, schedule):
        openai_server.use(schedule)      # a clean server each example
        ...                              # drive the client
        openai_server.log.assert_invariants()

`fault_schedules` draws ordinary `Scenario` objects; Hypothesis generates and shrinks them. The
invariants live in `openai_replay.log.invariants`. Needs Hypothesis (``pip install
'openai-replay[explore]'``). See docs/explore.md.
"""

import importlib.util

if importlib.util.find_spec("hypothesis") is None:  # name the extra instead of a bare ModuleNotFoundError
    raise ModuleNotFoundError(
        "openai_replay.explore needs Hypothesis: pip install 'openai-replay[explore]' (or pip install hypothesis)",
        name="hypothesis",
    )

from openai_replay.explore.realtime import REALTIME_FAULTS, realtime_schedules
from openai_replay.explore.strategies import (
    DEFAULT_CLIENT_TIMEOUT,
    DEFAULT_FAULTS,
    DEFAULT_TURNS,
    FAULTS,
    fault_schedules,
    protocol_pairs,
)

__all__ = [
    "DEFAULT_CLIENT_TIMEOUT",
    "DEFAULT_FAULTS",
    "DEFAULT_TURNS",
    "FAULTS",
    "REALTIME_FAULTS",
    "fault_schedules",
    "protocol_pairs",
    "realtime_schedules",
]
