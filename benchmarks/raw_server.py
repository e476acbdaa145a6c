"""Raw aiohttp baseline server: the denominator of every ratio in this folder.

Copied unchanged in behaviour from shared/peer-bench/raw_server.py (imports tidied; the default
fixture path is results/fixtures/bench.json, written by fixtures.py / run.py).

Minimal aiohttp app that mimics exactly what aimock 1.43.0 sends for a plain
text fixture on the OpenAI Responses API:

  WS   /v1/responses  : per received text frame {"type":"response.create",...}
                        -> N+8 JSON text frames (one event per frame)
  POST /v1/responses  : stream:true -> same events as SSE
                        ("event: <type>\ndata: <json>\n\n"), then end of body

Event shapes and sizes are copied from aimock's buildTextStreamEvents()
(dist/responses.js): response.created, response.in_progress,
response.output_item.added, response.content_part.added,
N x response.output_text.delta, response.output_text.done,
response.content_part.done, response.output_item.done, response.completed.
No sequence_number (aimock does not send one either).

Per turn it does the same kind of work aimock does: json-parse the request,
pick the fixture by the last user text (substring match), build the event
dicts, json-serialise each one at send time.

Usage: python raw_server.py PORT [--fixtures results/fixtures/bench.json]
"""

import argparse
import base64
import json
import os
import time

from aiohttp import WSMsgType, web

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def gen_id(prefix):
    return prefix + "-" + base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")


def load_fixtures(path):
    with open(path) as f:
        data = json.load(f)
    out = []
    for fx in data["fixtures"]:
        out.append((fx["match"]["userMessage"], fx["response"]["content"], int(fx.get("chunkSize", 20))))
    return out


def last_user_text(req):
    inp = req.get("input", [])
    if isinstance(inp, str):
        return inp
    for item in reversed(inp):
        if item.get("role") == "user":
            c = item.get("content")
            if isinstance(c, str):
                return c
            return "".join(p.get("text", "") for p in c or [] if p.get("type") in ("input_text", "output_text"))
    return None


def build_text_events(content, model, chunk):
    resp_id = gen_id("resp")
    msg_id = gen_id("msg")
    created = int(time.time())
    ev = []
    head = {"id": resp_id, "object": "response", "created_at": created, "model": model, "status": "in_progress", "output": []}
    ev.append({"type": "response.created", "response": head})
    ev.append({"type": "response.in_progress", "response": head})
    ev.append(
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "message", "id": msg_id, "status": "in_progress", "role": "assistant", "content": []},
        }
    )
    ev.append(
        {
            "type": "response.content_part.added",
            "item_id": msg_id,
            "output_index": 0,
            "content_index": 0,
            "part": {"type": "output_text", "text": "", "annotations": []},
        }
    )
    for i in range(0, len(content), chunk):
        ev.append(
            {
                "type": "response.output_text.delta",
                "item_id": msg_id,
                "output_index": 0,
                "content_index": 0,
                "delta": content[i : i + chunk],
            }
        )
    ev.append({"type": "response.output_text.done", "item_id": msg_id, "output_index": 0, "content_index": 0, "text": content})
    ev.append(
        {
            "type": "response.content_part.done",
            "item_id": msg_id,
            "output_index": 0,
            "content_index": 0,
            "part": {"type": "output_text", "text": content, "annotations": []},
        }
    )
    item = {
        "type": "message",
        "id": msg_id,
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": content, "annotations": []}],
    }
    ev.append({"type": "response.output_item.done", "output_index": 0, "item": item})
    ev.append(
        {
            "type": "response.completed",
            "response": {
                "id": resp_id,
                "object": "response",
                "created_at": created,
                "model": model,
                "status": "completed",
                "output": [item],
                "usage": {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0},
            },
        }
    )
    return ev


def make_app(fixtures):
    def pick(req):
        text = last_user_text(req)
        if text is None:
            return None
        for um, content, chunk in fixtures:
            if um in text:
                return content, chunk
        return None

    def error_event(message, code):
        return {"type": "error", "error": {"message": message, "type": "invalid_request_error", "code": code}}

    async def ws_handler(request):
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                req = json.loads(msg.data)
            except ValueError as e:
                await ws.send_str(_dumps(error_event(f"Malformed JSON: {e}", "invalid_json")))
                continue
            if req.get("type") != "response.create":
                await ws.send_str(_dumps(error_event('Expected message type "response.create"', "invalid_message_type")))
                continue
            hit = pick(req)
            if hit is None:
                await ws.send_str(_dumps(error_event("No fixture matched", "no_fixture_match")))
                continue
            events = build_text_events(hit[0], req.get("model") or "gpt-4", hit[1])
            for e in events:
                await ws.send_str(_dumps(e))
        return ws

    async def post_handler(request):
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await ws_handler(request)
        req = json.loads(await request.read())
        hit = pick(req)
        if hit is None:
            return web.json_response({"error": {"message": "No fixture matched"}}, status=404)
        events = build_text_events(hit[0], req.get("model") or "gpt-4", hit[1])
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        for e in events:
            await resp.write(("event: " + e["type"] + "\ndata: " + _dumps(e) + "\n\n").encode())
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_get("/v1/responses", ws_handler)
    app.router.add_post("/v1/responses", post_handler)
    return app


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--fixtures", default=os.path.join(here, "results", "fixtures", "bench.json"))
    a = ap.parse_args()
    web.run_app(
        make_app(load_fixtures(a.fixtures)), host="127.0.0.1", port=a.port, print=None, access_log=None, handle_signals=True
    )


if __name__ == "__main__":
    main()
