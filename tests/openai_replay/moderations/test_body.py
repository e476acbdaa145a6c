"""Moderation bodies: scripted flags by name or score, and a loud refusal of anything else."""

from __future__ import annotations

import json

import pytest

from openai_replay.moderations.body import OMNI, scripted_answer


def test_flags_by_name_or_by_score() -> None:
    """'violence, hate' flags those two; a JSON object sets scores (0.5 and up is flagged)."""
    named = json.loads(scripted_answer({"input": "x"}, "modr-1", "violence, hate"))["results"][0]
    assert [k for k, v in named["categories"].items() if v] == ["hate", "violence"]
    scored = json.loads(scripted_answer({"input": ["a", "b"]}, "modr-1", '{"sexual": 0.7, "illicit": 0.2}'))["results"]
    assert len(scored) == 2 and all(r["categories"]["sexual"] and not r["categories"]["illicit"] for r in scored)
    assert set(scored[0]["category_scores"]) == set(OMNI)


def test_unknown_categories_are_refused_with_the_known_ones() -> None:
    """A reply naming no known category raises ValueError listing the categories there are."""
    with pytest.raises(ValueError, match="known: harassment"):
        scripted_answer({"input": "x"}, "modr-1", "rudeness")
