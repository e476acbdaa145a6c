"""Named built-in scenarios for the known fault paths (the ones real clients' fallback code handles).

``builtin("close_mid_stream")`` returns a fresh `Scenario`; keyword parameters change its numbers
(``builtin("connection_limit", turn=3)``). On the command line: ``--scenario connection_limit:turn=3``.
The built-ins that fault one request take ``turn=n`` to fault model turn n (counting its API's turns,
warm-ups included, as the ``turn`` selector does; side requests such as ``GET /v1/models`` are not
turns) instead of the first generating one.
"First generating request" means the first request that is not a ``generate: false`` warm-up.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openai_replay.scenarios.fluent import scenario
from openai_replay.scenarios.match import ScenarioError
from openai_replay.scenarios.scenario import Scenario

LONG_REPLY = " ".join(f"word{i}" for i in range(1, 61))


def _one(turn: int | None) -> dict[str, Any]:
    """The selectors of a built-in that faults one request: request ``turn`` if given, else the first
    generating one."""
    return {"warmup": False} if turn is None else {"turn": turn}


def _which(turn: int | None) -> str:
    """How a rule's name says which request it faults: nothing for the default, ``request n: `` else."""
    return "" if turn is None else f"request {turn}: "


def cache_miss(turn: int | None = None) -> Scenario:
    return (
        scenario("cache_miss", BUILTINS["cache_miss"])
        .on(chained=True, turn=turn)
        .named(f"{'first chained request' if turn is None else f'chained request {turn}'} misses the cache")
        .times(1)
        .error("previous_response_not_found")
        .build()
    )


def connection_limit(turn: int = 2, close: int | None = None) -> Scenario:
    rule = (
        scenario("connection_limit", BUILTINS["connection_limit"])
        .on(connection=1, turn_on_connection={"min": turn})
        .named(f"connection 1 is over its time limit from request {turn}")
        .error("websocket_connection_limit_reached")
    )
    return (rule.close(close) if close else rule).build()


def close_mid_stream(code: int = 1011, deltas: int = 2, turn: int | None = None) -> Scenario:
    return (
        scenario("close_mid_stream", BUILTINS["close_mid_stream"])
        .on(**_one(turn))
        .named(f"{_which(turn)}close {code} after {deltas} deltas")
        .times(1)
        .reply("This answer is cut off before it can finish, so the client must cope.")
        .close(code, "scripted close", after=("response.output_text.delta", deltas))
        .build()
    )


def close_before_created(code: int = 1011, turn: int | None = None) -> Scenario:
    return (
        scenario("close_before_created", BUILTINS["close_before_created"])
        .on(**_one(turn))
        .named(f"{_which(turn)}close {code} before response.created")
        .times(1)
        .close(code, "scripted close", after=0)
        .build()
    )


def drop_mid_stream(deltas: int = 2, turn: int | None = None) -> Scenario:
    return (
        scenario("drop_mid_stream", BUILTINS["drop_mid_stream"])
        .on(**_one(turn))
        .named(f"{_which(turn)}TCP drop after {deltas} deltas")
        .times(1)
        .reply("This answer dies with the connection before it can finish.")
        .drop(after=("response.output_text.delta", deltas))
        .build()
    )


def failed(
    code: str = "server_error", message: str = "The model failed to generate a response.", turn: int | None = None
) -> Scenario:
    return (
        scenario("failed", BUILTINS["failed"])
        .on(**_one(turn))
        .named(f"{_which(turn)}response.failed ({code})")
        .times(1)
        .fail(code, message)
        .build()
    )


def incomplete(reason: str = "max_output_tokens", turn: int | None = None) -> Scenario:
    return (
        scenario("incomplete", BUILTINS["incomplete"])
        .on(**_one(turn))
        .named(f"{_which(turn)}response.incomplete ({reason})")
        .times(1)
        .reply("This answer runs out of tokens before")
        .incomplete(reason)
        .build()
    )


def cancel_mid_stream(delay: float = 0.05) -> Scenario:
    return (
        scenario("cancel_mid_stream", BUILTINS["cancel_mid_stream"])
        .config(cancel_mode="honour")
        .on(warmup=False)
        .named(f"long reply, one word every {delay} s")
        .reply(LONG_REPLY)
        .slow(delay=delay)
        .build()
    )


def tool_call(name: str = "get_weather", arguments: Any = None) -> Scenario:
    args = arguments if arguments is not None else {"city": "Paris"}
    return (
        scenario("tool_call", BUILTINS["tool_call"])
        .on(warmup=False, input_type="message")
        .named(f"call {name}")
        .times(1)
        .call(name, args)
        .on(input_type="function_call_output")
        .named("answer from the tool output")
        .times(1)
        .build()
    )


def rate_limit(
    status: int = 429, retry_after: float = 1, retry_after_ms: float | None = None, times: int = 1, turn: int | None = None
) -> Scenario:
    return (
        scenario("rate_limit", BUILTINS["rate_limit"])
        .on(turn=turn if turn is not None else {"min": 1})  # model turns: a start-up GET /v1/models is not limited
        .named(f"{_which(turn)}HTTP {status} rate limit")
        .times(times)
        .http_status(status, "rate_limit_exceeded", retry_after=retry_after, retry_after_ms=retry_after_ms)
        .build()
    )


def slow_first_token(seconds: float = 2.0) -> Scenario:
    return (
        scenario("slow_first_token", BUILTINS["slow_first_token"])
        .on(warmup=False)
        .named(f"{seconds} s before the first output event")
        .stall(seconds, after=2)
        .build()
    )


