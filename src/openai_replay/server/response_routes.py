"""HTTP: ``GET``/``DELETE /v1/responses/{id}`` and the Responses sub-routes: ``GET /v1/responses/{id}/input_items``, ``POST
/v1/responses/input_tokens``, ``POST /v1/responses/compact`` and ``POST /v1/responses/{id}/cancel``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from openai_replay import errors
from openai_replay.conversations.store import lookup
from openai_replay.errors import ApiError
from openai_replay.items import items_tokens
from openai_replay.paging import page, page_query
from openai_replay.responses import background, resources
from openai_replay.responses.validation import validate_side_request
from openai_replay.server.auth import auth_error
from openai_replay.server.background import cancel_background, catch_up, start_background, starting_after_of, stream_run
from openai_replay.server.endpoint import serve_endpoint
from openai_replay.server.http import CreateCheck, Refused, answer_create, read_request
from openai_replay.server.httpjson import error_response
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState


async def create(request: web.Request) -> web.StreamResponse:
    """``POST /v1/responses``: a background response starts its run; any other is answered at once."""
    state = state_for(request)
    problem = auth_error(state, request)
    if problem is not None:
        return error_response(state, problem)
    check = CreateCheck()
    read = await read_request(state, request, validate=check)
    if isinstance(read, Refused):
        return read.answer(error_response(state, read.error))
    record, payload = read
    if isinstance(payload, dict) and payload.get("background") is True and not getattr(state.source, "bypass_protocol", False):
        return await start_background(state, request, record, payload, payload.get("stream") is True)
    return await answer_create(state, request, record, payload, checked=check.passed)


async def input_items(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    response_id = request.match_info["response_id"]
    query = page_query(request.query, default_order="desc")

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        assert not isinstance(query, ApiError)
        stored = state.store.get(response_id)
        final = stored.response if stored is not None else None
        if stored is None or final is None:
            return errors.response_not_found(response_id)
        output = final.get("output") or []
        seen = stored.context[: len(stored.context) - len(output)] if output else list(stored.context)
        listed = page(resources.as_resources(seen, response_id), query)
        return listed if isinstance(listed, ApiError) else (200, listed)

    return await serve_endpoint(request, "responses", answer, lambda _: query if isinstance(query, ApiError) else None)


def _context(state: ServerState, payload: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
    """What a token count or a compaction reads: the chained parent's or the conversation's items, then ``input``."""
    before: list[dict[str, Any]] = []
    previous = payload.get("previous_response_id")
    if isinstance(previous, str):
        stored = state.store.get(previous)
        if stored is None:
            return errors.previous_response_not_found(previous)
        before = list(stored.context)
    found = lookup(state.conversations, payload.get("conversation"))
    if isinstance(found, ApiError):
        return found
    if found is not None:
        before = list(found.items)
    return before + resources.request_context(payload)


async def input_tokens(request: web.Request) -> web.StreamResponse:
    state = state_for(request)

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        context = _context(state, body)
        if isinstance(context, ApiError):
            return context
        return 200, {"object": "response.input_tokens", "input_tokens": resources.input_tokens(body, context)}

    return await serve_endpoint(request, "responses", answer, lambda p: validate_side_request(p, "input_tokens"))


async def compact(request: web.Request) -> web.StreamResponse:
    state = state_for(request)

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        context = _context(state, body)
        if isinstance(context, ApiError):
            return context
        now = state.clock.time()
        owner = state.ids.make("resp", state.ids.group(), now)
        output = resources.compacted(context, owner)
        tokens_in = resources.input_tokens(body, context)
        tokens_out = items_tokens([i for i in output if i.get("type") == "message"]) + 16
        usage = {
            "input_tokens": tokens_in,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": tokens_out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": tokens_in + tokens_out,
        }
        return 200, {"id": owner, "object": "response.compaction", "created_at": int(now), "output": output, "usage": usage}

    return await serve_endpoint(request, "responses", answer, lambda p: validate_side_request(p, "compact"))


async def cancel(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    response_id = request.match_info["response_id"]
    run = state.runs.get(response_id)
    if run is not None:  # a run the clock has already finished is finished, not cancelled
        await catch_up(state, run)

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        return cancel_background(state, response_id)

    return await serve_endpoint(request, "responses", answer)


async def get_response(request: web.Request) -> web.StreamResponse:
    """``GET /v1/responses/{id}``: a stored or background response; ``stream=true`` streams a
    background response again (from ``starting_after``)."""
    state = state_for(request)
    response_id = request.match_info["response_id"]
    bypass = getattr(state.source, "bypass_protocol", False)
    if request.query.get("stream") == "true" and not bypass:
        problem = auth_error(state, request)
        if problem is not None:
            return error_response(state, problem)
        endpoint = f"GET {request.path}"
        record = state.log.add_request(
            transport="http", payload=dict(request.query), now=state.clock.time(), valid=False, endpoint=endpoint
        )
        after = starting_after_of(request)
        run = state.runs.get(response_id)
        error = after if isinstance(after, ApiError) else None
        if error is None and run is None:
            stored = state.store.get(response_id)
            error = errors.response_not_found(response_id) if stored is None else background.not_background_stream(response_id)
        if error is not None:
            record.outcome.kind, record.outcome.code = "error", error.code or error.type
            record.ended(state.clock.time())
            return error_response(state, error)
        assert run is not None and not isinstance(after, ApiError)
        streamed = await stream_run(state, request, run, after)
        record.outcome.kind = "completed"
        record.ended(state.clock.time())
        return streamed

    run = state.runs.get(response_id)
    if run is not None:
        await catch_up(state, run)

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        run = state.runs.get(response_id)
        if run is not None and run.snapshot is not None:
            return 200, run.snapshot
        stored = state.store.get(response_id)
        if stored is None or stored.response is None:
            return errors.response_not_found(response_id)
        return 200, stored.response

    return await serve_endpoint(request, "responses", answer)


async def delete_response(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    response_id = request.match_info["response_id"]

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        if not state.store.delete(response_id):
            return errors.response_not_found(response_id)
        return 200, {"id": response_id, "object": "response", "deleted": True}

    return await serve_endpoint(request, "responses", answer)
