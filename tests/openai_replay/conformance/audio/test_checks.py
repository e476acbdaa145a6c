"""The audio battery's judgements, proved on small openai-SDK clients whose behaviour is known."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai

from openai_replay.conformance.audio.adapter import AudioAdapter
from openai_replay.conformance.audio.checks import check, run_cell


class SdkSpeech(AudioAdapter):
    """The openai SDK's streamed pcm speech, no retries: what a minimal TTS integration does."""

    column = "sdk-tts"
    kind = "tts"
    packages = ("openai",)
    retries = 0

    async def open(self) -> None:
        self.client = openai.AsyncOpenAI(base_url=self.base_url, api_key=self.api_key, max_retries=0)

    async def speak(self, text: str) -> AsyncIterator[bytes]:  # type: ignore[override]
        for attempt in range(self.retries + 1):
            try:
                async with self.client.audio.speech.with_streaming_response.create(
                    model="tts-1", voice="alloy", input=text, response_format="pcm"
                ) as response:
                    async for chunk in response.iter_bytes():
                        yield chunk
                return
            except Exception:  # a broken body surfaces as httpx's own error, not an APIError
                if attempt == self.retries:
                    raise

    async def close(self) -> None:
        await self.client.close()


class KeepsPartialAudio(SdkSpeech):
    """Retries a broken stream but has already handed on the broken attempt's audio."""

    column = "sdk-tts-retry"
    retries = 1


class ClaimsNoStream(AudioAdapter):
    """An STT adapter that says its defaults never stream, yet asks for stream: true."""

    column = "sdk-stt"
    kind = "stt"
    packages = ("openai",)
    no_stream = "never streams"

    async def hear(self, pcm: bytes, sample_rate: int) -> str:
        from openai_replay.audio import codecs

        client = openai.AsyncOpenAI(base_url=self.base_url, api_key=self.api_key, max_retries=0)
        async with client:
            wav = codecs.wav_header(len(pcm), sample_rate) + pcm
            stream = await client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("a.wav", wav), stream=True)
            text = ""
            async for event in stream:
                if event.type == "transcript.text.done":
                    text = event.text
            return text


async def test_plain_speech_is_heard_back_exactly() -> None:
    """A plain call passes only when our ears hear the framework's audio as the exact text."""
    cell = await run_cell(SdkSpeech, check("plain"))
    assert (cell["status"], cell["reason"]) == ("pass", "one request, the exact text heard back"), cell


async def test_a_500_without_a_retry_does_not_recover() -> None:
    """A client that raises on the 500 fails the cell, naming what it raised."""
    cell = await run_cell(SdkSpeech, check("http_500"))
    assert cell["status"] == "fail" and cell["reason"].startswith("did not recover: raised InternalServerError"), cell


async def test_playing_the_broken_attempt_then_the_retry_is_duplicated_speech() -> None:
    """A retry after a cut stream, with the cut part already handed on, is caught as duplicated speech."""
    cell = await run_cell(KeepsPartialAudio, check("cut_stream"))
    assert cell["status"] == "fail" and cell["reason"].startswith("duplicated speech: played"), cell


async def test_a_cut_stream_reported_to_the_caller_passes() -> None:
    """Raising on the broken stream is a fair outcome: the caller is told."""
    cell = await run_cell(SdkSpeech, check("cut_stream"))
    assert cell["status"] == "pass" and cell["reason"].startswith("surfaced the error"), cell


async def test_a_streaming_na_is_checked_against_the_request_log() -> None:
    """An adapter claiming its defaults never stream fails the cell when a request asked for stream: true."""
    cell = await run_cell(ClaimsNoStream, check("streaming"))
    assert cell["status"] == "fail" and "stream: true" in cell["reason"], cell
