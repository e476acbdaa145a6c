"""A Realtime turn's latency and throughput on ``/v1/realtime`` (issue 25).

Starts the fake server in process (a background thread, 127.0.0.1, a free port) and drives it with the
``websockets`` client over a real socket:

- **text turn**: ``conversation.item.create`` + ``response.create`` -> ``response.done`` (ms);
- **spoken turn**: the user's words (our synthesiser's speech plus 600 ms of silence) appended in
  100 ms chunks as fast as the socket takes them; from the last append to ``speech_stopped``, to
  ``response.created``, to the first ``response.output_audio.delta`` and to ``response.done``, and
  the reply's audio seconds sent per wall second (the server streams faster than real time).

Prints medians with min..max over ``--reps``; no test asserts a time. ``--json`` writes the figures.
aimock's Realtime (text only) is not driven here yet.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from fake_server import FakeServer
from openai_replay.audio import voice


def _until(conn: ClientConnection, kind: str, marks: dict[str, float], start: float) -> None:
    while True:
        event = json.loads(conn.recv(timeout=30))
        name = event["type"]
        if name not in marks:
            marks[name] = (time.perf_counter() - start) * 1000
        if name == "response.output_audio.delta":
            marks["audio_bytes"] = marks.get("audio_bytes", 0) + len(base64.b64decode(event["delta"]))
        if name == kind:
            return


def text_turn(conn: ClientConnection) -> float:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello there"}]}
    start = time.perf_counter()
    conn.send(json.dumps({"type": "conversation.item.create", "item": item}))
    conn.send(json.dumps({"type": "response.create", "response": {"output_modalities": ["text"]}}))
    marks: dict[str, float] = {}
    _until(conn, "rate_limits.updated", marks, start)
    return marks["response.done"]


def spoken_turn(conn: ClientConnection, words: str) -> dict[str, float]:
    pcm = voice.synthesize(words) + b"\0\0" * 24 * 600
    chunks = [base64.b64encode(pcm[i : i + 4800]).decode() for i in range(0, len(pcm), 4800)]
    for chunk in chunks[:-1]:
        conn.send(json.dumps({"type": "input_audio_buffer.append", "audio": chunk}))
    start = time.perf_counter()
    conn.send(json.dumps({"type": "input_audio_buffer.append", "audio": chunks[-1]}))
    marks: dict[str, float] = {}
    _until(conn, "rate_limits.updated", marks, start)
    audio_s = marks["audio_bytes"] / 48000
    streaming_s = (marks["response.done"] - marks["response.output_audio.delta"]) / 1000
    return {
        "to_speech_stopped_ms": marks.get("input_audio_buffer.speech_stopped", float("nan")),
        "to_response_created_ms": marks["response.created"],
        "to_first_audio_ms": marks["response.output_audio.delta"],
        "to_response_done_ms": marks["response.done"],
        "reply_audio_s": audio_s,
        "audio_s_per_wall_s": audio_s / streaming_s if streaming_s > 0 else float("inf"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="turns of each kind (default 20)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    results: dict[str, list[float]] = {"text_turn_ms": []}
    with FakeServer(require_auth=False) as server:
        url = server.ws_url.rsplit("/v1/", 1)[0] + "/v1/realtime?model=gpt-realtime"
        with connect(url, max_size=None) as conn:
            json.loads(conn.recv(timeout=10))
            for _ in range(args.reps):
                results["text_turn_ms"].append(text_turn(conn))
            for i in range(args.reps):
                for key, value in spoken_turn(conn, f"what is the weather in city {i}").items():
                    results.setdefault(key, []).append(value)
    summary: dict[str, Any] = {}
    for key, values in results.items():
        summary[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
        print(f"{key:26} median {statistics.median(values):9.2f}   ({min(values):.2f} .. {max(values):.2f})")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
