"""The protocol layer on its own, without sockets: cache, store, eviction, limit, lanes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openai_replay.clock import ManualClock
from openai_replay.config import ServerConfig
from openai_replay.errors import ApiError
from openai_replay.responses.protocol import CachedResponse, Protocol, Resolution


def cached(rid: str, store: bool = False) -> CachedResponse:
    return CachedResponse(id=rid, group="g" * 16, context=[{"role": "user", "content": rid}], store=store)


def make() -> tuple[Protocol, ManualClock]:
    clock = ManualClock()
    return Protocol(ServerConfig(), clock), clock


def test_unchained_request_resolves_to_nothing() -> None:
    """A request without previous_response_id continues from nothing."""
    proto, _ = make()
    assert proto.resolve(proto.open_connection(1), {"model": "m"}) == Resolution()


def test_latest_response_is_found_on_its_connection_only() -> None:
    """store:false responses live in the connection's cache; another connection gets not-found."""
    proto, _ = make()
    a, b = proto.open_connection(1), proto.open_connection(2)
    proto.completed(a, None, cached("resp_1"))
    found = proto.resolve(a, {"previous_response_id": "resp_1"})
    assert isinstance(found, Resolution) and found.from_cache and found.cached_tokens() > 0
    miss = proto.resolve(b, {"previous_response_id": "resp_1"})
    assert isinstance(miss, ApiError) and miss.code == "previous_response_not_found" and miss.param == "previous_response_id"


def test_cache_holds_only_the_most_recent_response_per_lane() -> None:
    """A newer response on the same lane replaces the older one in the cache."""
    proto, _ = make()
    conn = proto.open_connection(1)
    proto.completed(conn, None, cached("resp_1"))
    proto.completed(conn, None, cached("resp_2"))
    assert isinstance(proto.resolve(conn, {"previous_response_id": "resp_1"}), ApiError)
    assert isinstance(proto.resolve(conn, {"previous_response_id": "resp_2"}), Resolution)


def test_stored_responses_hydrate_anywhere_without_cache_credit() -> None:
    """store:true responses resolve from any connection and over HTTP, with no cached-token credit."""
    proto, _ = make()
    proto.completed(proto.open_connection(1), None, cached("resp_s", store=True))
    other = proto.resolve(proto.open_connection(2), {"previous_response_id": "resp_s"})
    over_http = proto.resolve(None, {"previous_response_id": "resp_s"})
    assert isinstance(other, Resolution) and not other.from_cache and other.cached_tokens() == 0
    assert isinstance(over_http, Resolution) and over_http.parent is not None


def test_failed_turn_evicts_the_referenced_id() -> None:
    """A failed continuation evicts the id it referenced; the eviction can be switched off."""
    proto, _ = make()
    conn = proto.open_connection(1)
    proto.completed(conn, None, cached("resp_1"))
    proto.failed(conn, None, {"previous_response_id": "resp_1"})
    assert isinstance(proto.resolve(conn, {"previous_response_id": "resp_1"}), ApiError)
    keep = Protocol(ServerConfig(evict_on_failure=False), ManualClock())
    conn = keep.open_connection(1)
    keep.completed(conn, None, cached("resp_1"))
    keep.failed(conn, None, {"previous_response_id": "resp_1"})
    assert isinstance(keep.resolve(conn, {"previous_response_id": "resp_1"}), Resolution)


def test_enforcement_switch_lets_unknown_ids_through() -> None:
    """enforce_previous_response=False turns the not-found rule off (for scripted tests)."""
    proto = Protocol(ServerConfig(enforce_previous_response=False), ManualClock())
    assert isinstance(proto.resolve(proto.open_connection(1), {"previous_response_id": "resp_x"}), Resolution)


def test_connection_limit_follows_the_clock() -> None:
    """The limit error appears exactly when the connection's age reaches the limit."""
    proto, clock = make()
    conn = proto.open_connection(1)
    clock.advance(3599.9)
    assert proto.limit_error(conn) is None
    clock.advance(0.1)
    error = proto.limit_error(conn)
    assert error is not None and error.code == "websocket_connection_limit_reached"
    assert "param" not in error.ws_frame()["error"]


