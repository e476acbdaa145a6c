"""Speech the fake can understand: text carried in audible tones, and the decoder that reads it back.

`synthesize` turns text into 16-bit signed little-endian mono PCM whose tones carry the text's
UTF-8 bytes; `recognize` finds those tones in any PCM (after resampling, stereo mixing, lossy
coding, quantisation and modest gain changes) and returns the text, or None when the audio carries
no such code. `duration_ms` is the length of that audio, a deterministic function of the text and the
speed, close to a real speaker's 150 words a minute. docs/audio.md describes the encoding.

The modem is written here by hand because it must be exact (the same samples for the same text, a
decoder that agrees with them); numpy does the arithmetic and is imported on first use, so importing
this module stays fast.
"""

from __future__ import annotations

import binascii
from typing import TYPE_CHECKING, Any

from openai_replay.audio import memo

if TYPE_CHECKING:
    import numpy as np

# The frame, in milliseconds of audio at speed 1 (every part but the data symbols keeps its length at
# any speed): lead-in silence, a rising chirp that marks the start, a short gap, a header of two
# fixed-length symbols (the data symbols' length in ms, one byte), the data symbols, trailing silence.
LEAD_MS = 40
CHIRP_MS = 64
GAP_MS = 8
HEADER_SYMBOL_MS = 20
TAIL_MS = 60
# One data symbol is one nibble (half a UTF-8 byte). 32 ms a symbol is 64 ms a byte, about 15.6
# characters a second of plain text: 150 words a minute at ~6 characters a word with its space.
SYMBOL_MS = 32.0
MIN_SYMBOL_MS = 10  # shorter symbols would need wider tone spacing than the telephone band allows
MAX_SYMBOL_MS = 128  # speed 0.25
MIN_SPEED, MAX_SPEED = 0.25, 4.0
# 16 tones, 200 Hz apart, inside the telephone band, so 8 kHz audio still carries them.
TONE_BASE_HZ = 400.0
TONE_STEP_HZ = 200.0
TONES = 16
CHIRP_FROM_HZ, CHIRP_TO_HZ = 400.0, 3400.0
PEAK = 0.4 * 32767  # headroom for +6 dB of gain before clipping
SYLLABLE_HZ = 3.5  # the envelope's slow swell, a speaker's syllable rate
RAMP = 0.1  # fraction of a symbol spent fading in and out (no clicks, no splatter)
WINDOW = (0.12, 0.88)  # the part of a symbol the decoder listens to
MATCH = 0.6  # normalised correlation with the chirp that counts as a frame's start
MIN_RMS = 8.0  # a chirp quieter than this (in 16-bit units) is noise, not a frame
MIN_SAMPLE_RATE = 8000
MAX_LENGTH = 0xFFFF  # bytes of UTF-8 in one frame (the length field is 16 bits)
_BATCH = 1024  # symbols decoded per matrix product, to bound memory for long audio
_BLOCK = 1 << 20  # samples correlated with the chirp per FFT, to bound memory for long audio


def symbol_ms(speed: float = 1.0) -> int:
    """The length of one data symbol at this speed, in whole milliseconds."""
    speed = min(max(float(speed), MIN_SPEED), MAX_SPEED)
    return min(max(round(SYMBOL_MS / speed), MIN_SYMBOL_MS), MAX_SYMBOL_MS)


