"""Replaying a recorded Realtime connection: the server's frames, released by the client's.

The recording proxy records a ``/v1/realtime`` socket like any other (every frame both ways, with
times, and how it closed). Replay walks the recorded frames in order: the server frames before the
first client frame go out on connect; each live client frame is matched to the next recorded client
frame (same ``type``), and the server frames recorded after it, up to the next client frame, go out.
Input audio appends are matched by their audio: digest and length where the live chunk lines up with a
recorded one, length alone where the client cuts its audio into other chunks (see `_append`).
The ids a client chooses (``event_id``, item ids, ``previous_item_id``) differ from run to run, so
where the live frame's value differs from the recorded one at the same place, the recorded value is
replaced by the live one in every later server frame. A client frame the recording does not expect
gets an ``error`` event saying what was expected and how to re-record, and is noted as a mismatch.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from openai_replay.cassette.model import Cassette, WsConnection
from openai_replay.errors import ApiError

PATH = "/v1/realtime"
APPEND = "input_audio_buffer.append"
#: Keys whose values a client chooses (and so differ between the recording and the replay).
CLIENT_IDS = ("event_id", "item_id", "id", "previous_item_id", "call_id")


def compact_append(text: str) -> str:
    """A client's ``input_audio_buffer.append`` as a cassette keeps it: its audio as a SHA-256 digest and
    a byte count instead of the base64 (replay matches an append by its digest and length, so the bytes
    are not needed, and a minute of 24 kHz audio is 3.8 MB of base64). Anything else is returned unchanged."""
    if '"input_audio_buffer.append"' not in text:
        return text
    event = _parse(text)
    if event is None or event.get("type") != "input_audio_buffer.append" or not isinstance(event.get("audio"), str):
        return text
    try:
        data = base64.b64decode(event["audio"], validate=True)
    except (binascii.Error, ValueError):
        return text
    kept = {k: v for k, v in event.items() if k != "audio"}
    kept["audio_sha256"] = hashlib.sha256(data).hexdigest()
    kept["audio_bytes"] = len(data)
    return json.dumps(kept, separators=(",", ":"))


def realtime_connections(cassette: Cassette) -> list[tuple[int, WsConnection]]:
    """The recorded Realtime sockets with their number in the cassette, in recording order."""
    return [
        (n, c) for n, c in enumerate(cassette.connections) if isinstance(c, WsConnection) and c.path == PATH and c.status == 101
    ]


@dataclass
class Replayed:
    """What to do after one live client frame: server frames (recorded offsets, exact text), then maybe a close."""

    frames: list[tuple[float, str]] = field(default_factory=list)
    close: tuple[int, str] | None = None
    error: ApiError | None = None


class ConnectionReplay:
    """One recorded Realtime connection being replayed to one live client."""

    def __init__(self, recorded: WsConnection, rerecord: str, number: int = 0) -> None:
        self.recorded = recorded
        #: The recorded connection's number in the cassette.
        self.number = number
        self.rerecord = rerecord
        self.position = 0
        #: Recorded client-chosen id -> the live client's id.
        self.ids: dict[str, str] = {}
        self.mismatches: list[str] = []
        #: The type of the client frame matched last (for the log).
        self.last_type: str | None = None
        #: Input audio bytes appended so far, live and as recorded (appends are matched by length).
        self.live_audio = 0
        self.recorded_audio = 0
        #: Recorded appends matched so far.
        self.appends = 0

    def _server_frames(self) -> Replayed:
        out = Replayed()
        frames = self.recorded.frames
        while self.position < len(frames) and frames[self.position].sender == "server":
            frame = frames[self.position]
            self.position += 1
            if frame.text is not None:
                out.frames.append((frame.t, self._substitute(frame.text)))
        if self.position >= len(frames) and self.recorded.close is not None and self.recorded.close.by == "server":
            out.close = (self.recorded.close.code or 1000, self.recorded.close.reason)
        return out

    def opening(self) -> Replayed:
        """The server frames recorded before the client's first frame (``session.created``)."""
        return self._server_frames()

    def _expected(self) -> dict[str, Any] | None:
        frames = self.recorded.frames
        return _parse(frames[self.position].text or "") if self.position < len(frames) else None

    def answer(self, text: str) -> Replayed:
        """The recorded server frames that followed the client frame matching ``text``."""
        live = _parse(text)
        recorded = self._expected()
        if self.live_audio > self.recorded_audio and not (live and live.get("type") == APPEND):
            # The live client's audio ran on past the recording's before another event: re-chunked and longer.
            return self._mismatch(f"{self.recorded_audio} bytes of input audio", f"{self.live_audio} bytes")
        if recorded is None or live is None or live.get("type") != recorded.get("type"):
            what = recorded.get("type") if recorded else "nothing more"
            got = live.get("type") if live else "a frame that is not a JSON object"
            return self._mismatch(repr(what), repr(got))
        if live.get("type") == APPEND:
            return self._append(live)
        self.position += 1
        self.last_type = str(live.get("type"))
        self._learn(recorded, live)
        return self._server_frames()

    def _mismatch(self, expected: str, got: str) -> Replayed:
        message = (
            f"openai-replay: the cassette's Realtime connection expected {expected} next but the client sent {got}; "
            f"re-record with: {self.rerecord}"
        )
        self.mismatches.append(message)
        return Replayed(error=ApiError(400, message, code="cassette_mismatch"))

    def _append(self, live: dict[str, Any]) -> Replayed:
        """An append matched by its audio: by digest and length where its chunk lines up with a recorded
        one (different audio is a mismatch), else by length alone, so a client that chunks its audio
        differently from the recording replays: each recorded append, and the server frames after it, is
        released once the live audio has reached its end."""
        digest, size = _audio(live)
        recorded = self._expected()
        assert recorded is not None
        rec_digest, rec_size = _audio(recorded)
        if self.live_audio == self.recorded_audio and size == rec_size and digest != rec_digest:
            self.appends += 1
            return self._mismatch(
                f"the recorded audio of append #{self.appends} (sha256 {rec_digest[:12]}..., {rec_size} bytes)",
                f"different audio of that length (sha256 {digest[:12]}...)",
            )
        self.live_audio += size
        out = Replayed()
        while recorded is not None and recorded.get("type") == APPEND:
            rec_digest, rec_size = _audio(recorded)
            if self.recorded_audio + rec_size > self.live_audio:
                break
            self.position += 1
            self.appends += 1
            self.recorded_audio += rec_size
            self.last_type = APPEND
            self._learn(recorded, live)
            released = self._server_frames()
            out.frames += released.frames
            out.close = released.close
            recorded = self._expected()
        if self.live_audio > self.recorded_audio and (recorded is None or recorded.get("type") != APPEND):
            return self._mismatch(f"{self.recorded_audio} bytes of input audio", f"{self.live_audio} bytes")
        return out

    def _learn(self, recorded: Any, live: Any) -> None:
        """Pair the client-chosen ids of the recorded frame with the live frame's, at the same places."""
        if isinstance(recorded, dict) and isinstance(live, dict):
            for key, value in recorded.items():
                other = live.get(key)
                if key in CLIENT_IDS and isinstance(value, str) and isinstance(other, str) and value != other:
                    self.ids[value] = other
                else:
                    self._learn(value, other)
        elif isinstance(recorded, list) and isinstance(live, list):
            for a, b in zip(recorded, live, strict=False):
                self._learn(a, b)

    def _substitute(self, text: str) -> str:
        for old, new in self.ids.items():
            text = text.replace(json.dumps(old), json.dumps(new))
        return text


def _audio(event: dict[str, Any]) -> tuple[str, int]:
    """An append's audio as (SHA-256 hex digest, byte count): from a compact recorded append, or from the
    base64 itself (an invalid one counts as no audio with the digest of its text)."""
    if isinstance(event.get("audio_sha256"), str) and isinstance(event.get("audio_bytes"), int):
        return event["audio_sha256"], event["audio_bytes"]
    audio = event.get("audio")
    text = audio if isinstance(audio, str) else ""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return hashlib.sha256(text.encode()).hexdigest(), 0
    return hashlib.sha256(data).hexdigest(), len(data)


def _parse(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


class RealtimeReplayer:
    """Hands out a cassette's recorded Realtime connections, one per live connection, in order."""

    def __init__(self, cassette: Cassette, rerecord: str) -> None:
        self.pending = realtime_connections(cassette)
        self.rerecord = rerecord
        self.started: list[ConnectionReplay] = []

    def next_connection(self) -> ConnectionReplay | None:
        if not self.pending:
            return None
        number, recorded = self.pending.pop(0)
        replay = ConnectionReplay(recorded, self.rerecord, number)
        self.started.append(replay)
        return replay

    def mismatches(self) -> list[str]:
        return [m for replay in self.started for m in replay.mismatches]
