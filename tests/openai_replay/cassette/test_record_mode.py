"""Record modes: what pytest-recording's five modes mean for a cassette that exists or does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_replay.cassette import RECORD_MODES, CassetteNotFound, decide


@pytest.mark.parametrize(
    ("mode", "exists", "action", "keep"),
    [
        ("none", True, "replay", True),
        ("once", True, "replay", True),
        ("once", False, "record", False),
        ("new_episodes", True, "both", True),
        ("new_episodes", False, "record", False),
        ("all", True, "record", True),
        ("all", False, "record", False),
        ("rewrite", True, "record", False),
        ("rewrite", False, "record", False),
    ],
)
def test_decide(tmp_path: Path, mode: str, exists: bool, action: str, keep: bool) -> None:
    """Each mode and cassette state gives the documented action and whether old interactions stay."""
    path = tmp_path / "c.json"
    if exists:
        path.write_text("{}")
    plan = decide(mode, path)
    assert (plan.action, plan.keep_existing, plan.path) == (action, keep, path)


def test_none_without_a_cassette_explains_how_to_record(tmp_path: Path) -> None:
    """Replay-only mode with no cassette fails with the two ways to record it."""
    with pytest.raises(
        CassetteNotFound, match=r"record mode is 'none'.*--record-mode=once.*openai-replay record --upstream U --out "
    ):
        decide("none", tmp_path / "missing.json", upstream="U")


def test_unknown_mode_lists_the_modes(tmp_path: Path) -> None:
    """A typo in the mode names every valid mode."""
    assert RECORD_MODES == ("none", "once", "new_episodes", "all", "rewrite")
    with pytest.raises(ValueError, match="unknown record mode 'onse'; use one of: none, once, new_episodes, all, rewrite"):
        decide("onse", tmp_path / "c.json")
