"""Codecs: every speech format decodes back to the same audio, uploads of any layout become mono PCM, garbage is refused."""

from __future__ import annotations

import numpy as np
import pytest

from openai_replay.audio import codecs, voice

PCM = voice.synthesize("codec test")


@pytest.mark.parametrize("response_format", codecs.SPEECH_FORMATS)
def test_every_format_round_trips(response_format: str) -> None:
    """Encoded speech decodes (with FFmpeg's decoders for the compressed ones) to audio that carries the same text."""
    data = codecs.encode(PCM, response_format)
    decoded = codecs.Decoded(data, 24000) if response_format == "pcm" else codecs.decode(data)
    assert voice.recognize(decoded.pcm, decoded.sample_rate) == "codec test"


@pytest.mark.parametrize("response_format", ["mp3", "opus", "aac", "flac"])
def test_compressed_formats_are_bit_exact(response_format: str) -> None:
    """The same PCM gives the same bytes every time (no random Ogg serial, no encoder version)."""
    assert codecs.encode(PCM, response_format) == codecs.encode(PCM, response_format)


def test_wav_header_is_what_wave_reads() -> None:
    """Our 44-byte header describes the data exactly; lossless formats keep every sample."""
    wav = codecs.encode(PCM, "wav")
    assert len(wav) == 44 + len(PCM) and codecs.decode(wav) == codecs.Decoded(PCM, 24000)
    assert codecs.decode(codecs.encode(PCM, "flac")).pcm == PCM


def test_stereo_24_bit_wav_is_mixed_to_mono() -> None:
    """A stereo 24-bit WAV becomes the mean of its channels at 16 bits."""
    left = np.array([1000, -2000, 3000], dtype=np.int32) << 8
    right = np.array([3000, 0, -3000], dtype=np.int32) << 8
    frames = np.stack([left, right], axis=1).reshape(-1)
    raw = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in frames)
    header = bytearray(codecs.wav_header(len(raw), 16000, 2))
    header[32:36] = (6).to_bytes(2, "little") + (24).to_bytes(2, "little")
    header[28:32] = (16000 * 6).to_bytes(4, "little")
    decoded = codecs.decode(bytes(header) + raw)
    assert decoded.sample_rate == 16000
    assert np.frombuffer(decoded.pcm, "<i2").tolist() == [2000, -1000, 0]


@pytest.mark.parametrize(
    "data", [b"", b"garbage" * 50, b"RIFF\x00\x00\x00\x00WAVEjunk", b"ID3" + bytes(100), b"OggS" + bytes(100)]
)
def test_garbage_is_unreadable(data: bytes) -> None:
    """Bytes no decoder can read raise UnreadableAudio, never another exception."""
    with pytest.raises(codecs.UnreadableAudio):
        codecs.decode(data)


def test_unknown_format_is_refused() -> None:
    """encode names the formats it knows."""
    with pytest.raises(ValueError, match="mp3"):
        codecs.encode(PCM, "ogg")
