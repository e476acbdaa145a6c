"""Settings resolution for the pytest plugin: one precedence order, clear errors, cassette paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_replay.pytest_plugin.settings import Settings, SettingsError, cassette_path, legacy_cassette_path, resolve


def test_command_line_beats_marker_beats_config_beats_ini() -> None:
    """Each layer wins over the ones below it, and the origin of every value is kept."""
    settings = resolve(
        cli={"record_mode": "all"},
        marker={"record_mode": "once", "speed": 1, "upstream": "http://marker"},
        config={"record_mode": "rewrite", "speed": 2, "upstream": "http://config", "cassette_dir": "from_config"},
        ini={"upstream": "http://ini", "cassette_dir": "from_ini"},
    )
    assert (settings.record_mode, settings.speed, settings.upstream, settings.cassette_dir) == (
        "all",
        1.0,
        "http://marker",
        "from_config",
    )
    assert settings.origin["record_mode"] == "command line"
    assert settings.origin["speed"] == "marker"
    assert settings.origin["cassette_dir"] == "openai_replay_config"
    assert settings.origin["allow_unplayed"] == "default"


def test_unset_layers_fall_through_to_defaults() -> None:
    """None means 'not set here': with nothing set, the defaults apply (record mode none)."""
    settings = resolve(cli={"record_mode": None}, marker={}, config={}, ini={"upstream": None, "cassette_dir": None})
    assert settings == Settings(origin=settings.origin)
    assert settings.record_mode == "none" and settings.upstream == "https://api.openai.com/v1"
    assert settings.describe() == "record_mode=none (default)"


def test_ini_applies_when_nothing_above_sets_it() -> None:
    """The ini upstream is used when neither marker nor config names one."""
    settings = resolve(cli={}, marker={}, config={}, ini={"upstream": "http://127.0.0.1:9/v1"})
    assert settings.upstream == "http://127.0.0.1:9/v1" and settings.origin["upstream"] == "ini"


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ({"marker": {"casette": "x"}}, "@pytest.mark.openai_replay: unknown setting(s) 'casette'; valid: cassette, scenario"),
        ({"config": {"mode": "x"}}, "the openai_replay_config fixture: unknown setting(s) 'mode'"),
        (
            {"marker": {"record_mode": "oncee"}},
            "'oncee' is not a valid record mode. Valid modes: none, once, new_episodes, all, rewrite.",
        ),
        ({"config": {"speed": -1}}, "the openai_replay_config fixture: speed must be a number >= 0"),
        ({"marker": {"server": ["seed"]}}, "server must be a dict of keyword arguments"),
        ({"marker": {"scenario": "rate_limit", "cassette": "x"}}, "a test uses either a scenario or a cassette, not both"),
    ],
)
def test_bad_settings_name_the_layer_and_the_fix(layers: dict[str, dict[str, object]], message: str) -> None:
    """Unknown names and bad values raise a SettingsError that says where and what is allowed."""
    with pytest.raises(SettingsError) as info:
        resolve(cli={}, marker=layers.get("marker", {}), config=layers.get("config", {}), ini={})
    assert message in str(info.value)


def test_default_cassette_path_is_beside_the_test_file(tmp_path: Path) -> None:
    """<test file's folder>/cassettes/<test module>/<test name>.json, with unsafe characters replaced."""
    settings = resolve(cli={}, marker={}, config={}, ini={})
    path = cassette_path(settings, test_dir=tmp_path / "tests" / "a", module="test_chat", test="test_says[a/b c]")
    assert path == tmp_path / "tests" / "a" / "cassettes" / "test_chat" / "test_says[a-b-c].json"


def test_same_named_modules_in_two_folders_get_two_cassettes(tmp_path: Path) -> None:
    """tests/a/test_same.py and tests/b/test_same.py never share a cassette (issue 13, item 1)."""
    settings = resolve(cli={}, marker={}, config={}, ini={})
    a = cassette_path(settings, test_dir=tmp_path / "a", module="test_same", test="test_x")
    b = cassette_path(settings, test_dir=tmp_path / "b", module="test_same", test="test_x")
    assert a != b and a.parent.parent.parent == tmp_path / "a"


def test_the_old_layout_is_under_the_rootdir(tmp_path: Path) -> None:
    """The pre-0.2 place, <rootdir>/cassettes/<module>/<test>.json, is still computed to find old cassettes."""
    settings = resolve(cli={}, marker={}, config={}, ini={})
    old = legacy_cassette_path(settings, rootdir=tmp_path, module="test_chat", test="test_x")
    assert old == tmp_path / "cassettes" / "test_chat" / "test_x.json"
    absolute = resolve(cli={}, marker={}, config={"cassette_dir": str(tmp_path / "abs")}, ini={})
    assert legacy_cassette_path(absolute, rootdir=tmp_path, module="m", test="t") is None


@pytest.mark.parametrize("name", ["../../etc/x", "../x", "sub/../../x", "../../../x.json"])
def test_a_cassette_path_leaving_the_folder_is_refused(tmp_path: Path, name: str) -> None:
    """A relative cassette path that climbs out of the cassette folder is a clear error (issue 12, item 12)."""
    settings = resolve(cli={}, marker={"cassette": name}, config={}, ini={})
    with pytest.raises(SettingsError, match=r"leaves the cassette folder .*absolute path"):
        cassette_path(settings, test_dir=tmp_path, module="test_chat", test="test_x")


def test_dots_that_stay_inside_and_absolute_paths_are_accepted(tmp_path: Path) -> None:
    """`a/../b` stays in the folder and is normalised; an absolute path may point anywhere."""
    inside = resolve(cli={}, marker={"cassette": "a/../b"}, config={}, ini={})
    assert cassette_path(inside, test_dir=tmp_path, module="m", test="t") == tmp_path / "cassettes" / "b.json"
    outside = resolve(cli={}, marker={"cassette": str(tmp_path.parent / "x")}, config={}, ini={})
    assert cassette_path(outside, test_dir=tmp_path, module="m", test="t") == tmp_path.parent / "x.json"


def test_named_cassettes_resolve_relative_to_the_cassette_folder(tmp_path: Path) -> None:
    """A bare name sits beside the module's cassettes, a relative path under the folder, an absolute path as is."""

    def path_for(cassette: str) -> Path:
        settings = resolve(cli={}, marker={"cassette": cassette}, config={"cassette_dir": "recorded"}, ini={})
        return cassette_path(settings, test_dir=tmp_path, module="test_chat", test="test_x")

    assert path_for("shared") == tmp_path / "recorded" / "test_chat" / "shared.json"
    assert path_for("common/hello.json") == tmp_path / "recorded" / "common" / "hello.json"
    assert path_for(str(tmp_path / "elsewhere" / "c")) == tmp_path / "elsewhere" / "c.json"
