"""Audio containers and codecs: our PCM into every format the speech endpoint serves, and an upload
(WAV, MP3, Ogg/Opus, WebM, FLAC, M4A...) back into 16-bit mono PCM for the recogniser.

WAV and raw PCM are handled with the standard library and numpy; the compressed formats with PyAV
(FFmpeg's libraries, wheels on every platform), imported on first use. Both imports are lazy, so the
core stays fast to import.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass

from openai_replay.audio import memo

#: ``response_format`` -> the Content-Type the real API answers with.
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
SPEECH_FORMATS = tuple(CONTENT_TYPES)
SAMPLE_RATE = 24000  # the speech endpoint's PCM: 24 kHz, 16-bit signed little-endian, mono
# response_format -> (FFmpeg container, encoder, sample rate, bit rate or None)
_COMPRESSED = {
    "mp3": ("mp3", "libmp3lame", 24000, 64000),
    "opus": ("ogg", "libopus", 48000, 64000),
    "aac": ("adts", "aac", 24000, 64000),
    "flac": ("flac", "flac", 24000, None),
}


class UnreadableAudio(ValueError):
    """The bytes are not audio any decoder here can read."""


class TooLong(Exception):
    """The audio lasts longer than the caller accepts (decoding stopped there, bounding memory)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"audio longer than {seconds:g} seconds")
        self.seconds = seconds


@dataclass(frozen=True)
class Decoded:
    """An upload as 16-bit signed little-endian mono PCM."""

    pcm: bytes
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate if self.sample_rate else 0.0


def wav_header(data_bytes: int, sample_rate: int = SAMPLE_RATE, channels: int = 1) -> bytes:
    """A 44-byte RIFF/WAVE header for 16-bit PCM (written by hand: `wave` needs a seekable file)."""
    block = channels * 2
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * block, block, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def encode(pcm: bytes, response_format: str, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit mono PCM as the bytes of ``response_format`` (one of `SPEECH_FORMATS`)."""
    if response_format == "pcm":
        return pcm
    if response_format == "wav":
        return wav_header(len(pcm), sample_rate) + pcm
    if response_format not in _COMPRESSED:
        raise ValueError(f"unknown response_format {response_format!r}; known: {', '.join(SPEECH_FORMATS)}")
    # The encoders run bit-exact, so the same PCM is the same bytes: the latest answers are kept
    # (`memo.encoded`, bounded), keyed by the PCM's digest, the format and the rate.
    key = (memo.digest(pcm), response_format, sample_rate)
    return memo.encoded.get(key, lambda: _encode(pcm, response_format, sample_rate), len)


def _encode(pcm: bytes, response_format: str, sample_rate: int) -> bytes:
    import av
    import numpy as np

    container, codec, rate, bit_rate = _COMPRESSED[response_format]
    samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
    out = io.BytesIO()
    with av.open(out, "w", format=container, options={"fflags": "+bitexact"}) as output:  # same bytes every time
        stream = output.add_stream(codec, rate=rate, layout="mono", options={"flags": "+bitexact"})
        if bit_rate is not None:
            stream.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return out.getvalue()


def decode(data: bytes, max_seconds: float | None = None) -> Decoded:
    """Any upload the transcription endpoint accepts, as mono 16-bit PCM (compressed audio at its own
    rate up to 24 kHz, which keeps everything speech needs).

    Stereo is mixed to mono; `UnreadableAudio` when no decoder can read it; `TooLong` past
    ``max_seconds`` (compressed audio stops decoding there, so a small file of hours stays bounded)."""
    decoded: Decoded | None = None
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            decoded = _decode_wav(data, max_seconds)
        except (wave.Error, EOFError, struct.error, ValueError):
            pass  # a WAV `wave` cannot read (float samples, extensible header): FFmpeg may
    decoded = decoded or _decode_av(data, max_seconds)
    if max_seconds is not None and decoded.duration > max_seconds:
        raise TooLong(max_seconds)
    return decoded


def _decode_wav(data: bytes, max_seconds: float | None = None) -> Decoded:
    import numpy as np

    with wave.open(io.BytesIO(data)) as reader:
        channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
        if max_seconds is not None and rate > 0 and reader.getnframes() > max_seconds * rate:
            raise TooLong(max_seconds)  # known from the header: no need to read the samples
        frames = reader.readframes(reader.getnframes())
    if width not in (1, 2, 3, 4) or channels < 1 or rate <= 0:
        raise ValueError("unsupported WAV layout")
    usable = len(frames) // (width * channels) * width * channels
    raw = np.frombuffer(frames[:usable], dtype=np.uint8).reshape(-1, width)
    if width == 1:
        values = (raw[:, 0].astype(np.float64) - 128) * 256
    else:  # little-endian signed: keep the top two bytes
        values = raw[:, -2:].copy().view("<i2").reshape(-1).astype(np.float64)
    mono = values.reshape(-1, channels).mean(axis=1)
    return Decoded(np.clip(np.round(mono), -32768, 32767).astype("<i2").tobytes(), rate)


def _decode_av(data: bytes, max_seconds: float | None = None) -> Decoded:
    import av
    import numpy as np

    chunks: list[bytes] = []
    try:
        with av.open(io.BytesIO(data), "r") as container:
            if not container.streams.audio:
                raise UnreadableAudio("the file has no audio stream")
            stream = container.streams.audio[0]
            rate = min(stream.rate or stream.codec_context.sample_rate or SAMPLE_RATE, SAMPLE_RATE)
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            limit = None if max_seconds is None else 2 * rate * max_seconds
            size = 0
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(np.asarray(out.to_ndarray()).astype("<i2").tobytes())
                    size += len(chunks[-1])
                if limit is not None and size > limit:
                    raise TooLong(max_seconds or 0)
            for out in resampler.resample(None):
                chunks.append(np.asarray(out.to_ndarray()).astype("<i2").tobytes())
    except (UnreadableAudio, TooLong):
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError, EOFError) as exc:
        raise UnreadableAudio(str(exc) or type(exc).__name__) from None
    return Decoded(b"".join(chunks), int(rate))
