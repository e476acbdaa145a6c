"""Request bodies as matching reads them: JSON as itself, multipart by fields, other bytes by digest; nothing raises."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from openai_replay.cassette.forms import multipart_fields, recorded_body, request_view


def form(boundary: str, file_bytes: bytes, purpose: str = "assistants") -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n{purpose}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + file_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )


def test_two_uploads_with_different_boundaries_read_the_same() -> None:
    """The random boundary does not matter; the purpose, file name, size and digest do."""
    data = bytes(range(256))
    first = request_view("multipart/form-data; boundary=aaa", form("aaa", data))
    second = request_view("multipart/form-data; boundary=zzz111", form("zzz111", data))
    assert first == second and first is not None
    assert first["purpose"] == "assistants" and first["file"]["filename"] == "a.bin" and first["file"]["size"] == 256
    other = request_view("multipart/form-data; boundary=aaa", form("aaa", data + b"!"))
    assert other != first


def test_json_and_other_bodies() -> None:
    """A JSON object reads as itself, an empty body as None, anything else as its digest."""
    assert request_view("application/json", b'{"a": 1}') == {"a": 1}
    assert request_view("", None) is None
    assert request_view("application/octet-stream", b"\x00\x01")["_body"]["size"] == 2  # type: ignore[index]
    assert recorded_body(None, base64.b64encode(b"\xff").decode()) == b"\xff" and recorded_body("é", None) == "é".encode()


@given(content_type=st.text(max_size=60) | st.just("multipart/form-data; boundary=x"), body=st.binary(max_size=300))
def test_any_body_and_content_type_reads_without_raising(content_type: str, body: bytes) -> None:
    """Whatever the bytes and the Content-Type say, the view is a dict or None; the parser never raises."""
    view = request_view(content_type, body)
    assert view is None or isinstance(view, dict)
    fields = multipart_fields("multipart/form-data; boundary=x", body)
    assert fields is None or isinstance(fields, dict)
