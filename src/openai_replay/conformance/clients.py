"""The clients the battery knows: scorecard column, adapter class, and what must be installed.

Adapters import their client library, so they are loaded only when asked for. Each client runs in
its own environment (its pinned extra; LiveKit JS needs Node and ``npm ci`` in the ``js`` folder).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from openai_replay.conformance.adapter import Adapter


@dataclass(frozen=True)
class Client:
    name: str
    #: ``module:Class`` under ``openai_replay.conformance.adapters``.
    adapter: str
    #: The pyproject extra that installs it (``conformance-<extra>``) and the venv it runs in.
    extra: str
    #: A module that is importable only when the client is installed.
    probe: str

    def load(self) -> type[Adapter]:
        module, cls = self.adapter.split(":")
        loaded: type[Adapter] = getattr(importlib.import_module(f"openai_replay.conformance.adapters.{module}"), cls)
        return loaded

    def missing(self) -> str | None:
        """Why the client cannot run in this interpreter, or None."""
        if self.extra == "livekit-js":
            from openai_replay.conformance.adapters.livekit_js import missing_requirement

            return missing_requirement()
        try:
            found = importlib.util.find_spec(self.probe) is not None
        except ModuleNotFoundError:
            found = False
        return None if found else f"{self.probe} is not importable here (pip install -e '.[conformance-{self.extra}]')"


CLIENTS: list[Client] = [
    Client("openai-ws", "openai_sdk:OpenAIWebSocketAdapter", "openai", "openai"),
    Client("openai-http", "openai_sdk:OpenAIHttpAdapter", "openai", "openai"),
    Client("openai-chat", "openai_chat:OpenAIChatAdapter", "openai", "openai"),
    Client("livekit-ws", "livekit:LiveKitWebSocketAdapter", "livekit", "livekit.plugins.openai"),
    Client("livekit-http", "livekit:LiveKitHttpAdapter", "livekit", "livekit.plugins.openai"),
    Client("livekit-chat", "livekit:LiveKitChatAdapter", "livekit", "livekit.plugins.openai"),
    Client("pipecat-ws", "pipecat:PipecatWebSocketAdapter", "pipecat", "pipecat.services.openai"),
    Client("pipecat-http", "pipecat:PipecatHttpAdapter", "pipecat", "pipecat.services.openai"),
    Client("pipecat-chat", "pipecat:PipecatChatAdapter", "pipecat", "pipecat.services.openai"),
    Client("videosdk-ws", "videosdk:VideoSDKWebSocketAdapter", "videosdk", "videosdk.plugins.openai"),
    Client("videosdk-chat", "videosdk:VideoSDKChatAdapter", "videosdk", "videosdk.plugins.openai"),
    Client("livekit-js-ws", "livekit_js:LiveKitJsWebSocketAdapter", "livekit-js", "openai"),
]

BY_NAME = {c.name: c for c in CLIENTS}
#: Clients grouped by the environment they run in (the pyproject extra).
EXTRAS: dict[str, list[str]] = {}
for _c in CLIENTS:
    EXTRAS.setdefault(_c.extra, []).append(_c.name)


def select(names: list[str] | None) -> list[Client]:
    """Clients by name, or by extra (``livekit`` selects livekit-ws and livekit-http); all by default."""
    if not names:
        return list(CLIENTS)
    chosen: list[Client] = []
    for name in names:
        group = EXTRAS.get(name)
        if group is None and name not in BY_NAME:
            known = ", ".join([*BY_NAME, *EXTRAS])
            raise KeyError(f"unknown client {name!r}; known: {known}")
        for member in group or [name]:
            if BY_NAME[member] not in chosen:
                chosen.append(BY_NAME[member])
    return chosen
