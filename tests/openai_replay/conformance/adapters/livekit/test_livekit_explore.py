"""LiveKit under random fault schedules: explore finds its stale chain after a cache miss again."""

from __future__ import annotations

from openai_replay.conformance.clients import BY_NAME
from openai_replay.conformance.explore import explore_client

ERROR = {"action": "error", "code": "previous_response_not_found"}
MISS = {"times": 1, "optional": True, "match": {"chained": True}, "do": [ERROR]}


def test_random_search_finds_the_stale_chain_after_a_cache_miss() -> None:
    """Within 20 random error schedules, livekit-http chains again on the id reported gone; shrunk to one miss."""
    findings = explore_client(BY_NAME["livekit-http"].load(), examples=20, seed=1, faults=["error"], max_faults=1)
    found = findings["no_stale_chain"]
    assert found.schedule["rules"] == [MISS]
    assert "which the server reported gone (previous_response_not_found) to request #2" in found.violations[0]


async def test_livekit_ws_is_driven_in_the_context_its_setup_bound() -> None:
    """With no fault, livekit-ws answers every turn (its http session, bound at set-up, is seen by the turns):
    no harness error, no hang; only the resend of its own output that the no_resend cell also shows."""
    from openai_replay.conformance.explore import run_schedule
    from openai_replay.scenarios import load_scenario

    run = await run_schedule(BY_NAME["livekit-ws"].load(), load_scenario({"name": "explore", "rules": []}))
    assert run.harness_error is None, run.harness_error
    assert run.broken == ["no_duplicated_or_lost_text"], run.violations
