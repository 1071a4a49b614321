"""Python emitter: generates a standard-library-only client package."""

from .emitter import PythonTarget

TARGET = PythonTarget()

__all__ = ["TARGET", "PythonTarget"]
