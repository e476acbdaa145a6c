"""Cassettes: recorded Responses sessions (WebSocket mode and HTTP), replayed byte-for-byte.

Pure core (no aiohttp): the format (`model`, `store`, ``cassette.schema.json``), the turn-level view
(`interactions`), matching, replay (`CassetteReplay`, a `Source`), redaction, vcrpy import, the
timeline printer and record modes. The recording proxy lives in ``openai_replay.server.recorder``.
"""

from openai_replay.cassette.interactions import Interaction, interactions
from openai_replay.cassette.matching import DEFAULT_MATCH_ON, VOLATILE_KEYS, Difference, LiveRequest, body_without
from openai_replay.cassette.model import (
    FORMAT_VERSION,
    Cassette,
    Connection,
    Ending,
    HttpExchange,
    SseEvent,
    WsConnection,
    WsFrame,
)
from openai_replay.cassette.record_mode import RECORD_MODES, RecordMode, RecordPlan, decide
from openai_replay.cassette.redact import Redactor
from openai_replay.cassette.replay import CassetteMismatch, CassetteReplay
from openai_replay.cassette.store import CassetteError, CassetteNotFound, load_cassette, rerecord_command, save_cassette

__all__ = [
    "DEFAULT_MATCH_ON",
    "FORMAT_VERSION",
    "RECORD_MODES",
    "VOLATILE_KEYS",
    "Cassette",
    "CassetteError",
    "CassetteMismatch",
    "CassetteNotFound",
    "CassetteReplay",
    "Connection",
    "Difference",
    "Ending",
    "HttpExchange",
    "Interaction",
    "LiveRequest",
    "RecordMode",
    "RecordPlan",
    "Redactor",
    "SseEvent",
    "WsConnection",
    "WsFrame",
    "body_without",
    "decide",
    "interactions",
    "load_cassette",
    "rerecord_command",
    "save_cassette",
]
