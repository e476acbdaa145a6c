"""Deterministic embedding vectors: unit length, stable, similar for shared words, shortened like v3."""

from __future__ import annotations

import base64
import math
import struct

from openai_replay.embeddings.vectors import embed, to_base64


def test_vectors_are_unit_length_and_stable() -> None:
    """The same text gives the same unit vector, in every run (hash-derived, no process-random seed)."""
    first = embed("Hello world", 1536)
    assert first == embed("hello, WORLD!", 1536)  # words, case-folded
    assert abs(math.fsum(v * v for v in first) - 1) < 1e-6
    assert first[:3] == embed("Hello world", 1536)[:3]


def test_shared_words_mean_closer_vectors() -> None:
    """Texts sharing words have a higher dot product than unrelated texts."""
    a, b, c = (embed(t, 1536) for t in ("red apple pie", "red apple tart", "tax law reform"))
    near = sum(x * y for x, y in zip(a, b, strict=True))
    far = sum(x * y for x, y in zip(a, c, strict=True))
    assert near > 0.5 > far


def test_dimensions_keep_the_first_components_renormalised() -> None:
    """A shorter vector is the full one cut and normalised again, as the real v3 models do."""
    full, short = embed("shorten me", 3072), embed("shorten me", 3072, 256)
    norm = math.sqrt(math.fsum(v * v for v in full[:256]))
    assert len(short) == 256 and all(abs(s - f / norm) < 1e-6 for s, f in zip(short, full[:256], strict=True))


def test_base64_is_little_endian_float32() -> None:
    """base64 decodes to the same float32 values the float format sends."""
    vector = embed("bytes", 8)
    assert list(struct.unpack("<8f", base64.b64decode(to_base64(vector)))) == vector
