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

import gzip
import json
import os
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openai_replay import __version__
from openai_replay.cassette.model import Cassette, Ending, HttpExchange, SseEvent
from openai_replay.cassette.redact import Redactor
from openai_replay.cassette.sse import split_body
from openai_replay.cassette.store import CassetteError

#: Path markers of the calls a cassette can replay.
API_PATHS = ("/responses", "/chat/completions")


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml ships with the test extra
        raise CassetteError("importing vcrpy cassettes needs PyYAML: pip install pyyaml") from None
    return yaml


def import_vcr(path: str | os.PathLike[str], *, redactor: Redactor | None = None) -> tuple[Cassette, list[str]]:
    """The cassette at ``path`` in format v1, and a line per interaction that was skipped."""
    yaml = _yaml()
    where = f"vcrpy cassette {os.fspath(path)}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CassetteError(f"{where} does not exist") from None
    except UnicodeDecodeError:
        raise CassetteError(f"{where} is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CassetteError(f"{where} is not valid YAML: {exc}") from None
    entries = data.get("interactions", data.get("http_interactions")) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CassetteError(
            f"{where} has no 'interactions' list (vcrpy) nor 'http_interactions' (Ruby VCR): it is not a vcrpy cassette"
        )
    scrub = redactor or Redactor()
    exchanges: list[HttpExchange] = []
    skipped: list[str] = []
    upstream: str | None = None
    for number, entry in enumerate(entries, start=1):
        request = entry.get("request") or {}
        uri = str(request.get("uri", ""))
        parts = urlsplit(uri)
        api = next((marker for marker in API_PATHS if marker in parts.path), None)
        if api is None:
            skipped.append(
                f"interaction {number}: {request.get('method', '?')} {uri} is not a Responses or Chat Completions call"
            )
            continue
        upstream = upstream or f"{parts.scheme}://{parts.netloc}{parts.path[: parts.path.index(api)]}"
        try:
            exchange = _exchange(request, entry.get("response") or {}, parts.path, parts.query)
        except CassetteError as exc:
            raise CassetteError(f"{where}, interaction {number}: {exc}") from None
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
    return Cassette(connections=list(exchanges), meta=scrub.value(meta)), skipped


def _headers(raw: Any) -> dict[str, str]:
    """vcrpy headers (name -> list or scalar), merged case-insensitively."""
    merged: dict[str, str] = {}
    for name, value in (raw or {}).items():
        values = value if isinstance(value, list) else [value]
        text = ", ".join(str(v) for v in values)
        key = str(name).lower()
        merged[key] = f"{merged[key]}, {text}" if key in merged else text
    return merged


def _decode(body: Any, encoding: str) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    if not isinstance(body, bytes):
        return json.dumps(body, ensure_ascii=False)
    raw = body
    if encoding == "gzip" or raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    elif encoding == "deflate":
        raw = zlib.decompress(raw)
    elif encoding == "br":
        try:
            import brotli  # type: ignore[import-not-found]
        except ImportError:
            raise CassetteError("the body is brotli-compressed; install the 'brotli' package to import it") from None
        raw = brotli.decompress(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CassetteError("the body is binary and not text after decompression") from None


def _request_body(request: dict[str, Any]) -> str | None:
    if "parsed_body" in request:
        return json.dumps(request["parsed_body"], ensure_ascii=False, separators=(",", ":"))
    body = request.get("body")
    if isinstance(body, dict) and "string" in body:
        body = body["string"]
    return _decode(body, "") or None


def _exchange(request: dict[str, Any], response: dict[str, Any], path: str, query: str) -> HttpExchange:
    headers = _headers(response.get("headers"))
    status = response.get("status") or {}
    code = status.get("code") if isinstance(status, dict) else status
    if "parsed_body" in response:
        text = json.dumps(response["parsed_body"], indent=2)
    else:
        body = response.get("body")
        text = _decode(body.get("string") if isinstance(body, dict) else body, headers.get("content-encoding", ""))
    headers.pop("content-encoding", None)
    exchange = HttpExchange(
        started_at=0.0,
        method=str(request.get("method", "POST")).upper(),
        path=path,
        query=query,
        request_headers=_headers(request.get("headers")),
        request_body=_request_body(request),
        status=int(code) if code is not None else None,
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
    save_cassette(cassette, target)
    items = interactions(cassette)
    streamed = sum(1 for i in items if i.streamed)
    lines = [f"imported {len(items)} interaction(s) ({streamed} streamed) from {source} into {target}"]
    lines += [f"  skipped {line}" for line in skipped]
    return "\n".join(lines)
