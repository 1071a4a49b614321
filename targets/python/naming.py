"""Python names for what the model holds: snake_case members, PascalCase classes.

A name depends only on the entry it names, so adding a method to one service
never renames anything elsewhere. A name that would clash with a Python
keyword, a builtin (for parameters) or a member the runtime defines gets a
trailing underscore: `from` -> `from_`, `format` -> `format_`.

    createTask -> create_task      purge-cache -> PurgeCache
    sentryDSN  -> sentry_dsn       taskId      -> task_id
"""

from __future__ import annotations

import re

from generator.model import Exchange, Method, Service
from targets.reference_names import (
    argument_at,
    ascii_words,
    exchange_name_at,
    method_name_at,
    query_at,
    routing_key_part_at,
    service_name_at,
)

# Fixed lists rather than `keyword.kwlist` and `dir(builtins)`, so the output does
# not depend on which Python runs the generator.
KEYWORDS = frozenset(
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
        "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
        "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
        "with", "yield",
    }
)
BUILTINS = frozenset(
    {
        "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray",
        "bytes", "callable", "chr", "classmethod", "compile", "complex", "copyright", "credits",
        "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "exit", "filter", "float",
        "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input",
        "int", "isinstance", "issubclass", "iter", "len", "license", "list", "locals", "map", "max",
        "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print", "property",
        "quit", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted",
        "staticmethod", "str", "sum", "super", "tuple", "type", "vars", "zip",
    }
)
# Public members of the runtime's BaseClient and BaseEvents, and the type names the
# generated class bodies use in annotations (a method named `str` would hide the type).
CLIENT_MEMBERS = frozenset({"from_env", "root_url", "str", "bytes"})
EVENTS_MEMBERS = frozenset({"root_url", "str"})
# Parameters every generated method has, or that the body of a method uses.
PARAMETER_NAMES = frozenset({"self", "payload"})
# Names that __init__.py exports from the runtime, or that a service module imports.
RESERVED_CLASS_NAMES = frozenset(
    {"Any", "BaseClient", "BaseEvents", "Binding", "Credentials", "QueryValue", "RoutingKeyWord", "TaskclusterError"}
)

LANGUAGE = "Python"

_ACRONYM_END = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_START = re.compile(r"([a-z0-9])([A-Z])")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]+")


def snake_case(name: str, *, kind: str = "name", where: str = "") -> str:
    """Convert camelCase, PascalCase or dashed names: awsS3Credentials -> aws_s3_credentials.

    Raises a TcgenError at `where` ("document#pointer") for a name that
    targets.reference_names rejects; the result then always starts with a letter.
    """
    ascii_words(name, language=LANGUAGE, kind=kind, where=where)
    spaced = _WORD_START.sub(r"\1_\2", _ACRONYM_END.sub(r"\1_\2", name))
    return _NOT_ALPHANUMERIC.sub("_", spaced).strip("_").lower()


def pascal_case(name: str, *, kind: str = "name", where: str = "") -> str:
    """Convert dashed, snake or camelCase names: purge-cache -> PurgeCache."""
    ascii_words(name, language=LANGUAGE, kind=kind, where=where)
    words = _NOT_ALPHANUMERIC.split(_WORD_START.sub(r"\1_\2", name))
    return "".join(word[:1].upper() + word[1:] for word in words if word)


def avoid(name: str, reserved: frozenset[str]) -> str:
    """Append "_" while the name is a keyword or in `reserved`."""
    while name in KEYWORDS or name in reserved:
        name += "_"
    return name


class PythonNaming:
    """Public Python names; generator.emit.Naming.

    `where` arguments are "document#pointer" of the name in its reference, so
    that a name Python cannot use raises an error pointing at the entry.
    """

    def client_class(self, service: Service) -> str:
        name = pascal_case(service.name, kind="service", where=service_name_at(service))
        # Only events classes end in "Events", so service "x-events" cannot take
        # the name of service "x"'s events class.
        return avoid(name + "_" if name.endswith("Events") else name, RESERVED_CLASS_NAMES)

    def events_class(self, service: Service) -> str:
        name = pascal_case(service.name, kind="service", where=service_name_at(service))
        return avoid(name + "Events", RESERVED_CLASS_NAMES)

    def method(self, service: Service, method: Method) -> str:
        """Name of the method, after checking its argument and query names too.

        The surface names a method before its arguments, so checking them here
        gives every caller an error that points at the entry's own name.
        """
        for index, name in enumerate(method.args):
            self.argument(name, where=argument_at(method, index))
        for index, name in enumerate(method.query):
            self.query(name, where=query_at(method, index))
        return avoid(snake_case(method.name, kind="method", where=method_name_at(method)), CLIENT_MEMBERS)

    def argument(self, name: str, where: str = "") -> str:
        return avoid(snake_case(name, kind="path argument", where=where), BUILTINS | PARAMETER_NAMES)

    def query(self, name: str, where: str = "") -> str:
        return avoid(snake_case(name, kind="query parameter", where=where), BUILTINS | PARAMETER_NAMES)

    def exchange(self, service: Service, exchange: Exchange) -> str:
        """Name of the exchange helper, after checking its routing-key part names too (see `method`)."""
        for index, part in enumerate(exchange.routing_key):
            if part.constant is None:
                self.routing_key_part(part.name, where=routing_key_part_at(exchange, index))
        name = snake_case(exchange.name, kind="exchange", where=exchange_name_at(exchange))
        return avoid(name, EVENTS_MEMBERS)

    def routing_key_part(self, name: str, where: str = "") -> str:
        """Keyword argument of an exchange helper for one routing-key part."""
        return avoid(snake_case(name, kind="routing-key part", where=where), BUILTINS | PARAMETER_NAMES)

    def module(self, service: Service) -> str:
        """Module of the package that contains the service's classes."""
        return avoid(snake_case(service.name, kind="service", where=service_name_at(service)), frozenset())
