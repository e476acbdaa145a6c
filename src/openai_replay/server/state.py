"""The shared state of one running fake server (aiohttp-free, so handlers and tests share it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from openai_replay.chat.stored import StoredCompletions
from openai_replay.clock import Clock, SystemClock
from openai_replay.config import ServerConfig
from openai_replay.conversations import ConversationStore
from openai_replay.ids import IdFactory
from openai_replay.log import RequestLog
from openai_replay.responses.background import BackgroundRuns
from openai_replay.responses.protocol import Protocol, ResponseStore
from openai_replay.simulated import SimulatedModel
from openai_replay.source import Source


@dataclass
class ServerState:
    """Config, clock, ids, protocol rules, the request log and the source of responses."""

    config: ServerConfig = field(default_factory=ServerConfig)
    clock: Clock = field(default_factory=SystemClock)
    source: Source = field(default_factory=SimulatedModel)
    log: RequestLog = field(default_factory=RequestLog)
    store: ResponseStore = field(default_factory=ResponseStore)
    #: ``/v1/conversations`` and the chat completions created with ``store: true``.
    conversations: ConversationStore = field(default_factory=ConversationStore)
    completions: StoredCompletions = field(default_factory=StoredCompletions)
    #: Background responses (``background: true``) by id, running or done.
    runs: BackgroundRuns = field(default_factory=BackgroundRuns)
    #: The ``X-Replay-Session`` this state belongs to (None: the default session).
    session: str | None = None
    #: Set by whoever runs the server as a process (`openai-replay serve`): ``POST /__replay/shutdown`` calls it.
    on_shutdown_request: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        if self.config.log_limit is not None:
            self.log.limit = self.config.log_limit
        self.log.payload_limit = self.config.log_payload_limit
        self.log.event_limit = self.config.log_event_limit
        self.store.limit = self.conversations.limit = self.completions.limit = self.runs.limit = self.config.store_limit
        self.ids = IdFactory(self.config.seed)
        self.protocol = Protocol(self.config, self.clock, self.store)

    def reset(self) -> None:
        """Forget the log and stored responses, and restart ids from the seed."""
        self.log.clear()
        self.store.clear()
        self.conversations.clear()
        self.completions.clear()
        self.runs.clear()
        self.ids = IdFactory(self.config.seed)
