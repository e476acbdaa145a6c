"""The raw aiohttp baseline of the surfaces benchmark: the least an aiohttp server can do to give the
same answers as aimock's fixtures (the file surfaces.py writes for aimock), and nothing else.

- `POST /v1/chat/completions` (streamed): the fixture's reply in chunks of `chunkSize`, aimock's chunk
  shape, one write per event (as raw_server.py writes the Responses events);
- `POST /v1/embeddings`: one deterministic 1536-dimension vector per input, made per request from the
  input's hash (as aimock makes its vectors), `float` JSON;
- `POST /v1/audio/speech`: the fixture's stored audio for the request's model;
- `POST /v1/audio/transcriptions`: the multipart body read whole (aiohttp's parser), the fixture's text;
- `GET /v1/realtime`: `session.created`, then for each `response.create` the fixture's text as aimock's
  text-turn events. Input audio is ignored (no speech detection, like aimock).

No validation, no log, no ids beyond a random suffix. Usage: python raw_surfaces.py PORT --fixtures FILE
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import time
from typing import Any

from aiohttp import WSMsgType, web

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def gen_id(prefix: str) -> str:
    return prefix + "-" + base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")


def make_app(fixtures: list[dict[str, Any]]) -> web.Application:
    chat = [
        (f["match"]["userMessage"], f["response"]["content"], int(f.get("chunkSize", 20)))
        for f in fixtures
        if "userMessage" in f["match"]
    ]
    speech = {
        f["match"]["model"]: base64.b64decode(f["response"]["audio"]) for f in fixtures if f["match"].get("endpoint") == "speech"
    }
    transcript = next(f["response"]["transcription"]["text"] for f in fixtures if f["match"].get("endpoint") == "transcription")

    def pick(text: str) -> tuple[str, int] | None:
        return next(((content, size) for um, content, size in chat if um in text), None)

    async def chat_completions(request: web.Request) -> web.StreamResponse:
        req = json.loads(await request.read())
        content = req["messages"][-1]["content"]
        hit = pick(content if isinstance(content, str) else "")
        if hit is None:
            return web.json_response({"error": {"message": "No fixture matched"}}, status=404)
        text, size = hit
        head = {
            "id": gen_id("chatcmpl"),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": req.get("model", "gpt-4o"),
        }
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)

        async def send(delta: dict[str, str], finish: str | None = None) -> None:
            chunk = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            await resp.write(b"data: " + _dumps(chunk).encode() + b"\n\n")

        await send({"role": "assistant", "content": ""})
        for i in range(0, len(text), size):
            await send({"content": text[i : i + size]})
        await send({}, "stop")
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def embeddings(request: web.Request) -> web.Response:
        req = json.loads(await request.read())
        inputs = req["input"] if isinstance(req["input"], list) else [req["input"]]
        data = []
        for i, text in enumerate(inputs):
            rng = random.Random(hashlib.sha256(str(text).encode()).digest())
            data.append({"object": "embedding", "index": i, "embedding": [rng.uniform(-1, 1) for _ in range(1536)]})
        usage = {"prompt_tokens": 0, "total_tokens": 0}
        return web.Response(
            body=_dumps({"object": "list", "data": data, "model": req.get("model"), "usage": usage}),
            content_type="application/json",
        )

    async def audio_speech(request: web.Request) -> web.Response:
        req = json.loads(await request.read())
        audio = speech.get(req.get("model", ""))
        if audio is None:
            return web.json_response({"error": {"message": "No fixture matched"}}, status=404)
        fmt = req.get("response_format", "mp3")
        return web.Response(body=audio, content_type="audio/mpeg" if fmt == "mp3" else "audio/pcm")

    async def transcriptions(request: web.Request) -> web.Response:
        await request.post()  # the multipart upload, read and parsed
        return web.Response(body=_dumps({"text": transcript}), content_type="application/json")

    async def realtime(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str(_dumps({"type": "session.created", "session": {"id": gen_id("sess"), "type": "realtime"}}))
        last = ""
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            event = json.loads(msg.data)
            kind = event.get("type")
            if kind == "conversation.item.create":
                item = event["item"]
                item.setdefault("id", gen_id("item"))
                last = "".join(part.get("text", "") for part in item.get("content", []))
                await ws.send_str(_dumps({"type": "conversation.item.added", "item": item}))
            elif kind == "response.create":
                hit = pick(last)
                if hit is None:
                    await ws.send_str(_dumps({"type": "error", "error": {"message": "No fixture matched"}}))
                    continue
                await realtime_text(ws, *hit)
        return ws

    async def realtime_text(ws: web.WebSocketResponse, text: str, size: int) -> None:
        rid, iid = gen_id("resp"), gen_id("item")
        part = {"type": "output_text", "text": ""}
        for event in (
            {
                "type": "response.created",
                "response": {"id": rid, "object": "realtime.response", "status": "in_progress", "output": []},
            },
            {
                "type": "response.output_item.added",
                "response_id": rid,
                "output_index": 0,
                "item": {"id": iid, "type": "message", "role": "assistant", "content": []},
            },
            {
                "type": "response.content_part.added",
                "response_id": rid,
                "item_id": iid,
                "output_index": 0,
                "content_index": 0,
                "part": part,
            },
        ):
            await ws.send_str(_dumps(event))
        for i in range(0, len(text), size):
            await ws.send_str(
                _dumps({"type": "response.output_text.delta", "response_id": rid, "item_id": iid, "delta": text[i : i + size]})
            )
        done_item = {
            "id": iid,
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text}],
        }
        for event in (
            {"type": "response.output_text.done", "response_id": rid, "item_id": iid, "text": text},
            {
                "type": "response.content_part.done",
                "response_id": rid,
                "item_id": iid,
                "part": {"type": "output_text", "text": text},
            },
            {"type": "response.output_item.done", "response_id": rid, "item": done_item},
            {"type": "conversation.item.done", "item": done_item},
            {
                "type": "response.done",
                "response": {"id": rid, "object": "realtime.response", "status": "completed", "output": [done_item]},
            },
        ):
            await ws.send_str(_dumps(event))

    app = web.Application(client_max_size=64 * 2**20)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/embeddings", embeddings)
    app.router.add_post("/v1/audio/speech", audio_speech)
    app.router.add_post("/v1/audio/transcriptions", transcriptions)
    app.router.add_get("/v1/realtime", realtime)
    return app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("port", type=int)
    ap.add_argument("--fixtures", required=True, help="aimock's fixture file, as surfaces.py writes it")
    a = ap.parse_args()
    with open(a.fixtures) as f:
        fixtures = json.load(f)["fixtures"]
    web.run_app(make_app(fixtures), host="127.0.0.1", port=a.port, print=None, access_log=None, handle_signals=True)


if __name__ == "__main__":
    main()
