"""What a request body says, for matching, whatever its kind: a JSON object as itself, a multipart
form (a file upload) as its fields, any other bytes as their digest.

A multipart body's boundary is random per request, so the bytes of two identical uploads never
match; their fields do. A file part is compared by file name, size and SHA-256, not by its
bytes, which keeps the view small. The standard library's e-mail parser reads the MIME structure.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any


def content_type_of(headers: Mapping[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def digest(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def request_view(content_type: str, body: bytes | None) -> dict[str, Any] | None:
    """The body as matching sees it (None when there is none)."""
    if not body:
        return None
    if content_type.lower().startswith("multipart/"):
        fields = multipart_fields(content_type, body)
        if fields is not None:
            return fields
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    return {"_body": digest(body)}


def multipart_fields(content_type: str, body: bytes) -> dict[str, Any] | None:
    """The form's fields by name (a repeated name: a list); a file as its file name, size and digest."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return None
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        value: Any = data.decode("utf-8", "replace") if filename is None else {"filename": filename, **digest(data)}
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return fields


def recorded_body(text: str | None, encoded: str | None) -> bytes | None:
    """A recorded body's bytes (its text, or its base64 form)."""
    if encoded is not None:
        return base64.b64decode(encoded)
    return text.encode("utf-8") if text is not None else None
