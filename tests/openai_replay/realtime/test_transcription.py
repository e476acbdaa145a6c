"""Transcription sessions: the GA session object, its update rules, and no responses."""

from __future__ import annotations

import copy

import pytest
from fuzzkit import PROFILE, budget, json_values
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_replay.ids import IdFactory
from openai_replay.realtime.transcription import new_transcription_session, no_responses, update_transcription_session

INPUT = "session.audio.input"


def _session() -> dict:
    return new_transcription_session(IdFactory(), 1_767_225_600)


def test_the_default_session_is_a_ga_transcription_session() -> None:
    """type transcription, its object name, input audio only, server VAD with the documented defaults."""
    session = _session()
    assert (session["type"], session["object"]) == ("transcription", "realtime.transcription_session")
    assert set(session["audio"]) == {"input"} and session["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 500


def test_an_update_merges_and_keeps_only_transcription_vad_settings() -> None:
    """A turn detection update is completed with defaults and keeps no conversation-only keys (create_response)."""
    session = _session()
    update = {"type": "transcription", "audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 300}}}}
    assert update_transcription_session(session, update) is None
    turn = session["audio"]["input"]["turn_detection"]
    assert turn["silence_duration_ms"] == 300 and "create_response" not in turn and "interrupt_response" not in turn


@pytest.mark.parametrize(
    ("update", "param"),
    [
        ({"type": "realtime"}, "session.type"),
        ({"audio": {}}, "session.type"),
        ({"type": "transcription", "tools": []}, "session.tools"),
        ({"type": "transcription", "audio": {"output": {}}}, "session.audio.output"),
        ({"type": "transcription", "include": ["x"]}, "session.include"),
        (
            {"type": "transcription", "audio": {"input": {"turn_detection": {"type": "semantic_vad"}}}},
            f"{INPUT}.turn_detection.type",
        ),
        ({"type": "transcription", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}, f"{INPUT}.format.rate"),
    ],
)
def test_a_bad_update_names_its_parameter_and_changes_nothing(update: dict, param: str) -> None:
    """Each refused update says which parameter is wrong, and the session is left as it was."""
    session = _session()
    before = dict(session)
    problem = update_transcription_session(session, update)
    assert problem is not None and problem.param == param and session == before


def test_responses_are_refused() -> None:
    """response.create has no place in a transcription session: a 400 naming it."""
    assert no_responses().status == 400 and "transcription sessions" in no_responses().message


_updates = (
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["transcription", "realtime"]) | json_values,
            "audio": st.fixed_dictionaries(
                {},
                optional={
                    "input": st.fixed_dictionaries(
                        {},
                        optional={"format": json_values, "turn_detection": json_values, "transcription": json_values},
                    )
                    | json_values,
                    "output": json_values,
                },
            )
            | json_values,
            "include": json_values,
        },
    )
    | json_values
)


@settings(PROFILE, max_examples=budget(60))
@given(update=_updates)
def test_any_update_is_applied_or_refused_whole(update: object) -> None:
    """Any update, nearly valid or junk: merged, or one error that leaves the session exactly as it was; never a traceback."""
    session = _session()
    before = copy.deepcopy(session)
    problem = update_transcription_session(session, update)
    if problem is not None:
        assert session == before
        assert problem.message and "\n" not in problem.message
    else:
        assert session["type"] == "transcription"
