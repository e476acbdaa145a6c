"""Helpers for the side-endpoint tests: raw HTTP calls and the spec + SDK checks of a body."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from pydantic import BaseModel
from testkit import spec

from fake_server import FakeServer


async def call(server: FakeServer, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    """One raw request (``path`` after ``/v1``); the status and the parsed JSON body."""
    headers = {"Authorization": "Bearer k", "Content-Type": "application/json"}
    data = None if body is None else body if isinstance(body, (str, bytes)) else json.dumps(body)
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{server.url}{path}", data=data, headers=headers) as resp,
    ):
        return resp.status, json.loads(await resp.read())


def assert_conforms(component: str, sdk_type: type[BaseModel], body: dict[str, Any]) -> None:
    """The body validates against the OpenAPI component and parses with the SDK's own type, strictly."""
    problems = spec().check(component, body, component)
    assert not problems, "\n".join(problems)
    sdk_type.model_validate(body, strict=True)


def assert_error_conforms(body: dict[str, Any]) -> None:
    problems = spec().check_error_body(body)
    assert not problems, "\n".join(problems)
