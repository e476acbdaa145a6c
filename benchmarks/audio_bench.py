"""Audio endpoints' throughput: TTS bytes/s per format and transcriptions/s, against `openai-replay serve`.

Bounded: a fixed number of sequential requests per row, on 127.0.0.1, one server process started and
stopped here. aimock is not measured yet (its audio fixtures are not set up in benchmarks/), so the
figures stand alone; read them as medians of --reps runs on a noisy shared machine.

    .venv/bin/python benchmarks/audio_bench.py [--requests 20] [--reps 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time

import aiohttp
from procs import free_port, openai_replay_serve, stop, wait_port

TEXT = "The quick brown fox jumps over the lazy dog, twice: 1, 2! Ça va?"  # 64 characters, ~4 s of speech
FORMATS = ("pcm", "wav", "mp3", "opus", "aac", "flac")


async def tts(session: aiohttp.ClientSession, base: str, response_format: str, n: int) -> tuple[float, bytes]:
    """Bytes per second of audio served for ``n`` sequential requests, and the last answer."""
    body = b""
    total = 0
    started = time.perf_counter()
    for _ in range(n):
        payload = {"model": "tts-1", "voice": "alloy", "input": TEXT, "response_format": response_format}
        async with session.post(f"{base}/v1/audio/speech", json=payload) as answer:
            body = await answer.read()
            assert answer.status == 200, body[:200]
            total += len(body)
    return total / (time.perf_counter() - started), body


async def stt(session: aiohttp.ClientSession, base: str, wav: bytes, n: int) -> float:
    """Transcriptions per second of our own 4-second WAV, ``n`` sequential requests."""
    started = time.perf_counter()
    for _ in range(n):
        form = aiohttp.FormData()
        form.add_field("model", "whisper-1")
        form.add_field("file", wav, filename="speech.wav", content_type="audio/wav")
        async with session.post(f"{base}/v1/audio/transcriptions", data=form) as answer:
            text = (await answer.json())["text"]
            assert text == TEXT, text
    return n / (time.perf_counter() - started)


async def one_rep(base: str, n: int) -> dict[str, float]:
    row: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        wav = b""
        for response_format in FORMATS:
            rate, body = await tts(session, base, response_format, n)
            row[f"tts_{response_format}_bytes_per_s"] = rate
            if response_format == "wav":
                wav = body
        row["stt_wav_per_s"] = await stt(session, base, wav, n)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    proc = subprocess.Popen(openai_replay_serve(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        reps = [asyncio.run(one_rep(f"http://127.0.0.1:{port}", args.requests)) for _ in range(args.reps)]
    finally:
        stop(proc)
    print("| row | median | min..max |\n|---|---|---|")
    for key in reps[0]:
        values = [rep[key] for rep in reps]
        print(f"| {key} | {statistics.median(values):,.1f} | {min(values):,.1f}..{max(values):,.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
