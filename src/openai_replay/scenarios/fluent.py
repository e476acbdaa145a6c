"""The fluent Python API: one chain per scenario.

    s = (scenario("flaky chat")
         .on(turn=1).error("rate_limit_exceeded", retry_after_ms=200).times(1)
         .on(chained=True).times(1).error("previous_response_not_found")
         .on(turn_on_connection=3).reply("Partial answer ...").close(1011, after=("response.output_text.delta", 2))
         .reject_handshake(429, connection=2, retry_after=1)
         .when_idle(connection=1, after_turns=4).stall(30).error("websocket_connection_limit_reached").close(1000)
         .build())

``on(**selectors)`` starts a rule (see `Match` for selectors; ``where=`` takes a predicate on the
`Turn`); the action methods after it (see `actions`) say what happens, in order. Scenario-level
calls (``on``, ``reject_handshake``, ``when_idle``, ``config``, ``unmatched``, ``build``) can follow
any rule, so the whole scenario reads as one chain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from openai_replay.scenarios import actions as a
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.scenarios.match import IntSet, Match
from openai_replay.scenarios.rules import HandshakeRule, IdleRule, Rule
from openai_replay.scenarios.scenario import Scenario, Unmatched
from openai_replay.source import Source


def scenario(name: str = "scenario", description: str = "") -> ScenarioBuilder:
    """Start a scenario: ``scenario("name").on(turn=2).reply("hi").build()``."""
    return ScenarioBuilder(name, description)


def _error(
    code: str | None,
    status: int | None,
    message: str | None,
    type: str | None,
    param: Any,
    retry_after: float | None,
    retry_after_ms: float | None,
    should_retry: bool | None,
    headers: Mapping[str, str] | None,
) -> ErrorSpec:
    return ErrorSpec(
        code=code,
        status=status,
        message=message,
        type=type,
        param=param,
        retry_after=retry_after,
        retry_after_ms=retry_after_ms,
        should_retry=should_retry,
        headers=dict(headers or {}),
    )


class ScenarioBuilder:
    """Collects rules; `build()` checks them and returns the `Scenario`."""

    def __init__(self, name: str = "scenario", description: str = "") -> None:
        self._name = name
        self._description = description
        self._rules: list[RuleBuilder] = []
        self._handshakes: list[HandshakeRule] = []
        self._idle: list[IdleBuilder] = []
        self._config: dict[str, Any] = {}
        self._unmatched: Unmatched = "simulate"
        self._fallback: Source | None = None

    def on(self, **selectors: Any) -> RuleBuilder:
        """A new rule for the requests these selectors match (none: every request)."""
        rule = RuleBuilder(self, Match.build(**selectors))
        self._rules.append(rule)
        return rule

    def otherwise(self) -> RuleBuilder:
        """A rule for every request no earlier rule took."""
        return self.on()

    def config(self, **settings: Any) -> ScenarioBuilder:
        """`ServerConfig` changes while the scenario is in use (``enforce_previous_response=False``, ...)."""
        self._config.update(settings)
        return self

    def unmatched(self, mode: Unmatched) -> ScenarioBuilder:
        """``"simulate"`` (default): unmatched requests get the simulated model; ``"fail"``: a 500 naming them."""
        self._unmatched = mode
        return self

    def fallback(self, source: Source) -> ScenarioBuilder:
        """Answer unmatched requests (and content-less rules) with this source instead of the simulated model."""
        self._fallback = source
        return self

    def reject_handshake(
        self,
        status: int = 429,
        *,
        connection: Any = None,
        code: str | None = None,
        message: str | None = None,
        type: str | None = None,
        retry_after: float | None = None,
        retry_after_ms: float | None = None,
        should_retry: bool | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
        expect: int | None = None,
        optional: bool = False,
        name: str | None = None,
    ) -> ScenarioBuilder:
        """Refuse the WebSocket upgrade (no 101) of the selected connections with this HTTP error."""
        spec = _error(code, status, message, type, ..., retry_after, retry_after_ms, should_retry, headers)
        selector = IntSet.of(connection, "connection") if connection is not None else None
        rule = HandshakeRule(name=name, times=times, expect=expect, optional=optional, connection=selector, error=spec)
        self._handshakes.append(rule)
        return self

    def when_idle(self, *, connection: Any = None, after_turns: Any = None) -> IdleBuilder:
        """Push frames on a connection with nothing in flight (``after_turns=0``: right after it opens)."""
        idle = IdleBuilder(
            self,
            IntSet.of(connection, "connection") if connection is not None else None,
            IntSet.of(after_turns, "after_turns", minimum=0) if after_turns is not None else None,
        )
        self._idle.append(idle)
        return idle

    def build(self) -> Scenario:
        return Scenario(
            [r.rule() for r in self._rules],
            name=self._name,
            description=self._description,
            unmatched=self._unmatched,
            config=self._config,
            handshakes=self._handshakes,
            idle=[i.rule() for i in self._idle],
            fallback=self._fallback,
        )


C = TypeVar("C", bound="_Chain")


class _Chain:
    """Actions and counts shared by request and idle rules; scenario-level calls pass through."""

    def __init__(self, parent: ScenarioBuilder) -> None:
        self._parent = parent
        self._actions: list[a.Action] = []
        self._name: str | None = None
        self._times: int | None = None
        self._expect: int | None = None
        self._optional = False

    def _add(self: C, action: a.Action) -> C:
        self._actions.append(action)
        return self

    # -- counting ---------------------------------------------------------------------------------
    def times(self: C, n: int) -> C:
        """Use this rule for at most ``n`` requests (then later rules answer); fewer is reported."""
        self._times = n
        return self

    def expect(self: C, n: int) -> C:
        """Declare this rule fires exactly ``n`` times (no cap); any other count is reported."""
        self._expect = n
        return self

    def optional(self: C) -> C:
        """Do not report this rule if it never fires."""
        self._optional = True
        return self

    def named(self: C, name: str) -> C:
        self._name = name
        return self

    # -- faults -----------------------------------------------------------------------------------
    def error(
        self: C,
        code: str | None = None,
        *,
        status: int | None = None,
        message: str | None = None,
        type: str | None = None,
        param: Any = ...,
        retry_after: float | None = None,
        retry_after_ms: float | None = None,
        should_retry: bool | None = None,
        headers: Mapping[str, str] | None = None,
        after: Any = None,
    ) -> C:
        """An API error by code (known codes fill in the real status, type and message)."""
        spec = _error(code, status, message, type, param, retry_after, retry_after_ms, should_retry, headers)
        return self._add(a.Error(error=spec, after=a.At.of(after)))

    def http_status(self: C, status: int, code: str | None = None, **fields: Any) -> C:
        """An error by HTTP status, with ``retry_after`` / ``retry_after_ms`` / ``should_retry`` headers."""
        return self.error(code, status=status, **fields)

    def respond(self: C, json: Any = None, *, status: int = 200, text: str | None = None, content_type: str | None = None) -> C:
        """Answer the HTTP request with exactly this body (JSON value or text) and status, on any path."""
        return self._add(a.Respond(status=status, json=json, text=text, content_type=content_type))

    def close(self: C, code: int = 1000, reason: str = "", *, after: Any = None) -> C:
        return self._add(a.Close(code=code, reason=reason, after=a.At.of(after)))

    def drop(self: C, *, after: Any = None) -> C:
        return self._add(a.Drop(after=a.At.of(after)))

    def cut(self: C, *, after: Any = None, keep: int | None = None) -> C:
        return self._add(a.Cut(keep=keep, after=a.At.of(after)))

    def stall(self: C, seconds: float, *, after: Any = None) -> C:
        return self._add(a.Stall(seconds=seconds, after=a.At.of(after)))

    def stall_forever(self: C, *, after: Any = None) -> C:
        """Send nothing more, ever: the turn hangs until the client closes, cancels or times out."""
        return self._add(a.Stall(forever=True, after=a.At.of(after)))

    def malformed(self: C, text: str | None = None, *, after: Any = None) -> C:
        return self._add(a.Malformed(after=a.At.of(after)) if text is None else a.Malformed(text=text, after=a.At.of(after)))

    def binary(self: C, data: bytes | None = None, *, after: Any = None) -> C:
        return self._add(a.BinaryFrame(after=a.At.of(after)) if data is None else a.BinaryFrame(data=data, after=a.At.of(after)))

    def duplicate(self: C, *, after: Any = None) -> C:
        return self._add(a.Duplicate(after=a.At.of(after)))

    def event(self: C, event: Mapping[str, Any], *, numbered: bool = True, after: Any = None) -> C:
        return self._add(a.Event(event=dict(event), numbered=numbered, after=a.At.of(after)))

    def unknown_event(self: C, type: str = "response.unknown_future_event", *, after: Any = None, **fields: Any) -> C:
        return self._add(a.UnknownEvent(type=type, fields=fields, after=a.At.of(after)))

    def no_usage(self: C) -> C:
        """The reply's ending without ``usage`` (Responses: the terminal event; Realtime: ``response.done``)."""
        return self._add(a.NoUsage())

    # -- scenario-level calls ---------------------------------------------------------------------
    def on(self, **selectors: Any) -> RuleBuilder:
        return self._parent.on(**selectors)

    def otherwise(self) -> RuleBuilder:
        return self._parent.otherwise()

    def when_idle(self, *, connection: Any = None, after_turns: Any = None) -> IdleBuilder:
        return self._parent.when_idle(connection=connection, after_turns=after_turns)

    def reject_handshake(self, status: int = 429, **options: Any) -> ScenarioBuilder:
        return self._parent.reject_handshake(status, **options)

    def config(self, **settings: Any) -> ScenarioBuilder:
        return self._parent.config(**settings)

    def unmatched(self, mode: Unmatched) -> ScenarioBuilder:
        return self._parent.unmatched(mode)

    def build(self) -> Scenario:
        return self._parent.build()


