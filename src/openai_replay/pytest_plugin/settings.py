"""The pytest plugin's settings for one test, resolved in one place (pure: no pytest, no server).

Each setting comes from the first of these that sets it:

1. the command line (``--record-mode``);
2. the test's ``@pytest.mark.openai_replay(...)`` marker (the closest one: function, class, module);
3. the ``openai_replay_config`` fixture (a dict; override it at any scope);
4. the ini file (``openai_replay_cassette_dir``, ``openai_replay_upstream_url``);
5. the built-in default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_UPSTREAM",
    "MARKER_KEYS",
    "RECORD_MODES",
    "Settings",
    "SettingsError",
    "cassette_path",
    "legacy_cassette_path",
    "resolve",
]

RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
DEFAULT_UPSTREAM = "https://api.openai.com/v1"
DEFAULT_CASSETTE_DIR = "cassettes"

#: What the marker accepts. ``server`` holds `ServerConfig` changes for this test;
#: ``allow_unplayed`` lets a test leave recorded interactions or scenario rules unplayed.
MARKER_KEYS = (
    "cassette", "scenario", "record_mode", "speed", "upstream", "server",
    "allow_unplayed", "time_scale", "allow_playback_repeats",
)  # fmt: skip
#: Redaction and matching, in vcrpy's words (only in the config fixture, like pytest-recording's vcr_config).
FILTER_KEYS = ("filter_headers", "filter_query_parameters", "filter_post_data_parameters")
#: vcrpy's hooks (a vcrpy-style request object / response dict), and ours on each request and response part.
HOOK_KEYS = ("before_record_request", "before_record_response", "before_record_request_part", "before_record_response_part")
#: What the config fixture accepts: the marker's keys, the cassette folder, client options, redaction, matching.
CONFIG_KEYS = (*MARKER_KEYS, "cassette_dir", "client", *FILTER_KEYS, *HOOK_KEYS, "match_on")


class SettingsError(ValueError):
    """A setting has an unknown name or a bad value (the plugin turns it into a usage error)."""


@dataclass(frozen=True)
class Settings:
    """What one test runs with, and where each value came from."""

    record_mode: str = "none"
    cassette: str | None = None
    scenario: Any = None
    speed: float | None = None
    #: Deprecated: the old meaning of ``speed`` (a factor on the recorded delays; 2 = twice as slow).
    time_scale: float | None = None
    upstream: str = DEFAULT_UPSTREAM
    cassette_dir: str = DEFAULT_CASSETTE_DIR
    server: Mapping[str, Any] = field(default_factory=dict)
    client: Mapping[str, Any] = field(default_factory=dict)
    allow_unplayed: bool = False
    #: vcrpy's option: a played interaction may answer again when no unplayed one matches.
    allow_playback_repeats: bool = False
    #: vcrpy-style redaction: names or (name, replacement) pairs, and the two record hooks.
    filter_headers: tuple[Any, ...] = ()
    filter_query_parameters: tuple[Any, ...] = ()
    filter_post_data_parameters: tuple[Any, ...] = ()
    before_record_request: Any = None
    before_record_response: Any = None
    #: Our own hooks on each `RequestPart` / `ResponsePart` (run after vcrpy's).
    before_record_request_part: Any = None
    before_record_response_part: Any = None
    #: Matcher names (or callables); None uses the default (transport, method, path, query, body).
    match_on: tuple[Any, ...] | None = None
    #: setting name -> "command line" | "marker" | "openai_replay_config" | "ini" | "default"
    origin: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """``record_mode=once (command line), cassette=..., ...``: the settings that are not defaults."""
        parts = [f"record_mode={self.record_mode} ({self.origin.get('record_mode', 'default')})"]
        for name in ("cassette", "scenario", "speed", "time_scale", "upstream", "server", "allow_unplayed"):
            if self.origin.get(name, "default") != "default":
                parts.append(f"{name}={_show(getattr(self, name))} ({self.origin[name]})")
        return ", ".join(parts)


def _show(value: Any) -> str:
    name = getattr(value, "name", None)
    return str(name) if isinstance(name, str) and not isinstance(value, str) else repr(value)


def _check_keys(values: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise SettingsError(f"{where}: unknown setting(s) {', '.join(map(repr, unknown))}; valid: {', '.join(allowed)}.")


def _check_value(name: str, value: Any, where: str) -> Any:
    if name == "record_mode":
        if value not in RECORD_MODES:
            raise SettingsError(f"{where}: {value!r} is not a valid record mode. Valid modes: {', '.join(RECORD_MODES)}.")
    elif name in ("speed", "time_scale"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or value == float("inf"):
            meaning = (
                "a rate: 1 = as recorded, 2 = twice as fast, 0 = no waiting"
                if name == "speed"
                else ("deprecated, a factor on the recorded delays: 2 = twice as slow, 0 = no waiting")
            )
            raise SettingsError(f"{where}: {name} must be a number >= 0 ({meaning}), got {value!r}.")
        return float(value)
    elif name in ("cassette", "upstream", "cassette_dir"):
        if not isinstance(value, (str, Path)) or not str(value):
            raise SettingsError(f"{where}: {name} must be a non-empty string or path, got {value!r}.")
        return str(value)
    elif name in ("server", "client"):
        if not isinstance(value, Mapping):
            raise SettingsError(f"{where}: {name} must be a dict of keyword arguments, got {value!r}.")
        return dict(value)
    elif name in ("allow_unplayed", "allow_playback_repeats") and not isinstance(value, bool):
        raise SettingsError(f"{where}: {name} must be True or False, got {value!r}.")
    elif name in FILTER_KEYS:
        return _filters(name, value, where)
    elif name in HOOK_KEYS and not callable(value):
        raise SettingsError(f"{where}: {name} must be a function taking the request/response and returning it or None.")
    elif name == "match_on":
        return _matchers(value, where)
    return value


def _filters(name: str, value: Any, where: str) -> tuple[Any, ...]:
    """vcrpy's filter lists: names, or (name, replacement) pairs where None removes the item."""
    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, (list, tuple)):
        raise SettingsError(f"{where}: {name} must be a list of names or (name, replacement) pairs, got {value!r}.")
    for entry in entries:
        pair = isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[0], str)
        if not (isinstance(entry, str) or (pair and (entry[1] is None or isinstance(entry[1], str)))):
            raise SettingsError(f"{where}: {name} entry {entry!r} is not a name or a (name, replacement) pair.")
    return tuple(e if isinstance(e, str) else (e[0], e[1]) for e in entries)


