"""The public step types keep their dataclass contract (sources build them; tests compare them)."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from openai_replay.steps import Emit


def test_emit_is_a_frozen_dataclass_as_before() -> None:
    """Emit's fast constructor keeps what the generated one gave: positional and keyword forms,
    equality, repr, pickling, `dataclasses.replace` and `fields`, and no assignment after creation."""
    event = {"type": "response.created"}
    step = Emit(event)
    assert step.event is event
    assert step == Emit(event=dict(event)) and step != Emit({"type": "other"})
    assert repr(step) == "Emit(event={'type': 'response.created'})"
    assert pickle.loads(pickle.dumps(step)) == step
    assert dataclasses.replace(step, event={"type": "x"}).event == {"type": "x"}
    assert [f.name for f in dataclasses.fields(Emit)] == ["event"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.event = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        Emit()  # type: ignore[call-arg]
