"""POST /v1/moderations over real sockets: every category, SDK types, the spec, scripted flags, 400s."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types import ModerationCreateResponse
from scenariokit import client_for
from sidekit import assert_conforms, assert_error_conforms, call

from fake_server import FakeServer
from openai_replay.moderations.body import OMNI
from openai_replay.scenarios import scenario


async def test_simulated_answer_has_every_category_and_flags_nothing(server: FakeServer) -> None:
    """One result per input with all 13 omni categories, nothing flagged, valid against the spec and the SDK type."""
    status, body = await call(server, "POST", "/moderations", {"input": ["hello", "good day"]})
    assert status == 200 and body["id"].startswith("modr-") and body["model"] == "omni-moderation-latest"
    assert len(body["results"]) == 2
    for result in body["results"]:
        assert (
            set(result["categories"])
            == set(OMNI)
            == set(result["category_scores"])
            == set(result["category_applied_input_types"])
        )
        assert result["flagged"] is False
    assert_conforms("CreateModerationResponse", ModerationCreateResponse, body)


async def test_text_moderation_models_answer_the_shape_the_spec_requires(server: FakeServer) -> None:
    """text-moderation-latest is accepted and answered with the 13 categories the spec and SDK require."""
    status, body = await call(server, "POST", "/moderations", {"input": "hi", "model": "text-moderation-latest"})
    assert status == 200 and set(body["results"][0]["categories"]) == set(OMNI) and body["model"] == "text-moderation-latest"
    assert_conforms("CreateModerationResponse", ModerationCreateResponse, body)


async def test_multimodal_input_is_one_result_with_image_types(server: FakeServer) -> None:
    """A text part and an image part are one input; the image categories say text and image."""
    parts = [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]
    answer = await client_for(server).moderations.create(input=parts, model="omni-moderation-latest")  # type: ignore[arg-type]
    assert len(answer.results) == 1
    assert answer.results[0].category_applied_input_types.violence == ["text", "image"]


async def test_a_scenario_flags_categories(server: FakeServer) -> None:
    """A reply naming categories flags them (the SDK sees flagged results); other requests stay clean."""
    server.use(scenario().on(api="moderations", text_contains="attack").reply("violence, harassment").build())
    client = client_for(server)
    flagged = await client.moderations.create(input="attack plan")
    clean = await client.moderations.create(input="garden plan")
    assert flagged.results[0].flagged and flagged.results[0].categories.violence and flagged.results[0].categories.harassment
    assert not flagged.results[0].categories.hate and flagged.results[0].category_scores.violence > 0.5
    assert not clean.results[0].flagged
    assert [r.answered_by is not None for r in server.log.requests] == [True, False]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 400, "Missing required parameter: 'input'"),
        ({"input": []}, 400, "'$.input' is invalid"),
        ({"input": [{"type": "video"}]}, 400, "'$.input' is invalid"),
        ({"input": "x", "model": "nope"}, 404, "The model `nope` does not exist"),
        ({"input": "x", "stream": True}, 400, "Unrecognized request argument supplied: stream"),
    ],
)
async def test_bad_requests_get_the_real_errors(server: FakeServer, body: dict[str, Any], status: int, words: str) -> None:
    """Each malformed request gets its error in OpenAI's shape."""
    got, answer = await call(server, "POST", "/moderations", body)
    assert got == status and words in answer["error"]["message"]
    assert_error_conforms(answer)


async def test_a_failed_response_action_is_an_error_answer(server: FakeServer) -> None:
    """A scenario's fail action on a side endpoint answers OpenAI's error body, logged as failed."""
    server.use(scenario().on(api="moderations").fail("server_error", "boom").build())
    status, body = await call(server, "POST", "/moderations", {"input": "x"})
    assert status == 500 and body["error"]["message"] == "boom"
    assert_error_conforms(body)
