"""FakeServer.use(scenario): config overrides applied and undone, real protocol rules kept in front."""

from __future__ import annotations

import openai
import pytest
from scenariokit import client_for, sdk_turn, user

from fake_server import FakeServer
from openai_replay.scenarios import builtin, scenario
from openai_replay.simulated import SimulatedModel


async def test_scenario_can_turn_a_protocol_rule_off_and_reset_restores_it() -> None:
    """A scenario's config override (no previous_response_id checks) applies on use() and goes on reset()."""
    lenient = scenario("lenient").config(enforce_previous_response=False).build()
    async with FakeServer(seed=3) as server:
        assert server.config.enforce_previous_response is True
        server.use(lenient)
        assert server.config.enforce_previous_response is False
        assert server.state.protocol.config is server.config is server.state.config
        async with client_for(server).responses.connect() as conn:
            accepted, _ = await sdk_turn(conn, input=[user("hi")], previous_response_id="resp_unknown")
        server.reset()
        assert server.config is server.base_config and server.config.enforce_previous_response is True
        assert server.state.protocol.config is server.config and isinstance(server.state.source, SimulatedModel)
        async with client_for(server).responses.connect() as conn:
            refused, _ = await sdk_turn(conn, input=[user("hi")], previous_response_id="resp_unknown")
    assert accepted[-1]["type"] == "response.completed"
    assert refused[0]["error"]["code"] == "previous_response_not_found"


async def test_use_another_source_drops_the_previous_scenarios_overrides() -> None:
    """Switching source re-derives the config from the base: overrides never leak to the next source."""
    async with FakeServer(chunk_size=3) as server:
        server.use(builtin("cancel_mid_stream"))
        assert (server.config.cancel_mode, server.config.chunk_size) == ("honour", 3)
        server.use(SimulatedModel())
        assert (server.config.cancel_mode, server.config.chunk_size) == ("reject", 3)


async def test_source_given_at_construction_applies_its_overrides_and_survives_reset() -> None:
    """FakeServer(source=scenario) applies the overrides; reset() returns to that scenario, not the default."""
    s = builtin("cancel_mid_stream")
    async with FakeServer(source=s) as server:
        assert server.config.cancel_mode == "honour"
        server.reset()
        assert server.state.source is s and server.config.cancel_mode == "honour"


async def test_real_cache_miss_after_reconnect_is_kept_under_a_scenario() -> None:
    """With a scenario in use, chaining a store:false response on a new socket is still a real miss."""
    s = scenario().on(chained=True).reply("chained fine").optional().build()
    async with FakeServer(source=s) as server:
        client = client_for(server)
        async with client.responses.connect() as conn:
            first, _ = await sdk_turn(conn, input=[user("hi")], store=False)
        async with client.responses.connect() as conn:
            miss, _ = await sdk_turn(conn, input=[user("again")], previous_response_id=first[-1]["response"]["id"], store=False)
    assert miss[0]["error"]["code"] == "previous_response_not_found"
    assert server.log[1].answered_by is None  # the protocol answered; the rule never saw the request
    assert s.fired()["rule 1 (chained=True)"] == 0


async def test_scripted_failure_evicts_the_cached_parent_like_a_real_one() -> None:
    """A scripted error on a chained turn evicts the referenced id, so re-chaining on it then misses."""
    s = scenario().on(chained=True).times(1).error("server_error").build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        first, _ = await sdk_turn(conn, input=[user("hi")])
        parent = first[-1]["response"]["id"]
        failed, _ = await sdk_turn(conn, input=[user("next")], previous_response_id=parent)
        again, _ = await sdk_turn(conn, input=[user("next")], previous_response_id=parent)
    assert failed[0]["error"]["code"] == "server_error"
    assert again[0]["error"]["code"] == "previous_response_not_found"


async def test_an_injected_previous_response_not_found_makes_the_id_gone_everywhere() -> None:
    """After a scripted miss on a stored id, the id is gone: a new connection and HTTP get the real miss too."""
    async with FakeServer(source=builtin("cache_miss")) as server:
        client = client_for(server)
        async with client.responses.connect() as conn:
            first, _ = await sdk_turn(conn, input=[user("hi")], store=True)
            kept = first[-1]["response"]["id"]
            miss, _ = await sdk_turn(conn, input=[user("more")], previous_response_id=kept, store=True)
        async with client.responses.connect() as conn:
            again, _ = await sdk_turn(conn, input=[user("more")], previous_response_id=kept, store=True)
        with pytest.raises(openai.BadRequestError, match=r"Previous response with id .* not found"):
            await client.responses.create(model="gpt-4o-mini", input="more", previous_response_id=kept)
    assert miss[0]["error"]["code"] == again[0]["error"]["code"] == "previous_response_not_found"
    assert server.log.request(3).answered_by is None  # the protocol's own miss: the rule fired once, on #2


async def test_an_injected_connection_limit_keeps_the_connection_over_its_limit() -> None:
    """A scripted limit error (times=1) leaves connection 1 expired: its next request gets the limit error too."""
    once = scenario("once").on(turn=2).times(1).error("websocket_connection_limit_reached").build()
    async with FakeServer(source=once) as server, client_for(server).responses.connect() as conn:
        for text in ("one", "two", "three"):
            await sdk_turn(conn, input=text)
    assert [str(r.outcome) for r in server.log] == [
        "completed",
        "error (websocket_connection_limit_reached)",
        "error (websocket_connection_limit_reached)",
    ]
    assert server.log.request(3).answered_by is None
