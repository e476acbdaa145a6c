"""Importing vcrpy / pytest-recording (and Ruby VCR) YAML cassettes of the Responses and Chat
Completions APIs into format v1.

    cassette, skipped = import_vcr("tests/cassettes/test_chat.yaml")
    save_cassette(cassette, "cassettes/test_chat.json")      # or: openai-replay import-vcr IN OUT

Accepted dialects (reference/real-traffic.md §10): plain vcrpy (bodies as strings, single- or
double-quoted or literal blocks), compressed bodies as ``!!binary`` (gzip, deflate, brotli when the
``brotli`` package is installed), the OpenTelemetry variant (re-indented JSON), and pydantic-ai's
``parsed_body``, and Ruby VCR's ``http_interactions``. Each interaction becomes one HTTP exchange
(several recordings of one request stay in order, and replay in that order); an SSE body is split
into events with every ``data`` line kept exactly as recorded (a chat stream's ``data:``-only lines
and ``[DONE]`` too). vcrpy keeps no timing, so every offset is 0. Interactions that are neither
Responses nor Chat Completions calls (other hosts, telemetry) are skipped and listed.
Headers go through the same redaction as a recording (allowlist, no credentials or cookies).
"""

from __future__ import annotations

import json
import os
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from openai_replay import __version__
from openai_replay.bounded import MAX_BODY_BYTES, LimitExceeded, inflate, yaml_load
from openai_replay.cassette.model import Cassette, Ending, HttpExchange, SseEvent
from openai_replay.cassette.recording import public_url
from openai_replay.cassette.redact import Redactor
from openai_replay.cassette.sse import split_body
from openai_replay.cassette.store import CassetteError, validate

METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS")
#: The most decompressed body text one file may hold in all.
MAX_FILE_BODIES = 128 * 1024 * 1024
#: Path markers of the calls a cassette can replay.
API_PATHS = ("/responses", "/chat/completions")


def import_vcr(path: str | os.PathLike[str], *, redactor: Redactor | None = None) -> tuple[Cassette, list[str]]:
    """The cassette at ``path`` in format v1, and a line per interaction that was skipped.

    Any problem, whatever the file holds, raises `CassetteError` with one line naming the file and
    the place (``interactions[2].response.body``); YAML aliases and compressed bodies are bounded
    (see `openai_replay.bounded`).
    """
    where = f"vcrpy cassette {os.fspath(path)}"
    data = _read(path, where)
    entries = data.get("interactions", data.get("http_interactions")) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CassetteError(
            f"{where} has no 'interactions' list (vcrpy) nor 'http_interactions' (Ruby VCR): it is not a vcrpy cassette"
        )
    scrub = redactor or Redactor()
    exchanges: list[HttpExchange] = []
    skipped: list[str] = []
    upstream: str | None = None
    budget = _Budget()
    for number, entry in enumerate(entries, start=1):
        at = f"interactions[{number - 1}]"
        try:
            if not isinstance(entry, dict):
                raise _Bad(at, f"is a {_kind(entry)}, not a mapping with 'request' and 'response'")
            request = _mapping(entry.get("request"), f"{at}.request")
            uri = str(request.get("uri", ""))
            parts = urlsplit(uri)
            try:
                parts.port  # noqa: B018 - urlsplit checks the port only when asked
            except ValueError as exc:
                raise _Bad(f"{at}.request.uri", f"has a bad port: {exc}") from None
            api = next((marker for marker in API_PATHS if marker in parts.path), None)
            if api is None:
                call = f"{request.get('method', '?')} {public_url(uri)}"
                skipped.append(f"interaction {number}: {call} is not a Responses or Chat Completions call")
                continue
            base = f"{parts.scheme}://{parts.netloc}{parts.path[: parts.path.index(api)]}"
            upstream = upstream or public_url(base)
            exchange = _exchange(request, _mapping(entry.get("response"), f"{at}.response"), parts.path, parts.query, at, budget)
        except _Bad as exc:
            raise CassetteError(f"{where}: {exc.at} {exc.problem}") from None
        except ValueError as exc:  # bad URL, status or port
            raise CassetteError(f"{where}: {at}: {exc}") from None
        cleaned = scrub.connection(exchange)
        if isinstance(cleaned, HttpExchange):
            exchanges.append(cleaned)
    meta: dict[str, Any] = {
        "imported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "recorded_with": f"openai-replay {__version__} (vcrpy import)",
        "source": f"vcrpy:{Path(path).name}",
        "timing": "vcrpy keeps no timing: every offset is 0",
        "upstream": upstream or "https://api.openai.com/v1",
    }
    if skipped:
        meta["skipped"] = skipped
    cassette = Cassette(connections=list(exchanges), meta=scrub.value(meta))
    validate(cassette.to_json(), f"{where} (imported)")
    return cassette, skipped


class _Bad(Exception):
    """A value of the wrong shape at ``at`` (a path inside the YAML document)."""

    def __init__(self, at: str, problem: str) -> None:
        super().__init__(f"{at} {problem}")
        self.at, self.problem = at, problem


class _Budget:
    """Decompressed bytes left for the whole file (`MAX_FILE_BODIES`)."""

    def __init__(self) -> None:
        self.left = MAX_FILE_BODIES


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "mapping", list: "list", str: "string", bytes: "binary value"}
    return names.get(type(value), type(value).__name__)


