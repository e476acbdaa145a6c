"""The transcription endpoints' answers in every ``response_format``, and the usage objects.

Timestamps: the words share the audio's length in proportion to their characters (the voice code
speaks at a constant rate, so for our own speech this is close to where each word really is); one
segment per sentence.
"""

from __future__ import annotations

import math
import re
from typing import Any

from openai_replay.items import count_tokens

_SENTENCE = re.compile(r"[^.!?]+[.!?]*\s*|[.!?]+\s*")
_WORD = re.compile(r"\S+")
_TOKEN = re.compile(r"\s*\S+|\s+")
AUDIO_TOKENS_PER_SECOND = 10  # about what the real gpt-4o-transcribe bills (37 tokens for 4 s)


def duration_usage(seconds: float) -> dict[str, Any]:
    """whisper-1's usage: whole seconds of input, rounded up."""
    return {"type": "duration", "seconds": math.ceil(seconds)}


def token_usage(text: str, seconds: float, prompt: str | None = None) -> dict[str, Any]:
    """The gpt-4o transcribe models' usage: audio (and prompt) tokens in, text tokens out."""
    audio = math.ceil(seconds * AUDIO_TOKENS_PER_SECOND)
    prompt_tokens = count_tokens(prompt or "")
    output = count_tokens(text)
    return {
        "type": "tokens",
        "total_tokens": audio + prompt_tokens + output,
        "input_tokens": audio + prompt_tokens,
        "input_token_details": {"text_tokens": prompt_tokens, "audio_tokens": audio},
        "output_tokens": output,
    }


def speech_usage(text: str, audio_seconds: float) -> dict[str, int]:
    audio = math.ceil(audio_seconds * AUDIO_TOKENS_PER_SECOND)
    tokens = count_tokens(text)
    return {"input_tokens": tokens, "output_tokens": audio, "total_tokens": tokens + audio}


def logprobs(text: str) -> list[dict[str, Any]]:
    """One entry a word (with its leading space), certain: log probability 0."""
    return [{"token": m.group(), "logprob": 0.0, "bytes": list(m.group().encode())} for m in _TOKEN.finditer(text)]


def segments(text: str, seconds: float) -> list[dict[str, Any]]:
    """One whisper segment per sentence, timed by its share of the characters."""
    out: list[dict[str, Any]] = []
    at = 0
    for index, match in enumerate(_SENTENCE.finditer(text)):
        piece = match.group()
        if not piece.strip():
            at += len(piece)
            continue
        start, end = _span(at, at + len(piece), len(text), seconds)
        at += len(piece)
        out.append(
            {
                "id": len(out),
                "seek": 0,
                "start": start,
                "end": end,
                "text": " " + piece.strip(),
                "tokens": [50364 + index, *range(1000, 1000 + count_tokens(piece))],
                "temperature": 0.0,
                "avg_logprob": -0.25,
                "compression_ratio": 1.0,
                "no_speech_prob": 0.01,
            }
        )
    return out


def words(text: str, seconds: float) -> list[dict[str, Any]]:
    """Each word with its start and end, timed by its place in the text."""
    return [
        {"word": m.group(), "start": s, "end": e}
        for m in _WORD.finditer(text)
        for s, e in [_span(m.start(), m.end(), len(text), seconds)]
    ]


def _span(first: int, last: int, total: int, seconds: float) -> tuple[float, float]:
    if total == 0:
        return 0.0, round(seconds, 3)
    return round(seconds * first / total, 3), round(seconds * last / total, 3)


def _stamp(seconds: float, comma: bool) -> str:
    millis = round(seconds * 1000)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{',' if comma else '.'}{ms:03d}"


def srt(text: str, seconds: float) -> str:
    cues = segments(text, seconds) or [{"start": 0.0, "end": seconds, "text": " " + text}]
    return "".join(
        f"{i}\n{_stamp(c['start'], True)} --> {_stamp(c['end'], True)}\n{c['text'].strip()}\n\n" for i, c in enumerate(cues, 1)
    )


def vtt(text: str, seconds: float) -> str:
    cues = segments(text, seconds) or [{"start": 0.0, "end": seconds, "text": " " + text}]
    return "WEBVTT\n\n" + "".join(
        f"{_stamp(c['start'], False)} --> {_stamp(c['end'], False)}\n{c['text'].strip()}\n\n" for c in cues
    )


def verbose(
    text: str, seconds: float, *, translate: bool, granularities: tuple[str, ...], language: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task": "translate" if translate else "transcribe",
        "language": "english" if translate or not language else language,
        "duration": round(seconds, 3),
        "text": text,
    }
    if "word" in granularities:
        body["words"] = words(text, seconds)
    if "segment" in granularities:
        body["segments"] = segments(text, seconds)
    body["usage"] = duration_usage(seconds)
    return body


def transcription_body(
    text: str,
    seconds: float,
    *,
    model: str,
    response_format: str,
    translate: bool = False,
    granularities: tuple[str, ...] = ("segment",),
    language: str | None = None,
    prompt: str | None = None,
    with_logprobs: bool = False,
) -> tuple[str | dict[str, Any], str]:
    """The answer (a JSON object, or text) and its Content-Type."""
    if response_format == "text":
        return text + "\n", "text/plain; charset=utf-8"
    if response_format == "srt":
        return srt(text, seconds), "text/plain; charset=utf-8"
    if response_format == "vtt":
        return vtt(text, seconds), "text/plain; charset=utf-8"
    if response_format == "verbose_json":
        return verbose(text, seconds, translate=translate, granularities=granularities, language=language), "application/json"
    if translate:
        return {"text": text}, "application/json"
    usage = duration_usage(seconds) if model.startswith("whisper") else token_usage(text, seconds, prompt)
    if with_logprobs:
        return {"text": text, "logprobs": logprobs(text), "usage": usage}, "application/json"
    return {"text": text, "usage": usage}, "application/json"
