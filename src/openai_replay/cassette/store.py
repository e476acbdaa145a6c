"""Loading and saving cassettes: schema validation both ways, atomic writes, a diffable layout.

The file is pretty-printed JSON with a stable key order, except that each WebSocket frame, SSE
event and ending sits on one line of its own, so a re-recording shows up in ``git diff`` as the
frames that changed. Writes go to a temporary file in the same folder, are flushed to disk, then
renamed over the target: a crash or Ctrl-C leaves either the old file or the new one, never half.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from openai_replay.bounded import MAX_DEPTH, json_depth_problem
from openai_replay.cassette.model import FORMAT_VERSION, Cassette
from openai_replay.inbound import JsonInputError, parse

DEFAULT_UPSTREAM = "https://api.openai.com/v1"
_ONE_LINE = {"frames", "events"}
_INLINE = {"close", "end"}


class CassetteError(Exception):
    """A cassette that cannot be used, with what was wrong and what to do about it."""


class CassetteNotFound(CassetteError, FileNotFoundError):
    """The cassette file does not exist."""


def rerecord_command(path: str | os.PathLike[str] | None, upstream: str | None = None) -> str:
    """The command that records ``path`` again from ``upstream``."""
    target = str(path) if path is not None else "CASSETTE.json"
    return f"openai-replay record --upstream {upstream or DEFAULT_UPSTREAM} --out {target}"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of format v1 (shipped as ``cassette.schema.json`` in this package)."""
    text = resources.files(__package__).joinpath("cassette.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validate(data: Any, where: str) -> None:
    """Raise `CassetteError` naming the first place ``data`` breaks the schema.

    A cassette is mostly frames and SSE events, and jsonschema spends about 150 µs on each (5 s for
    a 10 MB cassette). So the leaves are checked here by hand against the same rules, and the
    schema sees the cassette with each list of leaves cut to its first one. If any leaf fails the
    hand check, the whole cassette goes through the schema, for the schema's own error message.
    """
    light = _light(data)
    if light is not None and all(_leaves_ok(c) for c in data["connections"]):
        data = light
    _check_schema(data, where)


def _light(data: Any) -> dict[str, Any] | None:
    """``data`` with every connection's frames or events cut to the first one (None: not that shape)."""
    if not isinstance(data, dict) or not isinstance(data.get("connections"), list):
        return None
    connections = []
    for connection in data["connections"]:
        if not isinstance(connection, dict):
            return None
        cut = dict(connection)
        for leaves in ("frames", "events"):
            if isinstance(cut.get(leaves), list):
                cut[leaves] = cut[leaves][:1]
        connections.append(cut)
    return {**data, "connections": connections}


def _offset_ok(value: Any) -> bool:
    return type(value) in (int, float) and value >= 0


def _leaves_ok(connection: dict[str, Any]) -> bool:
    """The schema's rules for ``frame`` and ``sse_event``, written out (cassette.schema.json ``$defs``)."""
    frames, events = connection.get("frames") or [], connection.get("events") or []
    if type(frames) is not list or type(events) is not list:
        return False
    for frame in frames:
        if not (
            type(frame) is dict
            and frame.keys() <= _FRAME_KEYS
            and _offset_ok(frame.get("t"))
            and frame.get("from") in ("client", "server")
            and ("text" in frame) != ("binary" in frame)
            and type(frame.get("text", frame.get("binary"))) is str
        ):
            return False
    for event in events:
        if not (
            type(event) is dict
            and event.keys() == _EVENT_KEYS
            and _offset_ok(event["t"])
            and type(event["event"]) is str
            and type(event["data"]) is str
        ):
            return False
    return True


_FRAME_KEYS = {"t", "from", "text", "binary"}
_EVENT_KEYS = {"t", "event", "data"}


@cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _check_schema(data: Any, where: str) -> None:
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is None:
        return
    location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(top level)"
    raise CassetteError(f"{where} does not match the cassette format v1 schema at {location.lstrip('.')}: {error.message}")


def load_cassette(path: str | os.PathLike[str]) -> Cassette:
    """Read and validate a cassette; every problem raises `CassetteError` with a way out."""
    where = f"cassette {os.fspath(path)}"
    redo = f"Re-record it: {rerecord_command(path)}"
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CassetteNotFound(f"{where} does not exist. Record it first: {rerecord_command(path)}") from None
    except IsADirectoryError:
        raise CassetteError(f"{where} is a folder, not a cassette file.") from None
    if not raw.strip():
        raise CassetteError(f"{where} is empty ({len(raw)} bytes): it was truncated or never written. {redo}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteError(f"{where} is not UTF-8 text (bad byte at offset {exc.start}): the file is corrupt. {redo}") from None
    if text.lstrip().startswith("interactions:"):
        raise CassetteError(
            f"{where} looks like a vcrpy YAML cassette, not an openai-replay one. Import it first: "
            f"openai-replay import-vcr {os.fspath(path)} OUT.json"
        )
    try:
        data = parse(raw, max_depth=MAX_DEPTH)  # the strict reader: no repeated keys, NaN, lone surrogates
    except JsonInputError as exc:
        ending = "it ends early (truncated)" if exc.pos is not None and exc.pos >= len(raw.rstrip()) else "the file is corrupt"
        raise CassetteError(f"{where} is not valid JSON: {exc}; {ending}. {redo}") from None
    deep = json_depth_problem(data)
    if deep is not None:
        raise CassetteError(f"{where} nests deeper than {MAX_DEPTH} levels at {deep}: it is not a cassette. {redo}")
    if not isinstance(data, dict):
        raise CassetteError(f"{where} holds a JSON {type(data).__name__}, not a cassette object. {redo}")
    if "version" not in data:
        raise CassetteError(
            f"{where} has no 'version' key, so it is not an openai-replay cassette. A vcrpy cassette can be "
            f"imported with: openai-replay import-vcr IN.yaml OUT.json"
        )
    version = data["version"]
    if version != FORMAT_VERSION:
        raise CassetteError(
            f"{where} is cassette format version {version!r}, but this openai-replay reads version "
            f"{FORMAT_VERSION}. Use the openai-replay release that wrote it, or re-record it: {rerecord_command(path)}"
        )
    validate(data, where)
    return Cassette.from_json(data, path=os.fspath(path))


#: The permissions of a written cassette, before the umask applies.
FILE_MODE = 0o644


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_cassette(cassette: Cassette, path: str | os.PathLike[str]) -> Path:
    """Validate and write ``cassette`` to ``path`` atomically; returns the path written."""
    data = cassette.to_json()
    validate(data, f"cassette for {os.fspath(path)} (not written)")
    target = write_atomic(path, dumps(data))
    cassette.path = os.fspath(target)
    return target


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` through a flushed temporary file renamed over it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes it 0600; a cassette is an ordinary file (0644 minus the umask)
            os.fchmod(fd, FILE_MODE & ~current_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def connection_text(connection: dict[str, Any], where: str) -> str:
    """One connection (its ``to_json()``), validated and rendered as it sits in a cassette file."""
    validate({"version": FORMAT_VERSION, "connections": [connection]}, where)
    return _escape_surrogates(_render(connection, 2, None))


def assemble(meta: dict[str, Any], connections: list[str]) -> str:
    """A cassette file's text from its meta and `connection_text` pieces: the same as `dumps`."""
    rendered = _escape_surrogates(_render(dict(sorted(meta.items())), 1, "meta"))
    head = f'{{\n  "version": {FORMAT_VERSION},\n  "meta": {rendered},\n'
    if not connections:
        return head + '  "connections": []\n}\n'
    return head + '  "connections": [\n' + ",\n".join("    " + c for c in connections) + "\n  ]\n}\n"


def dumps(data: Any) -> str:
    """The cassette layout: indented JSON, one frame or event per line, trailing newline.

    A lone surrogate (``"\\ud800"`` in a client's JSON, kept as text) cannot be written as UTF-8;
    it is written as its JSON escape, which reads back as the same string.
    """
    return _escape_surrogates(_render(data, 0, None) + "\n")


def _escape_surrogates(text: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _render(value: Any, depth: int, key: str | None) -> str:
    pad = "  " * (depth + 1)
    end = "  " * depth
    if isinstance(value, dict) and value:
        if key in _INLINE:
            return _line(value)
        body = ",\n".join(f"{pad}{json.dumps(k, ensure_ascii=False)}: {_render(v, depth + 1, k)}" for k, v in value.items())
        return "{\n" + body + "\n" + end + "}"
    if isinstance(value, list) and value:
        if key in _ONE_LINE:
            return "[\n" + ",\n".join(pad + _line(v) for v in value) + "\n" + end + "]"
        return "[\n" + ",\n".join(pad + _render(v, depth + 1, None) for v in value) + "\n" + end + "]"
    return _line(value)
