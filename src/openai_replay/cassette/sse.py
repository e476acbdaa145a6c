"""Splitting an SSE byte stream into events without touching the data text.

The real API frames every event as ``event: <type>\\ndata: <json>\\n\\n``. The splitter accepts
bytes in arbitrary chunks (a UTF-8 character may be cut between two), and yields ``(event, data)``
pairs as soon as each event's blank line arrives, so a recorder can timestamp each one.
"""

from __future__ import annotations

import codecs


class SseSplitter:
    """Feed bytes or text; get back complete ``(event, data)`` pairs."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""

    def feed(self, chunk: bytes | str) -> list[tuple[str, str]]:
        text = self._decoder.decode(chunk) if isinstance(chunk, bytes) else chunk
        self._buffer += text.replace("\r\n", "\n")
        events: list[tuple[str, str]] = []
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            event = parse_block(block)
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[tuple[str, str]]:
        """The last event when the stream ended without its blank line (else nothing)."""
        rest = self._buffer + self._decoder.decode(b"", final=True)
        self._buffer = ""
        event = parse_block(rest.rstrip("\n"))
        return [event] if event is not None else []

    @property
    def pending(self) -> str:
        """Text received after the last complete event."""
        return self._buffer


def parse_block(block: str) -> tuple[str, str] | None:
    """One SSE block as ``(event, data)``; ``event`` is ``""`` when the block has no ``event:`` line
    (chat's framing). Comments, ``id:`` and ``retry:`` are ignored."""
    event = ""
    data: list[str] = []
    for line in block.split("\n"):
        if not line or line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if not data:
        return None
    return event, "\n".join(data)


def split_body(body: str) -> tuple[list[tuple[str, str]], str]:
    """A whole recorded SSE body as events, plus any trailing text that was not an event."""
    splitter = SseSplitter()
    events = splitter.feed(body)
    tail = splitter.pending
    last = splitter.flush()
    return events + last, "" if last or not tail.strip() else tail
