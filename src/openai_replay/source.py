"""The contract between the server and whatever decides a response's events.

The server validates a request, applies the protocol rules, then hands a `Turn` to a `Source`,
which yields `steps`. The simulated model is the default source; scenarios and cassettes are others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from openai_replay.config import ServerConfig
from openai_replay.errors import ApiError
from openai_replay.items import Tally, last_user_text
from openai_replay.log import ConnectionRecord, RequestRecord
from openai_replay.log.records import Api
from openai_replay.responses.events import ResponseBuilder
from openai_replay.steps import Step

if TYPE_CHECKING:
    from openai_replay.chat.chunks import ChatStream


@dataclass
class Turn:
    """Everything a source may look at when answering one request."""

    payload: dict[str, Any]
    transport: Literal["ws", "http"]
    record: RequestRecord
    builder: ResponseBuilder
    #: The whole conversation as the server sees it: the chained parent's context plus new input.
    context: list[dict[str, Any]]
    config: ServerConfig
    #: The HTTP request line (WebSocket ``response.create`` counts as ``POST /v1/responses``).
    method: str = "POST"
    path: str = "/v1/responses"
    query: str = ""
    #: A Chat Completions request: how the engine's events are re-told as chat chunks (None for
    #: the Responses API). Sources still yield engine events; the chat transport translates them.
    chat: ChatStream | None = None
    #: A side endpoint's request (``models``, ``embeddings``, ``moderations``): sources answer it with
    #: one `Respond` body (or a failure); None for the Responses and Chat Completions APIs.
    side: Api | None = None
    #: `context`'s tally when the server kept it (a chained turn's parent's plus its new input), so a
    #: source need not read the whole conversation again; None: read `context`.
    tally: Tally | None = None
    #: `user_text`, once asked for.
    _user_text: str | None = field(default=None, init=False, repr=False, compare=False)

    def user_text(self) -> str:
        """The text of the last user message in the request's own input ("" when none): worked out
        once per request, however many rules read it."""
        text = self._user_text
        if text is None:
            text = self._user_text = last_user_text(self.record.input_items) or ""
        return text

    @property
    def api(self) -> Api:
        if self.side is not None:
            return self.side
        return "chat" if self.chat is not None else "responses"

    @property
    def generate(self) -> bool:
        return self.payload.get("generate", True) is not False


class Source(Protocol):
    """Answers turns with steps.

    A source may set ``bypass_protocol = True`` (cassette replay does): the server then skips
    validation and the protocol rules and serves exactly what the source yields.

    Optional connection-level hooks (the server looks them up with ``getattr``; see `ConnectionHooks`):

    - ``handshake(connection, headers) -> ApiError | None``: called for every WebSocket upgrade
      before the 101; returning an error refuses the upgrade with that HTTP status, body and
      ``error.headers`` (the log keeps the attempt as a connection with ``handshake_status``).
    - ``idle(connection, turns) -> Iterable[Step] | None``: called when a WebSocket connection has
      nothing in flight: right after it opens (``turns == 0``) and after each finished request
      (``turns`` = requests seen on it so far). The steps (``Sleep``, ``Emit``, ``Fail``, ``RawText``,
      ``Binary``, ``Close``, ``Drop``) run unprompted until done, or until the client sends the next
      request, which cancels them. ``Fail`` sends the error frame without a sequence number.
    - ``config_overrides``: a mapping of `ServerConfig` field changes that ``FakeServer.use(source)``
      applies over the server's base config (``reset()`` restores the base).

    Delta events from ``turn.builder`` arrive already encoded (`openai_replay.wire.Event`): setting
    or deleting one of their keys re-encodes them, but a value nested inside must be replaced, not
    edited in place (``event["logprobs"] = [...]``, not ``event["logprobs"].append(...)``).
    """

    def plan(self, turn: Turn) -> Iterator[Step]:
        """The steps that answer ``turn``, produced lazily (a cancel can stop them anywhere)."""
        ...


class ConnectionHooks(Protocol):
    """The optional WebSocket connection-level hooks a `Source` may also implement."""

    def handshake(self, connection: ConnectionRecord, headers: Mapping[str, str]) -> ApiError | None: ...

    def idle(self, connection: ConnectionRecord, turns: int) -> Iterable[Step] | None: ...
