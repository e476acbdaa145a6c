"""The Scenario source: rule order, `times`, fall-through, fail-loudly, and `verify()` reports."""

from __future__ import annotations

import pytest
from fuzzkit import PROFILE
from hypothesis import given, settings
from hypothesis import strategies as st
from scenariokit import client_for, http_stream, sdk_turn

from fake_server import FakeServer
from openai_replay.scenarios import Scenario, ScenarioError, load_scenario, scenario
from openai_replay.scenarios.actions import Text
from openai_replay.scenarios.match import Match
from openai_replay.scenarios.rules import Rule
from openai_replay.scenarios.scenario import MAX_RULES, _shadowed


async def _run(s: Scenario, *inputs: str) -> tuple[FakeServer, list[list[dict[str, object]]]]:
    answers = []
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        for text in inputs:
            events, _ = await sdk_turn(conn, input=text)
            answers.append(events)
    return server, answers


async def test_times_caps_a_rule_then_later_rules_answer() -> None:
    """`times(2)`: the rule answers two requests, then the next rule takes over."""
    s = scenario().on().times(2).reply("first rule").otherwise().reply("second rule").build()
    _server, answers = await _run(s, "a", "b", "c")
    assert [a[-1]["response"]["output"][0]["content"][0]["text"] for a in answers] == ["first rule", "first rule", "second rule"]
    assert s.fired() == {"rule 1 (every request)": 2, "rule 2 (every request)": 1}
    assert s.verify() == []


async def test_verify_reports_rules_that_fired_too_few_or_too_many_times() -> None:
    """`verify()` names each rule whose count differs from its declaration, and rules that never fired."""
    s = (
        scenario()
        .on(turn=1)
        .named("exactly twice")
        .expect(2)
        .on(turn=[2, 3])
        .named("capped at three")
        .times(3)
        .on(turn=9)
        .named("never")
        .on(turn=10)
        .named("optional")
        .optional()
        .on()
        .named("at most once please")
        .expect(1)
        .build()
    )
    await _run(s, "a", "b", "c", "d", "e")
    assert s.verify() == [
        "rule 1 'exactly twice': declared to fire 2 times, fired 1 time",
        "rule 2 'capped at three': declared to fire 3 times, fired 2 times",
        "rule 3 'never': never fired (no request matched; check its selectors, or mark it optional)",
        "rule 5 'at most once please': declared to fire 1 time, fired 2 times",
    ]
    s.reset()
    assert set(s.fired().values()) == {0}


async def test_unmatched_requests_fall_through_to_the_simulated_model() -> None:
    """By default a request no rule matches gets the simulated model's answer."""
    s = scenario().on(turn=2).reply("scripted").build()
    server, answers = await _run(s, "hello")
    assert answers[0][-1]["response"]["output"][0]["content"][0]["text"] == "You said: hello"
    assert server.log[0].answered_by is None


async def test_unmatched_fail_answers_a_500_naming_the_request() -> None:
    """`unmatched("fail")`: an unscripted request gets a server_error naming it, and verify() reports it."""
    s = scenario("strict").unmatched("fail").on(turn=1).reply("ok").build()
    async with FakeServer(source=s) as server:
        client = client_for(server)
        async with client.responses.connect() as conn:
            await sdk_turn(conn, input="one")
            events, _ = await sdk_turn(conn, input="two")
        http_events, failure = await http_stream(client, input="three")
    message = (
        "openai-replay scenario 'strict': no rule matched request #2 (WebSocket connection 1, request 2 on it, "
        "attempt 1, not chained); add a rule for it, or set unmatched to 'simulate'"
    )
    assert events == [
        {
            "type": "error",
            "status": 500,
            "error": {"type": "server_error", "code": "scenario_unmatched", "message": message, "param": None},
        }
    ]
    assert http_events == [] and failure is not None and "request #3 (HTTP, attempt 1, not chained)" in str(failure)
    assert s.verify() == [message, message.replace("#2 (WebSocket connection 1, request 2 on it", "#3 (HTTP")]
    assert server.log[1].outcome.code == "scenario_unmatched"


async def test_fault_that_never_got_its_moment_is_reported() -> None:
    """A positioned fault past the end of the stream is reported by verify(), naming rule and request."""
    s = scenario().on().reply("short").close(1011, after=50).build()
    await _run(s, "x")
    assert s.verify() == [
        "rule 1 (every request) on request #1 (WebSocket connection 1, request 1 on it, attempt 1, not chained): "
        "'close 1011 after 50 events' never happened: the stream ended after 9 events"
    ]


