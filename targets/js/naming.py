"""JavaScript names for what the model holds: the public names callers of the generated package write.

Every name depends only on the thing it names (and its own service), so adding a
method or a service never renames an existing one:

    service "purge-cache"      -> class PurgeCache, events class PurgeCacheEvents
    method "createTask"        -> queue.createTask(...)
    path argument "default"    -> parameter default_ in the declaration
    method "then"              -> client.then_(...), so no client is a thenable
    query parameter "limit"    -> options key limit
"""

from __future__ import annotations

import re

from generator.model import Exchange, Method, Service
from targets.reference_names import (
    argument_at,
    ascii_words,
    exchange_name_at,
    method_name_at,
    service_name_at,
)

# ECMAScript reserved words, the strict-mode ones, and `arguments` and `eval`, which strict code
# cannot bind. An ES module is strict code, so none of them can name a parameter.
RESERVED_WORDS = frozenset(
    [
        "arguments",
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "eval",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
    ]
)

# Members every generated client or events class already has. A reference name equal to one
# of them gets a trailing underscore, because a method of that name would replace the member.
# `then` is among them although the classes do not define it. An object with a `then` method
# is a thenable, so `await client` would call that method as if the client were a promise,
# and so would returning the client from an async function. `then_` avoids that.
CLIENT_MEMBERS = frozenset({"constructor", "then", "use"})
EVENTS_MEMBERS = frozenset({"constructor", "then"})

LANGUAGE = "JavaScript"

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def is_identifier(name: str) -> bool:
    """Whether `name` is an ASCII JavaScript identifier name (reserved words included)."""
    return bool(_IDENTIFIER.match(name))


def pascal_case(name: str, *, kind: str = "name", where: str = "") -> str:
    """`purge-cache` -> `PurgeCache`, `workerManager` -> `WorkerManager`.

    Raises a TcgenError at `where` ("document#pointer") for a name that
    targets.reference_names rejects.
    """
    words = ascii_words(name, language=LANGUAGE, kind=kind, where=where)
    return "".join(word[:1].upper() + word[1:] for word in words)


def camel_case(name: str, *, kind: str = "name", where: str = "") -> str:
    """A valid identifier close to `name`: kept as is when it already is one."""
    pascal = pascal_case(name, kind=kind, where=where)
    if is_identifier(name):
        return name
    return pascal[:1].lower() + pascal[1:]


class JsNaming:
    """The Naming protocol for the JavaScript package.

    `where` arguments are "document#pointer" of the name in its reference, so
    that a name JavaScript cannot use raises an error pointing at the entry.
    """

    def client_class(self, service: Service) -> str:
        return pascal_case(service.name, kind="service", where=service_name_at(service))

    def events_class(self, service: Service) -> str:
        return self.client_class(service) + "Events"

    def method(self, service: Service, method: Method) -> str:
        """Name of the method, after checking its path argument names too.

        The surface names a method before its arguments, so checking them here
        gives every caller an error that points at the entry's own name.
        """
        for index, argument in enumerate(method.args):
            self.argument(argument, where=argument_at(method, index))
        name = camel_case(method.name, kind="method", where=method_name_at(method))
        return name + "_" if name in CLIENT_MEMBERS else name

    def argument(self, name: str, where: str = "") -> str:
        identifier = camel_case(name, kind="path argument", where=where)
        return identifier + "_" if identifier in RESERVED_WORDS else identifier

    def query(self, name: str) -> str:
        # Query parameters are keys of the options object, so any string works unchanged
        # and nothing is dropped; they are not identifiers and need no check.
        return name

    def exchange(self, service: Service, exchange: Exchange) -> str:
        name = camel_case(exchange.name, kind="exchange", where=exchange_name_at(exchange))
        return name + "_" if name in EVENTS_MEMBERS else name
