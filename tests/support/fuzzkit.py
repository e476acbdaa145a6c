"""Hostile request bodies for the fuzz suites, Hypothesis profiles, and a watch on the server's log.

The everyday run takes 40 examples a test; ``OPENAI_REPLAY_FUZZ=ci`` (set by ``.ci/run``) 120, and
``OPENAI_REPLAY_FUZZ=long`` thousands.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from openai_replay.responses.validation import CREATE_RESPONSE_FIELDS, WS_ONLY_FIELDS

settings.register_profile(
    "fuzz-quick", max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False
)
settings.register_profile("fuzz-ci", max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
settings.register_profile("fuzz-long", max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))
FUZZ = os.environ.get("OPENAI_REPLAY_FUZZ", "")


def budget(ci: int) -> int:
    """Examples for a property test that takes ``ci`` in CI: a third of that in the everyday run, 40x long."""
    return {"ci": ci, "long": ci * 40}.get(FUZZ, max(10, ci // 3))


PROFILE = settings.get_profile({"long": "fuzz-long", "ci": "fuzz-ci"}.get(os.environ.get("OPENAI_REPLAY_FUZZ", ""), "fuzz-quick"))

#: Scalars of every JSON type, with the edges: huge integers, extreme floats, odd strings.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e-324, 0.0, -0.0, 2**63, -(2**63) - 1, 2**64]),
    st.text(max_size=40),
    st.sampled_from(["", "auto", "user", "message", "function", "input_text", "gpt-4o-mini", "resp_x", "\x00", "\u2028"]),
)

keys = st.sampled_from(["type", "role", "content", "text", "name", "call_id", "output", "x"]) | st.text(max_size=8)

json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(keys, inner, max_size=5),
    ),
    max_leaves=25,
)

#: ``response.create`` fields with random values of any type, so every field's handling is exercised.
create_payloads = st.fixed_dictionaries(
    {"model": st.one_of(st.just("gpt-4o-mini"), json_values)},
    optional={name: json_values for name in sorted((CREATE_RESPONSE_FIELDS | WS_ONLY_FIELDS) - {"type", "model"})},
)


_objects = st.dictionaries(keys, json_values, max_size=5)
_items = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["user", "assistant", "system", "developer"]),
            "content": st.text(max_size=20) | st.lists(_objects, max_size=3),
        },
        optional={
            "type": st.sampled_from(["message", "function_call_output", "function_call", "reasoning", "x"]) | st.text(max_size=5),
            "call_id": json_values,
            "output": json_values,
            "name": json_values,
            "arguments": json_values,
            "id": json_values,
        },
    ),
    max_size=4,
)
_tools = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["function", "web_search", "x"])},
        optional={"name": st.text(max_size=10), "parameters": json_values, "strict": json_values, "description": json_values},
    ),
    max_size=3,
)

#: ``response.create`` payloads whose fields have the right top-level type but anything inside: they
#: pass validation and reach the response builder, the simulated model and the log.
typed_create_payloads = st.fixed_dictionaries(
    {"model": st.text(min_size=1, max_size=20)},
    optional={
        "input": st.text(max_size=40) | _items,
        "instructions": st.text(max_size=40),
        "tools": _tools,
        "tool_choice": st.sampled_from(["auto", "none", "required", "x"]) | _objects,
        "text": _objects,
        "reasoning": _objects,
        "metadata": st.dictionaries(st.text(max_size=10), st.text(max_size=10) | json_values, max_size=4),
        "include": st.lists(json_values, max_size=3),
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "max_output_tokens": st.integers(16, 2**63),
        "max_tool_calls": st.integers(1, 2**63),
        "top_logprobs": st.integers(0, 20),
        "parallel_tool_calls": st.booleans(),
        "store": st.booleans(),
        "stream_options": _objects,
        "prompt_cache_key": st.text(max_size=10),
        "user": st.text(max_size=10),
        "safety_identifier": st.text(max_size=10),
        "truncation": st.sampled_from(["auto", "disabled"]),
        "service_tier": st.sampled_from(["auto", "default", "flex", "scale", "priority"]),
        "prompt": _objects,
        "conversation": st.text(max_size=10) | _objects,
        "context_management": st.lists(json_values, max_size=3),
    },
)


def _nest(depth: int, leaf: str) -> str:
    return "[" * depth + leaf + "]" * depth


#: Raw JSON texts: broken or odd JSON, deep nesting, lone surrogates, non-object values.
raw_texts = st.one_of(
    st.builds(_nest, st.integers(1, 3000), st.sampled_from(["", "1", '{"a":1}'])),
    st.builds(lambda d: '{"model":"m","input":' + _nest(d, '"x"') + "}", st.integers(100, 2000)),
    st.sampled_from(
        [
            '{"model":"m","input":"\\ud800"}',
            '{"model":"m","input":[{"role":"user","content":"\\udfff"}]}',
            '{"model":"m","input":NaN}',
            '{"model":"m","input":1e400}',
            '{"model":"m","input":-Infinity}',
            '{"model":"m","input":123456789012345678901234567890}',
            '{"model":"m"',
            "",
            "null",
            "[]",
            '"text"',
            "{}",
        ]
    ),
    st.text(max_size=60),
)


def dumps(value: Any) -> str:
    """JSON text as a careless client writes it (NaN and Infinity included)."""
    return json.dumps(value, allow_nan=True)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.bad: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.bad.append(self.format(record))


#: The loggers the server and aiohttp's server side write to (not other tests' leftovers on this worker).
SERVER_LOGGERS = ("openai_replay", "aiohttp")


@contextmanager
def no_tracebacks() -> Iterator[list[str]]:
    """Collect the server's log records with a traceback or at ERROR and above while the block runs."""
    handler = _Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in SERVER_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.bad
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


#: The server thread's id factory uses ``random``; Hypothesis warns when anything does while it draws.
QUIET_RANDOM = "ignore:Do not use the `random` module inside strategies"
