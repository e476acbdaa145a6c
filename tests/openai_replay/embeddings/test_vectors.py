"""Deterministic embedding vectors: unit length, stable, similar for shared words, shortened like v3."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

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


def reference_embed(text: str, size: int, dimensions: int | None = None) -> list[float]:
    """The vectors' definition, one component at a time in pure Python (the numpy version must match it)."""
    words = Counter(w.lower() for w in re.findall(r"\w+", text)) or Counter({text: 1})
    total = [0.0] * size
    for word, count in words.items():
        digest = hashlib.shake_256(word.encode()).digest(size * 2)
        for i, value in enumerate(struct.unpack(f"<{size}h", digest)):
            total[i] += value * count * (1 / 32768)
    if dimensions is not None:
        total = total[:dimensions]
    norm = math.sqrt(sum(v * v for v in total)) or 1.0
    return [float(struct.unpack("<f", struct.pack("<f", v / norm))[0]) for v in total]


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=60), st.lists(st.sampled_from(["red", "Apple", "pie", "é", "日本"]), max_size=30).map(" ".join)
    ),
    size=st.sampled_from([1, 8, 1536, 3072]),
    cut=st.one_of(st.none(), st.integers(1, 3072)),
)
def test_numpy_vectors_are_the_reference_bit_for_bit(text: str, size: int, cut: int | None) -> None:
    """embed() gives exactly the floats of the pure-Python definition (repeated words, any text, any cut)."""
    dimensions = None if cut is None else min(cut, size)
    got = embed(text, size, dimensions)
    assert got == reference_embed(text, size, dimensions)
    assert all(type(v) is float for v in got)


def test_word_directions_kept_are_bounded() -> None:
    """Directions are kept for at most WORDS_KEPT short words; a long word is never kept."""
    from openai_replay.embeddings import vectors

    vectors._kept.cache_clear()
    for i in range(vectors.WORDS_KEPT + 50):
        embed(f"word{i}", 8)
    embed("x" * (vectors.WORD_KEPT_CHARS + 1), 8)
    info = vectors._kept.cache_info()
    assert info.maxsize == vectors.WORDS_KEPT and info.currsize == vectors.WORDS_KEPT
    assert info.misses == vectors.WORDS_KEPT + 50  # the long word did not go through the cache
