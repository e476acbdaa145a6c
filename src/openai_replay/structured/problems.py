"""The two ways a schema goes unanswered: no value exists (the real API's 400), or none was found."""

from __future__ import annotations


class Unsatisfiable(ValueError):
    """No value can satisfy the schema (or it is not a valid schema): the real API's 400."""


class NoValue(ValueError):
    """The schema may have values, but this generator cannot derive one (the reason says which keyword)."""
