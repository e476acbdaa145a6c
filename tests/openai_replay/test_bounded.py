"""Reading untrusted files within limits: YAML alias bombs, deep nesting, decompression bombs."""

from __future__ import annotations

import gzip
import zlib

import pytest

from openai_replay.bounded import MAX_DEPTH, LimitExceeded, inflate, json_depth_problem, yaml_load


def alias_bomb() -> str:
    """The classic "billion laughs": nine levels of nine aliases, a few hundred bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def test_alias_bomb_stops_early() -> None:
    """A billion-laughs document is refused while composing, naming aliases, not expanded."""
    with pytest.raises(LimitExceeded, match="aliases expand to more than 32 MiB"):
        yaml_load(alias_bomb())


def test_a_few_aliases_still_load() -> None:
    """Ordinary anchors and aliases (vcrpy writes them for shared header lists) load as before."""
    assert yaml_load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("text", ["[" * 500 + "]" * 500, "a:\n" + "".join("  " * i + "- \n" for i in range(1, 400))])
def test_deep_yaml_is_refused_without_recursion_error(text: str) -> None:
    """Deep flow or block nesting stops at MAX_DEPTH with the line, never a RecursionError."""
    with pytest.raises(LimitExceeded, match=f"nests deeper than {MAX_DEPTH} levels"):
        yaml_load(text)


def test_gzip_bomb_is_cut_at_the_limit() -> None:
    """A body that inflates past the limit is refused after at most limit+1 bytes."""
    bomb = gzip.compress(b"\0" * 5_000_000)
    with pytest.raises(LimitExceeded, match="decompression bomb"):
        inflate(bomb, "gzip", limit=1_000_000)
    assert inflate(bomb, "gzip", limit=5_000_000) == b"\0" * 5_000_000


def test_inflate_formats_and_corruption() -> None:
    """Multi-member gzip, zlib and raw deflate inflate; a truncated or corrupt stream is a ValueError."""
    assert inflate(gzip.compress(b"ab") + gzip.compress(b"cd"), "gzip") == b"abcd"
    assert inflate(zlib.compress(b"zl"), "deflate") == b"zl"
    raw = zlib.compressobj(wbits=-15)
    assert inflate(raw.compress(b"raw") + raw.flush(), "deflate") == b"raw"
    with pytest.raises(ValueError, match="ends early"):
        inflate(gzip.compress(b"hello world" * 100)[:-20], "gzip")
    with pytest.raises(zlib.error):
        inflate(b"\x1f\x8bnot gzip at all", "gzip")


def test_json_depth_problem_names_the_path() -> None:
    """A value nested past the limit is reported at the JSON path where it goes too deep."""
    deep: list[object] = []
    cursor = deep
    for _ in range(10):
        cursor.append([])
        cursor = cursor[0]  # type: ignore[assignment]
    assert json_depth_problem({"a": deep}, limit=5) == "$.a[0][0][0][0][0]"
    assert json_depth_problem({"a": [1, {"b": 2}]}, limit=5) is None
