"""Checks events against OpenAI's OpenAPI spec, tolerating only the known real-API deviations.

Usage (the spec file is not shipped with the package; point at a copy of ``openapi.yaml``)::

    checker = SpecChecker.from_file("openapi.yaml")
    problems = checker.check_stream_event(event)     # [] when the event conforms

`KNOWN_DEVIATIONS` is the one list of places where real traffic (and so this fake server)
departs from the spec (protocol.md §4 "Known mismatches"). Nothing outside it is tolerated.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


@dataclass(frozen=True)
class Deviation:
    """A tolerated schema error: for ``event_types`` at ``path`` (``*`` wildcards), optionally only
    when the validator's message contains ``message``."""

    event_types: str
    path: str
    why: str
    message: str = ""


KNOWN_DEVIATIONS: tuple[Deviation, ...] = (
    Deviation("response.*", "response.user", "OAS: string; real traffic sends null"),
    Deviation("response.*", "response.usage", "OAS: object; real traffic sends null before completion and on failure"),
    Deviation("response.failed", "response.error.code", "ResponseError.code enum lacks real codes (e.g. insufficient_quota)"),
    Deviation(
        "response.incomplete",
        "response.incomplete_details*",
        "emulated cancel (cancel_mode='honour') reports reason 'cancelled', outside the OAS enum",
        "'cancelled'",
    ),
    Deviation("response.function_call_arguments.done", "", "OAS requires 'name'; real events omit it", "'name'"),
    Deviation("error", "error", "the documented connection-limit frame has no 'param' key", "'param'"),
    # Realtime (kinds ``realtime:<type>``; `openai_replay.realtime.fidelity`): real session events (2026 captures)
    Deviation(
        "realtime:session.*",
        "session.audio.input.transcription*",
        "OAS: object/strings; real sessions send null when off or unset",
        "None",
    ),
    Deviation(
        "realtime:session.*", "session.audio.input.noise_reduction", "OAS: object; real sessions send null when off", "None"
    ),
    Deviation("realtime:session.*", "session.include", "OAS: array; real sessions send null", "None"),
    Deviation("realtime:response.*", "response.status_details", "OAS: object; real responses send null until they end", "None"),
    Deviation("realtime:response.created", "response.usage", "OAS: object; real response.created sends null", "None"),
    Deviation(
        "realtime:response.*",
        "response.conversation_id",
        "OAS: string; the API reference gives null for an out-of-band response (conversation: none)",
        "None",
    ),
    Deviation(
        "realtime:conversation.item.*",
        "item.content.*.transcript",
        "OAS: string; a user's input_audio has null until transcribed",
        "None",
    ),
    # Chat Completions (kinds ``chat.completion.chunk`` and ``chat.completion``; `openai_replay.chat.fidelity`)
    Deviation("chat.completion.chunk", "choices.*.logprobs", "OAS: object; real chunks send null", "None"),
    Deviation("chat.completion.chunk", "choices.*.finish_reason", "OAS: enum string; chunks send null until the end", "None"),
    Deviation("chat.completion.chunk", "usage", "OAS: object; with include_usage real chunks send null until the last", "None"),
    Deviation("chat.completion", "system_fingerprint", "OAS: string; real bodies send null for gpt-5 (2025-08)", "None"),
    Deviation("chat.completion", "choices.*", "OAS requires 'logprobs'; real gpt-5 bodies (2025-08) omit it", "'logprobs'"),
    Deviation(
        "CreateEmbeddingResponse",
        "data.*.embedding",
        "OAS: an array of numbers; with encoding_format base64 (the openai SDK's default) real bodies send one base64 "
        "string of float32s (real-cassettes-surface embeddings/otel-python-contrib__test_embeddings_with_encoding_format)",
        "is not of type 'array'",
    ),
)


def is_tolerated(event_type: str, path: str, message: str) -> bool:
    """True when a schema error for ``event_type`` at ``path`` is one of `KNOWN_DEVIATIONS`."""
    return any(
        fnmatch.fnmatchcase(event_type, dev.event_types) and fnmatch.fnmatchcase(path, dev.path) and dev.message in message
        for dev in KNOWN_DEVIATIONS
    )


def _only_oneof_overlap(error: jsonschema.ValidationError) -> bool:
    """The spec's own defect: a value rejected only because it matches several ``oneOf`` branches
    (e.g. a user message is both an EasyInputMessage and an InputMessage). Not a payload problem."""
    if error.validator == "oneOf" and "is valid under each of" in error.message:
        return True
    if error.validator in ("anyOf", "oneOf") and error.context:
        return any(_only_oneof_overlap(sub) for sub in error.context)
    return False


class SpecChecker:
    """Validates events, error frames and responses against the spec's component schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource("urn:oas", resource)
        self._validators: dict[str, jsonschema.Draft202012Validator] = {}

    @classmethod
    def from_file(cls, path: str | Path) -> SpecChecker:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.load(handle, Loader=loader))

    def validator(self, component: str) -> jsonschema.Draft202012Validator:
        if component not in self._validators:
            schema = {"$ref": f"urn:oas#/components/schemas/{component}"}
            self._validators[component] = jsonschema.Draft202012Validator(schema, registry=self.registry)
        return self._validators[component]

    @cached_property
    def event_components(self) -> dict[str, str]:
        """Event ``type`` -> component schema name, read from ``ResponseStreamEvent``."""
        schemas = self.spec["components"]["schemas"]
        mapping = {}
        for ref in schemas["ResponseStreamEvent"]["anyOf"]:
            name = ref["$ref"].rsplit("/", 1)[-1]
            type_schema = schemas[name].get("properties", {}).get("type", {})
            for value in type_schema.get("enum", []) or [type_schema.get("const")]:
                if value:
                    mapping[value] = name
        return mapping

    def check(self, component: str, obj: Any, kind: str, prefix: str = "") -> list[str]:
        """Problems with ``obj`` against a component schema, minus the deviations listed for ``kind``."""
        return self._errors(component, obj, kind, prefix)

    def _errors(self, component: str, obj: Any, event_type: str, prefix: str = "") -> list[str]:
        problems = []
        for error in self.validator(component).iter_errors(obj):
            if _only_oneof_overlap(error):
                continue
            path = prefix + ".".join(str(p) for p in error.absolute_path)
            if not is_tolerated(event_type, path, error.message):
                problems.append(f"{component} at '{path or '<root>'}': {error.message[:300]}")
        return problems

    def check_stream_event(self, event: dict[str, Any]) -> list[str]:
        """Problems with one SSE/WS event (a WS ``stream_id`` is checked against the v2 rule)."""
        event_type = str(event.get("type"))
        body = {k: v for k, v in event.items() if k != "stream_id"}
        if event_type == "error":
            return self.check_ws_error(event)
        component = self.event_components.get(event_type)
        if component is None:
            return [f"event type {event_type!r} is not in ResponseStreamEvent"]
        problems = self._errors(component, body, event_type)
        if "stream_id" in event and not isinstance(event["stream_id"], str):
            problems.append("stream_id must be a string")
        return problems

    def check_ws_error(self, frame: dict[str, Any]) -> list[str]:
        return self._errors("ResponseWsError", frame, "error")

    def check_response(self, obj: dict[str, Any]) -> list[str]:
        return self._errors("Response", obj, "response.*", prefix="response.")

    def check_error_body(self, body: dict[str, Any]) -> list[str]:
        return self._errors("ErrorResponse", body, "error-body")

    def check_create_request(self, payload: dict[str, Any]) -> list[str]:
        return self._errors("CreateResponse", payload, "create")
