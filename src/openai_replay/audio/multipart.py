"""A ``multipart/form-data`` body split into its parts (the transcription endpoints' uploads).

The split is written by hand over `bytes.find`, because a 25 MB upload must be cut without copying
it line by line (the standard library's email parser does); each part's headers are read with the
standard library's header parser. Every malformation is a `MultipartError` with one clear line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import Message
from typing import Any

MAX_PARTS = 256
MAX_HEADER_BYTES = 16 * 1024


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


class NotMultipart(MultipartError):
    """The Content-Type is not multipart/form-data at all."""


@dataclass(frozen=True)
class Part:
    """One form field: its name, the file name and type of an upload, and its bytes."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def boundary_of(content_type: str | None) -> str:
    """The boundary of a ``multipart/form-data`` Content-Type; `MultipartError` for any other type."""
    message = Message()
    message["content-type"] = content_type or ""
    if message.get_content_type() != "multipart/form-data":
        shown = " ".join((content_type or "").split())[:80] or "missing"
        raise NotMultipart(f"Content-Type is {shown}, not multipart/form-data")
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 200:
        raise MultipartError("the multipart/form-data Content-Type has no boundary")
    return boundary


def parse(body: bytes, content_type: str | None) -> list[Part]:
    """The parts of ``body`` in order; `MultipartError` names the first thing wrong."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1", errors="replace")
    at = body.find(delimiter)
    if at < 0:
        raise MultipartError("the body does not contain its boundary")
    parts: list[Part] = []
    at += len(delimiter)
    while True:
        if body.startswith(b"--", at):
            return parts
        if body.startswith(b"\r\n", at):
            at += 2
        elif body.startswith(b"\n", at):
            at += 1
        else:
            raise MultipartError("a boundary is not followed by a line break")
        head_end, sep = _find_any(body, at, (b"\r\n\r\n", b"\n\n"))
        if head_end < 0 or head_end - at > MAX_HEADER_BYTES:
            raise MultipartError("a part's headers do not end with a blank line")
        headers = _headers(body[at:head_end])
        start = head_end + sep
        end, sep = _find_any(body, start, (b"\r\n" + delimiter, b"\n" + delimiter))
        if end < 0:
            raise MultipartError("the body ends before its closing boundary")
        parts.append(_part(headers, body[start:end]))
        if len(parts) > MAX_PARTS:
            raise MultipartError(f"more than {MAX_PARTS} parts")
        at = end + sep


def _find_any(body: bytes, start: int, needles: tuple[bytes, bytes]) -> tuple[int, int]:
    """The first of two separators (CRLF or bare LF form) from ``start``: (index, its length), or (-1, 0)."""
    first = body.find(needles[0], start)
    second = body.find(needles[1], start, first if first >= 0 else len(body))
    if second >= 0 and (first < 0 or second < first):
        return second, len(needles[1])
    return (first, len(needles[0])) if first >= 0 else (-1, 0)


def _headers(raw: bytes) -> Message:
    message = Message()
    for line in raw.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n"):
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise MultipartError(f"a part has a malformed header line {line[:60]!r}")
        message[name.strip().lower()] = value.strip()
    return message


def _part(headers: Message, data: bytes) -> Part:
    if headers.get("content-disposition") is None:
        raise MultipartError("a part has no Content-Disposition header")
    name = headers.get_param("name", header="content-disposition")
    if not isinstance(name, str) or not name:
        raise MultipartError("a part's Content-Disposition has no name")
    filename = headers.get_filename()
    content_type = headers.get("content-type")
    return Part(name=name, data=data, filename=filename, content_type=str(content_type) if content_type else None)


def logged_form(parts: list[Part]) -> dict[str, Any]:
    """A form as the request log keeps it: the fields (repeated ones as lists), and each upload by name,
    type, size and digest, never its bytes."""
    logged: dict[str, Any] = {}
    for part in parts:
        if part.filename is not None:
            digest = hashlib.sha256(part.data).hexdigest()[:16]
            logged[part.name] = {
                "filename": part.filename,
                "content_type": part.content_type,
                "bytes": len(part.data),
                "sha256": digest,
            }
        elif part.name.endswith("[]") or part.name in logged:
            previous = logged.get(part.name)
            logged[part.name] = [*(previous if isinstance(previous, list) else [previous] if previous else []), part.text()]
        else:
            logged[part.name] = part.text()
    return logged