class RuleBuilder(_Chain):
    """One request rule: content, endings, faults and pacing, in order."""

    def __init__(self, parent: ScenarioBuilder, match: Match) -> None:
        super().__init__(parent)
        self._match = match

    def where(self, predicate: Any) -> RuleBuilder:
        """Also require ``predicate(turn)`` to be true."""
        self._match = Match(**{**self._match.__dict__, "where": predicate})
        return self

    def reply(self, text: str, *, chunk: int | None = None, phase: str | None = None) -> RuleBuilder:
        """An assistant message with this text."""
        return self._add(a.Text(text=text, chunk=chunk, phase=phase))

    text = reply

    def call(
        self, name: str, arguments: Mapping[str, Any] | str | None = None, *, call_id: str | None = None, chunk: int | None = None
    ) -> RuleBuilder:
        """A function call; ``arguments`` as a dict (sent as compact JSON) or a JSON string."""
        args = arguments if isinstance(arguments, str) else json.dumps(dict(arguments or {}), separators=(",", ":"))
        return self._add(a.FunctionCall(name=name, arguments=args, call_id=call_id, chunk=chunk))

    function_call = call

    def reasoning(self, *summary: str, chunk: int | None = None) -> RuleBuilder:
        return self._add(a.Reasoning(summary=tuple(summary), chunk=chunk))

    def complete(self) -> RuleBuilder:
        return self._add(a.Complete())

    def fail(
        self, code: str = "server_error", message: str = "The model failed to generate a response.", *, error_event: bool = False
    ) -> RuleBuilder:
        return self._add(a.FailResponse(code=code, message=message, error_event=error_event))

    def incomplete(self, reason: str = "max_output_tokens", *, cut_item: bool = True) -> RuleBuilder:
        return self._add(a.Incomplete(reason=reason, cut_item=cut_item))

    def slow(self, *, ttfb: float = 0.0, delay: float = 0.0, jitter: float = 0.0, seed: int = 0) -> RuleBuilder:
        return self._add(a.Slow(ttfb=ttfb, delay=delay, jitter=jitter, seed=seed))

    def rule(self) -> Rule:
        return Rule(
            name=self._name,
            times=self._times,
            expect=self._expect,
            optional=self._optional,
            match=self._match,
            actions=tuple(self._actions),
        )


class IdleBuilder(_Chain):
    """One idle rule: frames pushed with nothing in flight (stall, error, event, close, drop, ...)."""

    def __init__(self, parent: ScenarioBuilder, connection: IntSet | None, after_turns: IntSet | None) -> None:
        super().__init__(parent)
        self._connection = connection
        self._after_turns = after_turns

    def rule(self) -> IdleRule:
        return IdleRule(
            name=self._name,
            times=self._times,
            expect=self._expect,
            optional=self._optional,
            connection=self._connection,
            after_turns=self._after_turns,
            actions=tuple(self._actions),
        )
