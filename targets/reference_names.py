"""The rule all three naming layers apply to a reference name before changing its case.

Taskcluster references spell names as ASCII words joined by '-' (`purge-cache`,
`createTask`). A name is usable when it is ASCII, contains at least one letter or
digit, and its first letter or digit is a letter. Every other ASCII character
separates words and is dropped. Any other name raises a TcgenError that points
at the entry, so no character disappears silently and no name depends on a
transliteration table:

    "purge-cache" -> ["purge", "cache"]      "grüße" -> error: 'ü' is not ASCII
    "a.b"         -> ["a", "b"]              "1task" -> error: starts with a digit
"""

from __future__ import annotations

import re

from generator.errors import TcgenError, join_pointer
from generator.model import Exchange, Method, Service

_WORD = re.compile(r"[A-Za-z0-9]+")


def ascii_words(name: str, *, language: str, kind: str = "name", where: str = "") -> list[str]:
    """Split `name` into its ASCII letter-and-digit words, or raise if `language` cannot use it.

    `where` is "document#pointer" of the name in its reference, as the model's
    Method.pointer and Exchange.pointer are spelled; the error carries both.
    """
    words = _WORD.findall(name)
    reason, hint = "", f"rename the {kind} in the reference so it starts with an ASCII letter"
    if not name:
        reason, hint = "it is empty", f"give the {kind} a name in the reference"
    elif not name.isascii():
        character = next(char for char in name if not char.isascii())
        reason = f"{character!r} (U+{ord(character):04X}) is not an ASCII character"
        hint = (
            f"rename the {kind} in the reference using ASCII letters, digits and '-'. "
            "tcgen does not transliterate, so that no language silently gets a different name"
        )
    elif not words:
        reason = "it has no ASCII letters or digits"
    elif not words[0][0].isalpha():
        reason = f"it starts with a digit, which a {language} identifier cannot"
    if reason:
        document, _, pointer = where.partition("#")
        raise TcgenError(
            f"cannot make a {language} name from the {kind} name {name!r}: {reason}",
            document=document,
            pointer=pointer,
            hint=hint,
        )
    return words


def service_name_at(service: Service) -> str:
    """Location of the service name: /serviceName of its API reference, else of its exchanges reference."""
    return f"{service.api_reference or service.exchanges_reference or ''}#/serviceName"


def method_name_at(method: Method) -> str:
    return method.pointer + "/name"


def argument_at(method: Method, index: int) -> str:
    return method.pointer + join_pointer("args", index)


def query_at(method: Method, index: int) -> str:
    return method.pointer + join_pointer("query", index)


def exchange_name_at(exchange: Exchange) -> str:
    return exchange.pointer + "/name"


def routing_key_part_at(exchange: Exchange, index: int) -> str:
    return exchange.pointer + join_pointer("routingKey", index, "name")
