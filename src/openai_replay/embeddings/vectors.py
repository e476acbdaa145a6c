"""Deterministic embedding vectors that make retrieval tests meaningful.

Each word of the text (lower-cased) gets a pseudo-random direction drawn from a hash of the word
(SHAKE-256, so the same on every machine and run); a text's vector is the sum of its words'
directions, normalised to unit length. Identical texts get identical vectors; texts that share words
point the same way in those words' directions, so their cosine similarity is higher than that of
unrelated texts (random directions in 1,536 dimensions are nearly orthogonal). A shorter
``dimensions`` keeps the first components and normalises again, as the real v3 models do.
"""

from __future__ import annotations

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


def native_dimension(model: str) -> int:
    return DIMENSIONS.get(model, DEFAULT_DIMENSION)


def _direction(word: str, size: int) -> tuple[int, ...]:
    digest = hashlib.shake_256(word.encode()).digest(size * 2)
    return struct.unpack(f"<{size}h", digest)


def embed(text: str, size: int, dimensions: int | None = None) -> list[float]:
    """The unit vector for ``text`` in ``size`` dimensions, cut to ``dimensions`` (then renormalised)."""
    words = Counter(w.lower() for w in _WORD.findall(text)) or Counter({text: 1})
    total = [0.0] * size
    for word, count in words.items():
        for i, value in enumerate(_direction(word, size)):
            total[i] += value * count * _SCALE
    if dimensions is not None:
        total = total[:dimensions]
    norm = math.sqrt(sum(v * v for v in total)) or 1.0
    return [_float32(v / norm) for v in total]


def _float32(value: float) -> float:
    """The value as the API sends it: a float32 (so float and base64 answers hold the same numbers)."""
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def to_base64(vector: list[float]) -> str:
    """``encoding_format: base64``: the little-endian float32 bytes, base64-encoded."""
    import base64

    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
