"""openai-replay: a record/replay harness and fake server for OpenAI's Responses API.

The pure core lives here (no aiohttp, no pytest): protocol rules, event builders, the request
log. The server is the ``fake_server`` package; the pytest plugin is ``openai_replay.plugin``.
"""

from .clock import Clock, ManualClock, SystemClock
from .config import ServerConfig
from .errors import ApiError
from .log import ConnectionRecord, Outcome, RequestLog, RequestRecord

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
