# Runtime copied by tcgen into every generated Python client; do not edit.
"""Pulse exchange bindings: exchange names and routing-key patterns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Binding:
    """A Pulse queue binding: the exchange, a routing-key pattern and the message schema."""

    exchange: str
    routing_key_pattern: str
    schema: str


@dataclass(frozen=True)
class RoutingKeyWord:
    """One routing-key part as a binding needs it.

    `value` is the caller's value, the part's constant, or None for "match
    anything": `#` when the part may span several words, `*` otherwise.
    """

    name: str
    value: str | None
    multiple_words: bool = False

    def pattern(self) -> str:
        if self.value is None:
            return "#" if self.multiple_words else "*"
        if not isinstance(self.value, str):
            raise TypeError(f"routing-key part {self.name!r} must be a string, not {self.value!r}")
        if not self.multiple_words and ("." in self.value or self.value == ""):
            raise ValueError(
                f"invalid routing-key part {self.name!r}: {self.value!r} must be one non-empty word without '.'"
            )
        return self.value


class BaseEvents:
    """Shared behaviour of every service's exchange helper.

    `root_url` only makes the schema a full URL; without it, the schema is the
    root-relative path that every deployment serves it under.
    """

    _exchange_prefix = ""

    def __init__(self, root_url: str | None = None) -> None:
        self._root_url = (root_url or "").rstrip("/")

    @property
    def root_url(self) -> str | None:
        """The deployment's root URL without a trailing slash, or None."""
        return self._root_url or None

    def _binding(self, exchange: str, schema: str, words: Sequence[RoutingKeyWord]) -> Binding:
        return Binding(
            exchange=self._exchange_prefix + exchange,
            routing_key_pattern=".".join(word.pattern() for word in words),
            schema=f"{self._root_url}{schema}",
        )
