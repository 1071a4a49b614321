"""The one error type the pipeline raises for bad input."""

from __future__ import annotations


class TcgenError(Exception):
    """Bad input or a failed step, with where it happened and what to do next.

    `document` is the reference or schema path (or URL) the problem is in,
    `pointer` a JSON pointer inside that document, `hint` the next step for
    the user. The CLI prints all of them and exits with status 2.
    """

    def __init__(
        self,
        message: str,
        *,
        document: str = "",
        pointer: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.document = document
        self.pointer = pointer
        self.hint = hint

    def __str__(self) -> str:
        lines = [self.message]
        if self.document:
            location = self.document
            if self.pointer:
                location += f" at {self.pointer}"
            lines.append(f"  in: {location}")
        if self.hint:
            lines.append(f"  fix: {self.hint}")
        return "\n".join(lines)


def escape_pointer_token(token: str | int) -> str:
    """Escape one JSON pointer token as RFC 6901 requires."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(*tokens: str | int) -> str:
    """Build a JSON pointer from unescaped tokens: ("entries", 3) -> /entries/3."""
    return "".join("/" + escape_pointer_token(token) for token in tokens)
