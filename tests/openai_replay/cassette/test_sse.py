"""Splitting SSE byte streams: events as soon as they end, text exact, UTF-8 split across chunks."""

from __future__ import annotations

from openai_replay.cassette.sse import SseSplitter, parse_block, split_body


def test_events_come_out_as_their_blank_line_arrives() -> None:
    """Chunks cut anywhere (even inside a UTF-8 character) give the same events, each exactly once."""
    body = 'event: a\ndata: {"t":"héllo"}\n\nevent: b\ndata: {"t":"…"}\n\n'.encode()
    for size in (1, 2, 3, 7, len(body)):
        splitter = SseSplitter()
        seen = []
        for i in range(0, len(body), size):
            seen += splitter.feed(body[i : i + size])
        assert seen == [("a", '{"t":"héllo"}'), ("b", '{"t":"…"}')]
        assert splitter.flush() == []


def test_blocks_follow_the_sse_rules() -> None:
    """Comments and id lines are ignored, data lines join with newlines, a missing event name is '' (chat's data-only framing)."""
    assert parse_block(": keep-alive\nid: 3\ndata: one\ndata: two") == ("", "one\ntwo")  # no event: line (chat)
    assert parse_block("event:x\ndata:y") == ("x", "y")
    assert parse_block(": only a comment") is None


def test_a_body_without_its_final_blank_line_still_yields_the_last_event() -> None:
    """A stream cut right after its last data line keeps that event; stray text is reported."""
    assert split_body("event: a\ndata: 1\n\nevent: b\ndata: 2") == ([("a", "1"), ("b", "2")], "")
    assert split_body("event: a\ndata: 1\n\nevent: b") == ([("a", "1")], "event: b")
