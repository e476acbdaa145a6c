"""Selectors: each one routes real requests to the right rule (values taken from the request log)."""

from __future__ import annotations

import openai
import pytest
from scenariokit import client_for, http_stream, sdk_turn, user

from fake_server import FakeServer
from openai_replay.scenarios import IntSet, Match, ScenarioError, builtin, load_scenario, scenario


def _answer(events: list[dict[str, object]]) -> str:
    final = events[-1].get("response") or {}
    assert isinstance(final, dict)
    return "".join(c["text"] for item in final.get("output", []) for c in item.get("content", []) if "text" in c)


async def test_turn_selects_the_apis_turn_number_across_connections() -> None:
    """`turn=2` answers only the second Responses turn the server receives, across connections."""
    s = scenario().on(turn=2).reply("second").build()
    async with FakeServer(source=s) as server:
        client = client_for(server)
        async with client.responses.connect() as conn:
            first, _ = await sdk_turn(conn, input="one")
        async with client.responses.connect() as conn:
            second, _ = await sdk_turn(conn, input="two")
            third, _ = await sdk_turn(conn, input="three")
    assert [_answer(first), _answer(second), _answer(third)] == ["You said: one", "second", "You said: three"]
    assert [r.answered_by for r in server.log] == [None, "rule 1 (turn 2)", None]


async def test_connection_and_turn_on_connection() -> None:
    """`connection=2, turn_on_connection=2` picks the second request on the second socket only."""
    s = scenario().on(connection=2, turn_on_connection=2).reply("picked").build()
    async with FakeServer(source=s) as server:
        client = client_for(server)
        for _ in range(2):
            async with client.responses.connect() as conn:
                await sdk_turn(conn, input="a")
                await sdk_turn(conn, input="b")
    picked = [(r.connection_id, r.turn_on_connection) for r in server.log if r.answered_by]
    assert picked == [(2, 2)]


async def test_attempt_selects_a_retry_of_the_same_step() -> None:
    """`attempt=2` answers the resend of a step whose first try failed (same newest input item)."""
    s = scenario().on(attempt=1).times(1).error("server_error").on(attempt=2).reply("second try").build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        failed, _ = await sdk_turn(conn, input=[user("same question")])
        retried, _ = await sdk_turn(conn, input=[user("same question")])
    assert failed[0]["type"] == "error" and _answer(retried) == "second try"
    assert [r.attempt for r in server.log] == [1, 2]


async def test_chained_and_transport() -> None:
    """`chained=True` takes requests with previous_response_id; `transport="http"` takes HTTP ones."""
    s = scenario().on(chained=True).reply("chained").on(transport="http").reply("over http").optional().build()
    async with FakeServer(source=s) as server:
        client = client_for(server)
        async with client.responses.connect() as conn:
            first, _ = await sdk_turn(conn, input="start")
            second, _ = await sdk_turn(conn, input="more", previous_response_id=first[-1]["response"]["id"])
        http_events, _ = await http_stream(client, input="plain")
    assert [_answer(first), _answer(second), _answer(http_events)] == ["You said: start", "chained", "over http"]
    assert s.verify() == []


async def test_warmup_text_contains_input_type_and_predicate() -> None:
    """`warmup`, `text_contains`, `input_type` and a Python `where` predicate each pick their request."""
    s = (
        scenario()
        .on(warmup=True)
        .named("warm-up")
        .on(text_contains="weather")
        .reply("sunny")
        .on(input_type="function_call_output")
        .reply("got the output")
        .on(where=lambda turn: turn.payload.get("metadata", {}).get("vip") == "yes")
        .reply("vip")
        .build()
    )
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        warm, _ = await sdk_turn(conn, input=[], generate=False)
        weather, _ = await sdk_turn(conn, input="what's the weather?")
        output = {"type": "function_call_output", "call_id": "call_1", "output": "42"}
        tool, _ = await sdk_turn(conn, input=[output])
        vip, _ = await sdk_turn(conn, input="hi", metadata={"vip": "yes"})
    assert warm[-1]["response"]["output"] == []
    assert [_answer(weather), _answer(tool), _answer(vip)] == ["sunny", "got the output", "vip"]
    assert [r.answered_by for r in server.log] == [
        "rule 1 'warm-up'",
        "rule 2 (text_contains='weather')",
        "rule 3 (input_type='function_call_output')",
        "rule 4 (where=<lambda>)",
    ]