def _mapping(value: Any, at: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Bad(at, f"is a {_kind(value)}, not a mapping")
    return value


def _read(path: str | os.PathLike[str], where: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CassetteError(f"{where} does not exist") from None
    except IsADirectoryError:
        raise CassetteError(f"{where} is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise CassetteError(f"{where} is not UTF-8 text (bad byte at offset {exc.start})") from None
    except OSError as exc:
        raise CassetteError(f"{where} cannot be read: {exc.strerror or exc}") from None
    try:
        return yaml_load(text)
    except LimitExceeded as exc:
        raise CassetteError(f"{where} is refused: {exc}") from None
    except yaml.YAMLError as exc:
        raise CassetteError(f"{where} is not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops well before
        raise CassetteError(f"{where} nests too deeply to read") from None


def _headers(raw: Any, at: str) -> dict[str, str]:
    """vcrpy headers (name -> list or scalar), merged case-insensitively."""
    merged: dict[str, str] = {}
    for name, value in _mapping(raw, at).items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, (dict, list)) for v in values):
            raise _Bad(f"{at}.{name}", "holds a nested value, not header text")
        text = ", ".join(str(v) for v in values)
        key = str(name).lower()
        merged[key] = f"{merged[key]}, {text}" if key in merged else text
    return merged


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _decode(body: Any, encoding: str, at: str, budget: _Budget) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    if not isinstance(body, bytes):
        return _json(body)
    raw = body
    try:
        if encoding in ("gzip", "x-gzip") or raw[:2] == b"\x1f\x8b":
            raw = inflate(raw, "gzip", min(MAX_BODY_BYTES, budget.left))
        elif encoding == "deflate":
            raw = inflate(raw, "deflate", min(MAX_BODY_BYTES, budget.left))
        elif encoding == "br":
            raw = _brotli(raw, at)
    except LimitExceeded as exc:
        raise _Bad(at, f"is refused: {exc}") from None
    except (ValueError, zlib.error) as exc:
        raise _Bad(at, f"is {encoding or 'gzip'}-compressed but corrupt: {exc}") from None
    budget.left -= len(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Bad(at, "is binary and not text after decompression") from None


def _brotli(raw: bytes, at: str) -> bytes:
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        raise _Bad(at, "is brotli-compressed; install the 'brotli' package to import it") from None
    decompressor = brotli.Decompressor()
    out = bytearray()
    for start in range(0, len(raw), 4096):  # brotli has no output limit: feed it a little at a time
        out += decompressor.process(raw[start : start + 4096])
        if len(out) > MAX_BODY_BYTES:
            raise LimitExceeded(f"it decompresses to more than {MAX_BODY_BYTES // (1024 * 1024)} MiB")
    return bytes(out)


def _body(holder: dict[str, Any], at: str, encoding: str, budget: _Budget, *, pretty: bool) -> str:
    if "parsed_body" in holder:
        parsed = holder["parsed_body"]
        return json.dumps(parsed, indent=2, default=str) if pretty else _json(parsed)
    body = holder.get("body")
    if isinstance(body, dict):
        return _decode(body.get("string"), encoding, f"{at}.body.string", budget)
    return _decode(body, encoding, f"{at}.body", budget)


def _status(response: dict[str, Any], at: str) -> int | None:
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else status
    if code is None:
        return None
    if isinstance(code, bool) or not isinstance(code, (int, str)) or not str(code).strip().isdigit():
        raise _Bad(f"{at}.status", f"is {code!r}, not an HTTP status code")
    number = int(code)
    if not 100 <= number <= 599:
        raise _Bad(f"{at}.status", f"is {number}, not an HTTP status code (100-599)")
    return number


def _exchange(request: dict[str, Any], response: dict[str, Any], path: str, query: str, at: str, budget: _Budget) -> HttpExchange:
    headers = _headers(response.get("headers"), f"{at}.response.headers")
    text = _body(response, f"{at}.response", headers.get("content-encoding", ""), budget, pretty=True)
    headers.pop("content-encoding", None)
    method = request.get("method", "POST")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _Bad(f"{at}.request.method", f"is {method!r}, not an HTTP method ({', '.join(METHODS)})")
    exchange = HttpExchange(
        started_at=0.0,
        method=method.upper(),
        path=path,
        query=query,
        request_headers=_headers(request.get("headers"), f"{at}.request.headers"),
        request_body=_body(request, f"{at}.request", "", budget, pretty=False) or None,
        status=_status(response, f"{at}.response"),
        response_headers=headers,
        end=Ending(0.0, "server"),
    )
    streamed = "text/event-stream" in headers.get("content-type", "") or text.startswith(("event:", "data:"))
    if streamed:
        events, tail = split_body(text)
        exchange.events = [SseEvent(0.0, event, data) for event, data in events]
        if "".join(e.wire() for e in exchange.events) != text:
            exchange.note = "the recorded SSE body is not in the API's exact framing; events are replayed re-framed"
        if tail:
            exchange.note = f"the SSE body ended with text that is not an event: {tail[:80]!r}"
    else:
        exchange.body = text
    return exchange


def import_vcr_file(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> str:
    """Import ``source`` and save it as ``target``; returns a one-paragraph summary."""
    from openai_replay.cassette.interactions import interactions
    from openai_replay.cassette.store import save_cassette

    cassette, skipped = import_vcr(source)
    items = interactions(cassette)
    if not items:  # an empty cassette would replay nothing and fail later, far from the cause
        why = "; ".join(skipped) if skipped else "it holds no interactions"
        raise CassetteError(f"{source} has no OpenAI call to import ({why}); nothing was written to {target}")
    save_cassette(cassette, target)
    streamed = sum(1 for i in items if i.streamed)
    lines = [f"imported {len(items)} interaction(s) ({streamed} streamed) from {source} into {target}"]
    lines += [f"  skipped {line}" for line in skipped]
    return "\n".join(lines)
