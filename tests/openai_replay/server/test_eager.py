"""A coroutine started at once runs in the caller's stack until it waits, then goes on in a task exactly as awaiting it would."""

from __future__ import annotations

import asyncio

import pytest

from openai_replay.server.eager import start


async def test_a_coroutine_that_never_waits_finishes_before_start_returns() -> None:
    """No task is made: its effects are there when start returns None."""
    seen: list[str] = []

    async def quick() -> None:
        seen.append("ran")

    assert start(quick()) is None
    assert seen == ["ran"]


async def test_the_rest_runs_in_a_task_with_results_exceptions_and_bare_yields() -> None:
    """After its first wait the coroutine gets each future's result or exception, and a bare yield (sleep(0)) too."""
    loop = asyncio.get_running_loop()
    first, second = loop.create_future(), loop.create_future()
    seen: list[object] = []

    async def waits() -> None:
        seen.append("before")
        seen.append(await first)
        await asyncio.sleep(0)
        try:
            await second
        except ValueError as exc:
            seen.append(f"caught {exc}")
        seen.append(asyncio.current_task() is not None)

    rest = start(waits())
    assert rest is not None and seen == ["before"]
    first.set_result(42)
    await asyncio.sleep(0.01)
    assert seen == ["before", 42] and not rest.done()
    second.set_exception(ValueError("boom"))
    await asyncio.wait_for(rest, 5)
    assert seen == ["before", 42, "caught boom", True]


async def test_cancelling_the_rest_cancels_the_coroutine_where_it_waits() -> None:
    """Cancelling the task raises CancelledError at the coroutine's own await, runs its finally, and cancels what it waited on."""
    waited = asyncio.get_running_loop().create_future()
    seen: list[str] = []

    async def stalls() -> None:
        try:
            await waited
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        finally:
            seen.append("finally")

    rest = start(stalls())
    assert rest is not None
    await asyncio.sleep(0)
    rest.cancel()
    with pytest.raises(asyncio.CancelledError):
        await rest
    assert seen == ["cancelled", "finally"] and waited.cancelled()


async def test_an_exception_before_any_wait_reaches_the_caller() -> None:
    """A coroutine that fails before waiting raises in start's caller, as a plain call would."""

    async def fails() -> None:
        raise KeyError("now")

    with pytest.raises(KeyError):
        start(fails())