def _payload(text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > MAX_LENGTH:
        raise ValueError(f"text is {len(data)} bytes of UTF-8; one frame carries at most {MAX_LENGTH}")
    return data


def duration_ms(text: str, *, speed: float = 1.0) -> int:
    """How long `synthesize(text, speed=speed)` lasts, in milliseconds."""
    data_bytes = len(_payload(text)) + 4  # the 2-byte length and the 2-byte checksum
    return LEAD_MS + CHIRP_MS + GAP_MS + 2 * HEADER_SYMBOL_MS + data_bytes * 2 * symbol_ms(speed) + TAIL_MS


def _crc(data: bytes) -> bytes:
    return binascii.crc_hqx(data, 0xFFFF).to_bytes(2, "big")


def _nibbles(data: bytes) -> list[int]:
    out: list[int] = []
    for byte in data:
        out += (byte >> 4, byte & 0x0F)
    return out


def _chirp(np: Any, sample_rate: int) -> np.ndarray:
    n = CHIRP_MS * sample_rate // 1000
    t = np.arange(n) / sample_rate
    seconds = CHIRP_MS / 1000
    sweep = (CHIRP_TO_HZ - CHIRP_FROM_HZ) / seconds
    wave = np.sin(2 * np.pi * (CHIRP_FROM_HZ * t + 0.5 * sweep * t * t))
    return wave * _ramp(np, np.arange(n) / n)  # type: ignore[no-any-return]


def _ramp(np: Any, fraction: np.ndarray) -> np.ndarray:
    """A raised-cosine fade over the first and last RAMP of a symbol (fraction runs 0..1)."""
    edge = np.minimum(fraction, 1.0 - fraction) / RAMP
    return np.where(edge >= 1.0, 1.0, 0.5 - 0.5 * np.cos(np.pi * np.clip(edge, 0.0, 1.0)))  # type: ignore[no-any-return]


def _tones(np: Any, symbols: list[int], symbol_samples: float, sample_rate: int) -> np.ndarray:
    """Each symbol as its tone, `symbol_samples` long (fractional lengths keep the timing exact)."""
    total = round(len(symbols) * symbol_samples)
    index = np.arange(total)
    which = np.minimum((index / symbol_samples).astype(np.int64), len(symbols) - 1)
    local = index - which * symbol_samples
    freqs = TONE_BASE_HZ + TONE_STEP_HZ * np.asarray(symbols, dtype=np.float64)[which]
    return np.sin(2 * np.pi * freqs * local / sample_rate) * _ramp(np, local / symbol_samples)  # type: ignore[no-any-return]


def synthesize(text: str, *, sample_rate: int = 24000, speed: float = 1.0) -> bytes:
    """`text` spoken in our code: 16-bit signed little-endian mono PCM at `sample_rate`.

    The latest answers are kept (`memo.speech`, bounded): the same text at the same rate and speed is
    the same bytes."""
    return memo.speech.get((text, sample_rate, float(speed)), lambda: _synthesize(text, sample_rate, speed), len)


def _synthesize(text: str, sample_rate: int, speed: float) -> bytes:
    import numpy as np

    if sample_rate < MIN_SAMPLE_RATE:
        raise ValueError(f"sample_rate must be at least {MIN_SAMPLE_RATE} Hz, got {sample_rate}")
    data = _payload(text)
    sym = symbol_ms(speed)
    ms_to_samples = sample_rate / 1000
    total = duration_ms(text, speed=speed) * sample_rate // 1000
    out = np.zeros(total, dtype=np.float64)
    at = LEAD_MS * sample_rate // 1000
    chirp = _chirp(np, sample_rate)
    out[at : at + len(chirp)] = chirp
    start = (LEAD_MS + CHIRP_MS + GAP_MS) * ms_to_samples
    header = _tones(np, _nibbles(bytes([sym])), HEADER_SYMBOL_MS * ms_to_samples, sample_rate)
    body = _tones(np, _nibbles(_frame_body(sym, data)), sym * ms_to_samples, sample_rate)
    spoken = np.concatenate([header, body])
    first = round(start)
    last = min(first + len(spoken), total)
    swell = 0.55 + 0.45 * np.sin(np.pi * SYLLABLE_HZ * np.arange(last - first) / sample_rate) ** 2
    out[first:last] = spoken[: last - first] * swell
    return (np.round(out * PEAK).astype("<i2")).tobytes()  # type: ignore[no-any-return]


def _frame_body(sym: int, data: bytes) -> bytes:
    """The data symbols' bytes: length, text, and a CRC-16 over the header byte, length and text."""
    length = len(data).to_bytes(2, "big")
    return length + data + _crc(bytes([sym]) + length + data)


def recognize(pcm: bytes, sample_rate: int) -> str | None:
    """The text our code carries in this 16-bit LE mono PCM, or None when it carries none.

    Several frames one after another (two replies in one buffer) come back joined by a space. The
    latest answers are kept by the audio's digest (`memo.heard`, bounded).
    """
    return memo.heard.get((memo.digest(pcm), sample_rate), lambda: _recognize(pcm, sample_rate), _text_size)


def _text_size(text: str | None) -> int:
    return 64 + len(text or "")


def _recognize(pcm: bytes, sample_rate: int) -> str | None:
    import numpy as np

    if sample_rate < MIN_SAMPLE_RATE:
        return None
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float32)
    template = _chirp(np, sample_rate)
    if len(samples) < len(template) + HEADER_SYMBOL_MS * sample_rate // 1000:
        return None
    starts = _frame_starts(np, samples, template)
    texts: list[str] = []
    done_until = 0
    for start in starts:
        if start < done_until:
            continue
        found = _decode_frame(np, samples, int(start), sample_rate)
        if found is not None:
            text, end = found
            texts.append(text)
            done_until = end
    return " ".join(texts) if texts else None


