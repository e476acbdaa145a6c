"""Identifiers in the real API's formats, drawn from a seedable generator.

Layout observed in 2026 traffic (reference/real-traffic.md §8): ``<prefix>_`` + 16 hex shared by a
response, its items and the responses chained from it, then ``00``, then 8 hex of the unix creation
time, then 24 hex. ``call_`` ids are 24 alphanumerics; request ids are ``req_`` + 32 hex.
"""

from __future__ import annotations

import random
import string
import threading

_ALNUM = string.digits + string.ascii_letters


class IdFactory:
    """Makes ids; the same seed and the same sequence of calls give the same ids."""

    def __init__(self, seed: int | None = None) -> None:
        # Ids need to look real and be reproducible, not to be secret: a Mersenne Twister seeded once
        # (from the OS when no seed is given) costs no system call per character.
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def _hex(self, n: int) -> str:
        with self._lock:
            return f"{self._rng.getrandbits(4 * n):0{n}x}"

    def _alnum(self, n: int) -> str:
        with self._lock:
            return "".join(self._rng.choices(_ALNUM, k=n))

    def group(self) -> str:
        """A new 16-hex conversation group (a chained response inherits its parent's)."""
        return self._hex(16)

    def make(self, prefix: str, group: str, created_at: float) -> str:
        return f"{prefix}_{group}00{int(created_at) & 0xFFFFFFFF:08x}{self._hex(24)}"

    def call_id(self) -> str:
        return "call_" + self._alnum(24)

    def request_id(self) -> str:
        return "req_" + self._hex(32)

    def obfuscation(self, delta: str) -> str:
        """Padding that makes ``len(delta) + len(padding)`` a multiple of 16 code points."""
        return self._alnum((16 - len(delta) % 16) % 16)


def group_of(response_id: str) -> str | None:
    """The 16-hex group of an id we (or the real API, in 2026) issued, or None."""
    _, sep, rest = response_id.partition("_")
    if not sep or len(rest) != 50:
        return None
    return rest[:16]
