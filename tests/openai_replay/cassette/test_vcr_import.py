"""Importing vcrpy cassettes: every real recording, every storage dialect, bodies kept exactly."""

from __future__ import annotations

import gzip
import json
import zlib
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


def test_a_file_with_no_openai_call_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    """Only telemetry in the file: import-vcr fails naming what it skipped, and writes no empty cassette."""
    source = tmp_path / "telemetry.yaml"
    interaction = {
        "request": {"method": "POST", "uri": "https://telemetry.example.com/runs", "body": "{}", "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}},
    }
    source.write_text(yaml.safe_dump({"version": 1, "interactions": [interaction]}))
    with pytest.raises(CassetteError, match=r"has no OpenAI call to import \(interaction 1: POST https://telemetry"):
        import_vcr_file(source, tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()


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


def _vcr_file(tmp_path: Path, body: object, *, encoding: str = "gzip") -> Path:
    """A one-interaction vcrpy cassette whose response body is ``body`` (bytes become ``!!binary``)."""
    doc = {
        "interactions": [
            {
                "request": {"method": "POST", "uri": "https://api.openai.com/v1/responses", "body": "{}", "headers": {}},
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Encoding": [encoding]},
                    "body": {"string": body},
                },
            }
        ],
        "version": 1,
    }
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("interactions: [5]\n", r"interactions\[0\] is a int, not a mapping with 'request' and 'response'"),
        ("interactions: [{request: [1]}]\n", r"interactions\[0\].request is a list, not a mapping"),
        (
            "interactions: [{request: {uri: 'https://x/v1/responses'}, response: {status: {code: abc}}}]\n",
            r"interactions\[0\].response.status is 'abc', not an HTTP status code",
        ),
        (
            "interactions: [{request: {uri: 'https://x/v1/responses', headers: [1]}, response: {}}]\n",
            r"interactions\[0\].request.headers is a list, not a mapping",
        ),
        ("interactions: " + "[" * 500 + "]" * 500 + "\n", "nests deeper than 200 levels"),
        ("interactions: " + "[" * 3000 + "]" * 3000 + "\n", "is not valid YAML: .*exceeded maximum nesting depth"),
        ("interactions: [{request: {uri: 'https://x:99999/v1/responses'}}]\n", r"\[0\].request.uri has a bad port: Port out"),
    ],
)
def test_wrong_shapes_are_one_line_errors(tmp_path: Path, text: str, expected: str) -> None:
    """A non-mapping interaction, wrong-typed fields, bad status or deep YAML: a CassetteError naming the place."""
    path = tmp_path / "in.yaml"
    path.write_text(text)
    with pytest.raises(CassetteError, match=expected) as caught:
        import_vcr(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_bad_gzip_body_names_the_interaction(tmp_path: Path) -> None:
    """A corrupt gzip body (BadGzipFile on main) is reported at interactions[0].response.body.string."""
    path = _vcr_file(tmp_path, b"\x1f\x8b\x08\x00not really gzip")
    with pytest.raises(CassetteError, match=r"interactions\[0\].response.body.string is gzip-compressed but corrupt"):
        import_vcr(path)


def _bounded_run(args: list[str]) -> tuple[int, str, float, int]:
    """Run the CLI in a fresh interpreter: exit code, stderr, CPU seconds in main() (imports done), peak RSS (MB).

    The peak is VmHWM, which starts afresh at exec (ru_maxrss would include the forking parent's).

    CPU time, not wall time, so a busy machine does not fail the test."""
    import subprocess
    import sys

    code = (
        "import sys, time\n"
        "from openai_replay.cli.main import main\n"
        "import openai_replay.cassette.vcr_import, openai_replay.cli.cassette  # time the work, not the imports\n"
        "start = time.process_time(); rc = main(sys.argv[1:]); spent = time.process_time() - start\n"
        "peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(f'@@ {spent} {peak // 1024}', file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    lines = done.stderr.strip().splitlines()
    _, spent, rss = lines[-1].split()
    return done.returncode, "\n".join(lines[:-1]), float(spent), int(rss)


def test_alias_bomb_gets_a_clear_error_fast_and_small(tmp_path: Path) -> None:
    """A 649-byte YAML alias bomb (958 MB, 9.5 s on main): exit 2, one line, under a second, little memory."""
    laughs = '"' + "lol" * 20 + '"'
    lines = ["interactions: []", f"a: &a [{','.join([laughs] * 3)}]"]
    for previous, name in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    assert 500 < bomb.stat().st_size < 700
    rc, err, spent, rss = _bounded_run(["import-vcr", str(bomb), str(tmp_path / "out.json")])
    assert rc == 2 and err.startswith(f"error: vcrpy cassette {bomb} is refused: its aliases expand to more than 32 MiB")
    assert "\n" not in err and "Traceback" not in err
    assert spent < 1.0 and rss < 150, (spent, rss)
    print(f"alias bomb: {spent:.3f} s CPU, peak {rss} MB")
    assert not (tmp_path / "out.json").exists()


@pytest.mark.slow
def test_gzip_bomb_gets_a_clear_error_fast_and_small(tmp_path: Path) -> None:
    """A 400 KB gzip bomb (1.27 GB and a 314 MB cassette on main): exit 2 within a second, bounded memory."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    bomb = b"".join(squeeze.compress(chunk) for _ in range(400)) + squeeze.flush()
    assert 350_000 < len(bomb) < 450_000
    path = _vcr_file(tmp_path, bomb)
    rc, err, spent, rss = _bounded_run(["import-vcr", str(path), str(tmp_path / "out.json")])
    assert rc == 2 and "interactions[0].response.body.string is refused: it decompresses to more than 32 MiB" in err
    assert "\n" not in err and "Traceback" not in err
    assert spent < 1.0 and rss < 200, (spent, rss)
    print(f"gzip bomb: {spent:.3f} s CPU, peak {rss} MB")
    assert not (tmp_path / "out.json").exists()
