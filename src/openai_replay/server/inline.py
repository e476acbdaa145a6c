"""Any path answered inline by a scenario rule (as pytest-httpserver's ``respond_with_json``).

When the scenario in force has a rule with a ``path`` selector, a request no route takes (any
path, ``/v1`` or not) goes through the engine like a side request: logged, matched by the rules
(``method``, ``path``, ``body``, ``body_contains``, ...), answered by the rule's ``respond`` (or
faulted by its error, stall or close). A request no rule answers gets the real 404, naming what is
served. ``/v1`` paths need the Authorization header as everywhere; other paths do not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from openai_replay.cassette.forms import request_view
from openai_replay.server.auth import auth_error
from openai_replay.server.endpoint import EndpointChannel, endpoint_serve
from openai_replay.server.http import finish
from openai_replay.server.httpjson import error_response, raw_json_response
from openai_replay.server.recorded import not_simulated, read_or_refuse
from openai_replay.server.sessions import SessionNameError, state_for
from openai_replay.server.turns import run_turn


class InlineChannel(EndpointChannel):
    """An endpoint channel that also writes a scripted body of any content type as given."""

    async def respond_exact(self, body: str | bytes, status: int, content_type: str | None) -> None:
        if self.answer is None:
            self.answer = raw_json_response(self.state, body, status, content_type)


def answers_paths(request: web.Request) -> bool:
    """True when the scenario in force for this request's session answers paths (a ``path`` selector)."""
    try:
        source = state_for(request).source
    except SessionNameError:
        return False
    rules = getattr(source, "rules", None) or ()
    return any(getattr(rule.match, "path", None) is not None for rule in rules)


async def serve_inline(request: web.Request, served: Iterable[str]) -> web.StreamResponse:
    state = state_for(request)
    if request.path.startswith("/v1/"):
        problem = auth_error(state, request)
        if problem is not None:
            return error_response(state, problem)
    raw = await read_or_refuse(state, request)
    if isinstance(raw, web.StreamResponse):
        return raw
    payload = _payload(request, raw)
    endpoint = f"{request.method} {request.path}"
    record = state.log.add_request(
        transport="http", payload=payload, now=state.clock.time(), valid=False, size=len(raw), endpoint=endpoint
    )
    missing = not_simulated(request.method, request.path, served)
    channel = InlineChannel(state, request)
    await run_turn(state, channel, record, payload, serve=endpoint_serve(lambda body: missing, None))
    return await finish(state, channel)


def _payload(request: web.Request, raw: bytes) -> dict[str, Any]:
    """The JSON object a body carries, a form's fields, or (no body) the query's parameters."""
    if not raw.strip():
        return dict(request.query)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return request_view(request.headers.get("Content-Type", ""), raw) or {}
    return value if isinstance(value, dict) else {"body": value}
