"""JavaScript target: an ES module client package with TypeScript declarations."""

from .emitter import JsTarget

TARGET = JsTarget()

__all__ = ["TARGET", "JsTarget"]
