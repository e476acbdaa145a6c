"""Structured output: one deterministic, schema-driven JSON value generator.

The simulated model answers ``json_schema`` (chat ``response_format``, Responses ``text.format``) and
fills placeholder tool arguments with it; a schema no value can satisfy gets the real API's 400.
"""

from openai_replay.structured.generate import Unsatisfiable, generate
from openai_replay.structured.request import format_problem, prompted_reply, requested_format, structured_reply, tool_arguments

__all__ = [
    "Unsatisfiable",
    "format_problem",
    "generate",
    "prompted_reply",
    "requested_format",
    "structured_reply",
    "tool_arguments",
]
