"""VideoSDK under random fault schedules: explore finds its hang on response.failed again."""

from __future__ import annotations

from openai_replay.conformance.clients import BY_NAME
from openai_replay.conformance.explore import explore_client


def test_random_search_finds_the_hang_on_response_failed() -> None:
    """Within 8 random response.failed schedules, videosdk-ws hangs a turn; shrunk to one plain 'fail' rule."""
    findings = explore_client(BY_NAME["videosdk-ws"].load(), examples=8, seed=2, faults=["fail"], max_faults=1)
    found = findings["no_hang"]
    assert found.schedule["rules"] == [{"times": 1, "optional": True, "do": [{"action": "fail"}]}]
    assert found.violations[0] == (
        "[no_hang] user turn 1 hung: the client neither answered nor surfaced an error within its bound."
    )
