"""The runner drives a real client (the openai SDK, a core dependency) against a real fake server."""

from __future__ import annotations

import json
from pathlib import Path

from openai_replay.cli.main import main as cli_main
from openai_replay.conformance.adapter import Setting
from openai_replay.conformance.adapters.openai_sdk import OpenAIHttpAdapter, OpenAIWebSocketAdapter
from openai_replay.conformance.checks import check
from openai_replay.conformance.runner import run_check


async def test_a_passing_cell_carries_its_turns_and_requests_but_no_timeline() -> None:
    """plain_turn over the SDK's WebSocket passes, with the turn's text and the one request as evidence."""
    cell = await run_check(OpenAIWebSocketAdapter, check("plain_turn"))
    assert (cell["status"], cell["reason"]) == ("pass", "one request, the whole answer")
    assert cell["turns"][0]["text"] == "You said: Hello there"
    assert len(cell["requests"]) == 1 and "completed" in cell["requests"][0]
    assert "timeline" not in cell


async def test_a_failing_cell_keeps_the_timeline_of_the_exchange() -> None:
    """The SDK's WebSocket has no recovery of its own, so a cache miss fails and the timeline shows the error."""
    cell = await run_check(OpenAIWebSocketAdapter, check("previous_response_not_found"))
    assert cell["status"] == "fail"
    assert "previous_response_not_found" in cell["timeline"]


async def test_a_check_for_another_transport_is_not_applicable_without_running() -> None:
    """A WebSocket-only check is n/a for an HTTP client, with the reason, and sends nothing."""
    cell = await run_check(OpenAIHttpAdapter, check("connection_limit"))
    assert (cell["status"], cell["reason"]) == ("n/a", "ws only; this client is http")
    assert "requests" not in cell


class _SettingInOneCheck(OpenAIWebSocketAdapter):
    """The SDK's WebSocket adapter, declaring a setting it would change in plain_turn only."""

    settings = {"timeout=1.0": Setting("none", "for the test", ("plain_turn",))}
    seen: list[bool] = []

    async def open(self) -> None:
        self.seen.append(self.changed("timeout=1.0"))
        await super().open()


async def test_a_setting_changes_only_in_the_checks_it_names_and_their_cells_say_so() -> None:
    """A setting declared for plain_turn is on (and named in the cell) there, and off and unnamed in chained_turn."""
    named = await run_check(_SettingInOneCheck, check("plain_turn"))
    other = await run_check(_SettingInOneCheck, check("chained_turn"))
    assert _SettingInOneCheck.seen == [True, False]
    assert named["reason"].endswith("[non-default in this check: timeout=1.0]")
    assert named["facts"]["non_default_settings"] == ["timeout=1.0"]
    assert "non-default" not in other["reason"] and "non_default_settings" not in other["facts"]


def test_the_cli_renders_an_earlier_run_to_markdown_and_json(tmp_path: Path, capsys: object) -> None:
    """'openai-replay conformance --from-json' prints the table and writes conformance.md and .json."""
    run = {
        "clients": {"openai-ws": {"cells": [{"check": "plain_turn", "client": "openai-ws", "status": "pass", "reason": "ok"}]}}
    }
    source = tmp_path / "run.json"
    source.write_text(json.dumps(run))
    assert cli_main(["conformance", "--from-json", str(source), "--output", str(tmp_path / "out")]) == 0
    assert "| [plain_turn](#plain-turn) | pass |" in (tmp_path / "out" / "conformance.md").read_text()
    assert json.loads((tmp_path / "out" / "conformance.json").read_text())["clients"]["openai-ws"]["cells"][0]["status"] == "pass"
