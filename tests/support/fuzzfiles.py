"""Hypothesis strategies for hostile files: JSON of any shape, depth and type, near-miss cassettes
and scenarios, vcrpy YAML; and the example budget (``OPENAI_REPLAY_FUZZ_EXAMPLES``, default 40:
CI runs that; set it to e.g. 2000 for the long profile)."""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("OPENAI_REPLAY_FUZZ_EXAMPLES", "40"))
#: For file loaders: a bounded example count, no deadline (the machine is shared), no database.
fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))

text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "\ud800", "response.completed", "ws", "http", "client", "server", "sk-proj-x", "data:"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -0.0, 0, 1, 101, 1011, 4999]),
    text,
)
json_values = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)), max_leaves=30
)


@st.composite
def deep(draw: st.DrawFn) -> str:
    """JSON text nested 100 to 5,000 levels deep (arrays, objects or both)."""
    depth = draw(st.integers(min_value=100, max_value=5000))
    opener = draw(st.sampled_from(["[", '{"a":', "mixed"]))
    if opener == "mixed":
        return "".join('{"a":[' for _ in range(depth // 2)) + "1" + "]}" * (depth // 2)
    closer = "]" if opener == "[" else "}"
    return opener * depth + "1" + closer * depth


def near(shape: dict[str, Any]) -> Any:
    """``shape`` with any value at any key replaced by a random JSON value, or a key added."""
    return st.fixed_dictionaries({k: st.one_of(st.just(v), json_values) for k, v in shape.items()}).flatmap(
        lambda base: st.dictionaries(text, json_values, max_size=2).map(lambda extra: {**base, **extra})
    )


def documents(*shapes: Any) -> Any:
    """File contents: a near-miss of one of ``shapes``, any JSON value, deep JSON, or raw bytes."""
    return st.one_of(
        st.one_of(*shapes).map(_dump),
        st.one_of(*shapes).map(_dump),
        st.one_of(*shapes).map(_dump),
        json_values.map(_dump),
        deep(),
        st.binary(max_size=64),
        st.sampled_from(["NaN", '{"t": Infinity}', "\ufeff{}", ""]),
    )


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def write(path: Any, content: str | bytes) -> None:
    """Write ``content`` as UTF-8 (lone surrogates kept as bytes that are not UTF-8) or raw bytes."""
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", errors="surrogatepass"))
