"""The surfaces benchmark's client: one process per server and rep, every loop bounded, 127.0.0.1 only.

Tests (names in the JSON output), each run sequentially on one keep-alive session or one WebSocket:
  chat_short   N streamed `POST /v1/chat/completions` "bench-short" (32 characters in 2 deltas):
               per-request latency from send to `data: [DONE]`, p50 / p99, requests/s
  chat_long    N streamed "bench-long" (40,000 characters in 10,000 deltas): events/s to `[DONE]`
  embeddings   N `POST /v1/embeddings` (one input, `encoding_format: float`): requests/s
  tts_pcm, tts_mp3
               N `POST /v1/audio/speech` of a 64-character text (4.6 s of speech; `pcm`, and `mp3`, the API's default):
               audio bytes/s, requests/s
  stt          N `POST /v1/audio/transcriptions` (multipart, a WAV of that text): requests/s
  rt_text      one `/v1/realtime` socket, N text turns (`conversation.item.create` + `response.create`
               with text output): latency from the create to `response.done`
  rt_audio     one `/v1/realtime` socket, N spoken turns (speech plus 600 ms of silence appended in
               100 ms chunks, server VAD): from the last append to the first `response.output_audio.delta`
               and to `response.done`; reply audio seconds per wall second

Every answer is checked (status, text, byte counts, event counts) and recorded, so the orchestrator
(surfaces.py) can say when a server did not answer as expected. The server's CPU (utime+stime from
/proc/PID/stat, 10 ms ticks) is read around each test.

Usage: python surfaces_client.py --port P --data DATA.json --out OUT.json [--server-pid PID] [--tests a,b] [--n-* N]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import statistics
import sys
import time
from typing import Any

import aiohttp
from bench import pct, proc_cpu

TESTS = ("chat_short", "chat_long", "embeddings", "tts_pcm", "tts_mp3", "stt", "rt_text", "rt_audio")
TIMEOUT = aiohttp.ClientTimeout(total=120)


def chat_body(text: str) -> bytes:
    return json.dumps({"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": text}]}).encode()


async def chat_once(sess: aiohttp.ClientSession, base: str, body: bytes) -> dict[str, Any]:
    """One streamed chat completion, every `data:` line JSON-parsed; time to `[DONE]`."""
    t0 = time.perf_counter()
    events = deltas = nbytes = 0
    text: list[str] = []
    done = None
    buf = b""
    async with sess.post(f"{base}/v1/chat/completions", data=body, headers={"Content-Type": "application/json"}) as resp:
        if resp.status != 200:
            raise RuntimeError(f"chat: HTTP {resp.status}: {(await resp.text())[:300]}")
        async for chunk in resp.content.iter_any():
            nbytes += len(chunk)
            buf += chunk
            blocks = buf.split(b"\n\n")
            buf = blocks.pop()
            for block in blocks:
                if not block.startswith(b"data:"):
                    continue
                data = block[5:].strip()
                if data == b"[DONE]":
                    done = time.perf_counter()
                    continue
                events += 1
                choices = json.loads(data)["choices"]
                piece = choices[0]["delta"].get("content") if choices else None
                if piece:
                    deltas += 1
                    text.append(piece)
    if done is None:
        raise RuntimeError("chat: the stream ended without data: [DONE]")
    return {"dt": done - t0, "events": events, "deltas": deltas, "bytes": nbytes, "text": "".join(text)}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def t_chat(sess: aiohttp.ClientSession, base: str, text: str, n: int) -> dict[str, Any]:
    body = chat_body(text)
    runs = [await chat_once(sess, base, body) for _ in range(n)]
    lat = [r["dt"] * 1000 for r in runs]
    wall = sum(r["dt"] for r in runs)
    return {
        "requests": n,
        "p50_ms": statistics.median(lat),
        "p99_ms": pct(lat, 0.99),
        "requests_per_s": n / wall,
        "events_per_s": sum(r["events"] for r in runs) / wall,
        "events_per_response": sorted({r["events"] for r in runs}),
        "deltas_per_response": sorted({r["deltas"] for r in runs}),
        "bytes_per_response": statistics.median(r["bytes"] for r in runs),
        "reply_digests": sorted({digest(r["text"]) for r in runs}),
    }


async def t_embeddings(sess: aiohttp.ClientSession, base: str, text: str, n: int) -> dict[str, Any]:
    payload = json.dumps({"model": "text-embedding-3-small", "input": text, "encoding_format": "float"}).encode()
    lat, dims, sizes = [], set(), []
    for _ in range(n):
        t0 = time.perf_counter()
        async with sess.post(f"{base}/v1/embeddings", data=payload, headers={"Content-Type": "application/json"}) as resp:
            raw = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"embeddings: HTTP {resp.status}: {raw[:300]!r}")
        data = json.loads(raw)["data"]
        lat.append(time.perf_counter() - t0)
        dims.add(len(data) and len(data[0]["embedding"]))
        sizes.append(len(raw))
    return {
        "requests": n,
        "requests_per_s": n / sum(lat),
        "p50_ms": statistics.median(lat) * 1000,
        "dimensions": sorted(dims),
        "bytes_per_response": statistics.median(sizes),
    }


async def t_tts(sess: aiohttp.ClientSession, base: str, text: str, fmt: str, model: str, n: int) -> dict[str, Any]:
    payload = json.dumps({"model": model, "voice": "alloy", "input": text, "response_format": fmt}).encode()
    lat, sizes, digests = [], [], set()
    for _ in range(n):
        t0 = time.perf_counter()
        async with sess.post(f"{base}/v1/audio/speech", data=payload, headers={"Content-Type": "application/json"}) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"speech {fmt}: HTTP {resp.status}: {body[:300]!r}")
        lat.append(time.perf_counter() - t0)
        sizes.append(len(body))
        digests.add(hashlib.sha256(body).hexdigest()[:16])
    return {
        "requests": n,
        "bytes_per_s": sum(sizes) / sum(lat),
        "requests_per_s": n / sum(lat),
        "p50_ms": statistics.median(lat) * 1000,
        "bytes_per_response": sorted(set(sizes)),
        "audio_digests": sorted(digests),
    }


async def t_stt(sess: aiohttp.ClientSession, base: str, wav: bytes, n: int) -> dict[str, Any]:
    lat, texts = [], set()
    for _ in range(n):
        form = aiohttp.FormData()
        form.add_field("model", "whisper-1")
        form.add_field("file", wav, filename="speech.wav", content_type="audio/wav")
        t0 = time.perf_counter()
        async with sess.post(f"{base}/v1/audio/transcriptions", data=form) as resp:
            raw = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"transcription: HTTP {resp.status}: {raw[:300]!r}")
        lat.append(time.perf_counter() - t0)
        texts.add(json.loads(raw)["text"])
    return {"requests": n, "requests_per_s": n / sum(lat), "p50_ms": statistics.median(lat) * 1000, "texts": sorted(texts)}


async def rt_until_done(ws: aiohttp.ClientWebSocketResponse, start: float, marks: dict[str, float]) -> dict[str, Any]:
    """Read events until `response.done`; the first time of each event type (ms after ``start``)."""
    audio = events = 0
    text: list[str] = []
    done: dict[str, Any] = {}
    for _ in range(1_000_000):  # bounded: a turn is far fewer events
        msg = await ws.receive(timeout=30)
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"realtime: socket ended ({msg.type.name}) before response.done")
        event = json.loads(msg.data)
        kind = event["type"]
        if kind == "rate_limits.updated":  # openai-replay's last event of the previous turn
            continue
        events += 1
        marks.setdefault(kind, (time.perf_counter() - start) * 1000)
        if kind == "error":
            raise RuntimeError(f"realtime: error event {event.get('error')}")
        if kind == "response.output_audio.delta":
            audio += len(base64.b64decode(event["delta"]))
        elif kind in ("response.output_text.delta", "response.output_audio_transcript.delta"):
            text.append(event["delta"])
        elif kind == "response.done":
            done = event["response"]
            break
    else:
        raise RuntimeError("realtime: no response.done in 1,000,000 events")
    return {"events": events, "audio_bytes": audio, "text": "".join(text), "status": done.get("status")}


async def t_rt_text(sess: aiohttp.ClientSession, base: str, text: str, n: int) -> dict[str, Any]:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    create = json.dumps({"type": "conversation.item.create", "item": item})
    respond = json.dumps({"type": "response.create", "response": {"output_modalities": ["text"]}})
    lat, events, texts, statuses = [], set(), set(), set()
    events_all: list[int] = []
    async with sess.ws_connect(base.replace("http", "ws", 1) + "/v1/realtime?model=gpt-realtime", max_msg_size=0) as ws:
        first = json.loads((await ws.receive(timeout=30)).data)
        if first.get("type") != "session.created":
            raise RuntimeError(f"realtime: first event {first.get('type')}, expected session.created")
        for _ in range(n):
            start = time.perf_counter()
            await ws.send_str(create)
            await ws.send_str(respond)
            got = await rt_until_done(ws, start, marks := {})
            lat.append(marks["response.done"])
            events.add(got["events"])
            events_all.append(got["events"])
            texts.add(got["text"])
            statuses.add(got["status"])
    return {
        "turns": n,
        "p50_ms": statistics.median(lat),
        "p99_ms": pct(lat, 0.99),
        "p50_first_ms": statistics.median(lat[:20]),  # the conversation grows by two items a turn
        "p50_last_ms": statistics.median(lat[-20:]),
        "turns_per_s": n / (sum(lat) / 1000),
        "events_per_turn_median": statistics.median(events_all),
        "events_per_turn": sorted(events),
        "texts": sorted(texts),
        "statuses": sorted(statuses),
    }


async def t_rt_audio(sess: aiohttp.ClientSession, base: str, speech: bytes, n: int) -> dict[str, Any]:
    pcm = speech + b"\0\0" * 24 * 600  # then 600 ms of silence: server VAD ends the turn
    chunks = [
        json.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm[i : i + 4800]).decode()})
        for i in range(0, len(pcm), 4800)
    ]
    rows: list[dict[str, float]] = []
    statuses, transcripts = set(), set()
    async with sess.ws_connect(base.replace("http", "ws", 1) + "/v1/realtime?model=gpt-realtime", max_msg_size=0) as ws:
        first = json.loads((await ws.receive(timeout=30)).data)
        if first.get("type") != "session.created":
            raise RuntimeError(f"realtime: first event {first.get('type')}, expected session.created")
        for _ in range(n):
            for chunk in chunks[:-1]:
                await ws.send_str(chunk)
            start = time.perf_counter()
            await ws.send_str(chunks[-1])
            got = await rt_until_done(ws, start, marks := {})
            if "response.output_audio.delta" not in marks or not got["audio_bytes"]:
                raise RuntimeError(f"realtime audio turn: no output audio (events {sorted(marks)})")
            audio_s = got["audio_bytes"] / 48000  # 24 kHz, 16-bit mono
            streaming_s = (marks["response.done"] - marks["response.output_audio.delta"]) / 1000
            rows.append(
                {
                    "done_ms": marks["response.done"],
                    "first_audio_ms": marks["response.output_audio.delta"],
                    "audio_s": audio_s,
                    "audio_x_realtime": audio_s / streaming_s if streaming_s > 0 else float("inf"),
                    "audio_bytes": got["audio_bytes"],
                    "events": got["events"],
                }
            )
            statuses.add(got["status"])
            transcripts.add(got["text"])
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    return {
        "turns": n,
        "p50_ms": med["done_ms"],
        "first_audio_p50_ms": med["first_audio_ms"],
        "reply_audio_s": med["audio_s"],
        "audio_x_realtime": med["audio_x_realtime"],
        "audio_bytes_per_s": sum(r["audio_bytes"] for r in rows)
        / (sum(r["done_ms"] - r["first_audio_ms"] for r in rows) / 1000 or 1e-9),
        "events_per_turn": sorted({int(r["events"]) for r in rows}),
        "audio_bytes_per_turn": sorted({int(r["audio_bytes"]) for r in rows}),
        "statuses": sorted(statuses),
        "transcripts": sorted(transcripts),
    }


async def run(a: argparse.Namespace) -> dict[str, Any]:
    with open(a.data) as f:
        data = json.load(f)
    base = f"http://127.0.0.1:{a.port}"
    wav = base64.b64decode(data["wav"])
    speech = base64.b64decode(data["speech_pcm"])
    plan = {  # name -> (the test, given a session and a request count; the count)
        "chat_short": (lambda s, n: t_chat(s, base, "bench-short", n), a.n_short),
        "chat_long": (lambda s, n: t_chat(s, base, "bench-long", n), a.n_long),
        "embeddings": (lambda s, n: t_embeddings(s, base, data["embed_text"], n), a.n_embed),
        "tts_pcm": (lambda s, n: t_tts(s, base, data["tts_text"], "pcm", data["tts_model"]["pcm"], n), a.n_tts),
        "tts_mp3": (lambda s, n: t_tts(s, base, data["tts_text"], "mp3", data["tts_model"]["mp3"], n), a.n_mp3),
        "stt": (lambda s, n: t_stt(s, base, wav, n), a.n_stt),
        "rt_text": (lambda s, n: t_rt_text(s, base, data["rt_text"], n), a.n_rt),
        "rt_audio": (lambda s, n: t_rt_audio(s, base, speech, n), a.n_rt_audio),
    }
    out: dict[str, Any] = {"label": a.label, "tests": {}}
    async with aiohttp.ClientSession(timeout=TIMEOUT) as sess:
        for name in a.tests.split(","):
            test, n = plan[name]
            if not a.no_warmup:  # one untimed request first: the server's lazy imports and caches
                await test(sess, 1)
            cpu0 = proc_cpu(a.server_pid)
            t0 = time.perf_counter()
            result = await test(sess, n)
            result["wall_s"] = time.perf_counter() - t0
            result["server_cpu_s"] = proc_cpu(a.server_pid) - cpu0
            units = result.get("requests") or result.get("turns") or 1
            result["server_cpu_ms_per_request"] = result["server_cpu_s"] * 1000 / units
            if name.startswith("chat_"):
                events = sum(result["events_per_response"]) / len(result["events_per_response"]) * units
                result["server_cpu_us_per_event"] = result["server_cpu_s"] * 1e6 / events
            out["tests"][name] = result
            print(
                f"{a.label} {name}: {json.dumps({k: v for k, v in result.items() if not isinstance(v, list)})}", file=sys.stderr
            )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--data", required=True, help="the run's data file (surfaces.py writes it): texts, WAV, speech")
    ap.add_argument("--out", required=True)
    ap.add_argument("--server-pid", type=int, default=0)
    ap.add_argument("--label", default="")
    ap.add_argument("--tests", default=",".join(TESTS))
    ap.add_argument("--n-short", type=int, default=300)
    ap.add_argument("--n-long", type=int, default=5)
    ap.add_argument("--n-embed", type=int, default=300)
    ap.add_argument("--n-tts", type=int, default=30)
    ap.add_argument("--n-mp3", type=int, default=10)
    ap.add_argument("--n-stt", type=int, default=20)
    ap.add_argument("--n-rt", type=int, default=200)
    ap.add_argument("--n-rt-audio", type=int, default=10)
    ap.add_argument("--no-warmup", action="store_true")
    a = ap.parse_args()
    out = asyncio.run(run(a))
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
