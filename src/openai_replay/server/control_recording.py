"""Recording started and stopped at runtime over the control API (WireMock's start/stop recording).

``POST /__replay/recordings`` starts a recording proxy to ``upstream`` on a free loopback port and
answers its URL: point the client there. ``DELETE /__replay/recordings/{id}`` stops it and saves the
cassette to ``out`` (atomically), answering what was kept; ``PUT /__replay/cassette`` can then replay
it. The proxy is the same `RecordingProxy` as ``openai-replay record`` (redaction, the lent key only
on loopback). Recordings belong to the session that started them; the server stops and saves any
still running when it shuts down.
"""

from __future__ import annotations

import logging
from itertools import count
from typing import TYPE_CHECKING, Any

from aiohttp import web

from openai_replay.cassette.outfile import RecordingNotSaved
from openai_replay.server.control import PREFIX, BadInput, Handler, json_body, problem
from openai_replay.server.sessions import session_for

if TYPE_CHECKING:
    from openai_replay.server.recorder import RecordingProxy

#: The recording proxy class, registered by the ``openai_replay.server`` package: the recorder imports
#: the server (for its replay side), so the app that serves these routes cannot import the recorder.
registered: dict[str, type[RecordingProxy]] = {}


def _proxy_class() -> type[RecordingProxy]:
    return registered["proxy"]


#: Running recordings by (session name, id).
RECORDINGS = web.AppKey("openai_replay_recordings", dict)
DEFAULT_UPSTREAM = "https://api.openai.com/v1"
log = logging.getLogger("openai_replay.server")
_ids = count(1)


async def post_recording(request: web.Request) -> web.StreamResponse:
    """Start recording: ``{"out": "cassettes/x.json", "upstream": "https://api.openai.com/v1"}``."""
    doc = await json_body(request)
    if not isinstance(doc, dict) or not isinstance(doc.get("out"), str) or not doc["out"]:
        example = '{"out": "cassettes/NAME.json", "upstream": "https://api.openai.com/v1"}'
        raise BadInput(f"send {example}", "invalid_recording", "out")
    unknown = sorted(set(doc) - {"out", "upstream"})
    if unknown:
        raise BadInput(f"unknown field(s) {', '.join(unknown)}; fields: out, upstream", "invalid_recording")
    upstream = doc.get("upstream", DEFAULT_UPSTREAM)
    if not isinstance(upstream, str) or not upstream.startswith(("http://", "https://")):
        raise BadInput(f"upstream is an http(s) URL, got {str(upstream)[:80]!r}", "invalid_recording", "upstream")
    running: dict[tuple[str | None, str], RecordingProxy] = request.app[RECORDINGS]
    if any(str(proxy.out) == doc["out"] for proxy in running.values()):
        return problem(409, f"a recording into {doc['out']} is already running on this server", "recording_running", "out")
    session = session_for(request)
    proxy = _proxy_class()(upstream=upstream, out=doc["out"])
    try:
        await proxy.start()
    except OSError as exc:
        raise BadInput(f"cannot start the recording proxy: {exc.strerror or exc}", "invalid_recording") from None
    recording_id = f"rec_{next(_ids)}"
    running[(session.name, recording_id)] = proxy
    return web.json_response({"id": recording_id, "url": proxy.url, "ws_url": proxy.ws_url, "out": doc["out"]})


async def delete_recording(request: web.Request) -> web.StreamResponse:
    """Stop a recording and save its cassette."""
    recording_id = request.match_info["recording_id"]
    proxy = request.app[RECORDINGS].pop((session_for(request).name, recording_id), None)
    if proxy is None:
        return problem(404, f"no recording {recording_id!r} runs in this session", "unknown_recording", "recording_id")
    try:
        await proxy.stop()
    except RecordingNotSaved as exc:
        return problem(500, f"the recording could not be saved: {exc}", "recording_not_saved")
    answer = {"id": recording_id, "out": str(proxy.out), "requests": len(proxy.log.requests), "failures": proxy.failures()}
    return web.json_response(answer)


async def get_recordings(request: web.Request) -> web.StreamResponse:
    """The recordings running in this session."""
    name = session_for(request).name
    running = request.app[RECORDINGS]
    listed: list[dict[str, Any]] = [
        {"id": rid, "url": proxy.url, "out": str(proxy.out)} for (owner, rid), proxy in running.items() if owner == name
    ]
    return web.json_response({"recordings": listed})


async def _stop_all(app: web.Application) -> None:
    running: dict[Any, RecordingProxy] = app[RECORDINGS]
    for key in list(running):
        proxy = running.pop(key)
        try:
            await proxy.stop()
        except RecordingNotSaved as exc:  # nothing can answer at shutdown: say so where it is seen
            log.warning("openai_replay.server: a runtime recording was not saved at shutdown: %s", exc)


ROUTES: dict[str, dict[str, Handler]] = {
    f"{PREFIX}/recordings": {"POST": post_recording, "GET": get_recordings},
    f"{PREFIX}/recordings/{{recording_id}}": {"DELETE": delete_recording},
}


def add_recording_routes(app: web.Application) -> None:
    app[RECORDINGS] = {}
    app.on_shutdown.append(_stop_all)
    for path, methods in ROUTES.items():
        for method, handler in methods.items():
            app.router.add_route(method, path, handler)
