"""The request log and what reads it.

- `records`: typed records of every connection, request and client frame; `journal`: the log that
  keeps them (`LogRecords`). Neither imports the readers.
- `timeline`, `exchange`, `reproduce`, `recovery`, `history`, `assertions`: read the records.

`RequestLog` joins the records with the assertion methods (``server.log.assert_chained()``); the join
happens here, so the records module never imports the modules that read it.
"""

from openai_replay.log.assertions import LogAssertions
from openai_replay.log.journal import LogRecords
from openai_replay.log.records import (
    ConnectionRecord,
    FrameRecord,
    Outcome,
    OutcomeKind,
    RequestRecord,
    retry_after_seconds,
)


class RequestLog(LogRecords, LogAssertions):
    """Connections and requests in arrival order, with the assertions as methods."""

    __slots__ = ()


__all__ = [
    "ConnectionRecord",
    "FrameRecord",
    "LogAssertions",
    "LogRecords",
    "Outcome",
    "OutcomeKind",
    "RequestLog",
    "RequestRecord",
    "retry_after_seconds",
]
