"""The audio battery: six checks, each a scenario on a fresh server, one framework call, a verdict.

A TTS cell passes only when the framework's own decoded audio, heard back by our STT
(`voice.recognize`), is the exact text; an STT cell only when the framework's transcript is the
exact text our TTS spoke. Every call is bounded, so a framework that hangs fails its cell.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai_replay.audio import voice
from openai_replay.conformance.audio.adapter import AudioAdapter, Outcome, run_bounded
from openai_replay.log import RequestRecord
from openai_replay.scenarios import Scenario, scenario
from openai_replay.server import FakeServer

PLAIN = "Hello from the fake voice, 42."
LONG = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen."
PACE = 0.1  # seconds between streamed chunks (one per word) in the streaming check
RETRY_AFTER = 1
STALL_SECONDS = 30.0  # the server holds the first answer this long: past any timeout the cell sets
SHORT_TIMEOUT = 2.0  # the response timeout the stall cell gives a framework whose own is longer
BOUND = 15.0  # no call may take longer (a hung framework fails its cell here)


@dataclass
class Verdict:
    status: str  # pass | fail | n/a
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    scenario: Callable[[str], Scenario | None]  # given the API ("speech" or "transcription")


def _api(kind: str) -> str:
    return "speech" if kind == "tts" else "transcription"


def _none(api: str) -> Scenario | None:
    return None


def _paced(api: str) -> Scenario:
    return scenario("paced").on(api=api).slow(delay=PACE).build()


def _rate_limited(api: str) -> Scenario:
    return scenario("429").on(api=api).times(1).http_status(429, retry_after=RETRY_AFTER).build()


def _server_error(api: str) -> Scenario:
    return scenario("500").on(api=api).times(1).http_status(500, "server_error").build()


def _cut(api: str) -> Scenario:
    # TTS: the audio stream breaks after four of its six chunks (raw bytes or SSE deltas, whichever was asked
    # for), paced so that a framework which plays audio as it arrives has played the first part before the
    # break (unpaced, whether it had is a race); STT: the answer breaks after its first bytes (a JSON body)
    # or after two deltas (stream: true).
    after: Any = ("speech.audio.delta", 4) if api == "speech" else ("transcript.text.delta", 2)
    return scenario("cut").on(api=api).times(1).slow(delay=PACE).cut(after=after).build()


def _stall(api: str) -> Scenario:
    return scenario("stall").on(api=api).times(1).stall(STALL_SECONDS).build()


CHECKS = [
    Check("plain", "one call, default settings", _none),
    Check("streaming", f"a long text streamed in chunks {PACE:.1f} s apart", _paced),
    Check("http_429_retry_after", f"429 with retry-after: {RETRY_AFTER}, once", _rate_limited),
    Check("http_500", "500 once", _server_error),
    Check("cut_stream", "the answer's stream breaks mid-way, once", _cut),
    Check("stall_past_timeout", f"the first answer stalls {STALL_SECONDS:.0f} s, past the client's timeout", _stall),
]
NAMES = [c.name for c in CHECKS]


def check(name: str) -> Check:
    return next(c for c in CHECKS if c.name == name)


async def run_cell(adapter_cls: type[AudioAdapter], chk: Check) -> dict[str, Any]:
    """One cell: the check's scenario on a fresh server, one call through the framework, the verdict."""
    cell: dict[str, Any] = {"check": chk.name, "client": adapter_cls.column}
    text = LONG if chk.name == "streaming" else PLAIN
    rate = 16000
    pcm = voice.synthesize(text, sample_rate=rate) if adapter_cls.kind == "stt" else b""
    source = chk.scenario(_api(adapter_cls.kind))
    started = time.monotonic()
    async with FakeServer(source=source) if source is not None else FakeServer() as server:
        adapter = adapter_cls(server.url)
        note = ""
        with contextlib.ExitStack() as stack:
            if chk.name == "stall_past_timeout":
                note = stack.enter_context(adapter.short_timeout(SHORT_TIMEOUT))
            await adapter.open()
            try:
                out = await run_bounded(adapter, text=text, pcm=pcm, sample_rate=rate, timeout=BOUND)
            finally:
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(adapter.close(), timeout=5)
        records = [r for r in server.log if r.api in ("speech", "transcription")]
        verdict = JUDGES[chk.name](adapter_cls, out, records, text)
        for said in (note, adapter_cls.setting_note):
            if said:
                verdict.reason += f" [{said}]"
        cell |= {
            "status": verdict.status,
            "reason": verdict.reason,
            "facts": verdict.facts,
            "changed": note,  # the setting this cell (not its whole column) changed from the defaults, and why
            "seconds": round(time.monotonic() - started, 2),
            "requests": [r.summary() for r in records],
        }
    return cell


# -- judging -------------------------------------------------------------------------------------
def heard(adapter_cls: type[AudioAdapter], out: Outcome) -> str | None:
    """The text the call delivered: our ears on a TTS call's audio, the transcript of an STT call."""
    if adapter_cls.kind == "stt":
        return out.text
    return voice.recognize(out.pcm, adapter_cls.sample_rate) if out.pcm else None


def right(adapter_cls: type[AudioAdapter], out: Outcome, text: str) -> bool:
    return out.ended == "done" and not out.errors and heard(adapter_cls, out) == text


def duplicated(adapter_cls: type[AudioAdapter], out: Outcome, text: str) -> bool:
    """TTS: more audio than one utterance of the text (a retry played after the cut part)."""
    if adapter_cls.kind != "tts":
        return False
    expected = voice.duration_ms(text) * adapter_cls.sample_rate // 1000 * 2
    return len(out.pcm) > expected * 1.25