def test_named_lanes_are_limited() -> None:
    """A connection accepts max_stream_ids distinct named lanes; the next one is refused."""
    proto = Protocol(ServerConfig(max_stream_ids=2), ManualClock())
    conn = proto.open_connection(1)
    for lane in ("a", "b"):
        assert proto.lane_error(conn, lane) is None
        proto.touch_lane(conn, lane)
    error = proto.lane_error(conn, "c")
    assert error is not None and error.code == "websocket_stream_limit_reached"
    assert proto.lane_error(conn, None) is None and proto.lane_error(conn, "a") is None


def test_injected_miss_forgets_the_id_in_store_and_cache_and_injected_limit_expires() -> None:
    """injected(previous_response_not_found) makes the id unresolvable; injected(limit) expires the connection."""
    protocol, _ = make()
    conn = protocol.open_connection(1)
    protocol.completed(conn, None, cached("resp_a", store=True))
    protocol.injected(conn, "previous_response_not_found", {"previous_response_id": "resp_a"})
    for where in (conn, protocol.open_connection(2), None):
        missed = protocol.resolve(where, {"previous_response_id": "resp_a"})
        assert isinstance(missed, ApiError) and missed.code == "previous_response_not_found"
    assert protocol.limit_error(conn) is None
    protocol.injected(conn, "websocket_connection_limit_reached", {})
    limited = protocol.limit_error(conn)
    assert limited is not None and limited.code == "websocket_connection_limit_reached"
    protocol.store.clear()
    assert protocol.store.gone == {}


def test_gone_ids_are_bounded_by_the_store_limit() -> None:
    """With a store limit, only the newest that many gone ids are kept, so injected misses cannot grow memory."""
    from openai_replay.responses.protocol import ResponseStore

    store = ResponseStore(limit=3)
    for i in range(10):
        store.forget(f"resp_{i}")
    assert list(store.gone) == ["resp_7", "resp_8", "resp_9"]
    store.forget("resp_8")  # forgetting again makes it the newest
    assert list(store.gone) == ["resp_7", "resp_9", "resp_8"]
    unbounded = ResponseStore()
    for i in range(10):
        unbounded.forget(f"resp_{i}")
    assert len(unbounded.gone) == 10


@given(st.lists(st.tuples(st.integers(0, 1_000), st.integers(0, 3)), max_size=40))
def test_a_tree_of_chained_responses_each_keeps_exactly_its_conversation(turns: list[tuple[int, int]]) -> None:
    """Responses built on any earlier one (a chain, or branches of one parent) each read their own
    conversation, whatever was appended for the others."""
    made = [CachedResponse("resp_0", "g", [{"n": 0}], store=True)]
    expected = [[{"n": 0}]]
    for n, (pick, count) in enumerate(turns, 1):
        parent = pick % len(made)
        items = [{"n": n, "k": k} for k in range(count)]
        made.append(CachedResponse.following(made[parent], items, f"resp_{n}", "g", store=True))
        expected.append(expected[parent] + items)
    assert [response.context for response in made] == expected


def test_a_straight_chain_keeps_each_item_once() -> None:
    """A 1,000-turn chain's responses share one list (memory grows with the items, not their square);
    a second child of one parent gets a copy of its parent's part."""
    chain = [CachedResponse("resp_0", "g", [{"n": 0}], store=True)]
    for n in range(1, 1_000):
        chain.append(CachedResponse.following(chain[-1], [{"n": n}, {"out": n}], f"resp_{n}", "g", store=True))
    assert len({id(response._items) for response in chain}) == 1
    branch = CachedResponse.following(chain[10], [{"branch": 1}], "resp_b", "g", store=True)
    assert branch.context == [*chain[10].context, {"branch": 1}] and branch._items is not chain[10]._items
    assert len(chain[-1].context) == 1_999 and chain[10].context[-1] == {"out": 10}
