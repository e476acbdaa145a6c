"""``openai-replay scenarios``: the built-in scenarios, one line each."""

from __future__ import annotations

from openai_replay.scenarios.library import BUILTINS, parameters


def list_builtins() -> int:
    width = max(map(len, BUILTINS))
    for name, description in BUILTINS.items():
        params = ", ".join(f"{k}={v!r}" for k, v in parameters(name).items())
        print(f"{name:<{width}}  {description}" + (f"  [{params}]" if params else ""))
    return 0
