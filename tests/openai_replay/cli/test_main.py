"""`openai-replay --help` lists `bench` only where it works (a source checkout)."""

from __future__ import annotations

from openai_replay.cli.main import bench_available, build_parser


def test_bench_is_listed_in_a_checkout_and_hidden_in_an_install() -> None:
    """With benchmarks/run.py at hand, --help shows bench; without it (an installed package), it does not."""
    assert bench_available()  # the tests run from this checkout
    assert "bench" in build_parser(with_bench=True).format_help()
    assert "bench" not in build_parser(with_bench=False).format_help()
