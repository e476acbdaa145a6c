"""What scrubbing secrets costs per body: `Redactor.text` on the bodies a recording sees, once each.

    .venv/bin/python benchmarks/redact_cost.py

Bodies: a 5 MB audio frame (base64), a 5 MB request of 20,000 prose messages, the same with a
secret-like ``name=value`` in every message (the worst case: every name window is searched), a 10 KB
request with planted secrets, and a 200-event SSE answer. Prints the milliseconds to scrub each
(and MB/s) and to learn its secrets (`Redactor.learn_text`, run on each recorded client body).

Run it against the code before issue 21 with ``PYTHONPATH=<an export of the old src>``.
"""

from __future__ import annotations

import base64
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import secretkit  # noqa: E402

from openai_replay.cassette.redact import Redactor  # noqa: E402

WORDS = [
    "the", "a", "model", "token", "key", "code", "of", "to", "and", "in", "is", "that", "it", "for", "on", "with",
    "as", "was", "at", "by", "an", "be", "this", "which", "or", "from",
]  # fmt: skip


def message(text: str) -> dict[str, object]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def bodies() -> dict[str, str]:
    rng = random.Random(1)
    audio = base64.b64encode(rng.randbytes(3_750_000)).decode()
    prose = [message(" ".join(rng.choice(WORDS) for _ in range(40))) for _ in range(20_000)]
    dense = [message(" ".join(rng.choice(WORDS) for _ in range(30)) + " max_tokens=5 token=abc") for _ in range(20_000)]
    small = {"model": "gpt-4o", "input": [message(secretkit.tokens_text())], "metadata": {"api_key": secretkit.NAMED["api_key"]}}
    event = 'event: response.output_text.delta\ndata: {{"type":"response.output_text.delta","delta":"w{} "}}\n\n'
    sse = "".join(event.format(i) for i in range(200))
    return {
        "5 MB audio frame": json.dumps({"type": "input_audio_buffer.append", "audio": audio}),
        "5 MB request, 20,000 prose messages": json.dumps({"model": "gpt-4o", "input": prose}),
        "5 MB request, a name=value in every message (worst case)": json.dumps({"model": "gpt-4o", "input": dense}),
        "10 KB request with planted secrets": json.dumps(small),
        "200-event SSE answer": sse,
    }


def main() -> None:
    redactor = Redactor()
    redactor.text(secretkit.tokens_text() * 300)  # warm up: the first call pays for compiling
    print(f"{'body':60s} {'size':>10s} {'scrub':>10s} {'MB/s':>8s} {'learn':>10s}")
    for name, body in bodies().items():
        start = time.perf_counter()
        redactor.text(body)
        took = time.perf_counter() - start
        start = time.perf_counter()
        redactor.learn_text(body)  # what a recording also runs on each client body and frame
        learned = time.perf_counter() - start
        print(
            f"{name:60s} {len(body) / 1e6:7.2f} MB {took * 1000:7.1f} ms {len(body) / 1e6 / took:8.1f} {learned * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    main()
