"""The control API's admin routes, the ones WireMock users reach for: health, shutdown, one rule at a
time, and finding requests (with the near misses of a request no rule answered).

Like the rest of ``/__replay/`` they are test-only and honour ``X-Replay-Session``; bad input is a
400 with one line (`BadInput`, answered by `control_errors`).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from itertools import count
from typing import Any

from aiohttp import web

from openai_replay.log.bounds import dropped_problem
from openai_replay.log.export import export_request
from openai_replay.scenarios import Scenario, ScenarioError, load_scenario
from openai_replay.scenarios.nearmiss import near_misses
from openai_replay.scenarios.rules import Rule
from openai_replay.scenarios.scenario import MAX_RULES, too_many_rules
from openai_replay.server.control import PREFIX, BadInput, Handler, json_body, problem
from openai_replay.server.keys import STATE
from openai_replay.server.sessions import session_for

#: Rules added one at a time, by id, per session (weakly held: an evicted session takes its rules with it).
ADDED = web.AppKey("openai_replay_added_rules", weakref.WeakKeyDictionary)
_ids = count(1)


async def get_health(request: web.Request) -> web.StreamResponse:
    """200 while the server answers: for scripts waiting for it to be ready."""
    session = session_for(request)
    return web.json_response({"status": "ok", "session": session.name, "requests": len(session.state.log.requests)})


async def post_shutdown(request: web.Request) -> web.StreamResponse:
    """Stop an ``openai-replay serve`` process cleanly (the same as Ctrl-C)."""
    stop = request.app[STATE].on_shutdown_request
    if stop is None:
        return problem(
            409,
            "this server runs inside its test process, which stops it; /__replay/shutdown stops `openai-replay serve`",
            "not_a_process",
        )
    stop()
    return web.json_response({"shutdown": True})


# -- one rule at a time --------------------------------------------------------------------------------
async def post_rule(request: web.Request) -> web.StreamResponse:
    """Add one rule (a scenario file's rule object) after the rules in force; answers its ``id``."""
    doc = await json_body(request)
    if not isinstance(doc, dict):
        example = '{"match": {"turn": 2}, "do": [{"action": "error", "code": "server_error"}]}'
        raise BadInput(f"send one rule as a JSON object, e.g. {example}", "invalid_rule")
    try:
        rule = load_scenario({"name": "rule", "rules": [doc]}).rules[0]
    except ScenarioError as exc:
        raise BadInput("; ".join(exc.problems), "invalid_rule") from None
    session = session_for(request)
    scenario = session.state.source
    if not isinstance(scenario, Scenario):
        scenario = Scenario([], name="control API rules", fallback=scenario)
        session.use(scenario)
    if len(scenario.rules) >= MAX_RULES:
        raise BadInput(too_many_rules(len(scenario.rules) + 1), "invalid_rule")
    rule_id = f"rule_{next(_ids)}"
    rule.origin = f"control rule {rule_id}"
    scenario.rules.append(rule)
    request.app[ADDED].setdefault(session, {})[rule_id] = rule
    return web.json_response({"id": rule_id, "rule": rule.label(), "rules": [r.label() for r in scenario.rules]})


async def delete_rule(request: web.Request) -> web.StreamResponse:
    """Remove a rule added with ``POST /__replay/rules``."""
    rule_id = request.match_info["rule_id"]
    session = session_for(request)
    rule: Rule | None = request.app[ADDED].get(session, {}).pop(rule_id, None)
    scenario = session.state.source
    if rule is None or not isinstance(scenario, Scenario) or rule not in scenario.rules:
        message = f"no rule {rule_id!r} in force in this session (ids come from POST {PREFIX}/rules)"
        return problem(404, message, "unknown_rule", "rule_id")
    scenario.rules.remove(rule)
    return web.json_response({"deleted": rule_id, "rules": [r.label() for r in scenario.rules]})


# -- a cassette at runtime -------------------------------------------------------------------------------
async def put_cassette(request: web.Request) -> web.StreamResponse:
    """Answer from a cassette file from now on: ``{"path": "...", "speed": 0, "allow_playback_repeats": false}``."""
    doc = await json_body(request)
    path = doc.get("path") if isinstance(doc, dict) else None
    if not isinstance(path, str) or not path:
        message = 'send {"path": "cassettes/test_x.json"} (a cassette file on the server\'s disk)'
        raise BadInput(message, "invalid_cassette", "path")
    options = {k: v for k, v in doc.items() if k != "path"}
    unknown = sorted(set(options) - {"speed", "allow_playback_repeats"})
    if unknown:
        raise BadInput(f"unknown option(s) {', '.join(unknown)}; options: speed, allow_playback_repeats", "invalid_cassette")
    from openai_replay.cassette import CassetteError, CassetteReplay

    try:  # reading and checking a large file: off the event loop
        replay = await asyncio.to_thread(CassetteReplay, path, **options)
    except (CassetteError, TypeError, ValueError) as exc:
        raise BadInput(str(exc).splitlines()[0], "invalid_cassette", "path") from None
    session_for(request).use(replay)
    return web.json_response({"cassette": path, "interactions": len(replay.items)})


# -- finding requests -----------------------------------------------------------------------------------
#: No ``status``: the log keeps no HTTP status per request, so such a filter would match nothing and
#: pass silently; ``outcome`` takes a kind or an error code (``rate_limit_exceeded``) instead.
FILTERS = ("transport", "api", "endpoint", "outcome", "text", "answered_by")


async def get_find(request: web.Request) -> web.StreamResponse:
    """Requests matching every filter given: ``transport``, ``api``, ``endpoint``, ``outcome`` (kind or
    code), ``answered_by`` (``none`` for the default source) and ``text`` (in the payload)."""
    unknown = sorted(set(request.query) - set(FILTERS))
    if unknown:
        raise BadInput(f"unknown filter(s) {', '.join(unknown)}; filters: {', '.join(FILTERS)}", "invalid_filter", unknown[0])
    log = session_for(request).state.log
    dropped = dropped_problem(log)
    if dropped:  # a match among the dropped requests would go unseen: no answer rather than a wrong one
        return problem(409, f"requests/find cannot search a partial log: {dropped}.", "log_incomplete")
    records = [export_request(r) for r in list(log.requests)]
    found = [r for r in records if _keeps(r, request.query)]
    if "text" in request.query:
        cut = [r["turn"] for r in records if r not in found and _cut_payload(r)]
        if cut:
            message = (
                f"requests/find cannot search for text in cut payloads: the request log cut request(s) "
                f"#{', #'.join(map(str, cut[:10]))} to --log-payload-limit, so the text may be in the part it "
                "left out. Keep payloads whole with `openai-replay serve --log-payload-limit 0` (or a larger limit)."
            )
            return problem(409, message, "log_incomplete", "text")
    return web.json_response({"requests": found}, dumps=lambda v: json.dumps(v, default=str))


def _cut_payload(record: dict[str, Any]) -> bool:
    return any(part.startswith("payload") for part in record.get("truncated") or ())


def _keeps(record: dict[str, Any], query: Any) -> bool:
    for name, wanted in query.items():
        if name == "text":
            if wanted not in json.dumps(record.get("payload"), ensure_ascii=False):
                return False
        elif name == "outcome":
            outcome = record.get("outcome") or {}
            if wanted not in (outcome.get("kind"), outcome.get("code")):
                return False
        elif name == "answered_by":
            if (record.get("answered_by") or "none") != wanted and wanted not in (record.get("answered_by") or ""):
                return False
        elif str(record.get(name)) != wanted:
            return False
    return True


async def get_near_misses(request: web.Request) -> web.StreamResponse:
    """For request ``turn``: which rules came closest to answering it, and the selectors that did not match."""
    text = request.match_info["turn"]
    if not text.isdigit():
        raise BadInput(f"the turn is a request number (1, 2, ...), got {text[:40]!r}", "invalid_value", "turn")
    session = session_for(request)
    record = next((r for r in list(session.state.log.requests) if r.turn == int(text)), None)
    if record is None and 0 < int(text) <= session.state.log.dropped:
        message = f"request #{text} is no longer in the log: {dropped_problem(session.state.log)}"
        return problem(410, message, "log_incomplete", "turn")
    if record is None:
        return problem(404, f"no request #{text} in this session's log", "unknown_request", "turn")
    scenario = session.state.source
    rules = list(getattr(scenario, "rules", []) or [])
    return web.json_response(
        {"turn": record.turn, "answered_by": record.answered_by, "near_misses": near_misses(rules, record) if rules else []}
    )


ROUTES: dict[str, dict[str, Handler]] = {
    f"{PREFIX}/health": {"GET": get_health},
    f"{PREFIX}/shutdown": {"POST": post_shutdown},
    f"{PREFIX}/rules": {"POST": post_rule},
    f"{PREFIX}/rules/{{rule_id}}": {"DELETE": delete_rule},
    f"{PREFIX}/cassette": {"PUT": put_cassette},
    f"{PREFIX}/requests/find": {"GET": get_find},
    f"{PREFIX}/requests/{{turn}}/near-misses": {"GET": get_near_misses},
}


def add_admin_routes(app: web.Application) -> None:
    app[ADDED] = weakref.WeakKeyDictionary()
    for path, methods in ROUTES.items():
        for method, handler in methods.items():
            app.router.add_route(method, path, handler)
