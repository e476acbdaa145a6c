"""The official SDK's clients for a loopback ``http://`` server, without loading certificates.

Building an ``openai`` client loads the system's CA bundle into a fresh SSL context (about 37 ms), even
when every request goes to ``http://127.0.0.1``. As the plugin's ``openai_client`` fixture does, these
give such a client the SDK's own default httpx client with ``verify=False``: nothing else changes, and
an ``https://`` URL (or an explicit ``http_client``) keeps the SDK's defaults.
"""

from __future__ import annotations

from typing import Any

from openai import AsyncOpenAI, DefaultAsyncHttpxClient, DefaultHttpxClient, OpenAI


def async_sdk(*, base_url: str, **options: Any) -> AsyncOpenAI:
    """``AsyncOpenAI(base_url=..., **options)`` for a loopback server."""
    if "http_client" not in options and str(base_url).startswith("http://"):
        options["http_client"] = DefaultAsyncHttpxClient(verify=False)
    return AsyncOpenAI(base_url=base_url, **options)


def sync_sdk(*, base_url: str, **options: Any) -> OpenAI:
    """``OpenAI(base_url=..., **options)`` for a loopback server."""
    if "http_client" not in options and str(base_url).startswith("http://"):
        options["http_client"] = DefaultHttpxClient(verify=False)
    return OpenAI(base_url=base_url, **options)