async def test_ranges_and_lists() -> None:
    """Number selectors take lists and {min, max} ranges."""
    s = scenario().on(turn=[1, 3]).reply("odd").on(turn={"min": 4, "max": 5}).reply("late").build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        answers = [_answer((await sdk_turn(conn, input=f"t{i}"))[0]) for i in range(1, 7)]
    assert answers == ["odd", "You said: t2", "odd", "late", "late", "You said: t6"]


def test_intset_parsing_and_description() -> None:
    """IntSet accepts int, list, range and {min,max}; refuses 0, bools and strings with a clear message."""
    assert 3 in IntSet.of(3) and 4 not in IntSet.of(3)
    assert IntSet.of(range(2, 5)).describe() == "2..4"
    assert IntSet.of({"min": 2}).describe() == ">= 2" and 9 in IntSet.of({"min": 2})
    assert IntSet.of([1, 3]).describe() == "one of 1, 3"
    with pytest.raises(ScenarioError, match="turn: numbers start at 1"):
        IntSet.of(0, "turn")
    with pytest.raises(ScenarioError, match="expected a number"):
        IntSet.of(True, "turn")
    with pytest.raises(ScenarioError, match="'min' and/or 'max'"):
        IntSet.of({"from": 1}, "turn")


@pytest.mark.parametrize(
    ("selectors", "reason"),
    [
        ({"transport": "http", "connection": 1}, "HTTP requests have no WebSocket connection"),
        ({"transport": "http", "warmup": True}, "warm-up requests"),
        ({"turn": 2, "turn_on_connection": 3}, "'turn_on_connection' 3 needs at least 3 requests, but 'turn' is at most 2"),
        ({"turn": 1, "attempt": 2}, "'attempt' 2 needs at least 2 requests"),
        ({"turn": {"min": 5, "max": 2}}, "'turn' selects no number at all"),
    ],
)
def test_impossible_selectors_are_explained(selectors: dict[str, object], reason: str) -> None:
    """Selectors that no request can satisfy are found before the scenario runs, with the reason."""
    assert reason in (Match.build(**selectors).impossible() or "")


def test_unknown_selector_is_named() -> None:
    """A misspelt selector fails with the known ones listed."""
    with pytest.raises(ScenarioError, match=r"unknown selector.*turnn.*known: api, attempt, body, body_contains, chained"):
        scenario().on(turnn=1)


async def test_where_narrows_a_rule_built_from_scenario_builder() -> None:
    """`.where(pred)` adds a predicate to the rule's selectors."""
    s = scenario("b").on(transport="ws").where(lambda turn: "secret" in str(turn.payload["input"])).reply("hush").build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        plain, _ = await sdk_turn(conn, input="hello")
        secret, _ = await sdk_turn(conn, input="a secret")
    assert [_answer(plain), _answer(secret)] == ["You said: hello", "hush"]
    assert server.log[1].answered_by == "rule 1 (transport='ws', where=<lambda>)"


def test_api_selector_describes_itself_and_rejects_websocket_only_selectors() -> None:
    """api='chat' shows in describe() and cannot be combined with connection, warm-up or chaining selectors."""
    from openai_replay.scenarios.match import Match

    assert Match.build(api="chat").describe() == "api='chat'"
    assert Match.build(api="responses", transport="ws").impossible() is None
    for selectors in ({"connection": 1}, {"warmup": True}, {"chained": True}, {"transport": "ws"}):
        assert Match.build(api="chat", **selectors).impossible() is not None, selectors


