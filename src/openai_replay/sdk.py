"""The official openai SDK, for the few parts that drive it (the demo, the client fixtures, conformance).

openai-replay does not depend on the SDK (it installs beside libraries that pin an older one); the
parts that need it import it through `require_openai`, which names the extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRA_HINT = "pip install 'openai-replay[sdk]'"


class MissingSdk(ImportError):
    """The openai SDK is not installed; the message says what needed it and how to install it."""


def require_openai(what: str) -> ModuleType:
    """The ``openai`` module, or `MissingSdk` saying that ``what`` needs it and how to install it."""
    try:
        return importlib.import_module("openai")
    except ImportError as exc:
        message = f"{what} drives the official openai SDK, which is not installed: {EXTRA_HINT} (or pip install openai)"
        raise MissingSdk(message) from exc
