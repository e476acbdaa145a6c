"""Small bounded caches for the audio work whose answer is a pure function of its inputs.

Speech the fake synthesises, the speech encoded in a compressed format, and what it hears in an
upload are each the same bytes for the same inputs, and each costs milliseconds of CPU (4.6 s of
speech: 9 ms to synthesise, 41 ms to encode to mp3, 22 ms to recognise), while a test suite asks for
the same few phrases again and again. `Memo` keeps the latest answers, keyed by everything that
decides them, so a repeated request costs a dictionary look-up (as a server playing stored bytes).

Bounded by entries *and* by bytes (the oldest go first), with values too large for a fair share of the
budget never kept, so the server's memory stays bounded whatever clients ask (30 MiB for the five
caches together at most); one lock makes it safe
from several threads (servers in threads of one process share the caches). Two threads missing the
same key both compute it: the answers are equal, so either may stay.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")

#: Synthesised PCM (16-bit, 24 kHz: 48 KB a second): 32 answers, 8 MiB at most.
SPEECH_ENTRIES, SPEECH_BYTES = 32, 8 * 1024 * 1024
#: Encoded speech (mp3, opus, aac, flac: about 8 KB a second of mp3): 64 answers, 4 MiB at most.
ENCODED_ENTRIES, ENCODED_BYTES = 64, 4 * 1024 * 1024
#: A speech request's answer, cut into its deltas, in bytes and in base64 (`audio.builder.Spoken`):
#: 32 answers, 16 MiB at most.
SPOKEN_ENTRIES, SPOKEN_BYTES = 32, 16 * 1024 * 1024
#: What the recogniser heard in PCM, and in an upload (decoded first), by the digest of the bytes:
#: 256 answers each, 1 MiB of text each at most.
HEARD_ENTRIES, HEARD_BYTES = 256, 1024 * 1024
#: A value larger than this share of a cache's byte budget is computed but never kept.
LARGEST_SHARE = 4


class Memo(Generic[V]):
    """A least-recently-used map bounded by entries and by the total size of its values."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        """The bytes the kept values count for."""
        return self._bytes

    def get(self, key: Hashable, make: Callable[[], V], size: Callable[[V], int | None]) -> V:
        """The value kept for ``key``, or ``make()``: kept if it is small enough (``size`` None: never
        kept, for answers such as errors); exceptions pass through, never kept."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found[0]
            self.misses += 1
        value = make()  # outside the lock: another thread's look-up never waits for a synthesis
        cost = size(value)
        if cost is None or cost * LARGEST_SHARE > self.max_bytes:
            return value
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, cost)
            self._bytes += cost
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self.hits = self.misses = 0


def digest(data: bytes) -> bytes:
    """A key for audio bytes: their BLAKE2b digest (collision-resistant, ~1 GB/s)."""
    return hashlib.blake2b(data, digest_size=32).digest()


speech: Memo[bytes] = Memo(SPEECH_ENTRIES, SPEECH_BYTES)
encoded: Memo[bytes] = Memo(ENCODED_ENTRIES, ENCODED_BYTES)
heard: Memo[str | None] = Memo(HEARD_ENTRIES, HEARD_BYTES)
uploads: Memo[Any] = Memo(HEARD_ENTRIES, HEARD_BYTES)
spoken: Memo[Any] = Memo(SPOKEN_ENTRIES, SPOKEN_BYTES)


def clear() -> None:
    """Forget every kept answer (tests that count syntheses call this first)."""
    for memo in (speech, encoded, spoken, heard, uploads):
        memo.clear()
