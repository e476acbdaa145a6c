"""The control API under ``/__replay/``: a test in any language reads the request log, loads
scenarios, resets, verifies and runs the log assertions over HTTP.

Bodies are read as ``/v1``'s are: within ``body_timeout`` (408), at most `MAX_CONTROL_BODY` bytes
(413), through the strict JSON reader (`openai_replay.inbound`).

TEST-ONLY. It needs no Authorization header and changes what the server answers, so it exists for
a fake server on loopback; ``openai-replay serve --no-control`` turns it off. Every route honours
``X-Replay-Session`` (see `openai_replay.server.sessions`). Bad input gets a 400 with one clear line
in OpenAI's error shape; an assertion that fails gets a 409 with its failure text and the timeline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from openai_replay import errors
from openai_replay.clock import ManualClock
from openai_replay.errors import ApiError
from openai_replay.inbound import JsonInputError, parse
from openai_replay.log.by_name import AssertionArgumentError, UnknownAssertion, run_assertion
from openai_replay.log.export import export_log
from openai_replay.scenarios import ScenarioError, builtin, load_scenario
from openai_replay.server.receive import BodyTimeout, BodyTooLarge, read_body
from openai_replay.server.sessions import SessionEvicted, SessionNameError, session_for

PREFIX = "/__replay"
#: The largest control request body: a scenario of `MAX_RULES` rules fits (about 100 bytes a rule).
MAX_CONTROL_BODY = 8 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem(status: int, message: str, code: str, param: str | None = None) -> web.Response:
    """An error in OpenAI's body shape, for the control API (no request ids: they would use up the
    seeded id sequence the test's own requests get)."""
    body = ApiError(status, message, code=code, param=param).http_body()
    return web.json_response(body, status=status)


async def json_body(request: web.Request, *, empty: Any = None) -> Any:
    """The request's JSON body, read like ``/v1``'s: within the body deadline, at most
    `MAX_CONTROL_BODY` bytes, and through the strict reader (depth, repeated keys, lone surrogates)."""
    if (request.content_length or 0) > MAX_CONTROL_BODY:
        raise BadInput(_too_large(request.content_length or 0), "body_too_large", status=413)
    config = session_for(request).state.config
    try:
        raw = await read_body(request, config.body_timeout, limit=MAX_CONTROL_BODY)
    except BodyTimeout:
        raise BadInput(errors.body_timeout(config.body_timeout or 0).message, "body_timeout", status=408) from None
    except BodyTooLarge as exc:
        raise BadInput(_too_large(exc.size), "body_too_large", status=413) from None
    if not raw.strip():
        return empty
    try:
        return parse(raw)
    except JsonInputError as exc:
        raise BadInput(f"the body is not valid JSON: {exc}", "invalid_json") from None


def _too_large(size: int) -> str:
    return f"the body is {size:,} bytes or more; the control API takes at most {MAX_CONTROL_BODY:,}"


