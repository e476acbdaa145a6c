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


def test_behind_counts_what_no_save_has_covered_and_for_how_long() -> None:
    """While a save is stuck, behind() counts every finished connection since and how long the oldest waited."""
    release = threading.Event()
    saver = BackgroundSaver(lambda: release.wait(5))
    saver.request()
    time.sleep(0.05)
    for _ in range(4):
        saver.request()
    time.sleep(0.1)
    pending, waited = saver.behind()
    assert pending == 5 and waited >= 0.1
    release.set()
    deadline = time.monotonic() + 5
    while saver.behind()[0] and time.monotonic() < deadline:
        time.sleep(0.01)
    saver.close()
    assert saver.behind() == (0, 0.0)


def test_a_failing_disk_is_noted_and_logged_once_not_per_save(caplog) -> None:  # type: ignore[no-untyped-def]
    """OSError on every save: `error` holds it, one log line for the run, and the next good save clears it."""
    failing = [True]

    def save() -> None:
        if failing[0]:
            raise OSError(28, "No space left on device")

    saver = BackgroundSaver(save)
    for _ in range(5):
        saver.request()
        time.sleep(0.02)
    deadline = time.monotonic() + 5
    while saver.failed < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert saver.error is not None and saver.error.strerror == "No space left on device"
    assert len([r for r in caplog.records if "autosave failed" in r.getMessage()]) == 1
    failing[0] = False
    saver.request()
    while saver.error is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    saver.close()
    assert saver.error is None and saver.behind()[0] == 0


def test_an_open_connection_is_rescrubbed_at_most_every_partial_every_seconds() -> None:
    """With partial_every, a young open connection waits for a later save, a partial text is reused until
    that old, and a finished connection is always written fresh."""
    now = [0.0]
    recording = Recording(upstream="https://api.example.com/v1", clock=lambda: now[0])
    tap = recording.open_ws("/v1/responses", "", {})
    tap.frame("client", text='{"type":"response.create"}')
    assert '"connections": []' in recording.render(partial_every=2.0)  # open for 0 s: left for a later save
    now[0] = 2.5
    first = recording.render(partial_every=2.0)
    assert "response.create" in first
    tap.frame("server", text='{"type":"response.created"}')
    now[0] = 4.0
    assert recording.render(partial_every=2.0) == first  # reused: the partial text is 1.5 s old
    now[0] = 4.6
    assert "response.created" in recording.render(partial_every=2.0)
    tap.frame("server", text='{"type":"response.completed"}')
    tap.closed("client", 1000)
    assert "response.completed" in recording.render(partial_every=2.0)  # finished: never a stale partial
    assert "response.completed" in recording.render()
