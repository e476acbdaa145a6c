"""Packaging metadata (issue 13, item 13): typed, classified, linked, tox for 3.10-3.13 in a dev extra,
no dependency listed twice, and an openai lower bound that some test environment actually runs."""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib")


def project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data


def name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_no_dependency_is_listed_twice() -> None:
    """An extra never repeats a runtime dependency or itself lists a package twice."""
    meta = project()["project"]
    runtime = {name(r) for r in meta["dependencies"]}
    for extra, requirements in meta["optional-dependencies"].items():
        names = [name(r) for r in requirements if name(r) != "openai-replay"]
        assert len(names) == len(set(names)), f"[{extra}] lists a package twice: {names}"
        if not extra.startswith("conformance-"):  # conformance extras pin a client version on purpose
            assert not runtime & set(names), f"[{extra}] repeats runtime dependencies: {runtime & set(names)}"


def test_typed_classified_and_linked() -> None:
    """py.typed ships in both packages; classifiers name the Pythons tox runs; project URLs exist."""
    data = project()
    for package in ("openai_replay", "fake_server"):
        assert "py.typed" in data["tool"]["setuptools"]["package-data"][package]
    assert (ROOT / "src" / "openai_replay" / "py.typed").is_file() and (ROOT / "fake_server" / "py.typed").is_file()
    classifiers = data["project"]["classifiers"]
    assert "Typing :: Typed" in classifiers and "Framework :: Pytest" in classifiers
    versions = {c.rsplit(" ", 1)[-1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert versions == {"3.10", "3.11", "3.12", "3.13"}
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    envs = {e.strip() for e in tox["tox"]["env_list"].replace("\n", ",").split(",")}
    assert {f"py3{v.split('.')[1]}" for v in versions} <= envs
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= set(data["project"]["urls"])


def test_tox_is_in_the_dev_extra() -> None:
    """`pip install -e '.[dev]'` gets tox along with the test and lint tools."""
    dev = project()["project"]["optional-dependencies"]["dev"]
    assert any(name(r) == "tox" for r in dev) and "openai-replay[test,lint]" in dev


def test_the_openai_lower_bound_is_a_version_the_tests_run() -> None:
    """The openai floor of the sdk extra is the version pinned by conformance-openai and tox's openai-floor env,
    and the main dependencies leave openai out (the package installs beside libraries that pin an older one)."""
    meta = project()["project"]
    assert [r for r in meta["dependencies"] if name(r) == "openai"] == []
    (floor,) = [r for r in meta["optional-dependencies"]["sdk"] if name(r) == "openai"]
    lower = re.search(r">=([\d.]+)", floor)
    assert lower is not None
    pinned = meta["optional-dependencies"]["conformance-openai"][0]
    assert pinned.split("==")[1].startswith(lower.group(1))
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    assert f"=={pinned.split('==')[1]}" in tox["testenv:openai-floor"]["deps"]


def test_the_slow_tier_is_left_out_by_default_and_run_by_ci() -> None:
    """The README's command deselects only `slow` tests, and `.ci/run` runs that tier, so CI runs every test."""
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "-m 'not slow'" in ini["addopts"]
    assert any(marker.startswith("slow:") for marker in ini["markers"])
    assert "pytest -n auto -m slow" in (ROOT / ".ci" / "run").read_text()
