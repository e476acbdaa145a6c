"""Redaction and matching from pytest (`openai_replay_config` with vcrpy's words): the documented
no_emails example runs as written, keeps the email out of the cassette both ways, and still replays."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from pluginkit import RECORDING_INI as INI

from fake_server import FakeServer
from openai_replay.cassette import interactions, load_cassette
from openai_replay.pytest_plugin.settings import SettingsError, resolve

DOCS = Path(__file__).resolve().parents[3] / "docs" / "cassettes.md"


def documented_example() -> str:
    """The python block that follows 'keeps an email address out of the cassette' in docs/cassettes.md."""
    text = DOCS.read_text()
    start = text.index("keeps an email address out of the cassette")
    found = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert found, "the no_emails example is missing from docs/cassettes.md"
    return found.group(1)


def test_documented_no_emails_example_records_clean_and_replays(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """The docs' example, run as written: recorded with no email (request or echoed reply), replayed offline."""
    pytester.makeini(INI.format(url=upstream.url))
    pytester.makepyfile(test_emails=documented_example())
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    (cassette,) = pytester.path.rglob("test_support_reply.json")
    text = cassette.read_text()
    assert "alice@example.com" not in text and text.count("user@example.com") >= 2
    (item,) = interactions(load_cassette(cassette))
    assert "user@example.com" in (item.request_text or "") and "user@example.com" in (item.body or "")
    seen = len(upstream.log)
    pytester.runpytest().assert_outcomes(passed=1)  # mode none: the live request is redacted before matching
    assert len(upstream.log) == seen


def test_filters_reach_headers_query_and_post_data(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """filter_headers, filter_query_parameters and filter_post_data_parameters from the fixture shape the cassette."""
    pytester.makeini(INI.format(url=upstream.url))
    pytester.makepyfile(
        test_filters=textwrap.dedent(
            """
            import pytest

            @pytest.fixture
            def openai_replay_config():
                return {"filter_headers": [("x-trace", "T")], "filter_query_parameters": ["tenant"],
                        "filter_post_data_parameters": [("user", None)]}

            @pytest.mark.openai_replay
            def test_filtered(openai_server, openai_client):
                reply = openai_client.responses.create(
                    model="m", input="hi", user="someone-private",
                    extra_headers={"x-trace": "trace-value-1"}, extra_query={"tenant": "acme-tenant"})
                assert reply.output_text
            """
        )
    )
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    (cassette,) = pytester.path.rglob("test_filtered.json")
    (exchange,) = load_cassette(cassette).connections
    text = cassette.read_text()
    assert "someone-private" not in text and "trace-value-1" not in text and "acme-tenant" not in text
    assert exchange.request_headers["x-trace"] == "T" and exchange.query == "tenant=REDACTED"
    pytester.runpytest().assert_outcomes(passed=1)


def test_bad_config_values_are_usage_errors() -> None:
    """Unknown matchers, non-callable hooks and malformed filters name the fixture and what is expected."""
    for config, expected in (
        ({"match_on": ["nope"]}, "unknown matcher 'nope' in match_on; known: transport, method, path, query, body"),
        ({"before_record_request": "x"}, "before_record_request must be a function"),
        ({"filter_headers": [("a", 1)]}, "filter_headers entry ('a', 1) is not a name or a (name, replacement) pair"),
    ):
        with pytest.raises(SettingsError, match=re.escape(expected)):
            resolve(cli={}, marker={}, config=config, ini={})
    settings = resolve(cli={}, marker={}, config={"match_on": ["path", "body"], "filter_headers": "x-a"}, ini={})
    assert settings.match_on == ("path", "body") and settings.filter_headers == ("x-a",)


def test_hooks_copied_from_vcrpys_docs_work_unchanged(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """vcrpy's documented before_record_request (drop a path) and scrub_string response hook shape the cassette."""
    pytester.makeini(INI.format(url=upstream.url))
    pytester.makepyfile(
        test_vcrpy_hooks=textwrap.dedent(
            """
            import pytest

            def before_record_cb(request):  # vcrpy docs: "Custom Request filtering"
                if request.path != '/login':
                    assert request.uri == request.url and request.uri.endswith('/v1/responses'), request.uri
                    assert request.method == 'POST' and request.host == '127.0.0.1' and request.query == []
                    request.body = request.body.replace(b'private-name', b'NAME')
                    return request

            def scrub_string(string, replacement=''):  # vcrpy docs: "Custom Response Filtering"
                def before_record_response(response):
                    response['body']['string'] = response['body']['string'].replace(string, replacement)
                    return response
                return before_record_response

            @pytest.fixture
            def openai_replay_config():
                return {"before_record_request": before_record_cb,
                        "before_record_response": scrub_string(b'secret-word', b'XXX')}

            @pytest.mark.openai_replay
            def test_hooked(openai_server, openai_client):
                assert openai_client.responses.create(model="m", input="say secret-word", user="private-name").output_text
            """
        )
    )
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    (cassette,) = pytester.path.rglob("test_hooked.json")
    text = cassette.read_text()
    assert "You said: say XXX" in text and "You said: say secret-word" not in text  # the response hook
    assert '\\"user\\":\\"NAME\\"' in text  # the request hook, on the request body
    pytester.runpytest().assert_outcomes(passed=1)  # replays: the live request goes through the same hook


def test_allow_playback_repeats_answers_a_repeated_request_from_the_played_interaction(
    pytester: pytest.Pytester, upstream: FakeServer
) -> None:
    """vcrpy's allow_playback_repeats: one recorded call answers the same request twice; without it the second fails."""
    pytester.makeini(INI.format(url=upstream.url))
    test = """
    import pytest

    @pytest.mark.openai_replay(cassette="once.json"{extra})
    def test_twice(openai_server, openai_client):
        for _ in range({times}):
            assert openai_client.with_options(max_retries=0).responses.create(model="m", input="hi").output_text
    """
    pytester.makepyfile(test_repeats=textwrap.dedent(test.format(extra="", times=1)))
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    pytester.makepyfile(test_repeats=textwrap.dedent(test.format(extra="", times=2)))
    pytester.runpytest().assert_outcomes(failed=1)
    pytester.makepyfile(test_repeats=textwrap.dedent(test.format(extra=", allow_playback_repeats=True", times=2)))
    pytester.runpytest().assert_outcomes(passed=1)
