"""Simulated token log probabilities for chat's ``logprobs: true`` (and ``top_logprobs``).

The simulated model has no real distribution, so this is a deterministic stand-in with the real shape:
the text split into word-sized tokens (a leading space kept with its word, as real tokens do), each
with a small negative ``logprob``, its UTF-8 ``bytes``, and ``top_logprobs`` alternatives in falling
order with the chosen token first. The tokens join back to exactly the text.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"\s*[^\s]+|\s+")
#: Alternatives offered after the chosen token, in this order (the chosen one is skipped).
_ALTERNATIVES = (" the", " a", ",", ".", " and", " to", " of", " is", " I", " you", "\n", " it", " that", " in", " for",
                 " on", " with", " as", " be", " this", " not")  # fmt: skip
CHOSEN_LOGPROB = -1e-06


def wanted(payload: dict[str, Any]) -> int | None:
    """How many alternatives each token carries when the request asks for logprobs, else None."""
    if payload.get("logprobs") is not True:
        return None
    top = payload.get("top_logprobs")
    return top if isinstance(top, int) and not isinstance(top, bool) and 0 <= top <= 20 else 0


def _entry(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode())}


def token_logprobs(text: str, top: int) -> list[dict[str, Any]]:
    """The ``logprobs.content`` entries of ``text``, each with ``top`` alternatives."""
    out = []
    for token in _TOKEN.findall(text):
        alternatives = [_entry(token, CHOSEN_LOGPROB)]
        others = (t for t in _ALTERNATIVES if t != token)
        alternatives += [_entry(t, -float(i)) for i, t in zip(range(1, top), others, strict=False)]
        out.append({**_entry(token, CHOSEN_LOGPROB), "top_logprobs": alternatives[:top]})
    return out


def choice_logprobs(text: str, top: int, *, chunk: bool = False) -> dict[str, Any]:
    """A choice's ``logprobs`` object for ``text``. ``refusal`` is null in a body and an empty array in a
    chunk, as the spec types each (nullable array in ``CreateChatCompletionResponse``, array in the stream's)."""
    return {"content": token_logprobs(text, top), "refusal": [] if chunk else None}
