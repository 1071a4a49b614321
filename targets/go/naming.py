"""Go names for what the model holds: packages, types, methods, parameters and fields.

A name depends only on the service, method, exchange or argument it names, so
adding a method elsewhere never renames an existing one. For example the service
"purge-cache" becomes package `purgecache` with client type `PurgeCache`, and the
method "createTask" becomes `CreateTask`.
"""

from __future__ import annotations

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

GO_KEYWORDS = frozenset(
    ["break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type", "var"]
)

GO_PREDECLARED = frozenset(
    ["any", "bool", "byte", "comparable", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "true", "false", "iota", "nil", "append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make", "max", "min", "new", "panic", "print", "println", "real", "recover"]
)

RUNTIME_PACKAGE = "tcclient"

# Directory names the go command treats specially. A `main` package is a program and
# cannot be imported. Only the parent tree may import an `internal` package. The
# patterns of `go build ./...` and `go vet ./...` skip `testdata` and `vendor`.
GO_TOOL_NAMES = frozenset({"internal", "main", "testdata", "vendor"})

# Service package names that get the `tc` prefix.
RESERVED_PACKAGES = GO_KEYWORDS | GO_PREDECLARED | GO_TOOL_NAMES | {RUNTIME_PACKAGE}

# Identifiers that the body of a generated method uses besides its parameters:
# the receiver, the locals and the imported packages.
METHOD_BODY_NAMES = frozenset(
    {"client", "ctx", "payload", "opts", "path", "query", "body", "err", "fmt", "json", "context", RUNTIME_PACKAGE}
)

# Exported members of every client struct, which no API method may reuse.
CLIENT_FIELD = "Runtime"

LANGUAGE = "Go"


def pascal(name: str, *, kind: str = "name", where: str = "") -> str:
    """Upper-case the first letter of each alphanumeric run: "task-defined" -> "TaskDefined".

    Raises a TcgenError at `where` ("document#pointer") for a name that
    targets.reference_names rejects.
    """
    words = ascii_words(name, language=LANGUAGE, kind=kind, where=where)
    return "".join(word[0].upper() + word[1:] for word in words)


def lower_camel(name: str, *, kind: str = "name", where: str = "") -> str:
    """Lower-case the first letter of the PascalCase form: "task-id" -> "taskId"."""
    upper = pascal(name, kind=kind, where=where)
    return upper[0].lower() + upper[1:]


class GoNaming:
    """The public Go names of a generated module, qualified by package where the surface needs it.

    `where` arguments are "document#pointer" of the name in its reference, so
    that a name Go cannot use raises an error pointing at the entry.
    """

    def package(self, service: Service) -> str:
        """Package and directory name: lowercase words run together, `tc` prefix when reserved.

        "purge-cache" -> purgecache, "go" -> tcgo, "main" -> tcmain. Two services
        can still meet in one name ("ab" and "a-b"); the emitter rejects that.
        """
        words = ascii_words(service.name, language=LANGUAGE, kind="service", where=service_name_at(service))
        name = "".join(words).lower()
        return "tc" + name if name in RESERVED_PACKAGES else name

    def client_type(self, service: Service) -> str:
        return pascal(service.name, kind="service", where=service_name_at(service))

    def client_class(self, service: Service) -> str:
        return f"{self.package(service)}.{self.client_type(service)}"

    def events_class(self, service: Service) -> str:
        return f"{self.package(service)}.Events"

    def method(self, service: Service, method: Method) -> str:
        """Name of the method, after checking its argument and query names too.

        The surface names a method before its arguments, so checking them here
        gives every caller an error that points at the entry's own name.
        """
        for index, name in enumerate(method.args):
            self.argument(name, where=argument_at(method, index))
        for index, name in enumerate(method.query):
            self.query(name, where=query_at(method, index))
        name = pascal(method.name, kind="method", where=method_name_at(method))
        return name + "Method" if name == CLIENT_FIELD else name

    def options_type(self, service: Service, method: Method) -> str:
        return self.method(service, method) + "Options"

    def argument(self, name: str, where: str = "") -> str:
        go_name = lower_camel(name, kind="path argument", where=where)
        if go_name in GO_KEYWORDS or go_name in GO_PREDECLARED or go_name in METHOD_BODY_NAMES:
            return go_name + "Param"
        return go_name

    def query(self, name: str, where: str = "") -> str:
        return pascal(name, kind="query parameter", where=where)

    def exchange(self, service: Service, exchange: Exchange) -> str:
        """Name of the exchange method, after checking its routing-key part names too (see `method`)."""
        for index, part in enumerate(exchange.routing_key):
            if part.constant is None:
                self.routing_key_field(part.name, where=routing_key_part_at(exchange, index))
        return pascal(exchange.name, kind="exchange", where=exchange_name_at(exchange))

    def routing_key_type(self, service: Service, exchange: Exchange) -> str:
        return self.exchange(service, exchange) + "RoutingKey"

    def routing_key_field(self, name: str, where: str = "") -> str:
        return pascal(name, kind="routing-key part", where=where)
