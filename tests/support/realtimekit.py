"""Driving a core Realtime session without a server: frames in, every server event out, in order."""

from __future__ import annotations

import base64
import json
from typing import Any

from openai_replay.audio import voice
from openai_replay.clock import ManualClock
from openai_replay.config import ServerConfig
from openai_replay.ids import IdFactory
from openai_replay.log import RequestLog
from openai_replay.realtime import RealtimeSession, recognize, speak
from openai_replay.simulated import SimulatedModel
from openai_replay.source import Source
from openai_replay.steps import Emit


def session(source: Source | None = None, **config: Any) -> RealtimeSession:
    log = RequestLog()
    clock = ManualClock()
    return RealtimeSession(
        ids=IdFactory(7),
        clock=clock,
        config=ServerConfig(**config),
        source=source or SimulatedModel(),
        log=log,
        connection=log.open_connection("/v1/realtime", "model=gpt-realtime", clock.time()),
        model="gpt-realtime",
        speak=speak,
        recognize=recognize,
    )


def send(rt: RealtimeSession, event: dict[str, Any] | str, *, run: bool = True) -> list[dict[str, Any]]:
    """One client frame; a response it starts runs to its end (pacing skipped) unless ``run`` is False."""
    out = rt.receive(event if isinstance(event, str) else json.dumps(event))
    started = rt.take_started()
    if started is not None and run:
        for step in started.steps():
            if started.cancelled:
                break
            if isinstance(step, Emit):
                out.append(step.event)
    return out


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def user_text(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "conversation.item.create",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}], **extra},
    }


def spoken(text: str, silence_ms: int = 600) -> bytes:
    """Our synthesiser's speech of ``text`` followed by silence, 16-bit PCM at 24 kHz."""
    return voice.synthesize(text) + b"\0\0" * (24 * silence_ms)


def appends(pcm: bytes, chunk_ms: int = 100) -> list[dict[str, Any]]:
    step = 48 * chunk_ms
    return [
        {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm[i : i + step]).decode()}
        for i in range(0, len(pcm), step)
    ]


def audio_of(events: list[dict[str, Any]]) -> bytes:
    return b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