def _frame_starts(np: Any, samples: np.ndarray, template: np.ndarray) -> list[int]:
    """Where the chirp begins: the best-matching sample of each run above MATCH, in order."""
    n, m = len(samples), len(template)
    norm = float(np.linalg.norm(template))
    size = 1 << int(np.ceil(np.log2(min(_BLOCK, n) + 2 * m)))  # one FFT size for every block: memory stays flat
    spectrum = np.conj(np.fft.rfft(template, size))
    found: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for begin in range(0, n - m + 1, _BLOCK):
        block = samples[begin : begin + _BLOCK + m - 1].astype(np.float64)
        count = len(block) - m + 1
        corr = np.fft.irfft(np.fft.rfft(block, size) * spectrum, size)[:count]
        energy = np.concatenate([[0.0], np.cumsum(block * block)])
        window = np.maximum(energy[m:] - energy[:count], 0.0)
        loud = window > (MIN_RMS * MIN_RMS) * m
        score = np.where(loud, corr / (np.sqrt(window) * norm + 1e-9), 0.0)
        hits = np.flatnonzero(score > MATCH)
        found.append(hits + begin)
        scores.append(score[hits])
    above = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    score = dict(zip(above.tolist(), np.concatenate(scores).tolist(), strict=True)) if found else {}
    starts: list[int] = []
    i = 0
    while i < len(above):
        run_end = np.searchsorted(above, above[i] + m)
        run = above[i:run_end].tolist()
        starts.append(max(run, key=score.__getitem__))
        i = int(run_end)
    return starts


def _read_symbols(np: Any, samples: np.ndarray, first: float, count: int, symbol_samples: float, rate: int) -> list[int]:
    """The strongest of the 16 tones in each of `count` symbols starting at sample `first`."""
    lo = int(WINDOW[0] * symbol_samples)
    width = max(int((WINDOW[1] - WINDOW[0]) * symbol_samples), 8)
    freqs = TONE_BASE_HZ + TONE_STEP_HZ * np.arange(TONES)
    basis = np.exp(-2j * np.pi * np.outer(np.arange(width), freqs) / rate)
    out: list[int] = []
    for batch in range(0, count, _BATCH):
        index = np.arange(batch, min(batch + _BATCH, count))
        begin = np.round(first + index * symbol_samples).astype(np.int64) + lo
        segments = samples[begin[:, None] + np.arange(width)[None, :]]
        out += np.argmax(np.abs(segments @ basis), axis=1).tolist()
    return out


def _join(nibbles: list[int]) -> bytes:
    return bytes((nibbles[i] << 4) | nibbles[i + 1] for i in range(0, len(nibbles) - 1, 2))


def _decode_frame(np: Any, samples: np.ndarray, chirp_at: int, rate: int) -> tuple[str, int] | None:
    """The text of the frame whose chirp begins at `chirp_at`, and the sample after it; None if it fails."""
    ms = rate / 1000
    n = len(samples)
    header_at = chirp_at + (CHIRP_MS + GAP_MS) * ms
    header_len = HEADER_SYMBOL_MS * ms
    if header_at + 2 * header_len > n:
        return None
    sym = _join(_read_symbols(np, samples, header_at, 2, header_len, rate))[0]
    if not MIN_SYMBOL_MS <= sym <= MAX_SYMBOL_MS:
        return None
    body_at = header_at + 2 * header_len
    sym_len = sym * ms
    if body_at + 4 * sym_len > n:
        return None
    length_bytes = _join(_read_symbols(np, samples, body_at, 4, sym_len, rate))
    length = int.from_bytes(length_bytes, "big")
    end = body_at + (length + 4) * 2 * sym_len
    if end > n:
        return None
    rest = _join(_read_symbols(np, samples, body_at + 4 * sym_len, (length + 2) * 2, sym_len, rate))
    data, crc = rest[:length], rest[length:]
    if _crc(bytes([sym]) + length_bytes + data) != crc:
        return None
    try:
        return data.decode("utf-8"), int(end)
    except UnicodeDecodeError:
        return None
