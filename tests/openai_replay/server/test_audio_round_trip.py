"""Speak with our TTS, hear it with our STT: random texts survive every served format, decoding,
resampling to 16 kHz mono and 48 kHz stereo, and come back exactly."""

from __future__ import annotations

import random

import pytest
from audiokit import resampled_wav, to_pcm
from scenariokit import client_for

from fake_server import FakeServer
from openai_replay.audio import codecs

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"()-@#%&*/éüñßçøå中文日本語한국어€😀—"


def random_texts(count: int, seed: int = 24) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))) for _ in range(count)]


async def round_trip(server: FakeServer, texts: list[str]) -> list[tuple[str, str, str, str]]:
    """Every (text, format, path, heard) that did not come back exactly."""
    client = client_for(server)
    wrong = []
    for index, text in enumerate(texts):
        for response_format in codecs.SPEECH_FORMATS:
            spoken = await client.audio.speech.create(
                model="gpt-4o-mini-tts", voice="alloy", input=text, response_format=response_format, speed=1 + index % 3 / 2
            )
            decoded = to_pcm(spoken.content, response_format)
            for rate, stereo in ((16000, False), (48000, True)):
                wav = resampled_wav(decoded, rate, stereo=stereo)
                heard = await client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("speech.wav", wav))
                if heard.text != text:
                    wrong.append((text, response_format, f"{rate} Hz {'stereo' if stereo else 'mono'}", heard.text))
    return wrong


@pytest.mark.slow
async def test_round_trip_one_text(server: FakeServer) -> None:
    """A text of letters, digits, punctuation and non-ASCII comes back exactly through every format and both resamplings."""
    assert await round_trip(server, ["Zoë paid €12.50 (½ off!) — 東京 😀"]) == []


@pytest.mark.slow
async def test_round_trip_100_texts(server: FakeServer) -> None:
    """One hundred random texts come back exactly through every format and both resamplings (1,200 transcriptions)."""
    assert await round_trip(server, random_texts(100, seed=100)) == []