async def test_a_models_call_at_start_up_shifts_no_turn() -> None:
    """Issue 23: an SDK `models.list()` before the first turn leaves `turn: 2` on the 2nd LLM turn; the timeline says so."""
    rule = {"match": {"turn": 2}, "do": [{"action": "error", "code": "server_error"}]}
    async with FakeServer(seed=1, source=load_scenario({"rules": [rule]})) as server:
        client = client_for(server)
        assert [m.id async for m in client.models.list()]
        first = await client.responses.create(model="m", input="one")
        with pytest.raises(openai.InternalServerError):
            await client.responses.create(model="m", input="two")
        third = await client.responses.create(model="m", input="three")
    assert first.output_text == "You said: one" and third.output_text == "You said: three"
    numbers = [(r.api, r.turn, r.model_turn, r.api_turn) for r in server.log]
    assert numbers == [("models", 1, None, 1), *(("responses", n + 1, n, n) for n in (1, 2, 3))]
    timeline = server.log.render()
    assert "#1 http  -> GET /v1/models (models turn 1)" in timeline
    assert "#3 http  -> POST /v1/responses (turn 2)" in timeline


async def test_side_requests_are_selected_by_number_under_their_api() -> None:
    """`api: embeddings, turn: 2` is the 2nd embeddings call, `turn: 4` alone the 4th model turn of any API; retrieves: none."""
    rules = [
        {"match": {"api": "embeddings", "turn": 2}, "do": [{"action": "error", "code": "server_error"}]},
        {"match": {"api": "chat", "turn": 2}, "do": [{"action": "text", "text": "second chat"}]},
        {"match": {"turn": 4}, "do": [{"action": "text", "text": "fourth model turn"}]},
        {"match": {"api": "responses", "turn": 3}, "do": [{"action": "text", "text": "third responses turn"}]},
    ]
    async with FakeServer(seed=1, source=load_scenario({"rules": rules})) as server:
        client = client_for(server)
        said, embedded = [], []
        for n in range(3):
            try:
                await client.embeddings.create(model="text-embedding-3-small", input=f"e{n}")
                embedded.append(n)
            except openai.InternalServerError:
                pass
            chat = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": f"c{n}"}])
            said.append(chat.choices[0].message.content)
        answers = []
        for n in range(3):
            made = await client.responses.create(model="m", input=f"r{n}", store=True)
            await client.responses.retrieve(made.id)  # a sub-route: not a responses turn
            answers.append(made.output_text)
    assert said == ["You said: c0", "second chat", "You said: c2"] and embedded == [0, 2]
    assert answers == ["fourth model turn", "You said: r1", "third responses turn"]
    numbered = [(r.api, r.api_turn) for r in server.log if r.api in ("embeddings", "chat")]
    assert numbered == [("embeddings", 1), ("chat", 1), ("embeddings", 2), ("chat", 2), ("embeddings", 3), ("chat", 3)]
    responses = [(r.model_turn, r.api_turn) for r in server.log if r.api == "responses"]
    assert responses == [(4, 1), (None, None), (5, 2), (None, None), (6, 3), (None, None)]
    assert "-> POST /v1/responses (turn 6, responses turn 3)" in server.log.render()


async def test_built_in_faults_skip_side_requests() -> None:
    """`rate_limit` and `close_mid_stream` fault the first LLM turn, not a `models.list()` the app made first."""
    async with FakeServer(seed=1, source=builtin("rate_limit")) as server:
        client = client_for(server)
        assert [m.id async for m in client.models.list()]
        with pytest.raises(openai.RateLimitError):
            await client.responses.create(model="m", input="hi")
    async with FakeServer(seed=1, source=builtin("close_mid_stream")) as server:
        client = client_for(server)
        assert [m.id async for m in client.models.list()]
        async with client.responses.connect() as conn:
            _, error = await sdk_turn(conn, input="hi")
        assert error is not None and server.log[1].answered_by is not None and server.log[0].answered_by is None
