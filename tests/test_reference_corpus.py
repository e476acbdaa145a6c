"""Tests that need the reference corpus skip without it, saying how to get it, and fail under CI."""

from __future__ import annotations

import pytest

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""
INNER = """
from testkit import shared_file


def test_reads_the_spec():
    assert shared_file("openapi", "openapi.yaml").is_file()
"""


def test_a_missing_corpus_skips_with_how_to_get_it(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the corpus absent the test is skipped, and the reason names the script and the variable."""
    monkeypatch.setenv("OPENAI_REPLAY_REFERENCE", str(pytester.path / "no-corpus"))
    monkeypatch.delenv("OPENAI_REPLAY_REQUIRE_REFERENCE", raising=False)
    pytester.makeini(INI)
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*missing*no-corpus*scripts/fetch-reference-data*OPENAI_REPLAY_REFERENCE=*"])


def test_a_missing_corpus_fails_when_required(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under OPENAI_REPLAY_REQUIRE_REFERENCE=1 (CI) the same test fails instead of skipping."""
    monkeypatch.setenv("OPENAI_REPLAY_REFERENCE", str(pytester.path / "no-corpus"))
    monkeypatch.setenv("OPENAI_REPLAY_REQUIRE_REFERENCE", "1")
    pytester.makeini(INI)
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*OPENAI_REPLAY_REQUIRE_REFERENCE=1: a missing corpus is a failure*"])


def test_the_corpus_is_found_through_the_variable(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_REPLAY_REFERENCE points the tests at a corpus anywhere on disk."""
    (pytester.path / "corpus" / "openapi").mkdir(parents=True)
    (pytester.path / "corpus" / "openapi" / "openapi.yaml").write_text("openapi: 3.1.0\n")
    monkeypatch.setenv("OPENAI_REPLAY_REFERENCE", str(pytester.path / "corpus"))
    pytester.makeini(INI)
    pytester.makepyfile(test_inner=INNER)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_run_with_corpus_skips_ends_with_one_line_saying_how_many_and_why(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without -rs, the run's last lines still count the corpus skips and say how to get the corpus."""
    monkeypatch.setenv("OPENAI_REPLAY_REFERENCE", str(pytester.path / "no-corpus"))
    monkeypatch.delenv("OPENAI_REPLAY_REQUIRE_REFERENCE", raising=False)
    pytester.makeini(INI)
    pytester.makeconftest("from testkit import corpus_skip_summary as pytest_terminal_summary  # noqa: F401\n")
    pytester.makepyfile(test_inner=INNER + "\n\ndef test_also():\n    test_reads_the_spec()\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["openai-replay: 2 test(s) skipped: the reference corpus*scripts/fetch-reference-data*"])
