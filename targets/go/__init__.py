"""The Go emitter: a Go module with one package per service and the tcclient runtime."""

from __future__ import annotations

from .emitter import GoTarget

TARGET = GoTarget()

__all__ = ["TARGET", "GoTarget"]
