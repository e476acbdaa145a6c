"""Autosave off the event loop: saves coalesce on their own thread; a finished connection is rendered
once and its text reused, and the file reads the same as a full `dumps`."""

from __future__ import annotations

import json
import threading
import time

from openai_replay.cassette import load_cassette
from openai_replay.cassette.autosave import BackgroundSaver
from openai_replay.cassette.recording import Recording
from openai_replay.cassette.store import dumps, write_atomic


def test_requests_coalesce_and_run_on_another_thread() -> None:
    """Fifty requests during a slow save give at most two more saves, none on the caller's thread."""
    threads: list[str] = []
    started = threading.Event()

    def save() -> None:
        threads.append(threading.current_thread().name)
        started.set()
        time.sleep(0.2)

    saver = BackgroundSaver(save, name="saver-under-test")
    saver.request()
    assert started.wait(5)
    for _ in range(50):
        saver.request()
    deadline = time.monotonic() + 5
    while saver.saves < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    saver.close()
    assert 2 <= saver.saves <= 3 and set(threads) == {"saver-under-test"}


def _recording_with(connections: int) -> Recording:
    recording = Recording(upstream="https://user:pw@api.example.com/v1")
    for number in range(connections):
        tap = recording.open_ws("/v1/responses", "", {"authorization": f"Bearer sk-test-{number}-0123456789abcdef"})
        tap.frame("client", text=json.dumps({"type": "response.create", "input": f"sk-test-{number}-0123456789abcdef \ud800"}))
        tap.frame("server", text='{"type":"response.completed"}')
        tap.closed("client", 1000)
    return recording


def test_render_is_the_same_text_as_a_full_dump(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`render()` (pieces reused) equals `dumps` of the whole scrubbed cassette, and loads back."""
    recording = _recording_with(3)
    text = recording.render()
    assert text == dumps(recording.cassette().to_json())
    write_atomic(tmp_path / "c.json", text)
    assert len(load_cassette(tmp_path / "c.json").connections) == 3
    assert "0123456789abcdef" not in text and "user:pw" not in text


def test_finished_connections_are_not_rendered_again() -> None:
    """The second save after one more connection scrubs only that connection (a 20x smaller cost or better)."""
    recording = _recording_with(300)
    start = time.process_time()
    recording.render()
    first = time.process_time() - start
    tap = recording.open_ws("/v1/responses", "", {})
    tap.closed("client", 1000)
    start = time.process_time()
    text = recording.render()
    again = time.process_time() - start
    assert again * 20 < first, (first, again)
    assert text == dumps(recording.cassette().to_json())
