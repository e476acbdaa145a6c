"""A minimal chat client over Responses WebSocket mode: the kind of code the examples test.

It keeps the conversation, chains each turn on the previous response (sending only the new
message), and recovers the ways the WebSocket-mode guide documents:

- ``previous_response_not_found``: resend the whole conversation without ``previous_response_id``;
- ``websocket_connection_limit_reached``, or the socket closing or dropping mid-answer: open a new
  connection and resend the whole conversation (the old connection's cache is gone);
- ``response.failed``: try the turn again with the whole conversation.

Nothing here knows about the fake server: point the ``AsyncOpenAI`` client anywhere.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from openai import AsyncOpenAI
from websockets.exceptions import ConnectionClosed

RECONNECT = "websocket_connection_limit_reached"
CACHE_MISS = "previous_response_not_found"


class ChatError(RuntimeError):
    """The turn could not be completed within the allowed attempts."""


class Chat:
    """One conversation on one WebSocket connection (replaced when it dies)."""

    def __init__(self, client: AsyncOpenAI, *, model: str = "gpt-4o-mini", max_attempts: int = 3) -> None:
        self.client = client
        self.model = model
        self.max_attempts = max_attempts
        self.history: list[dict[str, Any]] = []  # everything said so far, as input items
        self.previous_id: str | None = None  # the response to chain on (None: send everything)
        self.connection: Any = None

    async def __aenter__(self) -> Chat:
        self.connection = await self.client.responses.connect().enter()
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.connection.close()

    async def say(self, text: str) -> str:
        """Send one user message and return the assistant's reply."""
        message = {"role": "user", "content": text}
        self.history.append(message)
        for _ in range(self.max_attempts):
            try:
                event = await self._send([message])
            except ConnectionClosed:
                await self._reconnect()
                continue
            if event.type == "response.completed":
                self.previous_id = event.response.id
                self.history += [item.to_dict() for item in event.response.output]
                return str(event.response.output_text)
            if event.type == "error" and event.error.code == RECONNECT:
                await self._reconnect()
            elif event.type == "error" and event.error.code != CACHE_MISS:
                raise ChatError(f"{event.error.code}: {event.error.message}")
            self.previous_id = None  # a cache miss or a failed response: start over from the full history
        raise ChatError(f"no answer to {text!r} after {self.max_attempts} attempts")

    async def _send(self, new_items: list[dict[str, Any]]) -> Any:
        """One ``response.create``: only the new items when chained, else the whole history."""
        if self.previous_id:
            await self.connection.response.create(
                model=self.model, store=False, previous_response_id=self.previous_id, input=new_items
            )
        else:
            await self.connection.response.create(model=self.model, store=False, input=self.history)
        async for event in self.connection:
            if event.type in ("response.completed", "response.failed", "response.incomplete", "error"):
                return event
        raise ConnectionClosed(None, None)  # the server closed the connection cleanly mid-answer

    async def _reconnect(self) -> None:
        try:
            await self.connection.close()
        except Exception:  # it is already gone; that is why we are here
            pass
        self.connection = await self.client.responses.connect().enter()
        self.previous_id = None
