"""Go names for what the model holds: packages, types, methods, parameters and fields.

A name depends only on the service, method, exchange or argument it names, so
adding a method elsewhere never renames an existing one. For example the service
"purge-cache" becomes package `purgecache` with client type `PurgeCache`, and the
method "createTask" becomes `CreateTask`.
"""

from __future__ import annotations

import re

from generator.errors import TcgenError
from generator.model import Exchange, Method, Service

GO_KEYWORDS = frozenset(
    ["break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type", "var"]
)

GO_PREDECLARED = frozenset(
    ["any", "bool", "byte", "comparable", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "true", "false", "iota", "nil", "append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make", "max", "min", "new", "panic", "print", "println", "real", "recover"]
)

RUNTIME_PACKAGE = "tcclient"

# Identifiers that the body of a generated method uses besides its parameters:
# the receiver, the locals and the imported packages.
METHOD_BODY_NAMES = frozenset(
    {"client", "ctx", "payload", "opts", "path", "query", "body", "err", "fmt", "json", "context", RUNTIME_PACKAGE}
)

# Exported members of every client struct, which no API method may reuse.
CLIENT_FIELD = "Runtime"

_WORD = re.compile(r"[A-Za-z0-9]+")


def pascal(name: str) -> str:
    """Upper-case the first letter of each alphanumeric run: "task-defined" -> "TaskDefined"."""
    words = _WORD.findall(name)
    result = "".join(word[0].upper() + word[1:] for word in words)
    if not result or not result[0].isalpha():
        raise TcgenError(
            f"cannot make a Go identifier from {name!r}",
            hint="names in references must start with a letter",
        )
    return result


def lower_camel(name: str) -> str:
    """Lower-case the first letter of the PascalCase form: "task-id" -> "taskId"."""
    upper = pascal(name)
    return upper[0].lower() + upper[1:]


class GoNaming:
    """The public Go names of a generated module, qualified by package where the surface needs it."""

    def package(self, service: Service) -> str:
        """Package and directory name: lowercase, no dashes, `tc` prefix when it clashes."""
        name = "".join(_WORD.findall(service.name)).lower()
        if not name or not name[0].isalpha():
            raise TcgenError(
                f"cannot make a Go package name from service {service.name!r}",
                hint="service names must start with a letter",
            )
        if name in GO_KEYWORDS or name in GO_PREDECLARED or name == RUNTIME_PACKAGE:
            return "tc" + name
        return name

    def client_type(self, service: Service) -> str:
        return pascal(service.name)

    def client_class(self, service: Service) -> str:
        return f"{self.package(service)}.{self.client_type(service)}"

    def events_class(self, service: Service) -> str:
        return f"{self.package(service)}.Events"

    def method(self, service: Service, method: Method) -> str:
        name = pascal(method.name)
        return name + "Method" if name == CLIENT_FIELD else name

    def options_type(self, service: Service, method: Method) -> str:
        return self.method(service, method) + "Options"

    def argument(self, name: str) -> str:
        go_name = lower_camel(name)
        if go_name in GO_KEYWORDS or go_name in GO_PREDECLARED or go_name in METHOD_BODY_NAMES:
            return go_name + "Param"
        return go_name

    def query(self, name: str) -> str:
        return pascal(name)

    def exchange(self, service: Service, exchange: Exchange) -> str:
        return pascal(exchange.name)

    def routing_key_type(self, service: Service, exchange: Exchange) -> str:
        return self.exchange(service, exchange) + "RoutingKey"

    def routing_key_field(self, name: str) -> str:
        return pascal(name)
