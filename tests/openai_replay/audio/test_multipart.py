"""The multipart splitter: real forms come back part for part, and any bytes are a MultipartError or parts, never a crash."""

from __future__ import annotations

import pytest
from fuzzkit import PROFILE
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_replay.audio.multipart import MultipartError, Part, boundary_of, parse

names = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='"\\;='), min_size=1, max_size=12
)


def build(parts: list[Part], boundary: str, newline: bytes = b"\r\n") -> bytes:
    out = b""
    for part in parts:
        disposition = f'form-data; name="{part.name}"' + (f'; filename="{part.filename}"' if part.filename else "")
        out += b"--" + boundary.encode() + newline + b"Content-Disposition: " + disposition.encode() + newline
        if part.content_type:
            out += b"Content-Type: " + part.content_type.encode() + newline
        out += newline + part.data + newline
    return out + b"--" + boundary.encode() + b"--" + newline


def test_sdk_shaped_form() -> None:
    """A form like the SDK's: fields and a file, in order, with the file's name and type."""
    parts = [Part("model", b"whisper-1"), Part("file", b"RIFF\x00\r\n--x", "a.wav", "audio/wav"), Part("stream", b"true")]
    assert parse(build(parts, "abc123"), "multipart/form-data; boundary=abc123") == parts


def test_bare_newlines_and_quoted_boundary() -> None:
    """Bare LF line breaks and a quoted boundary parameter are read too."""
    parts = [Part("model", b"m")]
    assert parse(build(parts, "q q", b"\n"), 'multipart/form-data; boundary="q q"') == parts


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "application/json", "not multipart/form-data"),
        (b"", None, "not multipart/form-data"),
        (b"", "multipart/form-data", "no boundary"),
        (b"nothing here", "multipart/form-data; boundary=b", "does not contain its boundary"),
        (b"--bXX", "multipart/form-data; boundary=b", "not followed by a line break"),
        (b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "multipart/form-data; boundary=b", "has no name"),
        (b"--b\r\nX-Other: 1\r\n\r\nx\r\n--b--", "multipart/form-data; boundary=b", "no Content-Disposition"),
        (b"--b\r\nbroken header\r\n\r\nx\r\n--b--", "multipart/form-data; boundary=b", "malformed header"),
        (
            b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
            "multipart/form-data; boundary=b",
            "ends before",
        ),
        (b'--b\r\nContent-Disposition: form-data; name="a"', "multipart/form-data; boundary=b", "do not end with a blank line"),
    ],
)
def test_malformed_bodies_say_what_is_wrong(body: bytes, content_type: str | None, message: str) -> None:
    """Each malformation is a MultipartError naming it."""
    with pytest.raises(MultipartError, match=message):
        parse(body, content_type)


def test_boundary_of() -> None:
    """The boundary comes from the Content-Type, quoted or not."""
    assert boundary_of("multipart/form-data; boundary=----x") == "----x"
    assert boundary_of('Multipart/Form-Data; charset=utf-8; boundary="a b"') == "a b"


@settings(PROFILE)
@given(
    parts=st.lists(
        st.builds(
            Part,
            name=names,
            data=st.binary(max_size=200),
            filename=st.none() | names,
            content_type=st.none() | st.sampled_from(["audio/wav", "text/plain"]),
        ),
        max_size=6,
    ),
)
def test_generated_forms_round_trip(parts: list[Part]) -> None:
    """Any form built with a boundary absent from its data parses back to the same parts."""
    boundary = "bOuNdArY7MA4YWxkTrZu0gW"
    assert parse(build(parts, boundary), f"multipart/form-data; boundary={boundary}") == parts


@settings(PROFILE)
@given(
    body=st.binary(max_size=300)
    | st.lists(
        st.sampled_from([b"--b", b"\r\n", b"\n", b'Content-Disposition: form-data; name="f"', b"x", b"--"]), max_size=20
    ).map(b"".join),
    content_type=st.sampled_from(["multipart/form-data; boundary=b", "multipart/form-data", "text/plain", ""])
    | st.text(max_size=40),
)
def test_any_bytes_parse_or_fail_cleanly(body: bytes, content_type: str) -> None:
    """Arbitrary bodies and Content-Types give parts or a MultipartError, nothing else."""
    try:
        parts = parse(body, content_type)
    except MultipartError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert all(isinstance(p, Part) and p.name for p in parts)


def test_logged_form_keeps_no_audio() -> None:
    """The log's copy of a form has the fields, repeated fields as lists, and the upload by size and digest."""
    from openai_replay.audio.multipart import logged_form

    parts = [Part("model", b"whisper-1"), Part("file", b"RIFF....", "a.wav", "audio/wav")]
    parts += [Part("include[]", b"logprobs"), Part("include[]", b"x")]
    logged = logged_form(parts)
    assert logged["model"] == "whisper-1" and logged["include[]"] == ["logprobs", "x"]
    assert logged["file"] == {"filename": "a.wav", "content_type": "audio/wav", "bytes": 8, "sha256": logged["file"]["sha256"]}
    assert len(logged["file"]["sha256"]) == 16 and b"RIFF" not in repr(logged).encode()