def _matchers(value: Any, where: str) -> tuple[Any, ...]:
    from openai_replay.cassette.matching import DEFAULT_MATCH_ON, MATCHERS

    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, (list, tuple)) or not entries:
        default = list(DEFAULT_MATCH_ON)
        raise SettingsError(f"{where}: match_on must be a list of matcher names, got {value!r}. Default: {default}.")
    for entry in entries:
        if not callable(entry) and entry not in MATCHERS:
            raise SettingsError(
                f"{where}: unknown matcher {entry!r} in match_on; known: {', '.join(MATCHERS)} (or a callable). "
                f"Default: {list(DEFAULT_MATCH_ON)}."
            )
    return tuple(entries)


def resolve(
    *,
    cli: Mapping[str, Any],
    marker: Mapping[str, Any],
    config: Mapping[str, Any],
    ini: Mapping[str, Any],
) -> Settings:
    """Merge the layers (command line > marker > config fixture > ini > default) into `Settings`.

    ``None`` in a layer means "not set here". Raises `SettingsError` naming the layer at fault.
    """
    _check_keys(marker, MARKER_KEYS, "@pytest.mark.openai_replay")
    _check_keys(config, CONFIG_KEYS, "the openai_replay_config fixture")
    layers = (("command line", cli), ("marker", marker), ("openai_replay_config", config), ("ini", ini))
    labels = {
        "command line": "--record-mode",
        "marker": "@pytest.mark.openai_replay",
        "openai_replay_config": "the openai_replay_config fixture",
    }
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name in CONFIG_KEYS:
        origin[name] = "default"
        for where, layer in layers:
            value = layer.get(name)
            if value is not None:
                values[name] = _check_value(name, value, labels.get(where, f"the ini option for {name}"))
                origin[name] = where
                break
    if values.get("scenario") is not None and values.get("cassette") is not None:
        raise SettingsError(
            "a test uses either a scenario or a cassette, not both "
            f"(scenario from {origin['scenario']}, cassette from {origin['cassette']})."
        )
    return Settings(**values, origin=origin)


_UNSAFE = re.compile(r"[<>?%*:|\"'/\\\s]+")


def cassette_path(settings: Settings, *, test_dir: Path, module: str, test: str) -> Path:
    """Where the test's cassette lives (pytest-recording's layout).

    By default ``<test file's folder>/cassettes/<test module>/<test name>.json``, so same-named test
    modules in different folders never share a cassette. ``cassette_dir`` (ini option, config key)
    renames that folder, relative to the test file's folder, or is an absolute folder. A ``cassette``
    setting that is a bare name goes in the module's folder, a relative path is taken under the
    cassette folder and must stay inside it, an absolute path is used as it is. ``.json`` is added
    when missing. Raises `SettingsError` for a relative path that leaves the cassette folder.
    """
    return _under(
        Path(settings.cassette_dir) if Path(settings.cassette_dir).is_absolute() else test_dir / settings.cassette_dir,
        settings,
        module,
        test,
    )


def legacy_cassette_path(settings: Settings, *, rootdir: Path, module: str, test: str) -> Path | None:
    """Where the layout before 0.2 kept this cassette (``<rootdir>/cassettes/<module>/...``), or None
    when the cassette folder is absolute (the two layouts are then the same)."""
    if Path(settings.cassette_dir).is_absolute() or (settings.cassette is not None and Path(settings.cassette).is_absolute()):
        return None
    return _under(rootdir / settings.cassette_dir, settings, module, test)


def _under(base: Path, settings: Settings, module: str, test: str) -> Path:
    if settings.cassette is None:
        return base / _safe(module) / f"{_safe(test)}.json"
    given = Path(settings.cassette)
    if given.is_absolute():
        path = given
    elif len(given.parts) == 1:
        path = base / _safe(module) / given
    else:
        path = base / given
    path = path if path.suffix == ".json" else path.with_name(path.name + ".json")
    if given.is_absolute() or ".." not in given.parts:
        return path
    inside = Path(os.path.normpath(path))
    if not str(inside).startswith(os.path.normpath(base) + os.sep):
        raise SettingsError(
            f"cassette {settings.cassette!r} leaves the cassette folder {base}; name a path inside it, "
            "or give an absolute path to keep the cassette elsewhere."
        )
    return inside


def _safe(name: str) -> str:
    """A test name made safe for a file name (``test_x[a/b]`` -> ``test_x[a-b]``), hashed if very long."""
    cleaned = _UNSAFE.sub("-", name).strip("-") or "test"
    if len(cleaned) > 150:
        import hashlib

        cleaned = cleaned[:100] + "-" + hashlib.sha1(cleaned.encode()).hexdigest()[:16]
    return cleaned
