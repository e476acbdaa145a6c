"""openai-replay: a record/replay harness and fake server for OpenAI's Responses API.

The pure core lives here (no aiohttp, no pytest): protocol rules, event builders, the request
log. The server is the ``openai_replay.server`` package; the pytest plugin is ``openai_replay.pytest_plugin.plugin``.
"""

from openai_replay.clock import Clock, ManualClock, SystemClock
from openai_replay.config import ServerConfig
from openai_replay.errors import ApiError
from openai_replay.log import ConnectionRecord, Outcome, RequestLog, RequestRecord

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "Clock",
    "ConnectionRecord",
    "ManualClock",
    "Outcome",
    "RequestLog",
    "RequestRecord",
    "ServerConfig",
    "SystemClock",
    "__version__",
]
