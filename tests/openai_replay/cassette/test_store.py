"""Cassette files: the v1 layout, validation on load and save, atomic writes, clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openai_replay.cassette import (
    Cassette,
    CassetteError,
    CassetteNotFound,
    Ending,
    HttpExchange,
    SseEvent,
    WsConnection,
    WsFrame,
    load_cassette,
    save_cassette,
)
from openai_replay.cassette.store import schema

CREATE = '{"type":"response.create","model":"gpt-4o-mini","input":"hi"}'
CREATED = '{"type":"response.created","response":{"id":"resp_1","object":"response","status":"in_progress"},"sequence_number":0}'


def sample() -> Cassette:
    ws = WsConnection(
        started_at=0.0,
        request_headers={"user-agent": "test"},
        frames=[WsFrame(0.001, "client", CREATE), WsFrame(0.25, "server", CREATED), WsFrame(0.3, "client", binary="AAE=")],
        close=Ending(1.5, "server", 1011, "bye"),
    )
    http = HttpExchange(
        started_at=2.0,
        request_body='{"model":"gpt-4o-mini","input":"hi","stream":true}',
        response_headers={"content-type": "text/event-stream; charset=utf-8"},
        events=[SseEvent(0.2, "response.created", CREATED)],
        end=Ending(0.4, "server"),
    )
    return Cassette(connections=[ws, http], meta={"upstream": "https://api.openai.com/v1", "source": "test"})


def test_save_then_load_gives_the_same_cassette(tmp_path: Path) -> None:
    """Every field survives a save/load round trip, raw text untouched."""
    path = save_cassette(sample(), tmp_path / "c.json")
    loaded = load_cassette(path)
    assert loaded.to_json() == sample().to_json()
    assert loaded.path == str(path)
    ws = loaded.connections[0]
    assert isinstance(ws, WsConnection) and ws.frames[1].text == CREATED


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o644)])
def test_a_saved_cassette_has_ordinary_permissions(tmp_path: Path, umask: int, mode: int) -> None:
    """A cassette is written 0644 minus the umask, not mkstemp's 0600 (issue 12, item 13)."""
    old = os.umask(umask)
    try:
        path = save_cassette(sample(), tmp_path / "c.json")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode


def test_layout_is_stable_and_one_frame_per_line(tmp_path: Path) -> None:
    """The file is indented JSON with each frame and SSE event on its own line, identical on re-save."""
    first = save_cassette(sample(), tmp_path / "a.json").read_text()
    second = save_cassette(load_cassette(tmp_path / "a.json"), tmp_path / "b.json").read_text()
    assert first == second and first.endswith("}\n")
    lines = first.splitlines()
    assert lines[0] == "{" and lines[1] == '  "version": 1,'
    frame_lines = [line for line in lines if line.strip().startswith('{"t": ')]
    assert len(frame_lines) == 4  # three frames + one SSE event
    for line in frame_lines:
        json.loads(line.strip().rstrip(","))  # each is a whole JSON object
    assert any('"close": {"t": 1.5, "by": "server", "code": 1011, "reason": "bye"}' in line for line in lines)


def test_schema_ships_with_the_package() -> None:
    """The JSON Schema is package data and pins the format version to 1."""
    assert schema()["properties"]["version"] == {"const": 1, "description": "Cassette format version."}


