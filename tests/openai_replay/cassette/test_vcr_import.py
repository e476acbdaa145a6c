"""Importing vcrpy cassettes: every real recording, every storage dialect, bodies kept exactly."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml
from cassettekit import REAL_EVENTS, real_cassette

from openai_replay.cassette import CassetteError, HttpExchange, interactions, load_cassette, save_cassette
from openai_replay.cassette.vcr_import import import_vcr, import_vcr_file


@pytest.mark.parametrize("name", sorted(REAL_EVENTS))
def test_every_real_recording_imports_with_its_events_exact(name: str, tmp_path: Path) -> None:
    """Each real cassette imports (and survives save/load) with the README's event counts, and every SSE
    body is rebuilt byte-for-byte from the imported events."""
    source = real_cassette(name)
    cassette, skipped = import_vcr(source)
    cassette = load_cassette(save_cassette(cassette, tmp_path / "imported.json"))
    items = interactions(cassette)
    assert [len(i.events) if i.streamed else None for i in items] == REAL_EVENTS[name]
    raw = [i for i in yaml.safe_load(source.read_text())["interactions"] if "/responses" in i["request"]["uri"]]
    assert len(raw) == len(items) and len(skipped) == (1 if name.startswith("openinference") else 0)
    for original, exchange in zip(raw, cassette.connections, strict=True):
        assert isinstance(exchange, HttpExchange)
        assert exchange.status == original["response"]["status"]["code"]
        if exchange.events is not None:
            assert "".join(e.wire() for e in exchange.events) == original["response"]["body"]["string"]
            assert exchange.note is None
    assert all(i.response_id or (i.status or 0) >= 400 for i in items)


def test_telemetry_from_other_hosts_is_skipped_and_listed(tmp_path: Path) -> None:
    """A non-Responses interaction (agno telemetry) is left out and named in the summary and meta."""
    summary = import_vcr_file(real_cassette("openinference__agent_run_reasoning_stream.yaml"), tmp_path / "o.json")
    assert (
        "skipped interaction 2: POST https://os-api.agno.com/telemetry/runs is not a Responses or Chat Completions call"
        in summary
    )
    assert load_cassette(tmp_path / "o.json").meta["skipped"] == [
        "interaction 2: POST https://os-api.agno.com/telemetry/runs is not a Responses or Chat Completions call"
    ]


def test_gzip_body_is_decompressed_and_headers_scrubbed() -> None:
    """A ``!!binary`` gzip JSON body becomes text; cookies, org ids and encodings are not kept."""
    cassette, _ = import_vcr(real_cassette("llm-openai-plugin__test_options[options0].yaml"))
    (exchange,) = cassette.connections
    assert isinstance(exchange, HttpExchange) and exchange.body is not None
    assert json.loads(exchange.body)["object"] == "response"
    assert "content-encoding" not in exchange.response_headers and "set-cookie" not in exchange.response_headers
    assert exchange.response_headers["x-request-id"] == "req_26583719d8653f8dcafe210c8a2ea214"


def test_pydantic_parsed_body_dialect() -> None:
    """pydantic-ai's ``parsed_body`` requests and JSON answers are turned back into JSON text."""
    cassette, _ = import_vcr(real_cassette("pydantic-ai__test_openai_responses_model_http_error.yaml"))
    (item,) = interactions(cassette)
    assert item.request == {
        "input": [{"content": "What is the capital of France?", "role": "user"}],
        "instructions": "",
        "model": "gpt-4o",
        "stream": True,
        "temperature": -1,
    }
    assert item.status == 400 and json.loads(item.body or "")["error"]["code"] == "decimal_below_min_value"


def test_gzip_synthetic_and_bad_inputs(tmp_path: Path) -> None:
    """A hand-made gzip body imports; a non-vcrpy YAML file and broken YAML give clear errors."""
    body = gzip.compress(json.dumps({"id": "resp_x", "object": "response", "status": "completed", "output": []}).encode())
    doc = {
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "uri": "https://api.openai.com/v1/responses",
                    "body": '{"input":"x"}',
                    "headers": {},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Encoding": ["gzip"]},
                    "body": {"string": body},
                },
            }
        ],
        "version": 1,
    }
    path = tmp_path / "made.yaml"
    path.write_text(yaml.safe_dump(doc))
    cassette, _ = import_vcr(path)
    assert interactions(cassette)[0].response_id == "resp_x"
    (tmp_path / "other.yaml").write_text("just: a mapping\n")
    with pytest.raises(
        CassetteError,
        match=r"has no 'interactions' list \(vcrpy\) nor 'http_interactions' \(Ruby VCR\): it is not a vcrpy cassette",
    ):
        import_vcr(tmp_path / "other.yaml")
    (tmp_path / "broken.yaml").write_text("interactions: [\n")
    with pytest.raises(CassetteError, match="is not valid YAML"):
        import_vcr(tmp_path / "broken.yaml")
