"""Run a log assertion by name with JSON arguments: how ``POST /__replay/assert/{name}`` reaches
``assert_chained``, ``assert_retried`` and the rest from a test in any language.

Every ``assert_*`` method of `LogAssertions` is available under its name without the prefix
(``chained``, ``retried``, ``full_context``, ``reconnected``, ``cancelled``, ``one_in_flight``,
``all_closed``, and any added later). Arguments are a JSON object of the method's keyword names; a
``*turns`` parameter takes a list (``{"turns": [2, 3]}``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from openai_replay.log.assertions import LogAssertions
from openai_replay.log.export import export_connection, export_request
from openai_replay.log.journal import LogRecords
from openai_replay.log.records import ConnectionRecord, RequestRecord
from openai_replay.log.timeline import render

__all__ = ["AssertionArgumentError", "AssertionOutcome", "UnknownAssertion", "assertion_names", "run_assertion"]

PREFIX = "assert_"


class UnknownAssertion(LookupError):
    """No assertion has that name; the message lists the known ones."""


class AssertionArgumentError(ValueError):
    """The arguments do not fit the assertion; the message says which and what it takes."""


@dataclass
class AssertionOutcome:
    """What an assertion said: passed, or the failure text; and the exchange as a timeline."""

    name: str
    passed: bool
    failure: str | None
    result: dict[str, Any] | None
    timeline: str

    def to_json(self) -> dict[str, Any]:
        return {
            "assertion": self.name,
            "passed": self.passed,
            "failure": self.failure,
            "result": self.result,
            "timeline": self.timeline,
        }


def assertion_names() -> list[str]:
    """The names ``run_assertion`` knows, sorted."""
    return sorted(name[len(PREFIX) :] for name in dir(LogAssertions) if name.startswith(PREFIX))


def signature_of(name: str) -> str:
    """``retried(code, connection='any', ...)``: how a person calls it."""
    method = getattr(LogAssertions, PREFIX + name)
    params = list(inspect.signature(method).parameters.values())[1:]  # without self
    return f"{name}({', '.join(_describe(p) for p in params)})"


def _describe(param: inspect.Parameter) -> str:
    if param.kind is inspect.Parameter.VAR_POSITIONAL:
        return f"{param.name}=[...]"
    if param.default is inspect.Parameter.empty:
        return param.name
    return f"{param.name}={param.default!r}"


def run_assertion(log: LogRecords, name: str, args: Any = None) -> AssertionOutcome:
    """Run assertion ``name`` on ``log`` with ``args`` (a JSON object, or None for no arguments)."""
    method = getattr(LogAssertions, PREFIX + name, None) if name in assertion_names() else None
    if method is None:
        raise UnknownAssertion(f"no assertion named {name!r}; known: {', '.join(assertion_names())}")
    positional, keywords = _bind(name, method, args)
    try:
        value = method(log, *positional, **keywords)
    except (AssertionError, LookupError) as exc:  # LookupError: a request the log does not have
        return AssertionOutcome(name, False, str(exc), None, render(log, max_lines=10**9))
    except (TypeError, ValueError) as exc:
        raise AssertionArgumentError(f"{signature_of(name)}: {exc}") from None
    return AssertionOutcome(name, True, None, _result(value), render(log, max_lines=10**9))


def _bind(name: str, method: Any, args: Any) -> tuple[list[Any], dict[str, Any]]:
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise AssertionArgumentError(f"{signature_of(name)}: arguments are a JSON object, got {type(args).__name__}")
    params = list(inspect.signature(method).parameters.values())[1:]
    known = {p.name: p for p in params}
    unknown = sorted(set(args) - set(known))
    if unknown:
        raise AssertionArgumentError(f"{signature_of(name)} takes no argument {', '.join(map(repr, unknown))}")
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for param in params:
        if param.name not in args:
            if param.default is inspect.Parameter.empty and param.kind is not inspect.Parameter.VAR_POSITIONAL:
                raise AssertionArgumentError(f"{signature_of(name)}: missing argument {param.name!r}")
            continue
        value = args[param.name]
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            if not isinstance(value, list):
                raise AssertionArgumentError(f"{signature_of(name)}: {param.name!r} is a list, got {value!r}")
            positional.extend(value)
        else:
            keywords[param.name] = value
    _check_types(name, params, args)
    return positional, keywords


def _check_types(name: str, params: list[inspect.Parameter], args: dict[str, Any]) -> None:
    """Turns are whole numbers and codes are strings: catch JSON of the wrong kind before it runs."""
    for param in params:
        if param.name not in args:
            continue
        value = args[param.name]
        values = value if param.kind is inspect.Parameter.VAR_POSITIONAL else [value]
        for item in values:
            if param.name in ("turn", "max_attempts") and item is None:
                continue
            whole = isinstance(item, int) and not isinstance(item, bool)
            counted = param.name in ("turn", "turns", "max_attempts")
            wrong = (counted and not whole) or (param.name == "code" and not isinstance(item, str))
            if wrong:
                raise AssertionArgumentError(f"{signature_of(name)}: {param.name!r} got {item!r}")
            if param.name == "wait" and not _seconds_within(item, MAX_WAIT):
                raise AssertionArgumentError(
                    f"{signature_of(name)}: 'wait' is a number of seconds from 0 to {MAX_WAIT:g}, got {str(item)[:40]!r}"
                )


#: The longest ``wait`` an assertion run by name may take (each waits in one of a few worker threads).
MAX_WAIT = 30.0


def _seconds_within(value: Any, most: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= most


def _result(value: Any) -> dict[str, Any] | None:
    if isinstance(value, RequestRecord):
        return {"request": export_request(value)}
    if isinstance(value, ConnectionRecord):
        return {"connection": export_connection(value)}
    return None