def what(adapter_cls: type[AudioAdapter], out: Outcome) -> str:
    if out.ended == "hung":
        return f"hung after {out.elapsed:.0f} s"
    if out.errors:
        return f"raised {out.errors[0][:120]}"
    got = heard(adapter_cls, out)
    if adapter_cls.kind == "tts":
        return f"delivered {len(out.pcm) / 2 / adapter_cls.sample_rate:.2f} s of audio heard as {got!r}"
    return f"returned {got!r}"


def facts(adapter_cls: type[AudioAdapter], out: Outcome, records: list[RequestRecord]) -> dict[str, Any]:
    return {
        "attempts": len(records),
        "ended": out.ended,
        "errors": out.errors[:2],
        "heard": heard(adapter_cls, out),
        "elapsed_s": out.elapsed,
        "chunks": len(out.chunk_times),
    }


def _attempts(records: list[RequestRecord]) -> str:
    return f"{len(records)} request{'s' * (len(records) != 1)}"


def _plain(adapter_cls: type[AudioAdapter], out: Outcome, records: list[RequestRecord], text: str) -> Verdict:
    f = facts(adapter_cls, out, records)
    if right(adapter_cls, out, text) and len(records) == 1:
        return Verdict("pass", "one request, the exact text " + ("heard back" if adapter_cls.kind == "tts" else "transcribed"), f)
    return Verdict("fail", f"{what(adapter_cls, out)} ({_attempts(records)})", f)


def _streaming(adapter_cls: type[AudioAdapter], out: Outcome, records: list[RequestRecord], text: str) -> Verdict:
    f = facts(adapter_cls, out, records)
    if not right(adapter_cls, out, text):
        return Verdict("fail", f"{what(adapter_cls, out)} ({_attempts(records)})", f)
    if adapter_cls.kind == "stt":
        streamed = any(str(r.payload.get("stream")).lower() == "true" for r in records)
        if adapter_cls.no_stream:  # the adapter says its defaults never stream: the request log must agree
            if streamed:
                return Verdict("fail", "the adapter says the defaults never stream, yet a request asked for stream: true", f)
            return Verdict("n/a", adapter_cls.no_stream, f)
        if not streamed:
            return Verdict("fail", "asked for no stream: true", f)
        return Verdict("pass", "streamed (stream: true), the exact text transcribed", f)
    times = out.chunk_times
    paced = PACE * (len(text.split()) - 1)
    spread = times[-1] - times[0] if times else 0.0
    f["first_audio_s"], f["last_audio_s"] = (times[0], times[-1]) if times else (None, None)
    if spread >= paced / 2:
        return Verdict("pass", f"played as it arrived: first audio at {times[0]:.2f} s, last at {times[-1]:.2f} s", f)
    held = f"held the audio until the stream ended: {len(times)} frames within {spread:.2f} s, after {times[0]:.2f} s"
    return Verdict("fail", held, f)


def _recovered(kind: str) -> Callable[[type[AudioAdapter], Outcome, list[RequestRecord], str], Verdict]:
    def judge(adapter_cls: type[AudioAdapter], out: Outcome, records: list[RequestRecord], text: str) -> Verdict:
        f = facts(adapter_cls, out, records)
        if duplicated(adapter_cls, out, text):
            once = voice.duration_ms(text) / 1000
            played = len(out.pcm) / 2 / adapter_cls.sample_rate
            return Verdict(
                "fail",
                f"duplicated speech: played {played - once:.1f} s of the broken attempt, then the whole retry "
                f"({played:.2f} s of audio for a {once:.2f} s utterance, {_attempts(records)})",
                f,
            )
        if right(adapter_cls, out, text):
            if kind == "429" and len(records) >= 2:
                first, retry = records[0], records[1]
                gap = retry.received_at - (first.finished_at or first.received_at)
                f["retry_gap_s"] = round(gap, 3)
                if gap < RETRY_AFTER - 0.1:
                    return Verdict("fail", f"retried after {gap:.2f} s, ignoring retry-after: {RETRY_AFTER}", f)
                return Verdict("pass", f"honoured retry-after: retried after {gap:.2f} s, {_attempts(records)}", f)
            if kind == "stall" and len(records) >= 2:
                retried = f"timed out and retried: the exact text after {out.elapsed:.1f} s, {_attempts(records)}"
                return Verdict("pass", retried, f)
            return Verdict("pass", f"recovered: the exact text, {_attempts(records)}", f)
        if out.ended == "hung":
            return Verdict("fail", f"hung: still waiting after {out.elapsed:.0f} s ({_attempts(records)})", f)
        if out.errors and kind in ("cut", "stall"):
            # a broken or stalled stream reported to the caller is a fair outcome (nothing silent)
            return Verdict("pass", f"surfaced the error: {out.errors[0][:100]} ({_attempts(records)})", f)
        if not out.errors:
            return Verdict("fail", f"lost the call silently: {what(adapter_cls, out)} ({_attempts(records)})", f)
        return Verdict("fail", f"did not recover: {what(adapter_cls, out)} ({_attempts(records)})", f)

    return judge


JUDGES: dict[str, Callable[[type[AudioAdapter], Outcome, list[RequestRecord], str], Verdict]] = {
    "plain": _plain,
    "streaming": _streaming,
    "http_429_retry_after": _recovered("429"),
    "http_500": _recovered("500"),
    "cut_stream": _recovered("cut"),
    "stall_past_timeout": _recovered("stall"),
}