async def test_a_predicate_that_raises_fails_the_request_loudly() -> None:
    """A crashing predicate reaches the client as a server error and verify() as a problem; no hang."""

    def broken(turn: object) -> bool:
        raise KeyError("oops")

    s = scenario().on(where=broken).reply("never").build()
    server, answers = await _run(s, "x")
    assert answers[0][0]["type"] == "error" and answers[0][0]["status"] == 500
    assert s.verify() == [
        "rule 1 (where=broken): never fired (no request matched; check its selectors, or mark it optional)",
        "rule 1 (where=broken): its predicate raised KeyError('oops') on request #1 (WebSocket connection 1, "
        "request 1 on it, attempt 1, not chained)",
    ]
    assert server.log[0].outcome.code == "server_error"


def test_building_a_bad_scenario_names_every_problem() -> None:
    """The fluent API runs the same load-time checks as files and lists every problem by rule."""
    with pytest.raises(ScenarioError) as raised:
        (
            scenario("bad")
            .config(no_such_setting=1)
            .on(transport="http", connection=1)
            .named("impossible")
            .reply("x")
            .on()
            .close(1000)
            .reply("after close")
            .build()
        )
    assert raised.value.problems == [
        "config: unknown server setting 'no_such_setting'; known: body_timeout, cancel_mode, cancel_reason, chunk_size, "
        "connection_limit_seconds, enforce_previous_response, event_delay, evict_on_failure, function_call_done_name, "
        "header_timeout, limit_close_code, log_event_limit, log_limit, log_payload_limit, max_stream_ids, max_ws_connections, "
        "models, "
        "obfuscation, realtime_pace, realtime_transcript, require_auth, seed, store_limit, usage_cache_write_tokens, "
        "ws_frame_timeout, ws_idle_timeout, ws_queue_limit",
        "rule 1 'impossible': can never match: HTTP requests have no WebSocket connection, so 'connection' never "
        "matches with transport 'http'",
        "rule 2 (every request): 'text 'after close'' can never happen: 'close 1000' before it ends the connection",
    ]
    assert str(raised.value).startswith("scenario 'bad' is not valid:\n  - config:")


# -- issue 21 item 1: the shadowed-rule check in one pass, and a cap on rules --------------------------
def _pairwise(rules: list[Rule]) -> list[str]:
    """The definition, pair by pair (the O(n^2) check the one-pass version must agree with)."""
    found = []
    for index, rule in enumerate(rules):
        for earlier in rules[:index]:
            if earlier.times is None and earlier.match.where is None and (earlier.match.catch_all or earlier.match == rule.match):
                found.append(f"{rule.label()}: can never match: {earlier.label()} comes first")
                break
    return found


_matches = st.builds(
    lambda turn, transport, text: Match.build(turn=turn, transport=transport, text_contains=text),
    st.none() | st.integers(1, 3),
    st.none() | st.sampled_from(["ws", "http"]),
    st.none() | st.sampled_from(["a", "b"]),
)
_rules = st.lists(
    st.builds(
        lambda match, times, predicate: Rule(
            match=Match(**{**vars(match), "where": (lambda turn: True) if predicate else None}),
            times=times,
            actions=(Text("x"),),
        ),
        _matches,
        st.none() | st.integers(1, 2),
        st.booleans(),
    ),
    max_size=12,
)


@settings(PROFILE)
@given(rules=_rules)
def test_shadowed_rules_found_in_one_pass_match_the_pairwise_definition(rules: list[Rule]) -> None:
    """Issue 21 item 1: the one-pass check names the same rules, and the same first covering rule, as every pair would."""
    for index, rule in enumerate(rules, 1):
        rule.origin = f"rule {index}"
    found = [p.split(", matches ")[0] for p in _shadowed(rules)]
    assert found == _pairwise(rules)
    assert all(p.endswith("and has no 'times' limit") for p in _shadowed(rules))


def test_too_many_rules_is_one_clear_error() -> None:
    """Issue 21 item 1: more than MAX_RULES rules is refused at once with what to do (file, mapping and code)."""
    doc = {"rules": [{"match": {"turn": n}, "do": [{"action": "text", "text": "x"}]} for n in range(1, MAX_RULES + 2)]}
    with pytest.raises(ScenarioError, match=f"{MAX_RULES + 1:,} rules is more than the {MAX_RULES:,}"):
        load_scenario(doc)
    with pytest.raises(ScenarioError, match="split it"):
        Scenario([Rule(match=Match.build(turn=n)) for n in range(1, MAX_RULES + 2)])
    assert len(Scenario([Rule(match=Match.build(turn=n)) for n in range(1, MAX_RULES + 1)]).rules) == MAX_RULES
