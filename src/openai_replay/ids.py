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
#: Random bytes to alphanumerics in one ``bytes.translate`` (256 is not a multiple of 62, so the
#: first 8 symbols are a little more likely: fine for padding that only has to look random).
_ALNUM_OF_BYTE = bytes(ord(_ALNUM[i % len(_ALNUM)]) for i in range(256))
_POOL = 4096


class IdFactory:
    """Makes ids; the same seed and the same sequence of calls give the same ids."""

    def __init__(self, seed: int | None = None) -> None:
        # Ids need to look real and be reproducible, not to be secret: a Mersenne Twister seeded once
        # (from the OS when no seed is given) costs no system call per character.
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        #: Obfuscation padding is cut from a pool refilled in bulk: one delta event needs up to 15
        #: characters, and drawing them one by one was a tenth of a long stream's server time.
        self._pool = ""
        self._pos = 0

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

    def chat_id(self) -> str:
        """A Chat Completions id: ``chatcmpl-`` + 29 alphanumerics (unchanged from 2023 to 2026)."""
        return "chatcmpl-" + self._alnum(29)

    def realtime(self, prefix: str) -> str:
        """A Realtime API id: ``<prefix>_`` + 21 alphanumerics (``event_``, ``item_``, ``resp_``,
        ``sess_``, ``conv_`` in 2025-2026 GA captures)."""
        return f"{prefix}_{self._alnum(21)}"

    def moderation_id(self) -> str:
        """A moderation's id: ``modr-`` + 32 hex."""
        return "modr-" + self._hex(32)

    def fingerprint(self) -> str:
        """A ``system_fingerprint``: ``fp_`` + 10 hex."""
        return "fp_" + self._hex(10)

    def request_id(self) -> str:
        return "req_" + self._hex(32)

    def obfuscation(self, delta: str) -> str:
        """Padding that makes ``len(delta) + len(padding)`` a multiple of 16 code points."""
        n = (16 - len(delta) % 16) % 16
        with self._lock:
            start = self._pos
            if start + n > len(self._pool):
                self._pool = self._rng.randbytes(_POOL).translate(_ALNUM_OF_BYTE).decode("ascii")
                start = 0
            self._pos = start + n
            return self._pool[start : start + n]


def group_of(response_id: str) -> str | None:
    """The 16-hex group of an id we (or the real API, in 2026) issued, or None."""
    _, sep, rest = response_id.partition("_")
    if not sep or len(rest) != 50:
        return None
    return rest[:16]
