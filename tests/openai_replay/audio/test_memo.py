"""The audio caches: bounded by entries and bytes, safe from threads, and never a different answer."""

from __future__ import annotations

import threading

import pytest

from openai_replay.audio import codecs, listen, memo, voice
from openai_replay.audio.multipart import Part

TEXT = "Hello there, it's 4 o'clock: café?"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    memo.clear()


def test_entries_bound_drops_the_least_recently_used() -> None:
    """Past max_entries the least recently used answer goes; a hit makes an answer the newest."""
    cache: memo.Memo[bytes] = memo.Memo(3, 1000)
    for key in "abc":
        cache.get(key, lambda k=key: k.encode(), len)
    cache.get("a", lambda: b"never", len)  # a hit: "a" is now the newest
    cache.get("d", lambda: b"d", len)
    assert len(cache) == 3
    assert cache.get("b", lambda: b"again", len) == b"again"  # "b" was dropped, so made again
    assert cache.get("a", lambda: b"never", len) == b"a"
    assert (cache.hits, cache.misses) == (2, 5)


def test_bytes_bound_holds_and_large_values_are_not_kept() -> None:
    """The kept values never count for more than max_bytes; one larger than a quarter of it is not kept."""
    cache: memo.Memo[bytes] = memo.Memo(100, 1000)
    for i in range(20):
        cache.get(i, lambda: b"x" * 200, len)
        assert cache.size <= 1000
    assert len(cache) == 5
    big = cache.get("big", lambda: b"y" * 251, len)
    assert len(big) == 251 and cache.get("big", lambda: b"made again", len) == b"made again"


def test_unsized_answers_and_exceptions_are_not_kept() -> None:
    """size None means never keep; an exception passes through and nothing is kept."""
    cache: memo.Memo[str] = memo.Memo(10, 1000)
    assert cache.get("k", lambda: "error", lambda v: None) == "error"
    assert len(cache) == 0

    def boom() -> str:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get("k", boom, len)
    assert len(cache) == 0


def test_threads_share_one_cache_within_its_bounds() -> None:
    """Eight threads hitting and missing at once: every answer right, the bounds and the byte count exact."""
    cache: memo.Memo[bytes] = memo.Memo(16, 1000)
    wrong: list[object] = []

    def work(seed: int) -> None:
        for i in range(2000):
            key = (seed * 7 + i) % 40
            value = cache.get(key, lambda k=key: bytes([k]) * (50 + k), len)
            if value != bytes([key]) * (50 + key):
                wrong.append(key)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong
    assert len(cache) <= 16 and cache.size <= 1000
    assert cache.size == sum(len(v) for v, _ in cache._items.values())


@pytest.mark.parametrize("speed", [0.25, 1.0, 1.7])
def test_cached_speech_is_the_synthesised_speech(speed: float) -> None:
    """A second synthesize is a hit, and both are the bytes the synthesiser makes."""
    first = voice.synthesize(TEXT, sample_rate=24000, speed=speed)
    again = voice.synthesize(TEXT, sample_rate=24000, speed=speed)
    assert first == again == voice._synthesize(TEXT, 24000, speed)
    assert memo.speech.hits == 1
    assert voice.synthesize(TEXT, sample_rate=16000, speed=speed) == voice._synthesize(TEXT, 16000, speed)


@pytest.mark.parametrize("response_format", ["mp3", "opus", "aac", "flac"])
def test_cached_encoding_is_the_encoder_output(response_format: str) -> None:
    """A second encode of the same PCM is a hit and the same bytes; other PCM is encoded afresh."""
    pcm = voice.synthesize(TEXT)
    first = codecs.encode(pcm, response_format)
    assert codecs.encode(pcm, response_format) == first == codecs._encode(pcm, response_format, codecs.SAMPLE_RATE)
    assert memo.encoded.hits == 1
    other = voice.synthesize(TEXT + "!")
    assert codecs.encode(other, response_format) != first


def test_recognition_is_kept_by_digest_and_never_confused() -> None:
    """The same PCM is heard once; PCM differing in one sample is listened to afresh."""
    pcm = voice.synthesize(TEXT)
    assert voice.recognize(pcm, 24000) == voice.recognize(pcm, 24000) == TEXT
    assert memo.heard.hits == 1
    silent = bytes(len(pcm))
    assert voice.recognize(silent, 24000) is None
    assert voice.recognize(silent, 24000) is None and memo.heard.hits == 2


def test_an_upload_is_heard_once_and_errors_are_not_kept() -> None:
    """hear() keeps what a WAV says by its digest; an unreadable file is refused each time, never kept."""
    wav = codecs.encode(voice.synthesize(TEXT), "wav")
    part = Part(name="file", data=wav, filename="a.wav", content_type="audio/wav")
    first, again = listen.hear(part), listen.hear(part)
    assert first == again and isinstance(first, listen.Heard) and first.text == TEXT
    assert memo.uploads.hits == 1
    junk = Part(name="file", data=b"RIFF" + b"\x01" * 200, filename="a.wav", content_type="audio/wav")
    assert not isinstance(listen.hear(junk), listen.Heard)
    assert not isinstance(listen.hear(junk), listen.Heard)
    assert len(memo.uploads) == 1