class BadInput(Exception):
    """A control request the API cannot act on: answered 400 (or ``status``) with this one-line message."""

    def __init__(self, message: str, code: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.param = param
        self.status = status


def _count(request: web.Request, name: str) -> int:
    text = request.query.get(name, "0")
    try:
        value = int(text)
    except ValueError:
        message = f"?{name}= takes a whole number (a turn or frame count), got {text[:40]!r}"
        raise BadInput(message, "invalid_value", name) from None
    if value < 0:
        raise BadInput(f"?{name}= starts at 0, got {value}", "invalid_value", name)
    return value


# -- the log ----------------------------------------------------------------------------------------
async def get_requests(request: web.Request) -> web.StreamResponse:
    """Connections, requests (payload, attempt, outcome) and frames; ``?since=N`` and ``?frames_since=M``."""
    log = session_for(request).state.log
    body = export_log(log, since=_count(request, "since"), frames_since=_count(request, "frames_since"))
    return web.json_response(body, dumps=_dumps)


async def get_timeline(request: web.Request) -> web.StreamResponse:
    """The exchange as the text timeline assertions print."""
    log = session_for(request).state.log
    return web.Response(text=log.render() if len(log.requests) or len(log.connections) else "", content_type="text/plain")


# -- scenarios --------------------------------------------------------------------------------------
async def put_scenario(request: web.Request) -> web.StreamResponse:
    """Load a scenario: scenario JSON, or ``{"builtin": "name", "params": {...}}``."""
    doc = await json_body(request)
    if not isinstance(doc, dict):
        raise BadInput(
            'send scenario JSON ({"rules": [...]}) or {"builtin": "name", "params": {...}}, '
            f"got {type(doc).__name__ if doc is not None else 'an empty body'}",
            "invalid_scenario",
        )
    try:
        # In a thread: checking a scenario takes about 1 ms a rule (up to MAX_RULES), and the other
        # clients of this server must not wait for it.
        scenario = await asyncio.to_thread(_builtin if "builtin" in doc else load_scenario, doc)
    except ScenarioError as exc:
        raise BadInput("; ".join(exc.problems), "invalid_scenario") from None
    session = session_for(request)
    session.use(scenario)
    return web.json_response({"scenario": scenario.name, "rules": [r.label() for r in scenario.all_rules()]})


def _builtin(doc: dict[str, Any]) -> Any:
    extra = sorted(set(doc) - {"builtin", "params"})
    if extra:
        raise ScenarioError([f"a built-in takes only 'builtin' and 'params', not {', '.join(map(repr, extra))}"], "builtin")
    name, params = doc["builtin"], doc.get("params") or {}
    if not isinstance(name, str) or not isinstance(params, dict):
        raise ScenarioError(["'builtin' is a name (a string) and 'params' an object of its parameters"], "builtin")
    try:
        return builtin(name, **params)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError([f"built-in {name!r} cannot take params {json.dumps(params)}: {exc}"], "builtin") from None


async def delete_scenario(request: web.Request) -> web.StreamResponse:
    """Stop answering with the loaded scenario: back to what the server started with."""
    session = session_for(request)
    session.use(session.base_source)
    return web.json_response({"scenario": None})


# -- lifecycle --------------------------------------------------------------------------------------
async def post_reset(request: web.Request) -> web.StreamResponse:
    """A fresh log, store, ids and the starting scenario; a manual clock goes back to its start."""
    session = session_for(request, revive=True)  # a reset starts an evicted session afresh
    session.reset()
    clock = session.state.clock
    if session.name is None and isinstance(clock, ManualClock):  # named sessions share the clock
        clock.reset()
    return web.json_response({"reset": True, "session": session.name})


async def get_verify(request: web.Request) -> web.StreamResponse:
    """Rules that never fired as declared and cassette interactions never played."""
    source = session_for(request).state.source
    verify = getattr(source, "verify", None)
    rules = list(verify()) if callable(verify) else []
    unplayed_of = getattr(source, "unplayed", None)
    left = unplayed_of() if callable(unplayed_of) else []
    unplayed = [f"interaction {i.index + 1}: {i.describe()} -> {i.outcome()}" for i in left]
    mismatches = list(getattr(source, "mismatches", None) or [])
    return web.json_response(
        {"ok": not (rules or unplayed or mismatches), "rules": rules, "unplayed": unplayed, "mismatches": mismatches}
    )


async def post_assert(request: web.Request) -> web.StreamResponse:
    """Run a log assertion by name: 200 when it holds, 409 with the failure text and timeline."""
    name = request.match_info["name"]
    args = await json_body(request, empty={})
    log = session_for(request).state.log
    try:
        # In a thread: `all_closed` waits for the server (this loop) to notice closes.
        outcome = await asyncio.to_thread(run_assertion, log, name, args)
    except UnknownAssertion as exc:
        return problem(404, str(exc), "unknown_assertion", "name")
    except AssertionArgumentError as exc:
        raise BadInput(str(exc), "invalid_arguments") from None
    return web.json_response(outcome.to_json(), status=200 if outcome.passed else 409, dumps=_dumps)


async def post_clock_advance(request: web.Request) -> web.StreamResponse:
    """Move a ``--manual-clock`` server's clock: ``{"seconds": 3600}``."""
    clock = session_for(request).state.clock
    if not isinstance(clock, ManualClock):
        return problem(409, "this server runs on the real clock: start it with --manual-clock to move time", "no_manual_clock")
    doc = await json_body(request)
    seconds = doc.get("seconds") if isinstance(doc, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < 10**9:
        message = f'send {{"seconds": N}} with N a number of seconds, 0 or more; got {json.dumps(doc)[:80]}'
        raise BadInput(message, "invalid_value", "seconds")
    clock.advance(float(seconds))
    return web.json_response({"now": clock.time()})


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


ROUTES: dict[str, dict[str, Handler]] = {
    f"{PREFIX}/requests": {"GET": get_requests},
    f"{PREFIX}/timeline": {"GET": get_timeline},
    f"{PREFIX}/scenario": {"PUT": put_scenario, "DELETE": delete_scenario},
    f"{PREFIX}/reset": {"POST": post_reset},
    f"{PREFIX}/verify": {"GET": get_verify},
    f"{PREFIX}/assert/{{name}}": {"POST": post_assert},
    f"{PREFIX}/clock/advance": {"POST": post_clock_advance},
}


@web.middleware
async def control_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A bad control request or session name answers 400 with one line, never a traceback."""
    try:
        return await handler(request)
    except BadInput as exc:
        response = problem(exc.status, str(exc), exc.code, exc.param)
        if exc.status in (408, 413):  # the rest of the body may still be arriving: do not wait for it
            response.force_close()
        return response
    except SessionEvicted as exc:
        return problem(410, str(exc), "session_evicted", "X-Replay-Session")
    except SessionNameError as exc:
        return problem(400, str(exc), "invalid_session", "X-Replay-Session")


def add_control_routes(app: web.Application) -> None:
    """Register the control API on ``app`` (its handlers raise `BadInput`; `control_errors` answers it)."""
    for path, methods in ROUTES.items():
        for method, handler in methods.items():
            app.router.add_route(method, path, handler)
