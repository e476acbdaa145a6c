"""The client registry: names, extras, and why a client cannot run here."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_replay.conformance.clients import BY_NAME, CLIENTS, select


def test_an_extra_selects_all_its_clients_in_order() -> None:
    """Naming an extra (livekit) selects the clients it installs; names and extras mix without repeats."""
    assert [c.name for c in select(["livekit"])] == ["livekit-ws", "livekit-http", "livekit-chat"]
    assert [c.name for c in select(["livekit-http", "livekit"])] == ["livekit-http", "livekit-ws", "livekit-chat"]
    assert [c.name for c in select(None)] == [c.name for c in CLIENTS]


def test_an_unknown_client_is_refused_with_the_known_names() -> None:
    """A typo names every known client and extra."""
    with pytest.raises(KeyError, match="pipecat-ws"):
        select(["pipecat-websocket"])


def test_a_client_whose_package_is_absent_says_how_to_install_it() -> None:
    """missing() names the module and the extra to install when the client is not importable."""
    client = BY_NAME["videosdk-ws"]
    fake = type(client)(client.name, client.adapter, client.extra, "no_such_module_for_conformance")
    assert fake.missing() == ("no_such_module_for_conformance is not importable here (pip install -e '.[conformance-videosdk]')")


def test_the_js_client_without_node_modules_says_to_run_npm_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With no @livekit packages in the Node directory, the JS client reports the npm ci command."""
    monkeypatch.setenv("OPENAI_REPLAY_NODE_DIR", str(tmp_path))
    problem = BY_NAME["livekit-js-ws"].missing()
    assert problem is not None
    assert f"npm ci --prefix {tmp_path}" in problem or problem == "node is not installed"
