"""The battery: named checks, each a scenario, a script of turns, and a judgement.

A check's scenario decides what the fake server does; its script drives the client through a
`Session`; its judge reads the turns and the request log and returns a `Verdict`. Every wait is
bounded (a turn's timeout), so a client that hangs fails its cell and the run goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from openai_replay.conformance import followups, timing
from openai_replay.conformance.conversation import WEATHER
from openai_replay.conformance.observe import Session, TurnLog, Verdict, attempts, describe, grade, ok, turn_facts
from openai_replay.conformance.timing import DEFAULT_TIMEOUT_WAIT, STALL_SECONDS
from openai_replay.log.exchange import context_before
from openai_replay.log.reproduce import resent_items
from openai_replay.scenarios import Scenario, builtin, scenario

Script = Callable[[Session], Awaitable[None]]
Judge = Callable[[Session], Verdict]

LONG = " ".join(f"word{i}" for i in range(1, 61))
CUT = "This answer is cut off before it can finish, so the client must cope."
TOOL_ANSWER = 'get_weather returned: {"temp_c":18}'


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    scenario: Callable[[], Scenario | None]
    script: Script
    judge: Judge
    #: Transports the check applies to; others are "n/a" without running.
    transports: tuple[str, ...] = ("ws", "http")
    #: The whole check's bound (seconds), on top of each turn's own timeout.
    budget: float = 60.0
    #: APIs the check applies to (chat clients send the full context: chaining checks are n/a).
    apis: tuple[str, ...] = ("responses",)


BOTH = ("responses", "chat")


def _t(s: Session, i: int) -> TurnLog:
    return s.turns[i]


# -- scripts -------------------------------------------------------------------------------------
async def _one(s: Session) -> None:
    await s.say("Hello there")


async def _two(s: Session) -> None:
    await s.say("First question")
    await s.say("Second question")


async def _three(s: Session) -> None:
    await _two(s)
    await s.say("Third question")


async def _tool(s: Session) -> None:
    first = await s.say("What is the weather in Paris?", tools=[WEATHER], expected="")
    if first.result.tool_calls:
        await s.answer_calls(first, '{"temp_c":18}', tools=[WEATHER], expected=TOOL_ANSWER)


async def _cut(s: Session) -> None:
    await s.say("Tell me something", expected=CUT)
    await s.say("Next question")


async def _cancel(s: Session) -> None:
    await s.say("Tell me a long story", expected=LONG, interrupt_after=3)
    await s.say("Short question")


async def _barge_in(s: Session) -> None:
    await s.say("First question")
    await s.say("Tell me a long story", expected=LONG, interrupt_after=3)
    await s.say("Third question")
    await s.say("Fourth question")  # a client may skip the abandoned response once, then go back to it


async def _warmup(s: Session) -> None:
    if await s.adapter.warmup("You are terse.", [WEATHER]):
        await s.say("Hello after the warm-up", tools=[WEATHER])


async def _stall(s: Session) -> None:
    await s.say("Are you there?", timeout=STALL_SECONDS + 14)
    await s.say("Next question")


async def _never_ends(s: Session) -> None:
    await s.say("Tell me something", expected=LONG, timeout=DEFAULT_TIMEOUT_WAIT)
    await s.say("Next question", timeout=10)


async def _no_resend(s: Session) -> None:
    await s.say("Hello")
    await _tool(s)
    await s.say("Thanks")


async def _aged(s: Session) -> None:
    await s.say("First question")
    await asyncio.sleep(2.0)
    await s.say("Second question")
    await s.say("Third question")


# -- judges --------------------------------------------------------------------------------------
def _plain(s: Session) -> Verdict:
    t = _t(s, 0)
    if ok(t) and len(t.requests) == 1:
        return Verdict("pass", "one request, the whole answer", turn_facts(s, t, []))
    return grade(s, t, must_recover=True, later=[])


def _chained(s: Session) -> Verdict:
    first, second = _t(s, 0), _t(s, 1)
    facts = turn_facts(s, second, [])
    reqs = s.requests(second)
    if not ok(first) or not ok(second) or not reqs:
        return grade(s, second if ok(first) else first, must_recover=True, later=[])
    head = reqs[0]
    first_id = s.requests(first)[-1].response_id
    if head.previous_response_id is None:
        if head.transport == "http" and head.payload.get("store") is False:
            return Verdict("n/a", "HTTP with store: false sends the full context each turn (nothing to chain)", facts)
        return Verdict("fail", f"sent the full context ({len(head.input_items)} items) instead of chaining", facts)
    if head.previous_response_id != first_id:
        return Verdict("fail", f"chained on {head.previous_response_id}, not on turn 1's {first_id}", facts)
    users = [i for i in head.input_items if i.get("role") == "user"]
    if len(users) != 1:
        return Verdict("fail", f"chained but resent earlier user input ({len(users)} user messages)", facts)
    kinds = ", ".join(str(i.get("role") or i.get("type")) for i in head.input_items)
    return Verdict("pass", f"chained on turn 1 with input [{kinds}]", facts)


def _tool_trip(s: Session) -> Verdict:
    first = _t(s, 0)
    calls = first.result.tool_calls
    if len(calls) != 1 or calls[0].name != "get_weather" or calls[0].arguments != '{"city":"Paris"}':
        return Verdict(
            "fail", f"the tool call did not surface as get_weather(Paris): {describe(first)}", turn_facts(s, first, [])
        )
    second = _t(s, 1)
    facts = turn_facts(s, second, [])
    if not ok(second):
        return grade(s, second, must_recover=True, later=[])
    head = s.requests(second)[0]
    outputs = [i for i in head.input_items if i.get("type") == "function_call_output"]
    if not outputs or outputs[-1].get("call_id") != calls[0].call_id:
        return Verdict("fail", "the function_call_output did not carry the call's call_id", facts)
    if head.previous_response_id is None:
        if head.api == "chat":
            return Verdict("pass", "round trip with the full context (Chat Completions)", facts)
        if head.transport == "http" and head.payload.get("store") is False:
            return Verdict("pass", "round trip with the full context (HTTP, store: false)", facts)
        return Verdict("fail", f"sent the tool output with the full context ({len(head.input_items)} items), not chained", facts)
    kinds = ", ".join(str(i.get("type") or i.get("role")) for i in head.input_items)
    return Verdict("pass", f"chained the output on the call's response: input [{kinds}]", facts)


def _recovering(index: int, must_recover: bool) -> Judge:
    def judge(s: Session) -> Verdict:
        return grade(s, _t(s, index), must_recover=must_recover, later=s.turns[index + 1 :])

    return judge


def _cache_miss(s: Session) -> Verdict:
    missed = [r for r in s.log.requests if r.outcome.code == "previous_response_not_found"]
    if not missed:
        return Verdict("n/a", "the client never sent a chained request, so it never met the error", turn_facts(s, _t(s, 1), []))
    return grade(s, _t(s, 1), must_recover=True, later=s.turns[2:])


def _limit(s: Session) -> Verdict:
    hit = [r for r in s.log.requests if r.outcome.code == "websocket_connection_limit_reached"]
    if not hit:
        return Verdict("fail", "the connection-limit error never fired (no second request on connection 1)", {})
    turn = next((t for t in s.turns if hit[0].turn in t.requests), _t(s, 1))
    later = s.turns[s.turns.index(turn) + 1 :]
    verdict = grade(s, turn, must_recover=True, later=later)
    if verdict.status == "pass" and not verdict.facts.get("new_connection"):
        return Verdict("fail", f"answered without a new connection: {attempts(s, turn)}", verdict.facts)
    return verdict


def _warm(s: Session) -> Verdict:
    warm = [r for r in s.log.requests if r.payload.get("generate") is False]
    if not s.turns:
        return Verdict("n/a", "the client has no warm-up (generate: false) call", {})
    first = _t(s, 0)
    facts = turn_facts(s, first, [])
    if not warm:
        return Verdict("fail", "the warm-up call sent no generate: false request", facts)
    if not ok(first):
        return grade(s, first, must_recover=True, later=[])
    head = s.requests(first)[0]
    if head.previous_response_id == warm[-1].response_id:
        return Verdict("pass", "warm-up completed and turn 1 chained on its response", facts)
    return Verdict("fail", "warm-up completed, but turn 1 did not chain on it (its response was unused)", facts)


def _no_resend_judge(s: Session) -> Verdict:
    chained = [r for r in s.log.requests if r.chained]
    facts: dict[str, object] = {"chained_requests": len(chained)}
    if not chained:
        return Verdict("n/a", "never chained (the full context every turn), so nothing can be resent", facts)
    problems = []
    for r in chained:
        known = context_before(s.log, r)
        found = resent_items(r.input_items, known or [])
        if found:
            problems.append(f"#{r.turn} resent {'; '.join(found)}")
    facts["resent"] = problems
    if problems:
        return Verdict("fail", problems[0][:160], facts)
    return Verdict("pass", f"{len(chained)} chained requests, each with only new items", facts)


def _incomplete(s: Session) -> Verdict:
    t, later = _t(s, 0), s.turns[1:]
    verdict = grade(s, t, must_recover=False, later=later)
    if verdict.status == "fail" and not verdict.reason.startswith(("lost", "recovered, but")):
        return verdict
    got = t.result.text.strip()
    partial = f"passed on the partial text ({len(got)} chars)" if got else "passed on no text"
    told = f"reported it: {t.result.errors[0][:70]}" if t.result.errors else "reported nothing"
    if t.result.ended == "hung":
        return verdict
    if not t.result.errors and t.result.ended == "done":
        return Verdict("fail", f"{partial} and {told}: the cut is invisible to the caller", verdict.facts)
    broken = [x for x in later if not ok(x)]
    if broken:
        return Verdict("fail", f"{partial}, {told}; but {broken[0].label} failed: {describe(broken[0])}", verdict.facts)
    return Verdict("pass", f"{partial}, {told}; next turn worked", verdict.facts)


# -- scenarios -----------------------------------------------------------------------------------
def _long_story() -> Scenario:
    return scenario("long story").on(text_contains="long story").reply(LONG).slow(delay=0.05).build()


def _stall_scenario() -> Scenario:
    # Before any text: after the envelope events (Responses), after the role chunk (chat).
    return (
        scenario("stall")
        .on(api="chat")
        .times(1)
        .stall(STALL_SECONDS, after=1)
        .on(warmup=False, api="responses")
        .times(1)
        .stall(STALL_SECONDS, after=2)
        .build()
    )


def _never_ending() -> Scenario:
    return (
        scenario("never ends").on(warmup=False).times(1).reply(LONG).stall(3600, after=("response.output_text.delta", 2)).build()
    )


def _close_mid_stream() -> Scenario:
    """The first answer is closed (1011) after 2 deltas; a retry of the same step gets the same text,
    as a real model would give, so a client that replays what it showed is caught duplicating."""
    return (
        scenario("close mid-stream")
        .on(text_contains="Tell me something")
        .times(1)
        .reply(CUT)
        .close(1011, "scripted close", after=("response.output_text.delta", 2))
        .on(text_contains="Tell me something")
        .reply(CUT)
        .build()
    )


def _tool_scenario() -> Scenario:
    return (
        scenario("tool")
        .on(text_contains="weather", input_type="message")
        .where(lambda turn: not any(i.get("type") == "function_call_output" for i in turn.payload.get("input") or []))
        .call("get_weather", {"city": "Paris"})
        .build()
    )


def _server_error() -> Scenario:
    return scenario("500").on().times(1).http_status(500, "server_error").build()


def _legacy_usage() -> Scenario:
    """Usage without ``input_tokens_details.cache_write_tokens``, as the API sent it before that field."""
    return builtin("legacy_usage")


def _none() -> Scenario | None:
    return None


CHECKS: list[Check] = [
    Check("plain_turn", "plain turn", _none, _one, _plain, apis=BOTH),
    Check("chained_turn", "chained second turn, incremental input", _none, _two, _chained),
    Check("tool_round_trip", "tool call round trip, output sent incrementally", _tool_scenario, _tool, _tool_trip, apis=BOTH),
    Check(
        "previous_response_not_found",
        "previous_response_not_found on a chained turn",
        lambda: builtin("cache_miss"),
        _three,
        _cache_miss,
    ),
    Check(
        "connection_limit",
        "websocket_connection_limit_reached",
        lambda: builtin("connection_limit", turn=2),
        _three,
        _limit,
        ("ws",),
    ),
    Check(
        "close_mid_stream",
        "close mid-stream (after 2 deltas; over HTTP the body ends cleanly, early)",
        _close_mid_stream,
        _cut,
        _recovering(0, False),
        apis=BOTH,
    ),
    Check(
        "tcp_reset_mid_stream",
        "TCP connection reset mid-stream (after 2 deltas; no end of the body)",
        followups.tcp_reset,
        _cut,
        _recovering(0, False),
        ("http",),
        apis=BOTH,
    ),
    Check(
        "every_turn_after_close",
        "close mid-stream, then every later turn is answered",
        followups.close_then_more,
        followups.cut_then_more,
        followups.every_later_turn,
        apis=BOTH,
    ),
    Check(
        "finish_then_no_done",
        "chat: finish_reason, then a stall without data: [DONE]",
        followups.finished_stall,
        followups.finished_then_stall,
        followups.finished_judge,
        apis=("chat",),
    ),
    Check(
        "answer_after_timeout",
        "the caller times out and cancels a turn; the next turn gets its own answer",
        followups.late_answer,
        followups.timeout_then_next,
        followups.right_turn,
        apis=BOTH,
    ),
    Check(
        "close_before_created",
        "close before response.created",
        lambda: builtin("close_before_created"),
        _two,
        _recovering(0, False),
        apis=BOTH,
    ),
    Check("response_failed", "response.failed", lambda: builtin("failed"), _two, _recovering(0, False), apis=BOTH),
    Check(
        "response_incomplete",
        "response.incomplete",
        lambda: builtin("incomplete"),
        lambda s: _scripted_run(s, "This answer runs out of tokens before"),
        _incomplete,
        apis=BOTH,
    ),
    Check("cancel_then_new_turn", "cancel mid-stream, then a new turn", _long_story, _cancel, timing.cancel_judge, apis=BOTH),
    Check("warmup", "warm-up with generate: false", _none, _warmup, _warm, ("ws",)),
    Check(
        "stall_past_timeout",
        f"stall of {STALL_SECONDS:.0f} s before the first output",
        _stall_scenario,
        _stall,
        timing.stall_judge,
        apis=BOTH,
    ),
    Check(
        "never_ending_stream",
        "a stream that never ends",
        _never_ending,
        _never_ends,
        timing.never_ending_judge,
        budget=60,
        apis=BOTH,
    ),
    Check("barge_in_chain", "barge-in: no later chain uses the abandoned response", _long_story, _barge_in, timing.barge),
    Check("no_resend", "chained turns resend nothing the server has", _tool_scenario, _no_resend, _no_resend_judge),
    Check(
        "connection_age_limit",
        "connection-age limit reached between turns",
        lambda: scenario("aged").config(connection_limit_seconds=1.5).build(),
        _aged,
        _recovering(1, True),
        ("ws",),
    ),
    Check(
        "http_429_retry_after",
        "HTTP 429 with retry-after, then success",
        lambda: builtin("rate_limit", retry_after=1),
        _one,
        timing.http_429,
        ("http",),
        apis=BOTH,
    ),
    Check("http_500", "HTTP 500", _server_error, _two, _recovering(0, False), ("http",), apis=BOTH),
    Check("legacy_usage", "older usage shape (no cache_write_tokens)", _legacy_usage, _two, _recovering(0, True)),
]


async def _scripted_run(s: Session, expected: str) -> None:
    await s.say("Tell me something", expected=expected)
    await s.say("Next question")


def check(name: str) -> Check:
    for c in CHECKS:
        if c.name == name:
            return c
    raise KeyError(f"no check named {name!r}; checks: {', '.join(c.name for c in CHECKS)}")
