"""Source, validate and model in one call: what every command starts with."""

from __future__ import annotations

from .model import Model, build_model
from .source import environment_timeout, load_source
from .validate import validate


def load_model(source: str, *, timeout: float | None = None) -> Model:
    """Read a source (root URL, directory or bundle), validate it and build the model."""
    documents = load_source(source, timeout=environment_timeout() if timeout is None else timeout)
    return build_model(validate(documents))
