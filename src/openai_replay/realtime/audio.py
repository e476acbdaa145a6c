"""The Realtime audio formats: ``audio/pcm`` (16-bit mono little-endian at 24 kHz), ``audio/pcmu``
(G.711 mu-law at 8 kHz) and ``audio/pcma`` (G.711 A-law at 8 kHz).

G.711 coding and the 24 kHz <-> 8 kHz conversion use the standard library's ``audioop`` (the
``audioop-lts`` backport from Python 3.13, a declared dependency there), not code of our own.
Lengths are counted in audio time (bytes / bytes per millisecond), never in wall time.
"""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():  # audioop is deprecated in 3.11/3.12 and backported from 3.13
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

PCM_RATE = 24000
G711_RATE = 8000


def format_type(fmt: Any) -> str:
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    return kind if kind in ("audio/pcm", "audio/pcmu", "audio/pcma") else "audio/pcm"


def rate(fmt: Any) -> int:
    return PCM_RATE if format_type(fmt) == "audio/pcm" else G711_RATE


def bytes_per_ms(fmt: Any) -> int:
    """Bytes of one millisecond on the wire: 48 for 24 kHz 16-bit, 8 for G.711."""
    return 48 if format_type(fmt) == "audio/pcm" else 8


def to_linear(data: bytes, fmt: Any) -> bytes:
    """Wire bytes as 16-bit linear PCM at the format's own rate (an odd trailing PCM byte is dropped)."""
    kind = format_type(fmt)
    if kind == "audio/pcmu":
        return audioop.ulaw2lin(data, 2)
    if kind == "audio/pcma":
        return audioop.alaw2lin(data, 2)
    return data[: len(data) - len(data) % 2]


def encode(pcm24k: bytes, fmt: Any) -> bytes:
    """16-bit PCM at 24 kHz in the session's output format."""
    kind = format_type(fmt)
    if kind == "audio/pcm":
        return pcm24k
    narrow, _ = audioop.ratecv(pcm24k, 2, 1, PCM_RATE, G711_RATE, None)
    return audioop.lin2ulaw(narrow, 2) if kind == "audio/pcmu" else audioop.lin2alaw(narrow, 2)


def to_pcm24k(data: bytes, fmt: Any) -> bytes:
    """Wire bytes in ``fmt`` as 16-bit PCM at 24 kHz (what the recogniser reads)."""
    linear = to_linear(data, fmt)
    if format_type(fmt) == "audio/pcm":
        return linear
    wide, _ = audioop.ratecv(linear, 2, 1, G711_RATE, PCM_RATE, None)
    return bytes(wide)


def rms(pcm: bytes) -> float:
    """Root mean square of 16-bit samples, scaled to 0..1."""
    return audioop.rms(pcm, 2) / 32768.0 if pcm else 0.0


def silence_ms(ms: int, fmt: Any) -> bytes:
    """``ms`` milliseconds of silence on the wire in ``fmt``."""
    return encode(b"\x00\x00" * (PCM_RATE * ms // 1000), fmt)
