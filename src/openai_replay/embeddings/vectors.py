"""Deterministic embedding vectors that make retrieval tests meaningful.

Each word of the text (lower-cased) gets a pseudo-random direction drawn from a hash of the word
(SHAKE-256, so the same on every machine and run); a text's vector is the sum of its words'
directions, normalised to unit length. Identical texts get identical vectors; texts that share words
point the same way in those words' directions, so their cosine similarity is higher than that of
unrelated texts (random directions in 1,536 dimensions are nearly orthogonal). A shorter
``dimensions`` keeps the first components and normalises again, as the real v3 models do.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import struct
from collections import Counter

#: Each embedding model's native dimension.
DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}
DEFAULT_DIMENSION = 1536  # for a model the user lists in ServerConfig.models
#: Models whose output can be shortened with ``dimensions`` (not ada-002).
SHORTENABLE = ("text-embedding-3-small", "text-embedding-3-large")
_WORD = re.compile(r"\w+", re.UNICODE)
_SCALE = 1 / 32768
#: Word directions kept (`_direction`), and the longest word kept.
WORDS_KEPT, WORD_KEPT_CHARS = 1024, 64


def native_dimension(model: str) -> int:
    return DIMENSIONS.get(model, DEFAULT_DIMENSION)


def _direction(word: str, size: int) -> bytes:
    """The word's direction: ``size`` little-endian int16 components from its SHAKE-256 digest.

    A digest costs 25 us and a suite embeds the same words again and again, so the latest
    `WORDS_KEPT` words of at most `WORD_KEPT_CHARS` characters are kept: at most 6 KiB of digest
    (3,072 dimensions) and 256 bytes of key each, under 7 MiB in all."""
    if len(word) > WORD_KEPT_CHARS:
        return _shake(word, size)
    return _kept(word, size)


def _shake(word: str, size: int) -> bytes:
    return hashlib.shake_256(word.encode()).digest(size * 2)


_kept = functools.lru_cache(maxsize=WORDS_KEPT)(_shake)


def embed(text: str, size: int, dimensions: int | None = None) -> list[float]:
    """The unit vector for ``text`` in ``size`` dimensions, cut to ``dimensions`` (then renormalised).

    numpy does the per-component arithmetic, in the same float64 operations in the same order as a
    loop would (each word's ``value * count / 32768`` added in turn, then divided by the norm, then
    rounded to float32, as the API sends them, so float and base64 answers hold the same numbers), so
    the numbers are exactly those of the pure-Python definition (the tests keep it as a reference);
    the norm's sum stays Python's own ``sum``, whose rounding numpy's pairwise sum does not share.
    """
    import numpy as np

    words = Counter(w.lower() for w in _WORD.findall(text)) or Counter({text: 1})
    total = np.zeros(size)
    for word, count in words.items():
        total += np.frombuffer(_direction(word, size), dtype="<i2").astype(np.float64) * float(count) * _SCALE
    if dimensions is not None:
        total = total[:dimensions]
    norm = math.sqrt(sum((total * total).tolist())) or 1.0
    return (total / norm).astype(np.float32).astype(np.float64).tolist()  # type: ignore[no-any-return]


def to_base64(vector: list[float]) -> str:
    """``encoding_format: base64``: the little-endian float32 bytes, base64-encoded."""
    import base64

    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