def test_save_is_atomic_and_leaves_the_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way leaves the previous cassette intact and no temporary file behind."""
    path = save_cassette(sample(), tmp_path / "c.json")
    before = path.read_text()
    bigger = sample()
    bigger.meta["note"] = "x" * 10_000

    def crash(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # Ctrl-C between writing and renaming

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save_cassette(bigger, path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]


def test_save_refuses_a_cassette_that_breaks_the_schema(tmp_path: Path) -> None:
    """Saving validates first: a bad value is named and nothing is written."""
    bad = sample()
    bad.connections[0].frames[0].sender = "servr"  # type: ignore[union-attr]
    with pytest.raises(CassetteError, match=r"connections\[0\]\.frames\[0\]\.from.*'servr'"):
        save_cassette(bad, tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "broken.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_missing_cassette_says_how_to_record_it(tmp_path: Path) -> None:
    """A missing file raises CassetteNotFound with the record command."""
    with pytest.raises(CassetteNotFound, match=r"does not exist\. Record it first: openai-replay record --upstream .* --out "):
        load_cassette(tmp_path / "nope.json")


def test_truncated_cassette_is_reported_as_truncated(tmp_path: Path) -> None:
    """A file cut off mid-way is reported as truncated, with the line and the re-record command."""
    text = save_cassette(sample(), tmp_path / "whole.json").read_text()
    with pytest.raises(
        CassetteError, match=r"not valid JSON: .* line \d+ column \d+; it ends early \(truncated\)\. Re-record it"
    ):
        load_cassette(write(tmp_path, text[: len(text) // 2]))


def test_empty_cassette_is_reported(tmp_path: Path) -> None:
    """A zero-byte file (a write that never happened) is named as empty."""
    with pytest.raises(CassetteError, match=r"is empty \(0 bytes\)"):
        load_cassette(write(tmp_path, ""))


def test_corrupt_cassette_is_reported(tmp_path: Path) -> None:
    """Garbage bytes and broken JSON in the middle are reported as corrupt."""
    with pytest.raises(CassetteError, match=r"not UTF-8 text .* corrupt"):
        load_cassette(write(tmp_path, b"\x89PNG\r\n\x1a\n\xff\xfe"))
    with pytest.raises(CassetteError, match=r"not valid JSON: .*; the file is corrupt"):
        load_cassette(write(tmp_path, '{"version": 1, "connections": [}, "meta": {}}'))


def test_wrong_version_is_reported(tmp_path: Path) -> None:
    """A cassette of another format version names both versions."""
    with pytest.raises(CassetteError, match=r"format version 2, but this openai-replay reads version 1"):
        load_cassette(write(tmp_path, '{"version": 2, "connections": []}'))


def test_not_a_cassette_is_reported(tmp_path: Path) -> None:
    """JSON without a version, a JSON array, and a vcrpy YAML file each get their own explanation."""
    with pytest.raises(CassetteError, match=r"no 'version' key"):
        load_cassette(write(tmp_path, '{"connections": []}'))
    with pytest.raises(CassetteError, match=r"holds a JSON list"):
        load_cassette(write(tmp_path, "[]"))
    with pytest.raises(CassetteError, match=r"vcrpy YAML cassette.*openai-replay import-vcr"):
        load_cassette(write(tmp_path, "interactions:\n- request: {}\nversion: 1\n"))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["connections"][0].pop("frames"), r"connections\[0\].*frames"),
        (lambda d: d["connections"][0]["frames"][1].update(t=-1), r"connections\[0\]\.frames\[1\]\.t"),
        (lambda d: d["connections"][1]["events"][0].update(data=7), r"connections\[1\]\.events\[0\]\.data"),
        (lambda d: d.update(extra=True), r"\(top level\).*'extra'"),
        (lambda d: d["connections"][1].update(method="FETCH"), r"connections\[1\]\.method"),
        # Leaves past the first one are checked by hand, not by the schema: each rule still holds.
        (lambda d: d["connections"][0]["frames"][2].update(text="x"), r"connections\[0\]\.frames\[2\]"),
        (lambda d: d["connections"][0]["frames"][2].update(extra=1), r"connections\[0\]\.frames\[2\].*'extra'"),
        (lambda d: d["connections"][0]["frames"][2].update(t=True), r"connections\[0\]\.frames\[2\]\.t"),
        (lambda d: d["connections"][0]["frames"][1].update({"from": "proxy"}), r"connections\[0\]\.frames\[1\]\.from"),
        (lambda d: d["connections"][0]["frames"][2].pop("binary"), r"connections\[0\]\.frames\[2\]"),
        (lambda d: d["connections"][1]["events"].append({"t": 1, "event": "x"}), r"connections\[1\]\.events\[1\].*'data'"),
    ],
)
def test_schema_invalid_cassette_names_the_place(tmp_path: Path, change: object, where: str) -> None:
    """A cassette that parses but breaks the schema names the exact field."""
    data = sample().to_json()
    change(data)  # type: ignore[operator]
    with pytest.raises(CassetteError, match=f"does not match the cassette format v1 schema at {where}"):
        load_cassette(write(tmp_path, json.dumps(data)))