def reject_handshake(status: int = 429, connection: int = 1, retry_after: float = 1) -> Scenario:
    return (
        scenario("reject_handshake", BUILTINS["reject_handshake"])
        .reject_handshake(status, connection=connection, retry_after=retry_after, times=1, name=f"refuse connection {connection}")
        .build()
    )


def idle_connection_limit(after_turns: int = 1, seconds: float = 0.0) -> Scenario:
    return (
        scenario("idle_connection_limit", BUILTINS["idle_connection_limit"])
        .when_idle(connection=1, after_turns=after_turns)
        .named("limit error pushed on the idle connection")
        .times(1)
        .stall(seconds)
        .error("websocket_connection_limit_reached")
        .on(connection=1, turn_on_connection={"min": after_turns + 1})
        .named("connection 1 stays over its limit")
        .optional()
        .error("websocket_connection_limit_reached")
        .build()
    )


def stall_forever(deltas: int = 0, turn: int | None = None) -> Scenario:
    return (
        scenario("stall_forever", BUILTINS["stall_forever"])
        .on(**_one(turn))
        .named(f"{_which(turn)}nothing more after {f'{deltas} delta(s)' if deltas else 'response.in_progress'}, ever")
        .times(1)
        .reply("This answer stops and never resumes, so only the client's own timeout or cancel ends it.")
        .stall_forever(after=("response.output_text.delta", deltas) if deltas else 2)
        .build()
    )


def legacy_usage() -> Scenario:
    return scenario("legacy_usage", BUILTINS["legacy_usage"]).config(usage_cache_write_tokens=False).build()


BUILTINS: dict[str, str] = {
    "cache_miss": "the first chained request gets previous_response_not_found; the full-context resend works",
    "connection_limit": "connection 1 answers websocket_connection_limit_reached from its request n (turn=2) on",
    "close_mid_stream": "the first reply is closed with 1011 after 2 text deltas (HTTP: stream ends, no terminal)",
    "close_before_created": "the first generating request is closed with 1011 before response.created",
    "drop_mid_stream": "the first reply's TCP connection is aborted after 2 text deltas (no close frame)",
    "failed": "the first generating request ends with response.failed (server_error)",
    "incomplete": "the first reply is cut by response.incomplete (max_output_tokens), its message incomplete",
    "cancel_mid_stream": "replies stream slowly (0.05 s per word) and response.cancel is honoured mid-stream",
    "tool_call": "the first request calls get_weather({city: Paris}); its function_call_output gets an answer",
    "rate_limit": "the first request gets HTTP 429 rate_limit_exceeded with retry-after: 1; the retry works",
    "slow_first_token": "every reply waits 2 s (server clock) after response.in_progress before its first output",
    "reject_handshake": "the first WebSocket upgrade is refused with HTTP 429 (retry-after: 1); the next works",
    "idle_connection_limit": "after its first request, connection 1 is pushed an unprompted connection-limit error",
    "stall_forever": "the first reply stops after response.in_progress (deltas=n: after n text deltas) and never resumes",
    "legacy_usage": "every response's usage comes in the older shape, without input_tokens_details.cache_write_tokens",
}

_FACTORIES: dict[str, Callable[..., Scenario]] = {
    "cache_miss": cache_miss,
    "connection_limit": connection_limit,
    "close_mid_stream": close_mid_stream,
    "close_before_created": close_before_created,
    "drop_mid_stream": drop_mid_stream,
    "failed": failed,
    "incomplete": incomplete,
    "cancel_mid_stream": cancel_mid_stream,
    "tool_call": tool_call,
    "rate_limit": rate_limit,
    "slow_first_token": slow_first_token,
    "reject_handshake": reject_handshake,
    "idle_connection_limit": idle_connection_limit,
    "stall_forever": stall_forever,
    "legacy_usage": legacy_usage,
}


def builtin(name: str, **params: Any) -> Scenario:
    """A fresh built-in scenario by name; ``params`` change its numbers (see `parameters`)."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ScenarioError([f"no built-in scenario named {name!r}; built-ins: {', '.join(BUILTINS)}"], "the scenario name")
    allowed = parameters(name)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        accepted = ", ".join(f"{k}={v!r}" for k, v in allowed.items()) or "none"
        raise ScenarioError([f"{name} takes no parameter {', '.join(unknown)}; it takes: {accepted}"], "builtin")
    return factory(**params)


def parameters(name: str) -> dict[str, Any]:
    """A built-in's parameters and their defaults."""
    signature = inspect.signature(_FACTORIES[name])
    return {p.name: p.default for p in signature.parameters.values()}


def resolve(spec: str | os.PathLike[str]) -> Scenario:
    """A scenario from the command line: a JSON file path, or ``name`` / ``name:key=value,...`` of a built-in."""
    from openai_replay.scenarios.loader import load_scenario

    text = os.fspath(spec)
    if text.endswith(".json") or Path(text).is_file():
        return load_scenario(text)
    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for pair in filter(None, rest.split(",")):
        key, sep, value = pair.partition("=")
        if not sep:
            raise ScenarioError([f"parameter {pair!r}: write key=value"], f"scenario {text!r}")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    if name not in _FACTORIES:
        raise ScenarioError(
            [f"{text!r} is neither a scenario file nor a built-in; built-ins: {', '.join(BUILTINS)}"], "--scenario"
        )
    return builtin(name, **params)
