"""Replaying a cassette's recorded ``/v1/realtime`` connections (the core's `RealtimeReplayer`) to live clients.

When the server's source is a cassette (`CassetteReplay`), each new Realtime socket replays the next
recorded one: its server frames at the recorded pace times the source's delay factor (0: no waiting),
each batch released by the client's matching frame, with the client's ids substituted.
"""

from __future__ import annotations

import weakref
from typing import Any

from aiohttp import WSMsgType, web

from openai_replay.errors import ApiError
from openai_replay.log import ConnectionRecord
from openai_replay.realtime import errors as rt
from openai_replay.realtime.replay import ConnectionReplay, RealtimeReplayer, Replayed
from openai_replay.server.state import ServerState
from openai_replay.wire import compact

#: Each cassette source's Realtime replayer (made on first use, forgotten with the source).
_REPLAYERS: weakref.WeakKeyDictionary[Any, RealtimeReplayer] = weakref.WeakKeyDictionary()


def replay_for(state: ServerState, record: ConnectionRecord) -> ConnectionReplay | Replayed | None:
    """The recorded connection this one replays, when the source is a cassette (None: the live model)."""
    source = state.source
    cassette = getattr(source, "cassette", None)
    if not getattr(source, "bypass_protocol", False) or cassette is None:
        return None
    replayer = _REPLAYERS.get(source)
    if replayer is None:
        replayer = _REPLAYERS[source] = RealtimeReplayer(cassette, str(getattr(source, "rerecord", "openai-replay record")))
    replay = replayer.next_connection()
    played = getattr(source, "connection_played", None)
    if replay is not None and played is not None:
        played(replay.number)
    if replay is None:
        message = (
            "openai-replay: the cassette has no recorded Realtime connection left for this one; "
            f"re-record with: {replayer.rerecord}"
        )
        getattr(source, "mismatches", []).append(message)
        return Replayed(error=ApiError(400, message, code="cassette_mismatch"), close=(1011, "no recording left"))
    return replay


async def serve_replay(
    state: ServerState, ws: web.WebSocketResponse, record: ConnectionRecord, replay: ConnectionReplay | Replayed
) -> None:
    """Serve a recorded Realtime connection: its frames in order, each batch released by the client's frame."""
    factor = float(getattr(state.source, "delay_factor", 0.0))
    last = [0.0]

    async def play(out: Replayed) -> bool:
        if out.error is not None:
            await ws.send_str(compact(rt.error_event(state.ids, out.error)))
        for t, text in out.frames:
            if factor and t > last[0]:
                await state.clock.sleep((t - last[0]) * factor)
            last[0] = max(last[0], t)
            await ws.send_str(text)
        if out.close is not None:
            record.closed_by, record.close_code, record.closed_at = "server", out.close[0], state.clock.time()
            await ws.close(code=out.close[0], message=out.close[1].encode())
            return False
        return True

    try:
        if isinstance(replay, Replayed):
            await play(replay)
            return
        if not await play(replay.opening()):
            return
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                out = replay.answer(msg.data)
                problem = out.error.message if out.error is not None else None
                kind = replay.last_type if problem is None else None
                state.log.add_frame(record.id, state.clock.time(), kind, problem, None, size=len(msg.data))
                if out.error is not None:
                    getattr(state.source, "mismatches", []).append(out.error.message)
                if not await play(out):
                    return
            elif msg.type == WSMsgType.ERROR:
                break
    except (ConnectionError, RuntimeError):
        pass
    finally:
        if record.closed_by is None:
            record.closed_by, record.close_code, record.closed_at = "client", ws.close_code, state.clock.time()
