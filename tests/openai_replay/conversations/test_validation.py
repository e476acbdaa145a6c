"""Conversations request bodies: the real 400s, and no input that raises."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from openai_replay.conversations.validation import validate_create, validate_items, validate_update
from openai_replay.errors import ApiError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
bodies = json_values | st.fixed_dictionaries({}, optional={"items": json_values, "metadata": json_values, "role": json_values})


@given(bodies)
def test_any_body_is_accepted_or_refused_with_a_400(body: Any) -> None:
    """Every validator answers None or a 400 with a message and a param for any JSON; none raises."""
    for validate in (validate_create, validate_update, validate_items):
        problem = validate(body)
        assert problem is None or (isinstance(problem, ApiError) and problem.status == 400 and problem.message)


def test_the_documented_limits() -> None:
    """At most 20 items and 16 metadata keys of strings; update needs metadata; items need a role and content."""
    assert validate_create({"items": [{"role": "user", "content": "x"}] * 20, "metadata": {"a": "b"}}) is None
    assert validate_create(None) is None
    too_many = validate_create({"items": [{"role": "user", "content": "x"}] * 21})
    assert too_many is not None and too_many.code == "array_above_max_length"
    keys = validate_create({"metadata": {str(n): "v" for n in range(17)}})
    assert keys is not None and keys.param == "metadata"
    missing = validate_update({})
    assert missing is not None and missing.code == "missing_required_parameter"
    role = validate_items({"items": [{"type": "message", "role": "robot", "content": "x"}]})
    assert role is not None and role.param == "items[0].role"
